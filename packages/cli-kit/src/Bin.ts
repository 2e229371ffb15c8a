/**
 * How a bin runs, once for both: an app gives its name and version, its command tree and the reports of the
 * failures that are its own ({@link Definition}); {@link run} does the rest:
 * - parses the arguments with effect/cli, `--json` and `--color` read before parsing so that even a parse error is
 *   printed as asked, and an unknown command refused even with `--help` (`exa-webhooks UNKNOWN --help` is exit 2, not
 *   the root's help), found by walking the arguments with the commands' own flag definitions;
 * - prints help on stdout only when asked for (with the kit's sections, see `Help`), `--version` (`{"name",
 *   "version"}` with `--json`), parse errors as one line on stderr;
 * - reports every failure once, on stderr (one line, or one JSON object with `--json`): the app's own, then the
 *   kit's (`ErrorReport`: usage, client errors in the bin's terms, a lost stdout, a bad setting, bugs);
 * - exits with the code of `ExitCode` after stdout and stderr are flushed;
 * - Ctrl-C (SIGINT) and SIGTERM: reported once, the process ended within {@link STOP_DEADLINE} whatever it waits on,
 *   exit 130 or 143.
 *
 * {@link program} is the same run as an effect over the host it is given (arguments, environment, `Stdio`, file
 * system), returning the exit code: the tests run a bin in-process with it. {@link helpText} renders a page without
 * running anything (no handler, no file, no network), e.g. at build time.
 *
 * @since 0.5.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeStdio from "@effect/platform-node/NodeStdio"
import { Validation } from "@exa-webhooks/schema"
import {
  Cause,
  ConfigProvider,
  Context,
  Duration,
  Effect,
  FileSystem,
  Layer,
  Logger,
  Option,
  Path,
  Sink,
  Stdio,
  Stream,
  Terminal
} from "effect"
import { CliConfig, CliError, CliOutput, Command, GlobalFlag } from "effect/cli"
import type { HelpDoc } from "effect/cli"
import { HttpClient } from "effect/http"
import { ChildProcessSpawner } from "effect/process"
import * as Confirm from "./Confirm.ts"
import * as ErrorReport from "./ErrorReport.ts"
import * as ExitCode from "./ExitCode.ts"
import * as Help from "./Help.ts"
import * as Output from "./Output.ts"

/**
 * The environment variables of the run, as a record (a manifest's `${VAR}` is substituted from it). Settings are
 * read through `Config`, from a provider over the same record.
 *
 * @category services
 * @since 0.5.0
 */
export class Environment extends Context.Service<Environment, Readonly<Record<string, string | undefined>>>()(
  "@exa-webhooks/cli-kit/Bin/Environment"
) {}

/**
 * Where a command says what an interruption leaves behind (see {@link interrupted}).
 *
 * @category services
 * @since 0.5.0
 */
export class Interruption extends Context.Service<Interruption, {
  readonly set: (message: string) => Effect.Effect<void>
}>()("@exa-webhooks/cli-kit/Bin/Interruption") {}

/**
 * The message of a run stopped by Ctrl-C or SIGTERM from now on, e.g. apply's "secrets of the webhooks created so
 * far are in the journal". By default: nothing more was sent.
 *
 * @category services
 * @since 0.5.0
 */
export const interrupted = (message: string): Effect.Effect<void, never, Interruption> =>
  Interruption.use((interruption) => interruption.set(message))

/**
 * The services a command may ask for: the run provides them.
 *
 * @category models
 * @since 0.5.0
 */
export type Services =
  | FileSystem.FileSystem
  | Path.Path
  | Stdio.Stdio
  | Terminal.Terminal
  | ChildProcessSpawner.ChildProcessSpawner
  | Confirm.Confirm
  | Output.Output
  | Environment
  | Interruption

/**
 * A bin: its name and version, its commands, and the reports of its own failures (`undefined` for every other
 * failure, which the kit reports).
 *
 * @category models
 * @since 0.5.0
 */
