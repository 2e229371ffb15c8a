/**
 * Where everything a bin (`exa-webhooks`, `exa-webhooks-batch`) prints goes, in one place, so the rule "stdout
 * carries only the requested output" is enforced by construction:
 * - `result`: the one thing the command was asked for, on stdout (human text, or one JSON document with `--json`).
 * - `line`: one line of a command that prints as it goes (`listen`), on stdout (one JSON document per line with `--json`).
 * - `note` / `warn`: everything else (hints, "nothing was sent", warnings), on stderr.
 * - `failure`: the one line that explains a failure, on stderr (a JSON object with `--json`).
 *
 * And so are two rules of everything printed, stdout and stderr, text and JSON, log lines included:
 * - no URL shows its password (the schema's `UrlCredentials`: a webhook's own URL may carry one, and so may any URL
 *   in its metadata or in a message); what is sent keeps it.
 * - no control or invisible format character reaches the terminal as it is (the schema's `Printable`): human text
 *   shows them escaped, JSON as JSON escapes. Text a command lays out itself keeps its line breaks; a value from
 *   outside (a URL, metadata, an id) is escaped by the renderer that places it (`Printable.escape`), line breaks
 *   included, so it cannot start a line of its own.
 *
 * @since 0.1.0
 */
import { Printable, UrlCredentials } from "@exa-webhooks/schema"
import { Console, Context, Effect, Logger, Schema, Stdio, Stream } from "effect"
import { Flag, GlobalFlag } from "effect/cli"

/**
 * A failure as it is reported: `type` is the error's tag (`UsageError`, `NotFoundError`, ...), `message` the one line
 * a person reads, `details` the machine-readable fields (`status`, `requestId`, `method`, `path`, ...).
 *
 * @since 0.1.0
 */
export interface Report {
  readonly type: string
  readonly message: string
  readonly exitCode: number
  readonly details?: Readonly<Record<string, unknown>> | undefined
  /** Lines printed before the message in text mode, as they are (e.g. a manifest's `file:line:column: problem`). */
  readonly lines?: ReadonlyArray<string> | undefined
}

/**
 * The result could not be written to stdout (a full disk, a closed pipe): the command's output was lost, so the run
 * must not end as a success.
 *
 * @since 0.1.0
 */
export class StdoutError extends Schema.TaggedError<StdoutError>()("StdoutError", {
  message: Schema.String
}) {}

/**
 * @since 0.1.0
 */
export interface Service {
  /** True when `--json` was given: stdout carries one JSON document, stderr JSON objects. */
  readonly json: boolean
  /**
   * Writes the command's result: `document` with `--json`, otherwise the text `human()` builds. Fails when stdout
   * cannot take it (unlike `Console.log`, which drops write errors).
   */
  readonly result: (document: unknown, human: () => string) => Effect.Effect<void, StdoutError, Stdio.Stdio>
  /**
   * One line of a command that prints as it goes: `document` as one line of JSON with `--json`, otherwise `human()`;
   * on stdout, or on stderr with `to: "stderr"` (what went wrong with one of many things, say).
   */
  readonly line: (document: unknown, human: () => string, to?: "stdout" | "stderr") => Effect.Effect<void>
  /** A remark for people (a hint, "nothing was sent"); dropped with `--json`, where only documents are printed. */
  readonly note: (text: string) => Effect.Effect<void>
  /** A warning: on stderr in both modes (`{"warning": ...}` with `--json`). */
  readonly warn: (text: string) => Effect.Effect<void>
  /** Reports a failure on stderr, as one line (`{"error": {...}}` with `--json`). */
  readonly failure: (report: Report) => Effect.Effect<void>
}

/**
 * The service tag.
 *
 * @since 0.1.0
 */
export class Output extends Context.Service<Output, Service>()("@exa-webhooks/cli-kit/Output") {}

// One line, always: a message from a server or a library may carry newlines, which would break "one line on stderr"
// and any log scraper that reads it.
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, "; ").trim()

// What is printed, made safe: a URL's password masked, control characters escaped (in JSON, as JSON escapes).
const shown = (text: string) => UrlCredentials.mask(Printable.escapeLines(text))
const shownJson = (document: unknown, indent?: number) => UrlCredentials.mask(Printable.escapeJson(JSON.stringify(document, null, indent)))

// Everything written to stderr goes through these: one line each.
const stderrLine = (line: string) => Console.error(UrlCredentials.mask(Printable.escape(line)))
const stderrJson = (document: unknown) => Console.error(shownJson(document))

