/**
 * Where everything a bin (`exa-webhooks`, `exa-webhooks-batch`) prints goes, in one place, so the rule "stdout
 * carries only the requested output" is enforced by construction:
 * - `result`: the one thing the command was asked for, on stdout (human text, or one JSON document with `--json`).
 * - `line`: one line of a command that prints as it goes (`listen`), on stdout (one JSON document per line with `--json`).
 * - `note` / `warn`: everything else (hints, "nothing was sent", warnings), on stderr.
 * - `status`: a line redrawn in place on stderr (progress), only when stderr is a terminal and `--json` is off.
 * - `failure`: the one line that explains a failure, on stderr (a JSON object with `--json`).
 *
 * And so are the rules of everything printed, stdout and stderr, text and JSON, log lines included:
 * - no URL shows its password (the schema's `UrlCredentials`: a webhook's own URL may carry one, and so may any URL
 *   in its metadata or in a message); what is sent keeps it.
 * - no control or invisible format character reaches the terminal as it is (the schema's `Printable`): human text
 *   shows them escaped, JSON as JSON escapes. Text a command lays out itself keeps its line breaks; a value from
 *   outside (a URL, metadata, an id) is escaped by the renderer that places it, line breaks included, so it cannot
 *   start a line of its own.
 * - colour (`Text` styles) only where it was asked for: `--color always`, or `auto` (the default) on a terminal
 *   without `NO_COLOR` (`FORCE_COLOR` turns it on). JSON is never coloured.
 *
 * Lines go through effect's `Console` and the result through `Stdio`, the services a run provides: a test captures
 * both (see `@exa-webhooks/cli-kit/testing`).
 *
 * @since 0.1.0
 */
import { Printable, UrlCredentials } from "@exa-webhooks/schema"
import { Console, Context, Effect, Logger, Schema, Stdio, Stream } from "effect"
import { Flag, GlobalFlag } from "effect/cli"
import * as Text from "./Text.ts"

/**
 * A failure as it is reported: `type` is the error's tag (`UsageError`, `NotFoundError`, ...), `message` the one line
 * a person reads, `details` the machine-readable fields (`status`, `requestId`, `method`, `path`, ...).
 *
 * @category models
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
 * @category errors
 * @since 0.1.0
 */
export class StdoutError extends Schema.TaggedError<StdoutError>()("StdoutError", {
  message: Schema.String
}) {}

/**
 * @category models
 * @since 0.1.0
 */
export interface Service {
  /** True when `--json` was given: stdout carries one JSON document, stderr JSON objects. */
  readonly json: boolean
  /** Whether stdout and stderr are coloured. */
  readonly color: { readonly stdout: boolean; readonly stderr: boolean }
  /** True when stderr is a terminal and `--json` is off: a {@link Service.status} line is shown. */
  readonly interactive: boolean
  /**
   * Writes the command's result: `document` with `--json`, otherwise the text `human()` builds. Fails when stdout
   * cannot take it (unlike `Console.log`, which drops write errors).
   */
  readonly result: (document: unknown, human: () => Text.Text) => Effect.Effect<void, StdoutError>
  /**
   * One line of a command that prints as it goes: `document` as one line of JSON with `--json`, otherwise `human()`;
   * on stdout, or on stderr with `to: "stderr"` (what went wrong with one of many things, say).
   */
  readonly line: (document: unknown, human: () => Text.Text, to?: "stdout" | "stderr") => Effect.Effect<void>
  /** A remark for people (a hint, "nothing was sent"); dropped with `--json`, where only documents are printed. */
  readonly note: (text: Text.Text) => Effect.Effect<void>
  /** A warning: on stderr in both modes (`{"warning": ...}` with `--json`). */
  readonly warn: (text: Text.Text) => Effect.Effect<void>
  /** Reports a failure on stderr, as one line (`{"error": {...}}` with `--json`). */
  readonly failure: (report: Report) => Effect.Effect<void>
  /** Draws `text` as the one line at the bottom of stderr, replacing the previous one; `undefined` clears it. */
  readonly status: (text: Text.Text | undefined) => Effect.Effect<void>
  /** Text the bin laid out itself, already coloured as asked (the help): written as it is, on stdout or stderr. */
  readonly raw: (text: string, to?: "stdout" | "stderr") => Effect.Effect<void>
}

/**
 * The service tag.
 *
 * @category services
 * @since 0.1.0
 */
export class Output extends Context.Service<Output, Service>()("@exa-webhooks/cli-kit/Output") {}

// One line, always: a message from a server or a library may carry newlines, which would break "one line on stderr"
// and any log scraper that reads it.
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, "; ").trim()

