/**
 * Every way a command can fail, reduced to what is reported (one line, plus fields for `--json`) and the exit code.
 *
 * @since 0.1.0
 */
import type { WebhooksError } from "@exa-webhooks/client"
import { VerifyError } from "@exa-webhooks/receiver"
import { Validation } from "@exa-webhooks/schema"
import { Cause, Predicate } from "effect"
import { CliError } from "effect/cli"
import { ConfirmationDeclined } from "./Confirm.ts"
import * as ExitCode from "./ExitCode.ts"
import { type Report, StdoutError } from "./Output.ts"
import { SecretFileError } from "./SecretFile.ts"
import { UncertainCreate } from "./UncertainCreate.ts"
import { UsageError } from "./UsageError.ts"

const PROGRAM = "exa-webhooks"

const webhooksTags: ReadonlySet<string> = new Set([
  "InvalidInputError",
  "AuthenticationError",
  "PermissionDeniedError",
  "NotFoundError",
  "RateLimitError",
  "ApiError",
  "ServerError",
  "TransportError",
  "UnexpectedResponseError",
  "IdempotencyConflictError"
])

const isWebhooksError = (error: unknown): error is WebhooksError.WebhooksError =>
  Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" && webhooksTags.has(error._tag)

// A parse error of effect/cli as one line: its own messages can span lines ("Did you mean this?\n  create").
const where = (path: ReadonlyArray<string>) => path.join(" ")

const cliErrorLine = (error: CliError.CliError): string => {
  switch (error._tag) {
    case "UnrecognizedOption": {
      const hint = error.suggestions.length > 0 ? `; did you mean ${error.suggestions.join(" or ")}?` : ""
      return `unknown flag ${error.option} for '${where(error.command ?? [PROGRAM])}'${hint}`
    }
    case "UnknownSubcommand": {
      const hint = error.suggestions.length > 0 ? `; did you mean ${error.suggestions.join(" or ")}?` : ""
      return `unknown command "${error.subcommand}"${hint}`
    }
    default:
      return error.message
  }
}

const helpHint = (commandPath: ReadonlyArray<string>) => ` (see '${commandPath.join(" ")} --help')`

// Global flags that take a value (`--base-url URL`): the word after them is not a command.
const VALUE_FLAGS: ReadonlySet<string> = new Set(["--base-url", "--api-key-file", "--api-key", "--log-level", "--completions"])

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
    message: `unknown command ${Validation.quote(first)}; the commands are ${names.join(", ")}${helpHint([command.name])}`,
    exitCode: ExitCode.Usage
  }
}

/**
 * The usage line for parse errors of effect/cli (unknown flag, missing value, ...), with a pointer to the help of the
 * command that was being parsed.
 *
 * @since 0.1.0
 */
export const cliErrors = (
  errors: ReadonlyArray<CliError.CliError>,
  commandPath: ReadonlyArray<string>
): Report => ({
  type: "UsageError",
  message: `${errors.map(cliErrorLine).join("; ")}${helpHint(commandPath)}`,
  exitCode: ExitCode.Usage
})

// The machine-readable fields of a client error (method, path, status, requestId, code, attempts, ...).
const apiDetails = (error: WebhooksError.WebhooksError): Record<string, unknown> =>
  Object.fromEntries(Object.entries(error).filter(([key]) => key !== "_tag" && key !== "message"))

/**
 * The report for a failure of a command. `ShowHelp` is not here: the presenter has already handled it.
 *
 * @since 0.1.0
 */
export const of = (error: unknown): Report => {
  if (error instanceof UsageError) return { type: "UsageError", message: error.message, exitCode: ExitCode.Usage }
  if (error instanceof ConfirmationDeclined) {
    return { type: "ConfirmationDeclined", message: error.message, exitCode: ExitCode.Usage }
  }
  if (error instanceof SecretFileError) {
    return { type: "SecretFileError", message: error.message, exitCode: ExitCode.ApiFailure, details: { path: error.path } }
  }
  if (error instanceof StdoutError) {
    return { type: "StdoutError", message: error.message, exitCode: ExitCode.ApiFailure }
  }
  if (error instanceof UncertainCreate) {
    return {
      type: error.error._tag,
      message: error.message,
      exitCode: ExitCode.ApiFailure,
      details: { ...apiDetails(error.error), idempotencyKey: error.idempotencyKey }
    }
  }
  if (isWebhooksError(error)) {
    if (error._tag === "InvalidInputError") {
      // Normally caught earlier by the CLI's own checks, which name flags; this is the client's second line of defence.
      return {
        type: error._tag,
        message: `invalid input, nothing was sent: ${error.problems.map((p) => `${p.path || "input"}: ${p.message}`).join("; ")}`,
        exitCode: ExitCode.Usage,
        details: { problems: error.problems }
      }
    }
    return { type: error._tag, message: `${error._tag}: ${error.message}`, exitCode: ExitCode.ApiFailure, details: apiDetails(error) }
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
  if (CliError.isCliError(error)) {
    return { type: "UsageError", message: cliErrorLine(error), exitCode: ExitCode.Usage }
  }
  return {
    type: "InternalError",
    message: `internal error: ${Predicate.hasProperty(error, "message") ? String(error.message) : String(error)}` +
      " (this is a bug in exa-webhooks; please report it with the command you ran)",
    exitCode: ExitCode.ApiFailure
  }
}

/**
 * The report for a defect (a bug): the first line of its message, never a stack trace on a user's terminal.
 *
 * @since 0.1.0
 */
export const ofDefect = (cause: Cause.Cause<unknown>): Report => of(Cause.squash(cause))
