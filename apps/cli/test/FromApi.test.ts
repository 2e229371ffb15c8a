import { assert, describe, it } from "@effect/vitest"
import * as Testing from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { ConfigProvider, Duration, Effect, Fiber, Option, Redacted, Schedule } from "effect"
import { spawn } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as FromApi from "../src/FromApi.ts"
import { app, counts } from "./fixtures/app.ts"
import { API_KEY, CLI, envFor, mockLayer } from "./fixtures/cli.ts"
import { capture, services, sessionFor, tempDir } from "./fixtures/inProcess.ts"
import { eventually, secretFile } from "./fixtures/listener.ts"

const SECRET = "whsec_from_api_test_secret_0123456789"

/** The ids of every event the mock has, oldest first (asked again when an injected fault answers instead). */
const eventIds = (mock: MockServer.Service) =>
  Testing.api(mock, API_KEY, "GET", "/websets/v0/events?limit=200").pipe(
    Effect.filterOrFail((page: { readonly data?: ReadonlyArray<{ readonly id: string }> }) => page.data !== undefined, () => "a fault"),
    Effect.retry(Schedule.spaced("10 millis")),
    Effect.map((page) => page.data!.map((e: { readonly id: string }) => e.id).toReversed()),
    Effect.orDie
  )

/** Waits until the mock has made `n` events (simulated activity runs on its own). */
const eventsMade = (mock: MockServer.Service, n: number) =>
  mock.stats.pipe(
    Effect.filterOrFail((s) => s.events >= n, () => "not yet"),
    Effect.retry(Schedule.spaced("10 millis")),
    Effect.orDie
  )

const publish = (mock: MockServer.Service, n: number) =>
  Effect.forEach(Array.from({ length: n }), () => Testing.api(mock, API_KEY, "POST", "/_mock/events", { type: "webset.created" }), {
    discard: true
  })

/** `listen --from-api` in this process, until interrupted; what it printed is in `printed`. */
const listen = (mock: MockServer.Service, forwardTo: string, checkpoint: string, since: Option.Option<Duration.Duration> = Option.some(Duration.hours(1))) => {
  const { layer, printed } = capture()
  const run = FromApi.run({
    session: sessionFor(mock),
    forwardTo,
    secret: Redacted.make(SECRET),
    since,
    types: [],
    checkpointFile: Option.some(checkpoint),
    pollInterval: Duration.millis(50)
  }).pipe(Effect.provide(services(layer)))
  return { printed, run }
}

const simulated = (count: number) => mockLayer({ simulate: { rate: 50, count } })