const shownJson = (document: unknown, indent?: number) =>
  UrlCredentials.mask(Printable.escapeJson(JSON.stringify(document, null, indent)))

const stderrJson = (document: unknown) => Console.error(shownJson(document))

/**
 * The options of a run: `program` prefixes every line on stderr (`exa-webhooks: ...`), `json` selects the mode,
 * `color` whether each stream is coloured, `stderrIsTerminal` whether a status line can be drawn.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly program: string
  readonly json: boolean
  readonly color?: { readonly stdout: boolean; readonly stderr: boolean } | undefined
  readonly stderrIsTerminal?: boolean | undefined
}

/**
 * Builds the service for one run, over the run's `Stdio` (the result, the status line) and `Console` (lines).
 *
 * @example
 * ```ts
 * const output = Output.make({ program: "exa-webhooks", json: Output.wantsJson(args) }, stdio)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options, stdio: Stdio.Stdio): Service => {
  const { json, program } = options
  const color = options.color ?? { stdout: false, stderr: false }
  const interactive = options.stderrIsTerminal === true && !json
  const toStdout = (text: Text.Text) => Text.render(text, { color: color.stdout, lines: true })
  // Everything written to stderr goes through this: one line each (line breaks inside a piece are escaped).
  const toStderr = (text: Text.Text) => Text.render(text, { color: color.stderr })
  const write = (sink: "stdout" | "stderr", text: string) =>
    Stream.run(Stream.make(text), stdio[sink]({ endOnDone: false }))
  // A status line is on screen: the next line on stderr clears it first, and it is drawn again after.
  let status: string | undefined
  const clearStatus = Effect.suspend(() => (status === undefined ? Effect.void : Effect.ignore(write("stderr", "\r\u001b[K"))))
  const redrawStatus = Effect.suspend(() => (status === undefined ? Effect.void : Effect.ignore(write("stderr", status))))
  const stderrLine = (line: string) =>
    Effect.suspend(() =>
      interactive && status !== undefined
        ? Effect.andThen(clearStatus, Effect.andThen(Console.error(line), redrawStatus))
        : Console.error(line)
    )
  const label = (word: string, style: (text: Text.Text) => Text.Styled, text: Text.Text) =>
    stderrLine(toStderr([`${program}: `, style(`${word}:`), " ", oneLineText(text)]))
  return {
    json,
    color,
    interactive,
    result: (document, human) =>
      write("stdout", `${json ? shownJson(document, 2) : toStdout(human())}\n`).pipe(
        Effect.mapError((error) =>
          new StdoutError({
            message: `the result could not be written to stdout (${
              error.cause instanceof Error ? error.cause.message : error.reason.message
            })`
          })
        )
      ),
    line: (document, human, to = "stdout") => {
      if (json) return to === "stdout" ? Console.log(shownJson(document)) : stderrJson(document)
      return to === "stdout" ? Console.log(toStdout(human())) : stderrLine(toStderr(human()))
    },
    note: (text) => (json ? Effect.void : stderrLine(toStderr(oneLineText(text)))),
    warn: (text) => (json ? stderrJson({ warning: oneLine(Text.plain(text)) }) : label("warning", Text.yellow, text)),
    failure: (report) =>
      json
        ? stderrJson({
          error: { type: report.type, message: oneLine(report.message), exitCode: report.exitCode, ...report.details }
        })
        : Effect.andThen(
          Effect.forEach(report.lines ?? [], (line) => stderrLine(toStderr(oneLine(line))), { discard: true }),
          stderrLine(toStderr([color.stderr ? Text.red(`${program}:`) : `${program}:`, " ", oneLine(report.message)]))
        ),
    status: (text) =>
      !interactive ? Effect.void : Effect.suspend(() => {
        if (text === undefined) {
          const wasShown = status !== undefined
          status = undefined
          return wasShown ? Effect.ignore(write("stderr", "\r\u001b[K")) : Effect.void
        }
        status = `\r${toStderr(text)}\u001b[K`
        return Effect.ignore(write("stderr", status))
      }),
    raw: (text, to = "stdout") => (to === "stdout" ? Console.log(text) : stderrLine(text))
  }
}

// The plain pieces of `text` made one line (a message may carry line breaks); styles kept.
const oneLineText = (text: Text.Text): Text.Text =>
  typeof text === "string"
    ? oneLine(text)
    : Array.isArray(text)
    ? (text as ReadonlyArray<Text.Text>).map(oneLineText)
    : Text.style((text as Text.Styled).style, oneLineText((text as Text.Styled).text))

const logText = (message: unknown): string =>
  (Array.isArray(message) ? message : [message])
    .map((part) => (typeof part === "string" ? part : part instanceof Error ? part.message : JSON.stringify(part)))
    .join(" ")
    // The client prefixes its own lines with its name (`exa-webhooks: `); the logger adds the program's once.
    .replace(/^exa-webhooks(-batch)?: /, "")

/**
 * The logger of a run: log lines (the client's warnings, `--log-level debug` traces) go to stderr in the run's
 * format, one line each, so they neither reach stdout nor break the JSON-only stderr of `--json`. Written through
 * the logging fiber's `Console`, like every other line.
 *
 * @category logging
 * @since 0.1.0
 */
