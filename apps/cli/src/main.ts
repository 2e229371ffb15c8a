/**
 * Entry point of `exa-webhooks`: runs the command through the kit's `Main.run` (failures on stderr as one line, or
 * one JSON object with `--json`; the exit codes of `ExitCode`).
 *
 * @since 0.1.0
 */
import * as Main from "@exa-webhooks/cli-kit/Main"
import * as Commands from "./Commands.ts"
import * as ErrorReport from "./ErrorReport.ts"
import * as ExitCode from "./ExitCode.ts"
import * as Program from "./Program.ts"

Main.run({
  program: Program.NAME,
  version: Program.VERSION,
  command: Commands.command,
  reporter: ErrorReport.reporter,
  helpSections: [Main.environmentSection(), ExitCode.helpSection],
  interrupted: "interrupted; nothing more was sent (a request already on its way may still have been applied)",
  // `exa-webhooks UNKNOWN --help` would print the root's help and succeed: the parser shows help before it looks at
  // the command. An unknown command is a usage error whether or not help was asked for.
  preflight: (args) => ErrorReport.unknownCommandWithHelp(args, Commands.command)
})
