/**
 * Every way a run can fail, reduced to what is reported (one line, plus fields for `--json`) and the exit code: the
 * failures both bins share (usage, a declined confirmation, a lost stdout, a parse error, a bug) here, each bin's
 * own (client errors, manifests, secret files, ...) in the `specific` function it passes to {@link make}.
 *
 * @since 0.1.0
 */
import { RateLimitStore, WebhooksError } from "@exa-webhooks/client"
import { Cause, Duration, Predicate } from "effect"
import { CliError } from "effect/cli"
import { ConfirmationDeclined } from "./Confirm.ts"
import * as ExitCode from "./ExitCode.ts"
import { type Report, StdoutError } from "./Output.ts"
import { UsageError } from "./UsageError.ts"

/**
 * The machine-readable fields of a client error (method, path, status, requestId, code, attempts, advice, setting,
 * ...) for `--json`, with `retryable` (the error's `isRetryable`) and `retryAfterMillis` (its `retryAfter`) as plain
 * numbers and booleans.
 *
 * @since 0.1.0
 */
export const apiDetails = (error: WebhooksError.WebhooksError): Record<string, unknown> => {
  const retryAfter = WebhooksError.retryAfterOf(error)
  return {
    ...Object.fromEntries(
      Object.entries(error).filter(([key]) => key !== "_tag" && key !== "message" && key !== "retryAfter")
    ),
    retryable: error.isRetryable,
    ...(retryAfter === undefined ? {} : { retryAfterMillis: Duration.toMillis(retryAfter) })
  }
}

/**
 * How a bin names the client settings an error's advice is about (`apiKey`, `rateLimit`, `timeout`): its flags and
 * the environment variables it reads.
 *
 * @since 0.3.0
 */
export type SettingNames = Readonly<Partial<Record<string, string>>>

/**
 * A client error as the line a user reads: `Tag: what happened. What to do (the bin's name for the setting).`
 *
 * @example
 * ```ts
 * ErrorReport.describe(error, { rateLimit: "--rate-limit or EXA_RATE_LIMIT" })
 * // "RateLimitError: GET /websets/v0/webhooks: Exa answered 429 ... Lower the client's rate limit or retry later (--rate-limit or EXA_RATE_LIMIT)."
 * ```
 * @since 0.3.0
 */
export const describe = (error: WebhooksError.WebhooksError, names: SettingNames = {}): string =>
  `${error._tag}: ${WebhooksError.format(error, { name: (setting) => names[setting.option] ?? setting.env })}`

/**
 * A parse error of effect/cli as one line: its own messages can span lines ("Did you mean this?\n  create").
 * `program` names the command when the parser does not.
 *
 * @since 0.1.0
 */