describe("listen --from-api, in process", () => {
  it.live("events of simulated activity reach the app verified, oldest first, each once, one line per event after its checkpoint", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const yourApp = yield* app(SECRET)
      const checkpoint = join(tempDir(), "listen.json")
      const { printed, run } = listen(mock, yourApp.url, checkpoint)
      const fiber = yield* Effect.forkChild(run)
      yield* eventsMade(mock, 10)
      // A delivery's line is printed after its checkpoint is written, a moment after the app answered.
      yield* eventually(() => yourApp.accepted().length >= 10 && printed.stdout.length >= 10, "the app did not get 10 events")
      yield* Fiber.interrupt(fiber)
      const all = yield* eventIds(mock)
      assert.strictEqual(all.length, 10)
      assert.deepStrictEqual(yourApp.accepted(), all)
      assert.isTrue(yourApp.received.every((r) => r.verified))
      // The body is the event's JSON as the Events API serves it; the signature is Exa's scheme.
      const first = yourApp.received[0]!
      assert.strictEqual(JSON.parse(first.body).id, all[0])
      assert.match(first.headers["exa-signature"] as string, /^t=\d+,v1=[0-9a-f]{64}$/)
      assert.strictEqual(first.headers["content-type"], "application/json")
      assert.isUndefined(first.headers["x-api-key"])
      assert.strictEqual(printed.stdout.length, 10)
      assert.match(printed.stdout[0]!, new RegExp(`^\\d\\d:\\d\\d:\\d\\d delivered \\S+ ${all[0]} \\(.+\\) -> 200$`))
      const stored = JSON.parse(readFileSync(checkpoint, "utf8"))
      assert.strictEqual(stored.seen.at(-1).id, all[9])
      assert.include(printed.stderr[0]!, "starting with the events of the last 1h")
    }).pipe(Effect.provide(simulated(10))))

  it.live("a failing app gets the event again, backing off, and nothing after it goes first; the listener keeps going", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* publish(mock, 2)
      const [a, b] = yield* eventIds(mock)
      const yourApp = yield* app(SECRET, { policy: (id, n) => (id === a && n <= 2 ? 503 : "accept") })
      const { printed, run } = listen(mock, yourApp.url, join(tempDir(), "listen.json"))
      const fiber = yield* Effect.forkChild(run)
      yield* eventually(() => yourApp.accepted().length >= 2, "the app did not get both events")
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(yourApp.received.map((r) => [r.id, r.status]), [[a, 503], [a, 503], [a, 200], [b, 200]])
      const retries = printed.stderr.filter((line) => line.includes("your app answered 503"))
      assert.strictEqual(retries.length, 2)
      assert.match(retries[0]!, /\(try 1\); trying again in \d/)
      assert.match(printed.stdout[0]!, / -> 200 after 3 tries$/)
    }).pipe(Effect.provide(mockLayer())), 30_000)

  it.live("stopped while the app holds an event, the next run delivers that event and everything after, each taken once", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* publish(mock, 5)
      const first = yield* eventIds(mock)
      const held = first[2]!
      const yourApp = yield* app(SECRET, { policy: (id, n) => (id === held && n === 1 ? "hang" : "accept") })
      const checkpoint = join(tempDir(), "listen.json")
      const one = listen(mock, yourApp.url, checkpoint)
      const fiber = yield* Effect.forkChild(one.run)
      yield* eventually(() => yourApp.received.some((r) => r.status === "hung"), "the app never held the event")
      // Stopped mid-delivery: as far as the checkpoint knows, like a crash.
      yield* Fiber.interrupt(fiber)
      yield* publish(mock, 2)
      const two = listen(mock, yourApp.url, checkpoint)
      const again = yield* Effect.forkChild(two.run)
      const all = yield* eventIds(mock)
      yield* eventually(() => yourApp.accepted().length >= all.length, "not every event was delivered after the restart")
      yield* Effect.sleep("200 millis")
      yield* Fiber.interrupt(again)
      assert.deepStrictEqual(yourApp.accepted(), all)
      assert.include(two.printed.stderr[0]!, `resuming after event ${first[1]}`)
    }).pipe(Effect.provide(mockLayer())))

  it.live("a restart before the first event starts where the first run did, not at its own now", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* publish(mock, 2)
      const yourApp = yield* app(SECRET)
      const checkpoint = join(tempDir(), "listen.json")
      const one = listen(mock, yourApp.url, checkpoint, Option.none())
      const fiber = yield* Effect.forkChild(one.run)
      yield* eventually(() => one.printed.stderr.length > 0, "the first run did not start")
      yield* Effect.sleep("200 millis")
      yield* Fiber.interrupt(fiber)
      // While nothing runs.
      yield* publish(mock, 2)
      const all = yield* eventIds(mock)
      const two = listen(mock, yourApp.url, checkpoint, Option.none())
      const again = yield* Effect.forkChild(two.run)
      yield* eventually(() => yourApp.accepted().length >= 2, "the events made while it was stopped did not arrive")
      yield* Effect.sleep("200 millis")
      yield* Fiber.interrupt(again)
      assert.deepStrictEqual(yourApp.accepted(), all.slice(2))
    }).pipe(Effect.provide(mockLayer())))

  it.live("the API failing between polls is a warning, and polling resumes from the checkpoint: nothing skipped or repeated", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const yourApp = yield* app(SECRET)
      const { printed, run } = listen(mock, yourApp.url, join(tempDir(), "listen.json"))
      // No retries inside the client: every injected 5xx ends a poll, so the listener's own resume is what is tested.
      const fiber = yield* Effect.forkChild(
        run.pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { EXA_MAX_RETRIES: "0" } }))))
      )
      yield* eventsMade(mock, 4)
      yield* eventually(() => yourApp.accepted().length >= 4, "the first events did not arrive")
      // A poll that fails after events were delivered: the next one must start after them.
      const failures = () => printed.stderr.filter((line) => line.includes("polling the Events API failed")).length
      const before = failures()
      yield* eventually(() => failures() > before, "no poll failed")
      yield* publish(mock, 2)
      yield* eventsMade(mock, 6)
      const all = yield* eventIds(mock)
      yield* eventually(() => yourApp.accepted().length >= all.length, "the events did not arrive")
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(yourApp.accepted(), all)
      assert.match(
        printed.stderr.find((line) => line.includes("polling the Events API failed"))!,
        /polling the Events API failed \(.*5\d\d.*\); trying again in \d+\.\ds from the checkpoint/
      )
    }).pipe(Effect.provide(mockLayer({ simulate: { rate: 20, count: 4 }, faultRate: 0.3, seed: 7 }))), 60_000)

  it.live("a checkpoint whose event Exa no longer keeps: said once, and the listener goes on from what is kept", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* publish(mock, 2)
      const yourApp = yield* app(SECRET)
      const checkpoint = join(tempDir(), "listen.json")
      const one = listen(mock, yourApp.url, checkpoint)
      const fiber = yield* Effect.forkChild(one.run)
      yield* eventually(() => yourApp.accepted().length >= 2, "the first events did not arrive")
      yield* Fiber.interrupt(fiber)
      // The mock keeps its last 3 events: these push the delivered ones out.
      yield* publish(mock, 3)
      const kept = yield* eventIds(mock)
      const two = listen(mock, yourApp.url, checkpoint)
      const again = yield* Effect.forkChild(two.run)
      yield* eventually(() => yourApp.accepted().length >= 5, "the kept events did not arrive")
      yield* Fiber.interrupt(again)
      assert.deepStrictEqual(yourApp.accepted().slice(2), kept)
      assert.isTrue(two.printed.stderr.some((line) => line.includes("the last one delivered, is no longer kept by Exa")))
    }).pipe(Effect.provide(mockLayer({ maxEvents: 3 }))))

  it.live("one listener per checkpoint; a file that is not a checkpoint is refused, never overwritten", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const yourApp = yield* app(SECRET)
      const checkpoint = join(tempDir(), "listen.json")
      const fiber = yield* Effect.forkChild(listen(mock, yourApp.url, checkpoint).run)
      yield* eventually(() => {
        try {
          return readFileSync(`${checkpoint}.lock`, "utf8") !== ""
        } catch {
          return false
        }
      }, "no lock")
      const second = yield* Effect.flip(listen(mock, yourApp.url, checkpoint).run)
      assert.match(second.message, new RegExp(`another listener \\(process ${process.pid}\\) is using the checkpoint`))
      yield* Fiber.interrupt(fiber)

      const other = join(tempDir(), "notes.json")
      writeFileSync(other, "my notes\n")
      const refused = yield* Effect.flip(listen(mock, yourApp.url, other).run)
      assert.match(refused.message, /is not a checkpoint of exa-webhooks listen; delete it to start over/)
      assert.strictEqual(readFileSync(other, "utf8"), "my notes\n")
    }).pipe(Effect.provide(mockLayer())))
})

