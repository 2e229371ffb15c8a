/**
 * Every way a run can fail, reduced to what is reported (one line, plus fields for `--json`) and the exit code. The
 * kit reports what both bins share: usage errors, a declined confirmation, a lost stdout, parse errors, a bad setting
 * in the environment, an unreachable rate-limit store, every error of the client (`WebhooksError`), bugs. A bin
 * passes only the failures that are its own (a manifest problem, a secret file that could not be written, ...) to
 * {@link make}, as `specific`.
 *
 * A client error is rendered in the bin's terms: the setting its advice is about is named the way the bin sets it,
 * read off the client's settings table (`--rate-limit or EXA_RATE_LIMIT`), and advice that points at a command the
 * bin has is given as that command (`run 'exa-webhooks list' to see the ids`), each thing said once.
 *
 * @since 0.1.0
 */
import { ClientOptions, RateLimitStore, WebhooksError } from "@exa-webhooks/client"
import { Cause, Config, Duration, Predicate } from "effect"
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
 * @category client errors
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
 * How the bins set a client setting, read off the client's table (`ClientOptions.settings`): its flag and its
 * variable (`--rate-limit or EXA_RATE_LIMIT`; the key, read from a file only, `EXA_API_KEY or --api-key-file`), or
 * the variable alone when there is no flag.
 *
 * @example
 * ```ts
 * ErrorReport.settingName({ option: "timeout" }) // "--timeout or EXA_TIMEOUT"
 * ```
 * @category client errors
 * @since 0.5.0
 */
export const settingName = (setting: WebhooksError.Setting): string | undefined => {
  const entry = Object.values(ClientOptions.settings).find((candidate) => candidate.option === setting.option)
  if (entry === undefined) return setting.env
  if (entry.flag === undefined) return entry.env
  return entry.flag.file === true ? `${entry.env} or --${entry.flag.name}` : `--${entry.flag.name} or ${entry.env}`
}

/**
 * The commands of the bin an error's advice can point at (`list`), and the bin's name.
 *
 * @category client errors
 * @since 0.5.0
 */
export interface Terms {
  readonly program: string
  /** The names of the bin's commands. */
  readonly commands: ReadonlyArray<string>
}

// A 404 on a webhook: the client's own sentence says what the server's message says, and the bin's `list` is the
// way to find an id.
const isMissingWebhook = (error: WebhooksError.WebhooksError): error is WebhooksError.NotFoundError =>
  error._tag === "NotFoundError" && error.namesWebhook

// The advice in the bin's terms, when it has a command for it.
const ownAdvice = (error: WebhooksError.WebhooksError, terms: Terms | undefined): string | undefined =>
  terms !== undefined && isMissingWebhook(error) && terms.commands.includes("list")
    ? `Run '${terms.program} list' to see the ids.`
    : undefined

// The error without the server's message, when that only repeats what the error itself says.
const withoutEcho = (error: WebhooksError.WebhooksError): WebhooksError.WebhooksError => {
  if (!isMissingWebhook(error) || error.serverMessage === undefined) return error
  const fields = Object.fromEntries(Object.entries(error).filter(([key]) => key !== "_tag" && key !== "serverMessage"))
  return new WebhooksError.NotFoundError(fields as ConstructorParameters<typeof WebhooksError.NotFoundError>[0])
}

/**
 * The advice a report gives for a client error: the bin's own (see {@link Terms}), else the client's.
 *
 * @category client errors
 * @since 0.5.0
 */
export const adviceOf = (error: WebhooksError.WebhooksError, terms?: Terms): string | undefined =>
  ownAdvice(error, terms) ?? ("advice" in error ? error.advice : undefined)

/**
 * A client error as the line a user reads: `Tag: what happened. What to do (the bin's name for the setting).`
 *
 * @example
 * ```ts
 * ErrorReport.describe(error)
 * // "RateLimitError: GET /websets/v0/webhooks: Exa answered 429 ... Lower the client's rate limit or retry later (--rate-limit or EXA_RATE_LIMIT)."
 * ```
 * @category client errors
 * @since 0.3.0
 */
export const describe = (error: WebhooksError.WebhooksError, terms?: Terms): string =>
  `${error._tag}: ${sentence(error, terms)}`

/**
 * {@link describe} without the tag: what happened, then what to do (for a line that names the error elsewhere, such
 * as one item of an apply).
 *
 * @category client errors
 * @since 0.5.0
 */
export const sentence = (error: WebhooksError.WebhooksError, terms?: Terms): string => {
  const shown = withoutEcho(error)
  const advice = adviceOf(error, terms)
  const setting = ownAdvice(error, terms) === undefined && "setting" in error ? error.setting : undefined
  const named = setting === undefined ? undefined : settingName(setting)
  const what = advice === undefined ? "" : ` ${named === undefined ? advice : advice.replace(/\.?$/, ` (${named}).`)}`
  return `${shown.message}${what}`
}

/**
 * A parse error of effect/cli as one line: its own messages can span lines ("Did you mean this?\n  create").
 * `program` names the command when the parser does not.
 *
 * @category parse errors
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
 * @category parse errors
 * @since 0.1.0
 */
export const helpHint = (commandPath: ReadonlyArray<string>): string => ` (see '${commandPath.join(" ")} --help')`

/**
 * How a bin turns failures into reports.
 *
 * @category models
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
 * The report of a client error: exit 2 for what was refused before anything was sent (the input, the options), 1
 * for the rest.
 *
 * @category client errors
 * @since 0.5.0
 */
export const ofClientError = (error: WebhooksError.WebhooksError, terms?: Terms): Report => {
  if (error._tag === "InvalidInputError") {
    // Normally caught earlier by the bin's own checks, which name flags or manifest lines; this is the client's
    // second line of defence.
    return {
      type: error._tag,
      message: `invalid input, nothing was sent: ${error.problems.map((p) => `${p.path || "input"}: ${p.message}`).join("; ")}`,
      exitCode: ExitCode.Usage,
      details: { problems: error.problems }
    }
  }
  if (error._tag === "InvalidOptionsError") {
    return { type: "UsageError", message: error.message, exitCode: ExitCode.Usage, details: apiDetails(error) }
  }
  const advice = adviceOf(error, terms)
  return {
    type: error._tag,
    message: describe(error, terms),
    exitCode: ExitCode.ApiFailure,
    details: { ...apiDetails(error), ...(advice === undefined ? {} : { advice }) }
  }
}

/**
 * The reporter of `program`: `specific` reports the bin's own failures (and returns `undefined` for the rest);
 * `commands` are the names of the bin's commands, for advice in its terms.
 *
 * @example
 * ```ts
 * const reporter = ErrorReport.make({
 *   program: "exa-webhooks-batch",
 *   specific: (error) => error instanceof JournalError ? { type: "JournalError", message: error.message, exitCode: 1 } : undefined
 * })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: {
  readonly program: string
  readonly specific?: ((error: unknown) => Report | undefined) | undefined
  readonly commands?: ReadonlyArray<string> | undefined
}): Reporter => {
  const { program, specific } = options
  const terms: Terms = { program, commands: options.commands ?? [] }
  const of = (error: unknown): Report => {
    const own = specific?.(error)
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
    if (error instanceof Config.ConfigError) {
      return {
        type: "UsageError",
        message: `invalid client setting in the environment: ${configLine(error.message)}`,
        exitCode: ExitCode.Usage
      }
    }
    if (WebhooksError.isWebhooksError(error)) return ofClientError(error, terms)
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
 * @category parse errors
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
 * @category parse errors
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
