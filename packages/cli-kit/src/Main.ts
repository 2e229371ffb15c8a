/**
 * The entry point of a bin: parses the arguments, runs the command, reports any failure on stderr (one line, or one
 * JSON object with `--json`) and exits with the code of `ExitCode`, after stdout and stderr are flushed.
 *
 * Both bins run through here, so they share every rule of how a run ends: help on stdout only when asked for, parse
 * errors as one line, a defect as one line rather than a stack trace, Ctrl-C (SIGINT) and SIGTERM reported once and
 * ending the process within {@link STOP_DEADLINE} at any point, exiting 130 or 143.
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeStdio from "@effect/platform-node/NodeStdio"
import { RateLimitStore } from "@exa-webhooks/client"
import { Cause, Console, Duration, Effect, Layer, Logger, Option, Terminal } from "effect"
import type { FileSystem, Path, Stdio } from "effect"
import { CliConfig, CliError, CliOutput, Command, GlobalFlag } from "effect/cli"
import { HttpClient } from "effect/http"
import { ChildProcessSpawner } from "effect/process"
import * as Confirm from "./Confirm.ts"
import type * as ErrorReport from "./ErrorReport.ts"
import * as ExitCode from "./ExitCode.ts"
import * as Output from "./Output.ts"

/**
 * The services a command may ask for: the runner provides them.
 *
 * @since 0.1.0
 */
export type Services =
  | FileSystem.FileSystem
  | Path.Path
  | Stdio.Stdio
  | Terminal.Terminal
  | ChildProcessSpawner.ChildProcessSpawner
  | Confirm.Confirm
  | Output.Output

/**
 * What differs between the bins.
 *
 * @since 0.1.0
 */
export interface Options<Name extends string, Input, ContextInput, E, R extends Services> {
  /** The bin's name, e.g. `exa-webhooks`: it prefixes every line on stderr. */
  readonly program: string
  /** What `--version` prints after the name. */
  readonly version: string
  readonly command: Command.Command<Name, Input, ContextInput, E, R>
  readonly reporter: ErrorReport.Reporter
  /** The ENVIRONMENT and EXIT CODES sections, appended to every help page. */
  readonly helpSections: ReadonlyArray<string>
  /** The message of an interrupted run (Ctrl-C, SIGTERM): what was and was not done. */
  readonly interrupted: string
  /** A failure found in the raw arguments before parsing (reported, and the run ends with its exit code). */
  readonly preflight?: ((args: ReadonlyArray<string>) => Output.Report | undefined) | undefined
  /** The arguments; default `process.argv.slice(2)`. */
  readonly args?: ReadonlyArray<string> | undefined
}

/**
 * The ENVIRONMENT section of `--help`: the variables both bins read (each shared flag falls back to its variable,
 * see `Session.flags`). `notes` adds what a bin does differently (which commands need no key).
 *
 * @example
 * ```ts
 * Main.environmentSection({ apiKey: "; validate and secret need none" })
 * ```
 * @since 0.1.0
 */
export const environmentSection = (notes: { readonly apiKey?: string } = {}): string =>
  [
    "ENVIRONMENT",
    `  EXA_API_KEY      the API key (or --api-key-file PATH)${notes.apiKey ?? ""}`,
    "  EXA_BASE_URL     the API base URL (or --base-url URL); default https://api.exa.ai",
    "  EXA_RATE_LIMIT   requests per second, or auto (or --rate-limit N); default 10",
    "  EXA_TIMEOUT      how long one request may take (or --timeout DURATION); default 30 seconds",
    "  EXA_MAX_RETRIES  retries of a failed request that is safe to repeat (default 5)",
    "  EXA_RATE_LIMIT_STORE",
    "                   redis://[user:password@]host[:port][/db]: one rate budget shared by every process using this",
    "                   key and store (or --rate-limit-store URL); default: this process's own. A store that stops",
    `                   answering fails the run like one that went away, within ${
      Duration.format(RateLimitStore.defaults.outageWait)
    } (${Duration.format(RateLimitStore.defaults.connectTimeout)} at start)`
  ].join("\n")

const exiting = (code: number) => Effect.fail(new ExitCode.Exiting({ code }))

/**
 * How long after Ctrl-C or SIGTERM the process may take to end. The signal interrupts the command, whose finalizers
 * run (a create already sent waits for its answer to journal its secret, an unused secret file is removed, open
 * connections close); whatever is still running past {@link SIGNAL_GRACE} (a request waiting on a server or a store
 * that does not answer) is abandoned, and the process exits with the signal's code. A second signal ends it at once.
 *
 * @since 0.4.0
 */
export const STOP_DEADLINE = Duration.seconds(2)

/**
 * How long the finalizers of an interrupted command get before the process exits anyway; the rest of
 * {@link STOP_DEADLINE} is left for writing the report (stdout and stderr are flushed, for at most 300 ms).
 *
 * @since 0.4.0
 */
export const SIGNAL_GRACE = Duration.millis(1_200)

const FLUSH_LIMIT_MILLIS = 300

/**
 * Runs the bin to its end; the process exits when this is done.
 *
 * @example
 * ```ts
 * Main.run({ program: "exa-webhooks", version, command, reporter, helpSections: [env, ExitCode.helpSection], interrupted })
 * ```
 * @since 0.1.0
 */
