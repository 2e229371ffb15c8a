/**
 * The help pages of both bins: effect/cli's page of a command, then what only the kit knows, each section derived
 * from what it describes rather than written out by hand:
 * - under a subcommand, one line naming the shared flags that apply to it and where they are described (the root's
 *   page), instead of the whole block again under every command (as `gh` does);
 * - ENVIRONMENT: the variables that apply to the command, read off the client's settings table
 *   (`ClientOptions.settings`: variable, flag, default, description) plus the command's own (see {@link Environment})
 *   and the colour switches;
 * - EXIT CODES: the kit's meanings ({@link ExitCode.meanings}), as the root and the command change them (see
 *   {@link ExitCodes}).
 *
 * A command that talks to no API (`verify`, `validate`) is marked {@link Offline}: its page lists neither the API's
 * flags nor its variables.
 *
 * @since 0.5.0
 */
import { ClientOptions } from "@exa-webhooks/client"
import { Context, Option } from "effect"
import type { HelpDoc } from "effect/cli"
import { CliOutput, Command } from "effect/cli"
import * as ExitCode from "./ExitCode.ts"

/**
 * An environment variable as the help lists it.
 *
 * @category models
 * @since 0.5.0
 */
export interface Variable {
  readonly name: string
  /** What it is, in a few words. */
  readonly description: string
  /** The flag that sets the same thing, e.g. `--secret-file PATH`. */
  readonly flag?: string | undefined
  /** Its default, as a person would type it. */
  readonly default?: string | undefined
}

/**
 * Annotation: the command talks to no API (no key, no base URL, no rate limit apply to it).
 *
 * @example
 * ```ts
 * command.pipe(Command.annotate(Help.Offline, true))
 * ```
 * @category annotations
 * @since 0.5.0
 */
export const Offline = Context.Reference<boolean>("@exa-webhooks/cli-kit/Help/Offline", { defaultValue: () => false })

/**
 * Annotation: what exit codes mean for this command (on the root: on the root's page, which speaks of every
 * command), over {@link ExitCode.meanings}; `null` drops a code the command never exits with.
 *
 * @category annotations
 * @since 0.5.0
 */
export const ExitCodes = Context.Reference<ExitCode.Meanings>("@exa-webhooks/cli-kit/Help/ExitCodes", {
  defaultValue: () => ({})
})

/**
 * Annotation: environment variables this command reads besides the client's.
 *
 * @category annotations
 * @since 0.5.0
 */
export const Environment = Context.Reference<ReadonlyArray<Variable>>("@exa-webhooks/cli-kit/Help/Environment", {
  defaultValue: () => []
})

/**
 * What a command's page says differently from the others, as one pipeable: it talks to no API (`offline`), what its
 * exit codes mean (`exitCodes`), which variables of its own it reads (`environment`).
 *
 * @example
 * ```ts
 * Verify.command.pipe(Help.page({ offline: true, exitCodes: { 1: "not a genuine delivery" } }))
 * ```
 * @category annotations
 * @since 0.5.0
 */
export const page = (options: {
  readonly offline?: boolean | undefined
  readonly exitCodes?: ExitCode.Meanings | undefined
  readonly environment?: ReadonlyArray<Variable> | undefined
}) =>
<Name extends string, Input, ContextInput, E, R>(
  command: Command.Command<Name, Input, ContextInput, E, R>
): Command.Command<Name, Input, ContextInput, E, R> => {
  let annotated = command
  if (options.offline !== undefined) annotated = Command.annotate(annotated, Offline, options.offline)
  if (options.exitCodes !== undefined) annotated = Command.annotate(annotated, ExitCodes, options.exitCodes)
  if (options.environment !== undefined) annotated = Command.annotate(annotated, Environment, options.environment)
  return annotated
}

/**
 * The client's settings as variables of the help (read off `ClientOptions.settings`; when a page is rendered, not
 * at start-up).
 *
 * @category sections
 * @since 0.5.0
 */
export const clientVariables = (): ReadonlyArray<Variable> => Object.values(ClientOptions.settings).map((entry) => ({
  name: entry.env,
  description: entry.description,
  flag: entry.flag === undefined ? undefined : `--${entry.flag.name} ${entry.flag.metavar}`,
  default: ClientOptions.defaultText(entry as ClientOptions.Setting<unknown, unknown>)
}))

/**
 * The variables of the colour switch (see `Output.useColor`).
 *
 * @category sections
 * @since 0.5.0
 */
export const colorVariables: ReadonlyArray<Variable> = [
  { name: "NO_COLOR", description: "set (to anything): no colour unless --color always" },
  { name: "FORCE_COLOR", description: "set (not 0): colour even when not on a terminal, unless --color never" }
]

const rows = (entries: ReadonlyArray<readonly [string, string]>, indent = 2): string => {
  const width = Math.max(...entries.map(([left]) => left.length)) + 2
  return entries.map(([left, right]) => `${" ".repeat(indent)}${left.padEnd(width)}${right}`).join("\n")
}

