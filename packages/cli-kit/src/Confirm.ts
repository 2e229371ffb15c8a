/**
 * Asking a person before a destructive step.
 *
 * The question goes to stderr, not stdout: stdout may be redirected into a file or a pipe (`--json > out.json`) and
 * must carry only the command's result. Only a terminal on stdin is asked; anything else (a pipe, /dev/null, a CI
 * job) is never prompted, and the caller refuses instead, so a script cannot hang or be answered by stray input.
 *
 * @since 0.1.0
 */
import { Printable, UrlCredentials } from "@exa-webhooks/schema"
import { Context, Effect, Layer, Schema } from "effect"
import * as Readline from "node:readline"

/**
 * The person answered no (or closed the input).
 *
 * @since 0.1.0
 */
export class ConfirmationDeclined extends Schema.TaggedError<ConfirmationDeclined>()("ConfirmationDeclined", {
  message: Schema.String
}) {}

/**
 * @since 0.1.0
 */
export interface Service {
  /** True when stdin is a terminal, i.e. there is a person to ask. */
  readonly interactive: Effect.Effect<boolean>
  /** Asks a yes/no question; only "y" or "yes" (any case) is a yes. Ctrl-C interrupts the command. */
  readonly ask: (question: string) => Effect.Effect<boolean>
}

/**
 * The service tag.
 *
 * @since 0.1.0
 */
export class Confirm extends Context.Service<Confirm, Service>()("@exa-webhooks/cli-kit/Confirm") {}

const ask = (question: string): Effect.Effect<boolean> =>
  Effect.callback<boolean>((resume) => {
    const rl = Readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true })
    let settled = false
    const settle = (effect: Effect.Effect<boolean>) => {
      if (settled) return
      settled = true
      rl.close()
      resume(effect)
    }
    // In raw mode Ctrl-C reaches readline, not the process: turn it into the interruption the runtime expects.
    rl.on("SIGINT", () => {
      process.stderr.write("\n")
      settle(Effect.interrupt)
    })
    // End of input (Ctrl-D) is not a yes.
    rl.on("close", () => {
      if (!settled) process.stderr.write("\n")
      settle(Effect.succeed(false))
    })
    rl.question(`${UrlCredentials.mask(Printable.escape(question))} [y/N] `, (answer) => settle(Effect.succeed(/^y(es)?$/i.test(answer.trim()))))
    return Effect.sync(() => {
      settled = true
      rl.close()
    })
  })

/**
 * The terminal-backed implementation.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<Confirm> = Layer.succeed(Confirm, {
  interactive: Effect.sync(() => process.stdin.isTTY === true),
  ask
})