export const run = <Name extends string, Input, ContextInput, E, R extends Services>(
  options: Options<Name, Input, ContextInput, E, R>
): void => {
  const { program: name, reporter } = options
  const args = options.args ?? process.argv.slice(2)
  const json = Output.wantsJson(args)
  const output = Output.make({ program: name, json })

  const formatter = CliOutput.defaultFormatter({
    colors: process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined
  })

  // Help goes to stdout only when it was asked for; parse errors are one line on stderr, not a help page (the help
  // is one `--help` away, and a CI log should show the error, not 40 lines of flags).
  const presenter: CliOutput.Presenter = {
    present: (event) => {
      switch (event._tag) {
        case "Help": {
          const text = [formatter.formatHelpDoc(event.helpDoc), ...options.helpSections].join("\n\n")
          if (event.reason === "Requested") return Console.log(text)
          // Not asked for (no command was given): a usage error, so stderr, and JSON there with --json.
          return json
            ? output.failure({
              type: "UsageError",
              message: `no command given; see '${event.commandPath.join(" ")} --help'`,
              exitCode: ExitCode.Usage
            })
            : Console.error(text)
        }
        case "InvalidInvocation":
          return output.failure(reporter.cliErrors(event.errors, event.commandPath))
        case "Version":
          return Console.log(`${event.name} ${event.version}`)
      }
    }
  }

  // effect/cli's parser asks for a child-process spawner (for features the bins do not use); a stub keeps
  // `node:child_process` out of the start-up path.
  const noChildProcesses = Layer.succeed(
    ChildProcessSpawner.ChildProcessSpawner,
    ChildProcessSpawner.make(() => Effect.die(new Error(`${name} does not spawn processes`)))
  )

  // Prompts are asked through `Confirm` (on stderr); the parser's own terminal is never used for input.
  const noTerminal = Layer.succeed(
    Terminal.Terminal,
    Terminal.make({
      columns: Effect.sync(() => process.stderr.columns ?? 80),
      rows: Effect.sync(() => process.stderr.rows ?? 24),
      size: Effect.die(new Error(`${name} does not read the terminal size`)),
      readInput: Effect.die(new Error(`${name} does not read raw terminal input`)),
      readLine: Effect.die(new Error(`${name} does not read lines through the terminal service`)),
      display: (text) => Effect.sync(() => void process.stderr.write(text))
    })
  )

  const layer = Layer.mergeAll(
    NodeFileSystem.layer,
    NodePath.layer,
    NodeStdio.layer,
    noTerminal,
    noChildProcesses,
    Confirm.layer,
    Layer.succeed(Output.Output, output),
    CliOutput.layerPresenter(presenter),
    // --wizard would prompt on stdout; the rest of the built-ins stay (help, version, completions, log level).
    CliConfig.layer({ builtIns: [GlobalFlag.Help, GlobalFlag.Version, GlobalFlag.Completions, GlobalFlag.LogLevel] }),
    // Logs (e.g. the client's retries under --log-level debug) must never reach stdout.
    Logger.layer([Output.logger({ program: name, json })]),
    // No tracing backend listens: trace headers (b3, traceparent) would only be noise in requests and --dry-run.
    Layer.succeed(HttpClient.TracerPropagationEnabled, false)
  )

  // The signal that stopped the run (none for Ctrl-C at a prompt, where the prompt reads the key itself).
  let received: ExitCode.Signal | undefined
  let reported = false
  // Reported once, whether the command's interruption completes in time or the deadline ends the process first.
  const reportInterrupted = (message: string) =>
    Effect.suspend(() => {
      if (reported) return Effect.void
      reported = true
      return output.failure({ type: "Interrupted", message, exitCode: ExitCode.ofSignal(received) })
    })

  const command = Command.withGlobalFlags(options.command, [Output.JsonFlag])
  const program = Command.runWith(command, { version: options.version })(args).pipe(
    Effect.catchCause((cause) => {
      // Ctrl-C at a prompt arrives as an interruption from inside (readline got the key, not the process): pass it
      // on to the same path as a signal, which reports it once (onInterrupt below).
      if (Cause.hasInterruptsOnly(cause)) return Effect.interrupt
      const error = Cause.findErrorOption(cause)
      if (Option.isNone(error)) {
        // A defect: a bug, reported in one line rather than a stack trace.
        const report = reporter.ofDefect(cause)
        return Effect.andThen(output.failure(report), exiting(report.exitCode))
      }
      // Parse errors and an implicit help page have already been presented.
      if (CliError.isCliError(error.value) && error.value._tag === "ShowHelp") return exiting(ExitCode.Usage)
      // A chosen exit code (e.g. `plan --detailed-exit-code`) is not a failure to report.
      if (error.value instanceof ExitCode.Exiting) return Effect.fail(error.value)
      const report = reporter.of(error.value)
      return Effect.andThen(output.failure(report), exiting(report.exitCode))
    }),
    // Ctrl-C or SIGTERM while running: the runtime interrupts the program, whose finalizers (an unused secret file,
    // open connections) run before the process exits with 130 or 143 (or the deadline below ends it first).
    Effect.onInterrupt(() => reportInterrupted(options.interrupted)),
    Effect.provide(layer)
    // `R extends Services`, all provided above; TypeScript cannot reduce the generic `Exclude` to `never` itself.
  ) as Effect.Effect<void, ExitCode.Exiting>

  // The runtime interrupts the program on SIGINT and SIGTERM and exits when it has ended; these listeners, beside its
  // own, remember which signal it was and bound how long that may take.
  const abandon = () => {
    Effect.runSync(reportInterrupted(
      `${options.interrupted}; requests still waiting for an answer were abandoned, and may have been applied`
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

  const early = options.preflight?.(args)
  NodeRuntime.runMain(
    early === undefined ? program : Effect.andThen(output.failure(early), exiting(early.exitCode)),
    { disableErrorReporting: true, teardown: ExitCode.teardown(() => received) }
  )
}