// The process matters here: kill -9 gives the listener no chance to do anything, and a second process resumes.
describe("listen --from-api, the bin across kill -9", () => {
  it.live("every event reaches the app once, verified, across a kill -9 mid-delivery and a restart", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      // 12 events of simulated activity before the listener starts.
      yield* eventsMade(mock, 12)
      const before = yield* eventIds(mock)
      assert.strictEqual(before.length, 12)
      const held = before[7]!
      const yourApp = yield* app(SECRET, { policy: (id, n) => (id === held && n === 1 ? "hang" : "accept") })
      const dir = tempDir()
      const args = [
        "listen",
        "--from-api",
        "--forward-to",
        yourApp.url,
        "--secret-file",
        secretFile(SECRET),
        "--since",
        "1h",
        "--checkpoint-file",
        join(dir, "listen.json"),
        "--poll-interval",
        "100ms"
      ]
      const start = () => {
        const child = spawn(process.execPath, [CLI, ...args], { env: envFor(mock), stdio: ["ignore", "pipe", "pipe"] })
        const out = { stdout: "", stderr: "" }
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out.stdout += chunk))
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (out.stderr += chunk))
        const exited = Effect.callback<number | null>((resume) => {
          if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.succeed(child.exitCode))
          child.once("close", (code) => resume(Effect.succeed(code)))
        })
        return { child, out, exited }
      }
      const first = start()
      yield* eventually(() => yourApp.received.some((r) => r.status === "hung"), "the app never held the event")
      first.child.kill("SIGKILL")
      yield* first.exited
      // Events made while no listener runs.
      yield* publish(mock, 3)
      const all = yield* eventIds(mock)
      const second = start()
      yield* eventually(() => yourApp.accepted().length >= all.length, `not every event arrived: ${second.out.stderr}`)
      // Long enough for a repeat to show.
      yield* Effect.sleep("500 millis")
      second.child.kill("SIGINT")
      assert.strictEqual(yield* second.exited, 130)
      assert.deepStrictEqual(yourApp.accepted(), all)
      assert.deepStrictEqual(Object.values(counts(yourApp.accepted())).filter((n) => n !== 1), [])
      assert.isTrue(yourApp.received.every((r) => r.verified), "every delivery verified with the webhook's secret")
      assert.strictEqual(second.out.stdout.trim().split("\n").length, all.length - 7)
      assert.notInclude(first.out.stdout + first.out.stderr + second.out.stdout + second.out.stderr, SECRET)
    }).pipe(Effect.provide(mockLayer({ simulate: { rate: 100, count: 12 } }))), Testing.timeoutFor(2))
})