export interface Definition {
  /** The bin's name, e.g. `exa-webhooks`: it prefixes every line on stderr. */
  readonly name: string
  /** What `--version` prints after the name. */
  readonly version: string
  // oxlint-disable-next-line no-explicit-any
  readonly command: Command.Command<any, any, any, any, any>
  readonly errors?: ((error: unknown) => Output.Report | undefined) | undefined
}

/**
 * A {@link Definition}, checked: every service its commands ask for is one a run provides.
 *
 * @category constructors
 * @since 0.5.0
 */
export const make = <Name extends string, Input, ContextInput, E, R extends Services>(
  definition: Definition & { readonly command: Command.Command<Name, Input, ContextInput, E, R> }
): Definition => definition

/**
 * What a run is given: its arguments and environment (and the width of the terminal, for effect/cli's layout).
 *
 * @category models
 * @since 0.5.0
 */
export interface Host {
  readonly args: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string | undefined>>
  readonly columns?: number | undefined
}

/**
 * How long after Ctrl-C or SIGTERM the process may take to end. The signal interrupts the command, whose finalizers
 * run (a create already sent waits for its answer to journal its secret, an unused secret file is removed, open
 * connections close); whatever is still running past {@link SIGNAL_GRACE} (a request waiting on a server or a store
 * that does not answer) is abandoned, and the process exits with the signal's code. A second signal ends it at once.
 *
 * @category signals
 * @since 0.4.0
 */
export const STOP_DEADLINE = Duration.seconds(2)

/**
 * How long the finalizers of an interrupted command get before the process exits anyway; the rest of
 * {@link STOP_DEADLINE} is left for writing the report (stdout and stderr are flushed, for at most 300 ms).
 *
 * @category signals
 * @since 0.4.0
 */
export const SIGNAL_GRACE = Duration.millis(1_200)

const FLUSH_LIMIT_MILLIS = 300

const INTERRUPTED = "interrupted; nothing more was sent (a request already on its way may still have been applied)"

// The built-ins of effect/cli that the bins keep: --wizard would prompt on stdout.
const BUILT_INS = [GlobalFlag.Help, GlobalFlag.Version, GlobalFlag.Completions, GlobalFlag.LogLevel]

// effect/cli's parser asks for a child-process spawner (for features the bins do not use); a stub keeps
// `node:child_process` out of the start-up path.
const noChildProcesses = (name: string) =>
  Layer.succeed(
    ChildProcessSpawner.ChildProcessSpawner,
    ChildProcessSpawner.make(() => Effect.die(new Error(`${name} does not spawn processes`)))
  )

// Prompts are asked through `Confirm` (on stderr); the parser's own terminal is never used for input.
const noTerminal = (name: string, columns: number) =>
  Layer.succeed(
    Terminal.Terminal,
    Terminal.make({
      columns: Effect.succeed(columns),
      rows: Effect.succeed(24),
      size: Effect.die(new Error(`${name} does not read the terminal size`)),
      readInput: Effect.die(new Error(`${name} does not read raw terminal input`)),
      readLine: Effect.die(new Error(`${name} does not read lines through the terminal service`)),
      display: () => Effect.void
    })
  )

// The command with the kit's global flags.
const treeOf = (definition: Definition) => Command.withGlobalFlags(definition.command, [Output.JsonFlag, Output.ColorFlag])

// The page effect/cli builds for a command path: asked through the help action, with a presenter that keeps it, so
// no handler runs.
const helpDoc = (
  command: Command.Command.Any,
  path: ReadonlyArray<string>
): Effect.Effect<HelpDoc.HelpDoc | undefined, never, Command.Environment> =>
  Effect.suspend(() => {
    let captured: HelpDoc.HelpDoc | undefined
    return Command.runWith(command, { version: "" })([...path, "--help"]).pipe(
      Effect.provide(CliOutput.layerPresenter({
        present: (event) => Effect.sync(() => void (event._tag === "Help" ? (captured = event.helpDoc) : undefined))
      })),
      Effect.ignore,
      Effect.map(() => captured)
      // No handler runs (the help action answers), so the commands' own services are never asked for.
    ) as Effect.Effect<HelpDoc.HelpDoc | undefined, never, Command.Environment>
  })

