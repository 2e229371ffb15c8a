/**
 * The exit codes of `exa-webhooks-batch`, and the teardown that turns how the program ended into one of them.
 *
 * The same meanings as `exa-webhooks` (0 / 1 / 2 / 130), plus one that CI asks for explicitly:
 * - 0: the command did what was asked (for `plan`: the plan was printed).
 * - 1: the API or the network failed, or some items of an apply failed.
 * - 2: invalid usage or input (a manifest problem, a missing key, an unsafe secrets journal): nothing was sent.
 * - 3: `plan --detailed-exit-code` only: the plan has changes pending.
 * - 130: interrupted (Ctrl-C / SIGTERM).
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
 * `plan --detailed-exit-code` with changes pending.
 *
 * @since 0.1.0
 */
export const ChangesPending = 3

/**
 * The shell convention for a process stopped by SIGINT (128 + 2).
 *
 * @since 0.1.0
 */
export const Interrupted = 130

/**
 * The exit-code table as it appears at the end of every `--help`.
 *
 * @since 0.1.0
 */
export const helpSection = [
  "EXIT CODES",
  "  0    success",
  "  1    the API or the network failed, or some webhooks of an apply failed (each is listed)",
  "  2    invalid usage or input (manifest problems, missing API key, unsafe secrets journal): nothing was sent",
  "  3    plan --detailed-exit-code: changes are pending",
  "  130  interrupted (Ctrl-C); secrets of webhooks created so far are in the journal"
].join("\n")

/**
 * How the program ends once its failure has been reported: the code to exit with.
 *
 * @since 0.1.0
 */
export class Exiting extends Schema.TaggedError<Exiting>()("Exiting", {
  code: Schema.Number
}) {}

/**
 * The teardown given to `NodeRuntime.runMain`: success is 0, an interruption 130, an {@link Exiting} its code and
 * anything else 1.
 *
 * @since 0.1.0
 */
export const teardown: Runtime.Teardown = (exit, onExit) => {
  if (Exit.isSuccess(exit)) return onExit(Success)
  if (Cause.hasInterruptsOnly(exit.cause)) return onExit(Interrupted)
  const error = Cause.squash(exit.cause)
  return onExit(error instanceof Exiting ? error.code : ApiFailure)
}