/**
 * The ENVIRONMENT section listing `variables`.
 *
 * @category sections
 * @since 0.5.0
 */
export const environmentSection = (variables: ReadonlyArray<Variable>, bold: (text: string) => string = (t) => t) =>
  [
    bold("ENVIRONMENT"),
    rows(variables.map((variable) => [
      variable.name,
      `${variable.description}${variable.flag === undefined ? "" : ` (or ${variable.flag})`}${
        variable.default === undefined ? "" : `; default ${variable.default}`
      }`
    ]))
  ].join("\n")

/**
 * The EXIT CODES section: `meanings` in order of the codes, dropped ones left out.
 *
 * @category sections
 * @since 0.5.0
 */
export const exitCodesSection = (meanings: ExitCode.Meanings, bold: (text: string) => string = (t) => t) =>
  [
    bold("EXIT CODES"),
    rows(
      Object.entries(meanings)
        .filter((entry): entry is [string, string] => entry[1] !== null)
        .toSorted(([a], [b]) => Number(a) - Number(b))
        .map(([code, meaning]) => [code, meaning])
    )
  ].join("\n")

const annotation = <S>(annotations: Context.Context<never>, key: Context.Reference<S>): S =>
  Option.getOrElse(Context.getOption(annotations, key), () => key.defaultValue())

/**
 * What a command's page says about its environment and exit codes, from its annotations and the root's.
 *
 * @category models
 * @since 0.5.0
 */
export interface Page {
  readonly offline: boolean
  readonly variables: ReadonlyArray<Variable>
  readonly exitCodes: ExitCode.Meanings
}

/**
 * The page of the command `doc` describes, under `root`.
 *
 * @category sections
 * @since 0.5.0
 */
export const pageOf = (root: Command.Command.Any, doc: HelpDoc.HelpDoc): Page => {
  const isRoot = (doc.commandPath?.length ?? 1) <= 1
  const offline = !isRoot && annotation(doc.annotations, Offline)
  // The root's page lists every variable some command reads; a command's page, those it reads.
  const own = isRoot
    ? root.subcommands.flatMap((group) => group.commands.flatMap((command) => annotation(command.annotations, Environment)))
    : annotation(doc.annotations, Environment)
  const variables = [...(offline ? [] : clientVariables()), ...own, ...colorVariables]
  return {
    offline,
    variables: variables.filter((variable, i) => variables.findIndex((other) => other.name === variable.name) === i),
    exitCodes: { ...ExitCode.meanings, ...annotation(doc.annotations, ExitCodes) }
  }
}

// Built-ins that act on the whole program, listed on the root's page only.
const ROOT_ONLY: ReadonlySet<string> = new Set(["version", "completions"])

/**
 * The line that stands, under a subcommand, for the shared flags that apply to it: their names, and where they are
 * described.
 *
 * @category sections
 * @since 0.5.0
 */
export const sharedFlagsSection = (doc: HelpDoc.HelpDoc, of: Page, bold: (text: string) => string = (t) => t) => {
  const inherited = of.offline ? [] : (doc.inheritedFlags ?? []).map((flag) => flag.name)
  const global = (doc.globalFlags ?? []).map((flag) => flag.name).filter((name) => !ROOT_ONLY.has(name))
  const names = [...inherited, ...global].map((name) => `--${name}`)
  if (names.length === 0) return undefined
  const root = doc.commandPath?.[0] ?? ""
  return [bold("SHARED FLAGS"), `  ${names.join(", ")}: see '${root} --help'`].join("\n")
}

/**
 * The whole page of `doc` (effect/cli's page, then the kit's sections), coloured or not.
 *
 * @category rendering
 * @since 0.5.0
 */
export const render = (root: Command.Command.Any, doc: HelpDoc.HelpDoc, options: { readonly colors: boolean }): string => {
  const isRoot = (doc.commandPath?.length ?? 1) <= 1
  const shown = pageOf(root, doc)
  const bold = options.colors ? (text: string) => `\u001b[1m${text}\u001b[0m` : (text: string) => text
  const formatter = CliOutput.defaultFormatter({
    colors: options.colors,
    inheritedFlags: isRoot ? "full" : "none",
    globalFlags: isRoot ? "full" : "none"
  })
  const shared = isRoot ? undefined : sharedFlagsSection(doc, shown, bold)
  const base = formatter.formatHelpDoc(doc)
  // After the command's own flags and arguments, before its examples.
  const examples = base.indexOf(`\n${bold("EXAMPLES")}\n`)
  const body = shared === undefined
    ? base
    : examples === -1
    ? `${base}\n\n${shared}`
    : `${base.slice(0, examples)}\n${shared}\n${base.slice(examples)}`
  return [
    body,
    environmentSection(shown.variables, bold),
    exitCodesSection(shown.exitCodes, bold)
  ].join("\n\n")
}