// The words effect/cli reads as the value of a boolean flag.
const BOOLEAN_WORDS: ReadonlySet<string> = new Set(["true", "false", "yes", "no", "on", "off", "1", "0", "y", "n"])

const flagsOf = (args: ReadonlyArray<string>) => {
  const end = args.indexOf("--")
  return end === -1 ? args : args.slice(0, end)
}

/**
 * The word of `args` in a command's place that names no command there, with the names it could have been; walks the
 * arguments as the parser does, skipping each flag's value by the flag's own definition (effect/cli's help page of
 * each command on the way: its flags, the inherited ones and the global ones). A flag no page lists (a hidden one)
 * ends the walk: its value could be anything, a key typed by mistake included, and is never quoted.
 *
 * @category parsing
 * @since 0.5.0
 */
export const unknownCommand = Effect.fn("Bin.unknownCommand")(function*(
  command: Command.Command.Any,
  args: ReadonlyArray<string>
) {
  const words = flagsOf(args)
  const path: Array<string> = []
  let doc = yield* helpDoc(command, path)
  for (let i = 0; i < words.length && doc !== undefined; i++) {
    const word = words[i]!
    if (word.startsWith("-")) {
      if (word.includes("=")) continue
      const flags = [...doc.flags, ...(doc.inheritedFlags ?? []), ...(doc.globalFlags ?? [])]
      const flag = flags.find((candidate) => `--${candidate.name}` === word || candidate.aliases.includes(word))
      if (flag === undefined) return undefined
      if (flag.type !== "boolean" || BOOLEAN_WORDS.has(words[i + 1] ?? "")) i++
      continue
    }
    const commands = (doc.subcommands ?? []).flatMap((group) => group.commands)
    // A leaf's word is one of its arguments.
    if (commands.length === 0) return undefined
    const found = commands.find((candidate) => candidate.name === word || candidate.alias === word)
    if (found === undefined) return { word, commands: commands.map((c) => c.name), path: [command.name, ...path] }
    path.push(found.name)
    doc = yield* helpDoc(command, path)
  }
  return undefined
})

/**
 * The help page of the command at `path` (`[]`: the root), as `--help` prints it, rendered without running the
 * program: no handler runs and nothing is read or sent. `undefined` for a path that names no command.
 *
 * @example
 * ```ts
 * const text = Effect.runSync(Bin.helpText(definition, ["create"], { colors: false }))
 * ```
 * @category help
 * @since 0.5.0
 */
export const helpText = (
  definition: Definition,
  path: ReadonlyArray<string>,
  options: { readonly colors: boolean; readonly columns?: number | undefined }
): Effect.Effect<string | undefined> =>
  helpDoc(treeOf(definition), path).pipe(
    Effect.map((doc) =>
      // The parser shows the nearest command's page for a word that names none: that is not the page asked for.
      doc === undefined || (doc.commandPath?.length ?? 1) !== path.length + 1
        ? undefined
        : Help.render(definition.command, doc, options)
    ),
    Effect.provide(Layer.mergeAll(
      FileSystem.layerNoop({}),
      Path.layer,
      Stdio.layerTest({}),
      noTerminal(definition.name, options.columns ?? 80),
      noChildProcesses(definition.name),
      CliConfig.layer({ builtIns: BUILT_INS })
    ))
  )

// What a run shares with the signal handlers of the process that runs it.
interface State {
  /** The signal that stopped the run, if one did (none for Ctrl-C at a prompt, which reads the key itself). */
  readonly signal: () => ExitCode.Signal | undefined
  reported: boolean
  message: string
  output: Output.Service | undefined
}

const reportInterrupted = (state: State, output: Output.Service, message: string) =>
  Effect.suspend(() => {
    if (state.reported) return Effect.void
    state.reported = true
    return output.failure({ type: "Interrupted", message, exitCode: ExitCode.ofSignal(state.signal()) })
  })

