/**
 * Test fixtures of the bins: runs a bin in this process (`inProcess`, over the kit's `Bin.program`: what most tests
 * use) or its built bundle as a subprocess (`runner`: for what only a process shows, signals, `kill -9`, pipes),
 * with exactly the environment a test gives it, against the in-process mock server.
 *
 * @since 0.1.0
 */
import { assert } from "@effect/vitest"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { MockServer } from "@exa-webhooks/mock-server"
import { Cause, Console, Effect, Exit, Fiber, Layer, PlatformError, Schedule, Sink, Stdio, Stream } from "effect"
import type { Scope } from "effect"
import * as Bin from "./Bin.ts"
import * as Confirm from "./Confirm.ts"
import * as ExitCode from "./ExitCode.ts"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { connect, createServer } from "node:net"
import type { AddressInfo, Server, Socket } from "node:net"
import { fileURLToPath } from "node:url"

/**
 * The path of a built bundle (a `file:` URL), checked to exist: a missing build is named, with how to make it.
 *
 * @since 0.1.0
 */
export const bundle = (url: URL, packageDir: string): string => {
  const file = fileURLToPath(url)
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run 'pnpm run build' in ${packageDir} first (turbo does it before 'test')`)
  }
  return file
}

/** A URL the mock never contacts (not loopback): deliveries to it are recorded as failed attempts at once. */
export const HOOK_URL = "https://example.com/hooks/exa"

/** What a run produced. */
export interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** With `interruptWhen`: milliseconds from the signal to the process's end (`undefined` when none was sent). */
  readonly stoppedIn?: number | undefined
}

/** Options of {@link run}. */
export interface RunOptions {
  /** The whole environment of the subprocess (nothing is inherited). */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** Written to stdin, which is then closed; stdin is a pipe (never a terminal) either way. */
  readonly stdin?: string | undefined
  /** Instead of `stdin`: waits until stdout contains `when`, then writes `keys` and closes stdin. */
  readonly answer?: { readonly when: string; readonly keys: string } | undefined
  readonly cwd?: string | undefined
  /**
   * Sends SIGINT once this effect completes, e.g. {@link requestsReceived}: the child's own progress, so Ctrl-C comes
   * after start-up however long start-up takes on a loaded machine.
   */
  readonly interruptWhen?: Effect.Effect<void> | undefined
  /** The signal `interruptWhen` sends; default SIGINT (Ctrl-C). */
  readonly signal?: NodeJS.Signals | undefined
  /** Runs `command` (a full argv) instead of the bin, e.g. to go through `script` for a pseudo-terminal. */
  readonly command?: ReadonlyArray<string> | undefined
}

/** A runner of the bundle `bin`: runs it with `args` and collects its exit code and output. */
export const runner = (bin: string) => (args: ReadonlyArray<string>, options: RunOptions = {}): Effect.Effect<Result> =>
  Effect.callback<Result>((resume) => {
    const [file, ...rest] = options.command ?? [process.execPath, bin, ...args]
    const child = spawn(file!, rest, {
      env: { ...options.env },
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    const answer = options.answer
    let answered = false
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
      if (answer !== undefined && !answered && stdout.includes(answer.when)) {
        answered = true
        child.stdin.end(answer.keys)
      }
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.stdin.on("error", () => {})
    if (answer === undefined) child.stdin.end(options.stdin ?? "")
    let signalledAt: number | undefined
    const interrupter = options.interruptWhen === undefined
      ? undefined
      : Effect.runFork(Effect.andThen(
        options.interruptWhen,
        Effect.sync(() => {
          signalledAt = performance.now()
          child.kill(options.signal ?? "SIGINT")
        })
      ))
    const stopInterrupter = () => {
      if (interrupter !== undefined) Effect.runFork(Fiber.interrupt(interrupter))
    }
    child.on("close", (code, signal) => {
      stopInterrupter()
      const stoppedIn = signalledAt === undefined ? undefined : Math.round(performance.now() - signalledAt)
      resume(Effect.succeed({ code, signal, stdout, stderr, stoppedIn }))
    })
    return Effect.sync(() => {
      stopInterrupter()
      child.kill("SIGKILL")
    })
  })

// A line as console.log writes it.
const consoleLine = (...parts: ReadonlyArray<unknown>) => `${parts.map(String).join(" ")}\n`

/** Options of an {@link inProcess} run, besides those of {@link RunOptions} that apply. */
export interface InProcessOptions extends Omit<RunOptions, "command" | "cwd" | "answer"> {
  /**
   * Stdin is a terminal, and these are the answers typed to the questions asked, in order (each question is written
   * to stderr, as on a terminal); without it stdin is not a terminal and nobody is asked.
   */
  readonly terminal?: ReadonlyArray<string> | undefined
  /** Stdout is a terminal (colour under `--color auto`; `create` does not warn that the secret goes to a file). */
  readonly stdoutIsTerminal?: boolean | undefined
  /** Stderr is a terminal (colour under `--color auto`, progress drawn as a status line). */
  readonly stderrIsTerminal?: boolean | undefined
  /** Stdout refuses every write, as a closed pipe or a full disk does. */
  readonly brokenStdout?: boolean | undefined
}

/**
 * A runner of the bin `definition` in this process (`Bin.program`): the same parsing, commands, reports and exit
 * codes as the built bin, with stdout and stderr captured, stdin given, the environment exactly `env`, the real file
 * system, and no process started. `interruptWhen` interrupts the run as the signal would (130, or 143 for SIGTERM);
 * what only a process has (a signal's 2 s deadline, flushing to a slow pipe, `kill -9`) is for {@link runner}.
 */
export const inProcess = (definition: Bin.Definition) =>
(args: ReadonlyArray<string>, options: InProcessOptions = {}): Effect.Effect<Result> =>
  Effect.gen(function*() {
    let stdout = ""
    let stderr = ""
    const decoder = new TextDecoder()
    const text = (chunk: string | Uint8Array) => (typeof chunk === "string" ? chunk : decoder.decode(chunk))
    const console: Console.Console = {
      ...globalThis.console,
      log: (...parts) => void (stdout += consoleLine(...parts)),
      info: (...parts) => void (stdout += consoleLine(...parts)),
      error: (...parts) => void (stderr += consoleLine(...parts)),
      warn: (...parts) => void (stderr += consoleLine(...parts)),
      debug: (...parts) => void (stderr += consoleLine(...parts))
    }
    const stdio = Stdio.make({
      args: Effect.succeed(args),
      stdout: () =>
        options.brokenStdout === true
          ? Sink.forEach(() =>
            Effect.fail(PlatformError.systemError({
              _tag: "BadResource",
              module: "Stdio",
              method: "stdout",
              cause: new Error("EPIPE: broken pipe, write")
            }))
          )
          : Sink.forEach((chunk: string | Uint8Array) => Effect.sync(() => void (stdout += text(chunk)))),
      stderr: () => Sink.forEach((chunk: string | Uint8Array) => Effect.sync(() => void (stderr += text(chunk)))),
      stdin: options.stdin === undefined ? Stream.empty : Stream.make(new TextEncoder().encode(options.stdin)),
      stdinIsTerminal: Effect.succeed(options.terminal !== undefined),
      stdoutIsTerminal: Effect.succeed(options.stdoutIsTerminal === true),
      stderrIsTerminal: Effect.succeed(options.stderrIsTerminal === true)
    })
    const answers = [...(options.terminal ?? [])]
    const confirm = Layer.succeed(Confirm.Confirm, {
      interactive: Effect.succeed(options.terminal !== undefined),
      ask: (question) =>
        Effect.sync(() => {
          stderr += `${question} [y/N] \n`
          return /^y(es)?$/i.test((answers.shift() ?? "").trim())
        })
    })
    let received: ExitCode.Signal | undefined
    const run = Bin.program(definition, { args, env: options.env ?? {}, signal: () => received }).pipe(
      Effect.provideService(Console.Console, console),
      Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, Layer.succeed(Stdio.Stdio, stdio), confirm))
    )
    const fiber = yield* Effect.forkChild(run)
    let signalledAt: number | undefined
    if (options.interruptWhen !== undefined) {
      yield* Effect.forkChild(Effect.andThen(
        options.interruptWhen,
        Effect.suspend(() => {
          received = (options.signal ?? "SIGINT") === "SIGTERM" ? "SIGTERM" : "SIGINT"
          signalledAt = performance.now()
          return Fiber.interrupt(fiber)
        })
      ))
    }
    const exit = yield* Fiber.await(fiber)
    const code = Exit.isSuccess(exit)
      ? exit.value
      : Cause.hasInterruptsOnly(exit.cause)
      ? ExitCode.ofSignal(received)
      : ExitCode.ApiFailure
    const stoppedIn = signalledAt === undefined ? undefined : Math.round(performance.now() - signalledAt)
    return { code, signal: null, stdout, stderr, stoppedIn }
  })

/** A loopback TCP server whose connections the test can watch. */
export interface Watched {
  readonly port: number
  /** Completes once `n` connections have been accepted (polled every 10 ms; the test's timeout bounds the wait). */
  readonly accepted: (n?: number) => Effect.Effect<void>
}

const watchedServer = (onConnection: (socket: Socket) => void): Effect.Effect<Watched, never, Scope.Scope> =>
  Effect.gen(function*() {
    const sockets = new Set<Socket>()
    let count = 0
    const server = yield* Effect.acquireRelease(
      Effect.callback<Server>((resume) => {
        const created = createServer((socket) => {
          count++
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket)).on("error", () => {})
          onConnection(socket)
        })
        created.listen(0, "127.0.0.1", () => resume(Effect.succeed(created)))
      }),
      (listening) =>
        Effect.callback<void>((resume) => {
          for (const socket of sockets) socket.destroy()
          listening.close(() => resume(Effect.void))
        })
    )
    return {
      port: (server.address() as AddressInfo).port,
      accepted: (n = 1) =>
        Effect.suspend(() => (count >= n ? Effect.void : Effect.fail("not yet"))).pipe(
          Effect.retry(Schedule.spaced("10 millis")),
          Effect.orDie
        )
    }
  })

/**
 * A server that accepts connections and never answers (reads and drops what it is sent), as a stopped process or a
 * half-open network path looks to a client: an API base URL (`http://127.0.0.1:PORT`) or a store address.
 */
export const silentServer: Effect.Effect<Watched, never, Scope.Scope> = watchedServer((socket) => void socket.resume())

/**
 * A relay to `127.0.0.1:port` (a real server behind it, a frozen `redis-server` say) that tells when a bin has
 * connected through it.
 */
export const relayTo = (port: number): Effect.Effect<Watched, never, Scope.Scope> =>
  watchedServer((socket) => {
    const upstream = connect(port, "127.0.0.1")
    upstream.on("error", () => socket.destroy())
    socket.on("close", () => upstream.destroy())
    socket.pipe(upstream).pipe(socket)
  })

/** The exit code of a run stopped by each signal. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const

/**
 * Runs a bin (`run`, a {@link runner}) with `args` and `env`, its API (`silent: "api"`, as `EXA_BASE_URL`) or its
 * rate-limit store (`"store"`, as `--rate-limit-store`) a {@link silentServer}, and sends `signal` once the bin has
 * connected to it.
 */
export const signalledWhileSilent = (
  run: ReturnType<typeof runner>,
  args: ReadonlyArray<string>,
  options: {
    readonly env: Readonly<Record<string, string>>
    readonly silent: "api" | "store"
    readonly signal: keyof typeof SIGNAL_EXIT_CODES
  }
): Effect.Effect<Result> =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* silentServer
    const store = options.silent === "store"
    return yield* run(store ? [...args, "--rate-limit-store", `redis://127.0.0.1:${server.port}/0`] : args, {
      env: store ? options.env : { ...options.env, EXA_BASE_URL: `http://127.0.0.1:${server.port}` },
      interruptWhen: server.accepted(),
      signal: options.signal
    })
  }))

