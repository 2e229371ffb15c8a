import { assert, describe, it } from "@effect/vitest"
import { RedisServer, SIGNAL_EXIT_CODES as CODES, signalledWhileSilent, signalledWhileStoreFrozen } from "@exa-webhooks/cli-kit/testing"
import type { Result } from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect, Schedule } from "effect"
import { API_KEY, envFor, journal, journalOf, json, lines, manifestOf, mockLayer, remote, runBin as run, stats, writeManifest } from "./fixtures/batch.ts"

// Ctrl-C (SIGINT) and SIGTERM end every command within 2 s, whatever it is waiting on, with exit 130 or 143, one line
// on stderr, and the secret of every webhook whose create was answered in the journal. A rate-limit store that stops
// answering (a redis-server stopped with SIGSTOP) fails the run like one that went away.

const stoppedInTime = (result: Result, signal: keyof typeof CODES) => {
  assert.strictEqual(result.code, CODES[signal], result.stderr)
  assert.isBelow(result.stoppedIn!, 2_000, `ended ${result.stoppedIn} ms after ${signal}`)
  // Progress lines (one per finished item) may come first; the interruption is reported once, last.
  const all = lines(result.stderr)
  assert.strictEqual(all.filter((line) => line.includes("interrupted")).length, 1, result.stderr)
  assert.match(all.at(-1)!, /^exa-webhooks-batch: interrupted/, result.stderr)
  assert.notMatch(result.stderr, /internal error|    at /)
}

/** Completes once the journal of `manifest` has `n` entries (polled; the test's timeout bounds the wait). */
const journaled = (manifest: string, n: number) =>
  Effect.suspend(() => (journal(journalOf(manifest)).length >= n ? Effect.void : Effect.fail("not yet"))).pipe(
    Effect.retry(Schedule.spaced("20 millis")),
    Effect.orDie
  )

/** The webhooks of `namespace` on the mock. */
const ours = (mock: MockServer.Service, namespace: string) =>
  Effect.map(remote(mock), (webhooks) => webhooks.filter((webhook) => webhook.metadata?.["exa-webhooks.namespace"] === namespace))

/** Every webhook of `namespace` on the mock has its secret in the journal of `manifest`, and no key is there twice. */
const allJournaled = (mock: MockServer.Service, namespace: string, manifest: string) =>
  Effect.gen(function*() {
    const webhooks = yield* ours(mock, namespace)
    const ids = new Set(journal(journalOf(manifest)).map((entry) => entry.id))
    for (const webhook of webhooks) assert.isTrue(ids.has(webhook.id), `the secret of ${webhook.id} is journaled`)
    const keys = webhooks.map((webhook) => webhook.metadata?.["exa-webhooks.key"])
    assert.strictEqual(new Set(keys).size, keys.length, "no key twice")
    return webhooks.length
  })

describe("Ctrl-C and SIGTERM end a command within 2 s", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it.live(`${signal} while plan waits on a rate-limit store that accepts the connection and never answers: exit ${CODES[signal]}`, () =>
      Effect.gen(function*() {
        const mock = yield* MockServer.MockServer
        const manifest = writeManifest(manifestOf("frozen-plan", 2))
        stoppedInTime(yield* signalledWhileSilent(run, ["plan", manifest], { env: envFor(mock), silent: "store", signal }), signal)
        assert.strictEqual((yield* stats).requests, 0, "nothing was sent")
      }).pipe(Effect.provide(mockLayer())))

    it.live(`${signal} while apply waits on an API that accepts the connection and never answers: exit ${CODES[signal]}`, () =>
      Effect.map(
        signalledWhileSilent(run, ["apply", writeManifest(manifestOf("silent-api", 2))], {
          env: { EXA_API_KEY: API_KEY },
          silent: "api",
          signal
        }),
        (result) => stoppedInTime(result, signal)
      ))
  }

  it.live("SIGINT mid-apply while creates wait on a slow API: exit 130 within 2 s; every answered create is journaled, any other is reported", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const manifest = writeManifest(manifestOf("slow-api", 6))
      // Each answer takes 3 s: the listing, then the creates (4 at once); Ctrl-C once a create is on its way.
      const result = yield* run(["apply", manifest, "--concurrency", "4"], {
        env: envFor(mock),
        interruptWhen: Effect.andThen(
          Effect.suspend(() => Effect.flatMap(mock.stats, (s) => (s.requests >= 2 ? Effect.void : Effect.fail("not yet")))).pipe(
            Effect.retry(Schedule.spaced("10 millis")),
            Effect.orDie
          ),
          Effect.sleep("100 millis")
        )
      })
      stoppedInTime(result, "SIGINT")
      assert.include(result.stderr, "requests still waiting for an answer were abandoned, and may have been applied")
      // A create abandoned mid-flight may have been applied: the next plan names it, nothing is silently lost.
      yield* Effect.sleep("3500 millis")
      const created = yield* ours(mock, "slow-api")
      const ids = new Set(journal(journalOf(manifest)).map((entry) => entry.id))
      const unjournaled = created.filter((webhook) => !ids.has(webhook.id)).length
      const plan = yield* run(["plan", manifest, "--json"], { env: envFor(mock) })
      assert.strictEqual(plan.code, 0, plan.stderr)
      assert.strictEqual(json(plan).summary.missingSecrets, unjournaled)
    }).pipe(Effect.provide(mockLayer({ latencyMillis: 3_000 }))))
})