/**
 * The options of a run: `program` prefixes every line on stderr (`exa-webhooks: ...`), `json` selects the mode.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly program: string
  readonly json: boolean
}

/**
 * Builds the service for one run.
 *
 * @example
 * ```ts
 * const output = Output.make({ program: "exa-webhooks", json: Output.wantsJson(process.argv.slice(2)) })
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): Service => {
  const { json, program } = options
  return {
    json,
    result: (document, human) =>
      Stdio.Stdio.use((stdio) =>
        Stream.run(
          Stream.make(`${json ? shownJson(document, 2) : shown(human())}\n`),
          stdio.stdout({ endOnDone: false })
        )
      ).pipe(
        Effect.mapError((error) =>
          new StdoutError({
            message: `the result could not be written to stdout (${
              error.cause instanceof Error ? error.cause.message : error.reason.message
            })`
          })
        )
      ),
    line: (document, human, to = "stdout") => {
      const text = json ? shownJson(document) : shown(human())
      return to === "stdout" ? Console.log(text) : Console.error(text)
    },
    note: (text) => (json ? Effect.void : stderrLine(text)),
    warn: (text) =>
      json
        ? stderrJson({ warning: oneLine(text) })
        : stderrLine(`${program}: warning: ${oneLine(text)}`),
    failure: (report) =>
      json
        ? stderrJson({
          error: { type: report.type, message: oneLine(report.message), exitCode: report.exitCode, ...report.details }
        })
        : Effect.andThen(
          Effect.forEach(report.lines ?? [], (line) => stderrLine(oneLine(line)), { discard: true }),
          stderrLine(`${program}: ${oneLine(report.message)}`)
        )
  }
}

const logText = (message: unknown): string =>
  (Array.isArray(message) ? message : [message])
    .map((part) => (typeof part === "string" ? part : part instanceof Error ? part.message : JSON.stringify(part)))
    .join(" ")
    // The client prefixes its own lines with its name (`exa-webhooks: `); the logger adds the program's once.
    .replace(/^exa-webhooks(-batch)?: /, "")

/**
 * The logger of a run: log lines (the client's warnings, `--log-level debug` traces) go to stderr in the run's
 * format, one line each, so they neither reach stdout nor break the JSON-only stderr of `--json`.
 *
 * @since 0.1.0
 */
export const logger = (options: Options): Logger.Logger<unknown, void> =>
  Logger.make(({ logLevel, message }) => {
    const text = oneLine(logText(message))
    console.error(
      options.json
        ? shownJson({ log: { level: logLevel.toLowerCase(), message: text } })
        : UrlCredentials.mask(Printable.escape(`${options.program}: ${logLevel.toLowerCase()}: ${text}`))
    )
  })

/**
 * `--json`, a global flag of both bins (`Main.run` adds it to the command tree): declared so that the parser accepts it
 * anywhere on the line and the help lists it. Its parsed value is not used: the mode is decided by {@link wantsJson}
 * before parsing, because a parse error must already be reported in the mode asked for.
 *
 * @since 0.2.0
 */
export const JsonFlag = GlobalFlag.Setting("json")({
  flag: Flag.Boolean("json").pipe(
    Flag.withDescription("print one JSON document on stdout (errors as JSON on stderr)"),
    Flag.withDefault(false)
  )
})

/**
 * Whether the raw arguments ask for JSON. Read before parsing, because a parse failure (an unknown flag, say) must
 * already be reported in the mode the caller asked for. Arguments after `--` are operands, not flags.
 *
 * @since 0.1.0
 */
export const wantsJson = (args: ReadonlyArray<string>): boolean => {
  const end = args.indexOf("--")
  const flags = end === -1 ? args : args.slice(0, end)
  // As the parser reads it: the value after the flag counts when it is one of its boolean words, so `--json false`,
  // `--json=no`, `--json 0` and `--no-json` turn it off. (The parser refuses the flag twice; the last one is used here
  // only to report that error.)
  let json = false
  flags.forEach((arg, i) => {
    if (arg === "--json") json = !FALSE_WORDS.has(flags[i + 1] ?? "")
    else if (arg.startsWith("--json=")) json = !FALSE_WORDS.has(arg.slice("--json=".length))
    else if (arg === "--no-json") json = false
  })
  return json
}

// The words effect/cli reads as false for a boolean flag.
const FALSE_WORDS: ReadonlySet<string> = new Set(["false", "no", "off", "0", "n"])