const runIn = (definition: Definition, host: Host, state: State) =>
  Effect.gen(function*() {
    const { name } = definition
    const { args } = host
    const stdio = yield* Stdio.Stdio
    const json = Output.wantsJson(args)
    const choice = Output.colorChoice(args)
    const color = {
      stdout: !json && Output.useColor({ choice, env: host.env, isTerminal: yield* stdio.stdoutIsTerminal }),
      stderr: !json && Output.useColor({ choice, env: host.env, isTerminal: yield* stdio.stderrIsTerminal })
    }
    const output = Output.make({ program: name, json, color, stderrIsTerminal: yield* stdio.stderrIsTerminal }, stdio)
    state.output = output
    const command = treeOf(definition)
    const reporter = ErrorReport.make({
      program: name,
      specific: definition.errors,
      commands: definition.command.subcommands.flatMap((group) => group.commands.map((c) => c.name))
    })

    // Help goes to stdout only when it was asked for; parse errors are one line on stderr, not a help page (the help
    // is one `--help` away, and a CI log should show the error, not 40 lines of flags).
    const presenter: CliOutput.Presenter = {
      present: (event) => {
        switch (event._tag) {
          case "Help": {
            if (event.reason === "Requested") {
              return output.raw(Help.render(definition.command, event.helpDoc, { colors: color.stdout }))
            }
            // Not asked for (no command was given): a usage error, so stderr, and JSON there with --json.
            return json
              ? output.failure({
                type: "UsageError",
                message: `no command given; see '${event.commandPath.join(" ")} --help'`,
                exitCode: ExitCode.Usage
              })
              : output.raw(Help.render(definition.command, event.helpDoc, { colors: color.stderr }), "stderr")
          }
          case "InvalidInvocation":
            return output.failure(reporter.cliErrors(event.errors, event.commandPath))
          case "Version":
            return Effect.ignore(output.result({ name: event.name, version: event.version }, () => `${event.name} ${event.version}`))
        }
      }
    }

    const layer = Layer.mergeAll(
      noTerminal(name, host.columns ?? 80),
      noChildProcesses(name),
      Layer.succeed(Output.Output, output),
      Layer.succeed(Environment, host.env),
      Layer.succeed(Interruption, { set: (message) => Effect.sync(() => void (state.message = message)) }),
      CliOutput.layerPresenter(presenter),
      CliConfig.layer({ builtIns: BUILT_INS }),
      // Logs (e.g. the client's retries under --log-level debug) must never reach stdout.
      Logger.layer([Output.logger({ program: name, json })]),
      // No tracing backend listens: trace headers (b3, traceparent) would only be noise in requests and --dry-run.
      Layer.succeed(HttpClient.TracerPropagationEnabled, false),
      ConfigProvider.layer(ConfigProvider.fromEnv({
        env: Object.fromEntries(Object.entries(host.env).filter((entry): entry is [string, string] => entry[1] !== undefined))
      }))
    )

    // `UNKNOWN --help` would print the root's help and succeed: the parser shows help before it looks at the
    // command. An unknown command is a usage error whether or not help was asked for.
    const helpAsked = flagsOf(args).some((arg) => arg === "--help" || arg === "-h")
    const unknown = helpAsked ? yield* unknownCommand(command, args).pipe(Effect.provide(layer)) : undefined
    if (unknown !== undefined) {
      yield* output.failure({
        type: "UsageError",
        message: `unknown command ${Validation.quote(unknown.word)}; the commands are ${unknown.commands.join(", ")}${
          ErrorReport.helpHint(unknown.path)
        }`,
        exitCode: ExitCode.Usage
      })
      return ExitCode.Usage
    }

    const reported = (report: Output.Report) => Effect.as(output.failure(report), report.exitCode)
    return yield* Command.runWith(command, { version: definition.version })(args).pipe(
      Effect.as(ExitCode.Success),
      Effect.catchCause((cause): Effect.Effect<number> => {
        // Ctrl-C at a prompt arrives as an interruption from inside (readline got the key, not the process): pass it
        // on to the same path as a signal, which reports it once (onInterrupt below).
        if (Cause.hasInterruptsOnly(cause)) return Effect.interrupt
        const error = Cause.findErrorOption(cause)
        // A defect: a bug, reported in one line rather than a stack trace.
        if (Option.isNone(error)) return reported(reporter.ofDefect(cause))
        // Parse errors and an implicit help page have already been presented.
        if (CliError.isCliError(error.value) && error.value._tag === "ShowHelp") return Effect.succeed(ExitCode.Usage)
        // A chosen exit code (e.g. `plan --detailed-exit-code`) is not a failure to report.
        if (error.value instanceof ExitCode.Exiting) return Effect.succeed(error.value.code)
        return reported(reporter.of(error.value))
      }),
      // Ctrl-C or SIGTERM while running: the runtime interrupts the program, whose finalizers (an unused secret file,
      // open connections) run before the process exits with 130 or 143 (or the deadline in `run` ends it first).
      Effect.onInterrupt(() => reportInterrupted(state, output, state.message)),
      Effect.provide(layer)
    ) as Effect.Effect<number>
  })

