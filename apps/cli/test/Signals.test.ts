import { assert, describe, it } from "@effect/vitest"
import {
  RedisServer,
  SIGNAL_EXIT_CODES as CODES,
  signalledWhileSilent,
  signalledWhileStoreFrozen,
  silentServer
} from "@exa-webhooks/cli-kit/testing"
import type { Result } from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { Signature } from "@exa-webhooks/receiver"
import { API_KEY, envFor, lines, mockLayer, runBin as run, stats } from "./fixtures/cli.ts"
import { listen, post, secretFile } from "./fixtures/listener.ts"

// Ctrl-C (SIGINT) and SIGTERM end every command within 2 s, whatever it is waiting on, with exit 130 or 143 and one
// line on stderr. Each case signals the bin once it is provably waiting: its connection has been accepted.

const stoppedInTime = (result: Result, signal: keyof typeof CODES) => {
  assert.strictEqual(result.code, CODES[signal], result.stderr)
  assert.isBelow(result.stoppedIn!, 2_000, `ended ${result.stoppedIn} ms after ${signal}`)
  assert.strictEqual(result.stdout, "")
  assert.deepStrictEqual(lines(result.stderr).map((line) => line.startsWith("exa-webhooks: interrupted")), [true], result.stderr)
}

describe("Ctrl-C and SIGTERM end a command within 2 s", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it.live(`${signal} while waiting on a rate-limit store that accepts the connection and never answers: exit ${CODES[signal]}`, () =>
      Effect.gen(function*() {
        const mock = yield* MockServer.MockServer
        stoppedInTime(yield* signalledWhileSilent(run, ["list"], { env: envFor(mock), silent: "store", signal }), signal)
        assert.strictEqual((yield* stats).requests, 0, "nothing was sent")
      }).pipe(Effect.provide(mockLayer())))

    it.live(`${signal} while waiting on an API that accepts the connection and never answers: exit ${CODES[signal]}`, () =>
      Effect.map(
        signalledWhileSilent(run, ["list"], { env: { EXA_API_KEY: API_KEY }, silent: "api", signal }),
        (result) => stoppedInTime(result, signal)
      ))
  }

  it.live("SIGTERM while listen forwards a delivery to an app that accepts the connection and never answers: exit 143", () =>
    Effect.gen(function*() {
      const secret = "whsec_signals_listen"
      const yourApp = yield* silentServer
      const listener = yield* listen(["--secret-file", secretFile(secret), "--forward-to", `http://127.0.0.1:${yourApp.port}/hooks`])
      const body = JSON.stringify({ id: "event_sig", object: "event", type: "webset.idle", data: {}, createdAt: "2026-01-01T00:00:00Z" })
      const answer = yield* post(listener.url, body, { "exa-signature": yield* Signature.sign(secret, Math.floor(Date.now() / 1000), body) })
      assert.strictEqual(answer.status, 200)
      yield* yourApp.accepted()
      const started = performance.now()
      const stopped = yield* listener.stop("SIGTERM")
      const took = performance.now() - started
      assert.strictEqual(stopped.code, 143)
      assert.isBelow(took, 2_000, `ended ${Math.round(took)} ms after SIGTERM`)
      assert.include(listener.stderr(), "interrupted")
    }).pipe(Effect.scoped))

  it.live("--json: the interruption is one JSON object carrying the signal's exit code", () =>
    Effect.gen(function*() {
      const result = yield* signalledWhileSilent(run, ["list", "--json"], { env: { EXA_API_KEY: API_KEY }, silent: "api", signal: "SIGTERM" })
      assert.strictEqual(result.code, 143, result.stderr)
      const report = JSON.parse(result.stderr)
      assert.strictEqual(report.error.type, "Interrupted")
      assert.strictEqual(report.error.exitCode, 143)
    }))
})

describe.skipIf(!RedisServer.available())("a real redis-server stopped with SIGSTOP as the rate-limit store", () => {
  it.live("list fails like a dead store: one line naming it (never its password), exit 1, within the documented wait, nothing sent", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const redis = yield* RedisServer.startWith({ requirePass: "hunter2-frozen" })
      yield* redis.freeze
      const started = Date.now()
      const result = yield* run(["list", "--rate-limit-store", `redis://:hunter2-frozen@127.0.0.1:${redis.port}/0`], { env: envFor(mock) })
      const took = Date.now() - started
      yield* redis.thaw
      assert.strictEqual(result.code, 1, result.stderr)
      assert.match(
        result.stderr,
        new RegExp(`^exa-webhooks: cannot use the rate-limit store redis://127\\.0\\.0\\.1:${redis.port}/0: no answer within 5s.*; nothing was sent\\n$`)
      )
      assert.notInclude(result.stderr, "hunter2")
      // The documented wait (connectTimeout, 5 s) plus the bin's start-up; it used to wait forever.
      assert.isBelow(took, 12_000)
      assert.strictEqual((yield* stats).requests, 0)
    }).pipe(Effect.scoped, Effect.provide(mockLayer())))

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it.live(`${signal} while list waits on it: exit ${CODES[signal]} within 2 s (it used to be ignored)`, () =>
      Effect.gen(function*() {
        const mock = yield* MockServer.MockServer
        stoppedInTime(yield* signalledWhileStoreFrozen(run, ["list"], { env: envFor(mock), signal }), signal)
        assert.strictEqual((yield* stats).requests, 0)
      }).pipe(Effect.provide(mockLayer())))
  }
})
