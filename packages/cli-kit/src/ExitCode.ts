/**
 * The exit codes both bins share, and the teardown that turns how the program ended into one of them.
 *
 * Scripts branch on these, so they are few and each has one meaning (a bin may add its own, such as
 * `exa-webhooks-batch plan --detailed-exit-code`'s 3, and describes them all in its `--help`):
 * - 0: the command did what was asked.
 * - 1: the API or the network failed (the request was sent, or sending it failed).
 * - 2: invalid usage or input, a missing or unreadable key, or a declined confirmation: nothing was sent.
 * - 130: interrupted by Ctrl-C (SIGINT); 143: stopped by SIGTERM (the shell conventions, 128 + the signal's number).
 *
 * @since 0.1.0
 */
import { Cause, Exit, Schema } from "effect"
import type { Runtime } from "effect"

/**
 * @since 0.1.0
 */
export const Success = 0

/**
 * @since 0.1.0
 */
export const ApiFailure = 1

/**
 * @since 0.1.0
 */
export const Usage = 2

/**
 * What each code means, as the EXIT CODES section of `--help` says it; a command may give a code its own meaning,
 * add one (`plan --detailed-exit-code`'s 3) or drop one that it never exits with (`null`), see `Help.ExitCodes`.
 *
 * @category help
 * @since 0.5.0
 */
export type Meanings = Readonly<Record<number, string | null>>

/**
 * The meanings every command starts from.
 *
 * @category help
 * @since 0.5.0
 */
export const meanings: Meanings = {
  0: "success",
  1: "the API or the network failed; the message names the error, HTTP status and request id",
  2: "invalid usage or input, a missing or unreadable API key, or a declined confirmation: nothing was sent",
  130: "interrupted (Ctrl-C)",
  143: "stopped by SIGTERM"
}

/**
 * The shell convention for a process stopped by SIGINT (128 + 2).
 *
 * @since 0.1.0
 */
export const Interrupted = 130

/**
 * The shell convention for a process stopped by SIGTERM (128 + 15).
 *
 * @since 0.4.0
 */
export const Terminated = 143

/**
 * The signals that stop a run, and what each ends with.
 *
 * @since 0.4.0
 */
export type Signal = "SIGINT" | "SIGTERM"

/**
 * The exit code of a run interrupted by `signal`: 143 for SIGTERM, 130 for SIGINT and for an interruption that came
 * without a signal (Ctrl-C at a prompt, which reads the key itself).
 *
 * @since 0.4.0
 */
export const ofSignal = (signal: Signal | undefined): number => (signal === "SIGTERM" ? Terminated : Interrupted)

/**
 * How the program ends once its failure has been reported: the code to exit with. Raised only after the message
 * was written, so the teardown never prints anything itself.
 *
 * @since 0.1.0
 */
export class Exiting extends Schema.TaggedError<Exiting>()("Exiting", {
  code: Schema.Number
}) {}

/**
 * The teardown given to `NodeRuntime.runMain`: success is 0, an interruption the code of the signal that caused it
 * (`received`, see {@link ofSignal}), an {@link Exiting} its code and anything else (a defect that escaped reporting)
 * 1.
 *
 * @since 0.4.0
 */
export const teardown = (received: () => Signal | undefined): Runtime.Teardown => (exit, onExit) => {
  const code = Exit.isSuccess(exit)
    ? Success
    : Cause.hasInterruptsOnly(exit.cause)
    ? ofSignal(received())
    : Cause.squash(exit.cause) instanceof Exiting
    ? (Cause.squash(exit.cause) as Exiting).code
    : ApiFailure
  flushed(() => onExit(code))
}

/**
 * Calls `then` once everything written to stdout and stderr has been handed to the OS. On a pipe, Node writes
 * asynchronously: exiting at once cuts what a slow reader has not taken yet (a long `--json` error line would end
 * as invalid JSON after 64 KiB).
 *
 * @since 0.2.0
 */
export const flushed = (then: () => void): void => {
  let pending = 2
  const done = () => {
    if (--pending === 0) then()
  }
  for (const stream of [process.stdout, process.stderr]) {
    // A closed or broken stream calls back with an error: nothing more can be flushed, so that is done too.
    if (stream.destroyed || !stream.writable) done()
    else stream.write("", done)
  }
}