/**
 * One run of the bin over `host` (its arguments and environment) and the services given (`Stdio`, the file system,
 * `Confirm`): the exit code, after the output is written. Interrupted, it reports the interruption once and is
 * interrupted itself; `signal` says which signal it was (for the code: 130, or 143 for SIGTERM).
 *
 * @example
 * ```ts
 * const code = yield* Bin.program(definition, { args: ["list", "--json"], env: { EXA_API_KEY: key } })
 * ```
 * @category running
 * @since 0.5.0
 */
export const program = (
  definition: Definition,
  host: Host & { readonly signal?: (() => ExitCode.Signal | undefined) | undefined }
): Effect.Effect<number, never, FileSystem.FileSystem | Path.Path | Stdio.Stdio | Confirm.Confirm> => {
  const state: State = { signal: host.signal ?? (() => undefined), reported: false, message: INTERRUPTED, output: undefined }
  return Effect.suspend(() => runIn(definition, host, state))
}

/**
 * Runs the bin to its end in this process (arguments from `process.argv`, environment from `process.env`); the
 * process exits with the run's code when it is done.
 *
 * @example
 * ```ts
 * Bin.run(Bin.make({ name: "exa-webhooks", version, command, errors }))
 * ```
 * @category running
 * @since 0.5.0
 */
export const run = (definition: Definition, options: { readonly args?: ReadonlyArray<string> | undefined } = {}): void => {
  const host: Host = { args: options.args ?? process.argv.slice(2), env: process.env, columns: process.stderr.columns }
  let received: ExitCode.Signal | undefined
  const state: State = { signal: () => received, reported: false, message: INTERRUPTED, output: undefined }

  // The runtime interrupts the program on SIGINT and SIGTERM and exits when it has ended; these listeners, beside its
  // own, remember which signal it was and bound how long that may take.
  const abandon = () => {
    const output = state.output ?? Output.make({ program: definition.name, json: Output.wantsJson(host.args) }, silentStdio)
    Effect.runSync(reportInterrupted(
      state,
      output,
      `${state.message}; requests still waiting for an answer were abandoned, and may have been applied`
    ))
    const code = ExitCode.ofSignal(received)
    setTimeout(() => process.exit(code), FLUSH_LIMIT_MILLIS).unref()
    ExitCode.flushed(() => process.exit(code))
  }
  const onSignal = (signal: ExitCode.Signal) => () => {
    if (received !== undefined) return abandon()
    received = signal
    // Unreferenced: a run that ends in time exits at once, without waiting for it.
    setTimeout(abandon, Duration.toMillis(SIGNAL_GRACE)).unref()
  }
  process.on("SIGINT", onSignal("SIGINT"))
  process.on("SIGTERM", onSignal("SIGTERM"))

  const main = runIn(definition, host, state).pipe(
    Effect.flatMap((code) => (code === ExitCode.Success ? Effect.void : Effect.fail(new ExitCode.Exiting({ code })))),
    Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeStdio.layer, Confirm.layer))
  )
  NodeRuntime.runMain(main, { disableErrorReporting: true, teardown: ExitCode.teardown(() => received) })
}

// The Stdio of a report written from a signal handler, which only writes lines (through Console).
const silentStdio = Stdio.make({
  args: Effect.succeed([]),
  stdout: () => Sink.drain,
  stderr: () => Sink.drain,
  stdin: Stream.empty
})