export const logger = (options: Options): Logger.Logger<unknown, void> =>
  Logger.make(({ fiber, logLevel, message }) => {
    const text = oneLine(logText(message))
    fiber.getRef(Console.Console).error(
      options.json
        ? shownJson({ log: { level: logLevel.toLowerCase(), message: text } })
        : UrlCredentials.mask(Printable.escape(`${options.program}: ${logLevel.toLowerCase()}: ${text}`))
    )
  })

/**
 * `--json`, a global flag of both bins (`Bin.run` adds it to the command tree): declared so that the parser accepts
 * it anywhere on the line and the help lists it. Its parsed value is not used: the mode is decided by {@link wantsJson}
 * before parsing, because a parse error must already be reported in the mode asked for.
 *
 * @category flags
 * @since 0.2.0
 */
export const JsonFlag = GlobalFlag.Setting("json")({
  flag: Flag.Boolean("json").pipe(
    Flag.withDescription("print one JSON document on stdout (errors as JSON on stderr)"),
    Flag.withDefault(false)
  )
})

/**
 * When to colour: `auto` (on a terminal, unless `NO_COLOR` is set), `always`, `never`.
 *
 * @category models
 * @since 0.5.0
 */
export type ColorChoice = "auto" | "always" | "never"

const COLOR_CHOICES = ["auto", "always", "never"] as const

/**
 * `--color auto|always|never`, a global flag of both bins: declared for the parser and the help; like `--json`, it
 * is read before parsing ({@link colorChoice}), so that a parse error is already printed as asked.
 *
 * @category flags
 * @since 0.5.0
 */
export const ColorFlag = GlobalFlag.Setting("color")({
  flag: Flag.Literals("color", COLOR_CHOICES).pipe(
    Flag.withDescription("colour the output: auto (on a terminal, unless NO_COLOR is set), always or never"),
    Flag.withMetavar("WHEN"),
    Flag.withDefault("auto")
  )
})

// The flags before `--` (the rest are operands).
const flagsOf = (args: ReadonlyArray<string>) => {
  const end = args.indexOf("--")
  return end === -1 ? args : args.slice(0, end)
}

/**
 * Whether the raw arguments ask for JSON. Read before parsing, because a parse failure (an unknown flag, say) must
 * already be reported in the mode the caller asked for. Arguments after `--` are operands, not flags.
 *
 * @category flags
 * @since 0.1.0
 */
export const wantsJson = (args: ReadonlyArray<string>): boolean => {
  const flags = flagsOf(args)
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

/**
 * The `--color` the raw arguments give (`undefined` when none, or an unknown word: the parser reports that).
 *
 * @category flags
 * @since 0.5.0
 */
export const colorChoice = (args: ReadonlyArray<string>): ColorChoice | undefined => {
  const flags = flagsOf(args)
  let choice: ColorChoice | undefined
  flags.forEach((arg, i) => {
    const value = arg === "--color" ? flags[i + 1] : arg.startsWith("--color=") ? arg.slice("--color=".length) : undefined
    if (value !== undefined && (COLOR_CHOICES as ReadonlyArray<string>).includes(value)) choice = value as ColorChoice
  })
  return choice
}

/**
 * Whether a stream is coloured: `always` and `never` as said; `auto` (the default) on a terminal, unless `NO_COLOR`
 * is set to anything but the empty string (no-color.org) or `TERM` is `dumb`; `FORCE_COLOR` (anything but empty or
 * `0`) colours under `auto` even off a terminal, and `FORCE_COLOR=0` never does.
 *
 * @example
 * ```ts
 * Output.useColor({ choice: "auto", env: { NO_COLOR: "1" }, isTerminal: true }) // false
 * ```
 * @category flags
 * @since 0.5.0
 */
export const useColor = (options: {
  readonly choice: ColorChoice | undefined
  readonly env: Readonly<Record<string, string | undefined>>
  readonly isTerminal: boolean
}): boolean => {
  const { choice, env, isTerminal } = options
  if (choice === "always") return true
  if (choice === "never") return false
  const force = env["FORCE_COLOR"]
  if (force !== undefined && force !== "") return force !== "0"
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false
  if (env["TERM"] === "dumb") return false
  return isTerminal
}