export const cliErrorLine = (program: string, error: CliError.CliError): string => {
  switch (error._tag) {
    case "InvalidValue":
      return invalidValueLine(error)
    case "UnrecognizedOption": {
      const hint = error.suggestions.length > 0 ? `; did you mean ${error.suggestions.join(" or ")}?` : ""
      return `unknown flag ${error.option} for '${(error.command ?? [program]).join(" ")}'${hint}`
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
 * ` (see 'exa-webhooks create --help')`: where to read how the command is used.
 *
 * @since 0.1.0
 */
export const helpHint = (commandPath: ReadonlyArray<string>): string => ` (see '${commandPath.join(" ")} --help')`

/**
 * How a bin turns failures into reports.
 *
 * @since 0.1.0
 */
export interface Reporter {
  /** The report for a failure of a command. `ShowHelp` is not here: the presenter has already handled it. */
  readonly of: (error: unknown) => Report
  /** The report for a defect (a bug): the first line of its message, never a stack trace on a user's terminal. */
  readonly ofDefect: (cause: Cause.Cause<unknown>) => Report
  /**
   * The usage line for parse errors of effect/cli (unknown flag, missing value, ...), with a pointer to the help of
   * the command that was being parsed.
   */
  readonly cliErrors: (errors: ReadonlyArray<CliError.CliError>, commandPath: ReadonlyArray<string>) => Report
}

/**
 * The reporter of `program`: `specific` reports the bin's own failures (and returns `undefined` for the rest).
 *
 * @example
 * ```ts
 * const reporter = ErrorReport.make({
 *   program: "exa-webhooks-batch",
 *   specific: (error) => error instanceof JournalError ? { type: "JournalError", message: error.message, exitCode: 1 } : undefined
 * })
 * ```
 * @since 0.1.0
 */
export const make = (options: {
  readonly program: string
  readonly specific: (error: unknown) => Report | undefined
}): Reporter => {
  const { program, specific } = options
  const of = (error: unknown): Report => {
    const own = specific(error)
    if (own !== undefined) return own
    if (error instanceof UsageError) return { type: "UsageError", message: error.message, exitCode: ExitCode.Usage }
    if (error instanceof ConfirmationDeclined) {
      return { type: "ConfirmationDeclined", message: error.message, exitCode: ExitCode.Usage }
    }
    if (error instanceof RateLimitStore.RateLimitStoreUnavailableError) {
      return {
        type: error._tag,
        message: `${error.message}; nothing was sent`,
        exitCode: ExitCode.ApiFailure,
        details: { store: error.store, reason: error.reason }
      }
    }
    if (error instanceof StdoutError) return { type: "StdoutError", message: error.message, exitCode: ExitCode.ApiFailure }
    if (CliError.isCliError(error)) {
      return { type: "UsageError", message: cliErrorLine(program, error), exitCode: ExitCode.Usage }
    }
    return {
      type: "InternalError",
      message: `internal error: ${Predicate.hasProperty(error, "message") ? String(error.message) : String(error)}` +
        ` (this is a bug in ${program}; please report it with the command you ran)`,
      exitCode: ExitCode.ApiFailure
    }
  }
  return {
    of,
    ofDefect: (cause) => of(Cause.squash(cause)),
    cliErrors: (errors, commandPath) => ({
      type: "UsageError",
      message: `${errors.map((error) => cliErrorLine(program, error)).join("; ")}${helpHint(commandPath)}`,
      exitCode: ExitCode.Usage
    })
  }
}

/**
 * A configuration failure as a person reads it: `EXA_TIMEOUT: expected a positive, finite duration ...` rather than
 * `SchemaError(...\n  at ["EXA_TIMEOUT"])` (a `ConfigError`'s message names the variable only in its last line).
 *
 * @example
 * ```ts
 * ErrorReport.configLine('SchemaError(must be a positive number\n  at ["EXA_RATE_LIMIT"])')
 * // 'EXA_RATE_LIMIT: must be a positive number'
 * ```
 * @since 0.2.0
 */
export const configLine = (message: string): string => {
  const match = /^(?:SchemaError|SourceError)\(([\s\S]*?)\s*\n\s*at \["([^"]+)"\]\)$/.exec(message.trim())
  return match === null ? message : `${match[2]}: ${match[1]!.replace(/\s*\n\s*/g, "; ")}`
}

// The message of a schema rule applied by `Flag.withSchema` / `Argument.withSchema`, after effect/cli's prefix.
const SCHEMA_PREFIX = "Schema validation failed: "

/**
 * A value refused by its rule (`Flag.withSchema`, `Argument.withSchema`, `Flag.withFallbackConfig`) as one line
 * naming the flag, the argument or the environment variable, with the rule's own message. The value itself is
 * never echoed here (the rule quotes it, masking a password where one could be).
 *
 * @since 0.2.0
 */
export const invalidValueLine = (error: CliError.InvalidValue): string => {
  const name = error.kind === "flag" ? `--${error.option}` : error.option.toUpperCase()
  // From the environment (withFallbackConfig): the variable is what to fix.
  if (error.value === "config") return `${configLine(error.expected)} (read for ${name})`
  if (!error.expected.startsWith(SCHEMA_PREFIX)) return error.message
  const message = error.expected.slice(SCHEMA_PREFIX.length).replace(/\s*\n\s*/g, "; ")
  // "limit must be ..." reads "--limit must be ..."; any other message follows the flag's name.
  return message.startsWith(`${error.option} `) ? `${name}${message.slice(error.option.length)}` : `${name}: ${message}`
}
