/**
 * Entry point of `exa-webhooks-batch`: parses the arguments, runs the command, reports any failure on stderr (one line, or
 * one JSON object with `--json`) and exits with the code of `ExitCode`.
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeStdio from "@effect/platform-node/NodeStdio"
import { Cause, Console, Effect, Layer, Logger, Option, Terminal } from "effect"
import { CliConfig, CliError, CliOutput, Command, GlobalFlag } from "effect/cli"
import { HttpClient } from "effect/http"
import { ChildProcessSpawner } from "effect/process"
import { setFlagsFromString } from "node:v8"
import packageJson from "../package.json" with { type: "json" }
import * as Commands from "./Commands.ts"
import * as Confirm from "./Confirm.ts"
import * as ErrorReport from "./ErrorReport.ts"
import * as ExitCode from "./ExitCode.ts"
import * as Output from "./Output.ts"

// V8 lets the young generation grow to tens of MB while a large manifest is parsed (every node of the parse is
// short-lived); keeping it at its starting size cut the peak RSS of a bare parse of a 100,000-webhook manifest from
// 312 MB to 182 MB, and its time by a third (measured with effect/encoding/Yaml, see bench/run.mjs). A short-lived
// CLI process owns its heap, so it may set this.
setFlagsFromString("--semi-space-growth-factor=1")

const args = process.argv.slice(2)
const json = Output.wantsJson(args)
const output = Output.make({ json })

const environmentSection = [
  "ENVIRONMENT",
  "  EXA_API_KEY      the API key (or --api-key-file PATH); validate and secret need none",
  "  EXA_BASE_URL     the API base URL (or --base-url URL); default https://api.exa.ai",
  "  EXA_RATE_LIMIT   requests per second (default 10, or --rate-limit); EXA_TIMEOUT per request (default 30 seconds)",
  "  EXA_MAX_RETRIES  retries of a failed request that is safe to repeat (default 5)"
].join("\n")

const formatter = CliOutput.defaultFormatter({
  colors: process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined
})

// Help goes to stdout only when it was asked for; parse errors are one line on stderr, not a help page (the help
// is one `--help` away, and a CI log should show the error, not 40 lines of flags).
const presenter: CliOutput.Presenter = {
  present: (event) => {
    switch (event._tag) {
      case "Help": {
        const text = `${formatter.formatHelpDoc(event.helpDoc)}\n\n${environmentSection}\n\n${ExitCode.helpSection}`
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
        return output.failure(ErrorReport.cliErrors(event.errors, event.commandPath))
      case "Version":
        return Console.log(`${event.name} ${event.version}`)
    }
  }
}

// The CLI's parser asks for a child-process spawner (for features this CLI does not use); a stub keeps
// `node:child_process` out of the start-up path.
const noChildProcesses = Layer.succeed(
  ChildProcessSpawner.ChildProcessSpawner,
  ChildProcessSpawner.make(() => Effect.die(new Error("exa-webhooks-batch does not spawn processes")))
)

// Prompts are asked through `Confirm` (on stderr); the parser's own terminal is never used for input.
const noTerminal = Layer.succeed(
  Terminal.Terminal,
  Terminal.make({
    columns: Effect.sync(() => process.stderr.columns ?? 80),
    rows: Effect.sync(() => process.stderr.rows ?? 24),
    size: Effect.die(new Error("exa-webhooks-batch does not read the terminal size")),
    readInput: Effect.die(new Error("exa-webhooks-batch does not read raw terminal input")),
    readLine: Effect.die(new Error("exa-webhooks-batch does not read lines through the terminal service")),
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
  // Logs (the client's retries under --log-level debug) must never reach stdout.
  Logger.layer([Output.logger({ json })]),
  // No tracing backend listens: trace headers (b3, traceparent) would only be noise in requests and --dry-run.
  Layer.succeed(HttpClient.TracerPropagationEnabled, false)
)

const interrupted: Output.Report = {
  type: "Interrupted",
  message: "interrupted; nothing more was sent; secrets of the webhooks created so far are in the journal (run apply again to finish)",
  exitCode: ExitCode.Interrupted
}

const exiting = (code: number) => Effect.fail(new ExitCode.Exiting({ code }))

const program = Command.runWith(Commands.command, { version: packageJson.version })(args).pipe(
  Effect.catchCause((cause) => {
    // Ctrl-C at a prompt arrives as an interruption from inside (readline got the key, not the process): pass it on
    // to the same path as a signal, which reports it once (onInterrupt below).
    if (Cause.hasInterruptsOnly(cause)) return Effect.interrupt
    const error = Cause.findErrorOption(cause)
    if (Option.isNone(error)) {
      // A defect: a bug, reported in one line rather than a stack trace.
      const report = ErrorReport.ofDefect(cause)
      return Effect.andThen(output.failure(report), exiting(report.exitCode))
    }
    // A chosen exit code (plan --detailed-exit-code) is not a failure to report.
    if (error.value instanceof ExitCode.Exiting) return Effect.fail(error.value)
    // Parse errors and an implicit help page have already been presented.
    if (CliError.isCliError(error.value) && error.value._tag === "ShowHelp") return exiting(ExitCode.Usage)
    const report = ErrorReport.of(error.value)
    return Effect.andThen(output.failure(report), exiting(report.exitCode))
  }),
  // Ctrl-C or SIGTERM while running: the runtime interrupts the program, whose finalizers (an unused secret file,
  // open connections) run before the process exits with 130.
  Effect.onInterrupt(() => output.failure(interrupted)),
  Effect.provide(layer)
)

NodeRuntime.runMain(program, { disableErrorReporting: true, teardown: ExitCode.teardown })
