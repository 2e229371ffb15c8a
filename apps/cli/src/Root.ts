/**
 * The root command of `exa-webhooks` (the global flags, no action of its own), and the session every subcommand
 * resolves from it.
 *
 * @since 0.4.0
 */
import { Effect } from "effect"
import { Command } from "effect/cli"
import * as Session from "./Session.ts"

/**
 * The bin's name.
 *
 * @since 0.4.0
 */
export const NAME = "exa-webhooks"

/**
 * The root command: global flags, no action of its own.
 *
 * @since 0.1.0
 */
export const root = Command.make(NAME).pipe(
  Command.withSharedFlags(Session.flags),
  Command.withDescription(
    [
      "Create and manage Exa Websets webhooks from a terminal or a CI job, and receive Exa's events locally.",
      "  The API key is read from EXA_API_KEY or --api-key-file PATH; there is no --api-key flag, because command",
      "  lines leak into shell history and process lists. Every input is checked before anything is sent.",
      "  Run 'exa-webhooks COMMAND --help' for a command's flags."
    ].join("\n")
  )
)

/**
 * The session of the run: the global flags resolved (a missing key fails here, before anything is sent).
 *
 * @since 0.4.0
 */
export const session = Effect.flatMap(root, Session.resolve)
