/**
 * Every way a command can fail, reduced to what is reported (a line, plus fields for `--json`) and the exit code.
 *
 * @since 0.1.0
 */
import { Cause, Predicate } from "effect"
import { CliError } from "effect/cli"
import { ApplyFailed } from "./Commands.ts"
import { ConfirmationDeclined } from "./Confirm.ts"
import * as ExitCode from "./ExitCode.ts"
import { JournalError } from "./Journal.ts"
import { ManifestError } from "./ManifestFile.ts"
import * as ManifestFile from "./ManifestFile.ts"
import { type Report, StdoutError } from "./Output.ts"
import { UsageError } from "./UsageError.ts"

const clientTags: ReadonlySet<string> = new Set([
  "InvalidInputError",
  "AuthenticationError",
  "PermissionDeniedError",
  "NotFoundError",
  "RateLimitError",
  "ApiError",
  "ServerError",
  "TransportError",
  "UnexpectedResponseError"
])

const cliErrorLine = (error: CliError.CliError): string => {
  switch (error._tag) {
    case "UnrecognizedOption": {
      const hint = error.suggestions.length > 0 ? `; did you mean ${error.suggestions.join(" or ")}?` : ""
      return `unknown flag ${error.option} for '${(error.command ?? ["exa-webhooks-batch"]).join(" ")}'${hint}`
    }
    case "UnknownSubcommand": {
      const hint = error.suggestions.length > 0 ? `; did you mean ${error.suggestions.join(" or ")}?` : ""
      return `unknown command "${error.subcommand}"${hint}`
    }
    default:
      return error.message
  }
}

/**
 * The usage line for parse errors of effect/cli.
 *
 * @since 0.1.0
 */
export const cliErrors = (errors: ReadonlyArray<CliError.CliError>, commandPath: ReadonlyArray<string>): Report => ({
  type: "UsageError",
  message: `${errors.map(cliErrorLine).join("; ")} (see '${commandPath.join(" ")} --help')`,
  exitCode: ExitCode.Usage
})

/**
 * The report for a failure of a command.
 *
 * @since 0.1.0
 */
export const of = (error: unknown): Report => {
  if (error instanceof ManifestError) {
    return {
      type: "ManifestError",
      message: `${error.problems.length} problem${error.problems.length === 1 ? "" : "s"} in ${error.file}; nothing was sent`,
      exitCode: ExitCode.Usage,
      lines: error.problems.map(ManifestFile.formatProblem),
      details: { file: error.file, problems: error.problems }
    }
  }
  if (error instanceof UsageError) return { type: "UsageError", message: error.message, exitCode: ExitCode.Usage }
  if (error instanceof ConfirmationDeclined) {
    return { type: "ConfirmationDeclined", message: error.message, exitCode: ExitCode.Usage }
  }
  if (error instanceof JournalError) {
    return {
      type: "JournalError",
      message: error.beforeSending ? `${error.message} (nothing was sent)` : error.message,
      exitCode: error.beforeSending ? ExitCode.Usage : ExitCode.ApiFailure,
      details: { path: error.path }
    }
  }
  if (error instanceof ApplyFailed) return { type: "ApplyFailed", message: error.message, exitCode: ExitCode.ApiFailure }
  if (error instanceof StdoutError) return { type: "StdoutError", message: error.message, exitCode: ExitCode.ApiFailure }
  if (Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" && clientTags.has(error._tag)) {
    const details = Object.fromEntries(Object.entries(error).filter(([key]) => key !== "_tag" && key !== "message"))
    return {
      type: error._tag,
      message: `${error._tag}: ${String((error as { message?: unknown }).message)}`,
      exitCode: error._tag === "InvalidInputError" ? ExitCode.Usage : ExitCode.ApiFailure,
      details
    }
  }
  if (CliError.isCliError(error)) return { type: "UsageError", message: cliErrorLine(error), exitCode: ExitCode.Usage }
  return {
    type: "InternalError",
    message: `internal error: ${Predicate.hasProperty(error, "message") ? String(error.message) : String(error)}` +
      " (this is a bug in exa-webhooks-batch; please report it with the command you ran)",
    exitCode: ExitCode.ApiFailure
  }
}

/**
 * The report for a defect: one line, never a stack trace.
 *
 * @since 0.1.0
 */
export const ofDefect = (cause: Cause.Cause<unknown>): Report => of(Cause.squash(cause))