describe.skipIf(!RedisServer.available())("a real redis-server stopped with SIGSTOP as the rate-limit store", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it.live(`${signal} while plan waits on it at start: exit ${CODES[signal]} within 2 s (it used to be ignored)`, () =>
      Effect.gen(function*() {
        const mock = yield* MockServer.MockServer
        const manifest = writeManifest(manifestOf("frozen-start", 2))
        stoppedInTime(yield* signalledWhileStoreFrozen(run, ["plan", manifest], { env: envFor(mock), signal }), signal)
        assert.strictEqual((yield* stats).requests, 0)
      }).pipe(Effect.provide(mockLayer())))
  }

  it.live("SIGINT mid-apply while the store is frozen: exit 130 within 2 s, every created webhook journaled; thawed, apply finishes", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const redis = yield* RedisServer.start
      const count = 30
      const manifest = writeManifest(manifestOf("frozen-sigint", count))
      const args = ["apply", manifest, "--concurrency", "4", "--rate-limit", "5", "--rate-limit-store", redis.url]
      const result = yield* run(args, {
        env: envFor(mock),
        // Frozen once a few creates are journaled; Ctrl-C while the run waits on it.
        interruptWhen: Effect.andThen(journaled(manifest, 3), Effect.andThen(redis.freeze, Effect.sleep("500 millis")))
      })
      stoppedInTime(result, "SIGINT")
      const done = yield* allJournaled(mock, "frozen-sigint", manifest)
      assert.isBelow(done, count, "stopped mid-run")
      yield* redis.thaw
      const again = yield* run(["apply", manifest, "--rate-limit", "1000", "--rate-limit-store", redis.url], { env: envFor(mock) })
      assert.strictEqual(again.code, 0, again.stderr)
      assert.strictEqual(yield* allJournaled(mock, "frozen-sigint", manifest), count)
    }).pipe(Effect.scoped, Effect.provide(mockLayer())))

  it.live("the store stopped mid-apply for 20 s: the run fails like with a dead store (one line, exit 1, within the documented wait); thawed, apply finishes", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const redis = yield* RedisServer.start
      const count = 30
      const manifest = writeManifest(manifestOf("frozen-20s", count))
      const args = ["apply", manifest, "--concurrency", "4", "--rate-limit", "5", "--rate-limit-store", redis.url]
      let frozenAt = 0
      const [result] = yield* Effect.all([
        run(args, { env: envFor(mock) }),
        Effect.andThen(journaled(manifest, 3), Effect.andThen(redis.freeze, Effect.sync(() => (frozenAt = Date.now()))))
      ], { concurrency: "unbounded" })
      const failedAfter = Date.now() - frozenAt
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, `the rate-limit store ${redis.url} has not answered for 5s`)
      assert.match(result.stderr, /webhooks failed \(listed above\); run apply again/)
      assert.notMatch(result.stderr + result.stdout, /internal error|    at /, "no crash, no stack trace")
      // outageWait (5 s) after the freeze, plus the calls already waiting and the exit: well before the thaw.
      assert.isBelow(failedAfter, 10_000, `ended ${failedAfter} ms after the freeze`)
      const done = yield* allJournaled(mock, "frozen-20s", manifest)
      assert.isBelow(done, count, "the outage stopped some creates")
      // Still frozen: the next run fails at start, naming the store, nothing sent.
      const requests = (yield* stats).requests
      const blocked = yield* run(args, { env: envFor(mock) })
      assert.strictEqual(blocked.code, 1, blocked.stderr)
      assert.include(blocked.stderr, `cannot use the rate-limit store ${redis.url}: no answer within 5s`)
      assert.strictEqual((yield* stats).requests, requests, "nothing was sent")
      // Thawed 20 s after the freeze: the next apply creates exactly what is missing.
      yield* Effect.sleep(`${Math.max(0, 20_000 - (Date.now() - frozenAt))} millis`)
      yield* redis.thaw
      const again = yield* run(["apply", manifest, "--rate-limit", "1000", "--rate-limit-store", redis.url], { env: envFor(mock) })
      assert.strictEqual(again.code, 0, again.stderr)
      assert.strictEqual(yield* allJournaled(mock, "frozen-20s", manifest), count)
    }).pipe(Effect.scoped, Effect.provide(mockLayer())))
})
