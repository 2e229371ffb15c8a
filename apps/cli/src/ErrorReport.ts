/**
 * The failures of `exa-webhooks` (client errors, secret files, an uncertain create, a delivery that is not genuine)
 * reduced to what is reported (one line, plus fields for `--json`) and the exit code; the kit's `ErrorReport` reports
 * the failures both bins share (usage, a declined confirmation, a lost stdout, parse errors, bugs).
 *
 * @since 0.1.0
 */
import { WebhooksError } from "@exa-webhooks/client"
import * as KitErrorReport from "@exa-webhooks/cli-kit/ErrorReport"
import type { Report } from "@exa-webhooks/cli-kit/Output"
import { VerifyError } from "@exa-webhooks/receiver"
import { Validation } from "@exa-webhooks/schema"
import { CheckpointWriteError } from "./CheckpointFile.ts"
import { TriggerFailed } from "./EventCommands.ts"
import * as ExitCode from "./ExitCode.ts"
import * as Program from "./Program.ts"
import { ReplayIncomplete } from "./Replay.ts"
import { SecretFileError } from "./SecretFile.ts"
import { UncertainCreate } from "./UncertainCreate.ts"

// Global flags that take a value (`--base-url URL`): the word after them is not a command.
const VALUE_FLAGS: ReadonlySet<string> = new Set([
  "--base-url",
  "--api-key-file",
  "--api-key",
  "--rate-limit",
  "--timeout",
  "--log-level",
  "--completions"
])

/**
 * With `--help` (or `-h`) among `args`: the report for a first word that names no subcommand of `command`, else
 * `undefined` (the parser then shows the help asked for).
 *
 * @since 0.2.0
 */
export const unknownCommandWithHelp = (
  args: ReadonlyArray<string>,
  command: { readonly name: string; readonly subcommands: ReadonlyArray<{ readonly commands: ReadonlyArray<{ readonly name: string }> }> }
): Report | undefined => {
  const end = args.indexOf("--")
  const words = end === -1 ? args : args.slice(0, end)
  if (!words.includes("--help") && !words.includes("-h")) return undefined
  let first: string | undefined
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    if (word.startsWith("-")) {
      if (VALUE_FLAGS.has(word)) i++
      continue
    }
    first = word
    break
  }
  const names = command.subcommands.flatMap((group) => group.commands.map((c) => c.name))
  if (first === undefined || names.includes(first)) return undefined
  return {
    type: "UsageError",
    message: `unknown command ${Validation.quote(first)}; the commands are ${names.join(", ")}${KitErrorReport.helpHint([command.name])}`,
    exitCode: ExitCode.Usage
  }
}

/**
 * How `exa-webhooks` sets the client settings that an error's advice can be about.
 *
 * @since 0.3.0
 */
export const settingNames: KitErrorReport.SettingNames = {
  apiKey: "EXA_API_KEY or --api-key-file",
  rateLimit: "EXA_RATE_LIMIT",
  timeout: "EXA_TIMEOUT"
}

const specific = (error: unknown): Report | undefined => {
  if (error instanceof ReplayIncomplete || error instanceof TriggerFailed) {
    return { type: error._tag, message: error.message, exitCode: ExitCode.ApiFailure }
  }
  if (error instanceof CheckpointWriteError) {
    return { type: error._tag, message: error.message, exitCode: ExitCode.ApiFailure, details: { path: error.path } }
  }
  if (error instanceof SecretFileError) {
    return { type: "SecretFileError", message: error.message, exitCode: ExitCode.ApiFailure, details: { path: error.path } }
  }
  if (error instanceof UncertainCreate) {
    return {
      type: error.error._tag,
      message: error.message,
      exitCode: ExitCode.ApiFailure,
      details: { ...KitErrorReport.apiDetails(error.error), idempotencyKey: error.idempotencyKey }
    }
  }
  if (WebhooksError.isWebhooksError(error)) {
    if (error._tag === "InvalidInputError") {
      // Normally caught earlier by the CLI's own checks, which name flags; this is the client's second line of defence.
      return {
        type: error._tag,
        message: `invalid input, nothing was sent: ${error.problems.map((p) => `${p.path || "input"}: ${p.message}`).join("; ")}`,
        exitCode: ExitCode.Usage,
        details: { problems: error.problems }
      }
    }
    return {
      type: error._tag,
      message: KitErrorReport.describe(error, settingNames),
      exitCode: ExitCode.ApiFailure,
      details: KitErrorReport.apiDetails(error)
    }
  }
  // `verify`: the delivery is not genuine (exit 1), the message names the check that failed.
  if (VerifyError.isVerifyError(error)) {
    return {
      type: error._tag,
      message: `not a genuine delivery: ${error.message}`,
      exitCode: ExitCode.ApiFailure,
      details: { status: error.status, ...("reason" in error ? { reason: error.reason } : {}) }
    }
  }
  return undefined
}

/**
 * How `exa-webhooks` reports failures.
 *
 * @since 0.1.0
 */
export const reporter: KitErrorReport.Reporter = KitErrorReport.make({ program: Program.NAME, specific })

/**
 * The report for a failure of a command.
 *
 * @since 0.1.0
 */
export const of = reporter.of