/**
 * Runs a bin (`run`) with `args` and `--rate-limit-store` naming a real `redis-server` stopped with SIGSTOP (through
 * a {@link relayTo}, since the frozen server cannot tell when the bin has connected), and sends `signal` once the bin
 * has connected to it; the server is resumed afterwards.
 */
export const signalledWhileStoreFrozen = (
  run: ReturnType<typeof runner>,
  args: ReadonlyArray<string>,
  options: { readonly env: Readonly<Record<string, string>>; readonly signal: keyof typeof SIGNAL_EXIT_CODES }
): Effect.Effect<Result> =>
  Effect.scoped(Effect.gen(function*() {
    const redis = yield* RedisServerFixture.start
    yield* redis.freeze
    const relay = yield* relayTo(redis.port)
    const result = yield* run([...args, "--rate-limit-store", `redis://127.0.0.1:${relay.port}/0`], {
      env: options.env,
      interruptWhen: relay.accepted(),
      signal: options.signal
    })
    yield* redis.thaw
    return result
  }))

/** Calls the mock's API directly, as another program would, with `apiKey`: the answer's JSON. */
export const api = (mock: MockServer.Service, apiKey: string, method: string, path: string, body?: unknown): Effect.Effect<any> =>
  Effect.promise(async () => {
    const response = await fetch(`${mock.url}${path}`, {
      method,
      headers: { "x-api-key": apiKey, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return await response.json()
  })

/** The environment of a run against `mock`: its URL and `apiKey`, plus `extra`. */
export const envFor = (mock: MockServer.Service, apiKey: string, extra: Readonly<Record<string, string>> = {}) => ({
  EXA_BASE_URL: mock.url,
  EXA_API_KEY: apiKey,
  // Keep retries of the live clock short: tests that inject faults should not wait for the production backoff.
  EXA_RETRY_BASE_DELAY: "5 millis",
  EXA_RETRY_MAX_DELAY: "20 millis",
  ...extra
})

/** A fresh mock accepting `apiKey`. */
export const mockLayer = (apiKey: string, options: MockServer.Options = {}): Layer.Layer<MockServer.MockServer> =>
  MockServer.layer({ apiKey, deliveryAttempts: 1, ...options })

/** Completes once `mock` has received `n` API requests (polled every 10 ms; the test's timeout bounds the wait). */
export const requestsReceived = (mock: MockServer.Service, n = 1): Effect.Effect<void> =>
  mock.stats.pipe(
    Effect.filterOrFail((s) => s.requests >= n, () => "not yet"),
    Effect.retry(Schedule.spaced("10 millis")),
    Effect.asVoid,
    Effect.orDie
  )

/**
 * The timeout of a test that starts a bin `spawns` times, one after another: a start takes ~0.5 s alone and several
 * seconds on a loaded 2-core machine, so each gets 10 s, plus 10 s for the rest of the test.
 */
export const timeoutFor = (spawns: number) => 10_000 + spawns * 10_000

/** The mock's counters. */
export const stats = Effect.gen(function*() {
  const mock = yield* MockServer.MockServer
  return yield* mock.stats
})

/** Publishes an event through the mock's control route and waits for its deliveries. */
export const publishEvent = (type: string) =>
  Effect.gen(function*() {
    const mock = yield* MockServer.MockServer
    yield* Effect.promise(async () => {
      const response = await fetch(`${mock.url}/_mock/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type, data: { id: "webset_test", object: "webset" } })
      })
      if (response.status !== 200) throw new Error(`publishing ${type} answered ${response.status}`)
    })
  })

/** Parses stdout as exactly one JSON document (fails the test otherwise). */
export const json = (result: Result): any => JSON.parse(result.stdout)

/** The non-empty lines of a text. */
export const lines = (text: string): Array<string> => text.split("\n").filter((line) => line.trim() !== "")

/**
 * What a run through an unreachable proxy on `port` must show, for both bins: exit 1, one line naming the proxy with
 * its password masked, the password nowhere in the output, and nothing sent to the mock.
 */
export const assertUnreachableProxy = (result: Result, port: number, password: string) =>
  Effect.gen(function*() {
    assert.strictEqual(result.code, 1, result.stderr)
    const said = lines(result.stderr)
    assert.lengthOf(said, 1, result.stderr)
    assert.include(said[0], `proxy http://****@127.0.0.1:${port}`)
    assert.notInclude(result.stderr + result.stdout, password)
    assert.strictEqual((yield* stats).requests, 0)
  })

/**
 * A real `redis-server` for the tests of the shared rate-limit store (the client's test fixture, shared): `available()`
 * says whether those tests can run (one line when they cannot; an error under `CI=true`), `start` runs one for a scope.
 */
export * as RedisServer from "../../client/test/fixtures/redisServer.ts"

/**
 * A real `tinyproxy` for the proxy tests (the client's test fixture, shared): `available()` says whether those tests
 * can run (one line when they cannot; an error under `CI=true`), `start` runs one for a scope and reads back the
 * requests it passed.
 */
export * as Tinyproxy from "../../client/test/fixtures/tinyproxy.ts"
import * as RedisServerFixture from "../../client/test/fixtures/redisServer.ts"
