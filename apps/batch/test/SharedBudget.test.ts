import { assert, describe, it } from "@effect/vitest"
import { RedisServer } from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect, Schedule } from "effect"
import { createServer } from "node:net"
import { envFor, journal, journalOf, manifestOf, mockLayer, remote, runBin as run, stats, writeManifest } from "./fixtures/batch.ts"
import type { Result } from "./fixtures/batch.ts"

// Several processes, one API key: each applies its own manifest (its own namespace) with the client paced at the
// mock's limit. With the shared store they stay under the limit together; without it each paces itself to the whole
// limit, and together they exceed it. The mock's limit is a token bucket of `LIMIT` (full at start), so each process
// sends enough to outlast the first bucket and its own start-up.

const LIMIT = 20

/** Runs `processes` applies at once, `creates` each, with `extra` flags; their results and manifests. */
const applyAll = (processes: number, creates: number, extra: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const mock = yield* MockServer.MockServer
    const env = envFor(mock)
    const manifests = Array.from({ length: processes }, (_, i) => writeManifest(manifestOf(`job-${i}`, creates)))
    const results = yield* Effect.forEach(
      manifests,
      (manifest) => run(["apply", manifest, "--json", "--concurrency", "8", "--rate-limit", String(LIMIT), ...extra], { env }),
      { concurrency: "unbounded" }
    )
    return { results, manifests }
  })

/** Exactly one remote webhook per key of each namespace, and each journaled. */
const onePerKey = (
  webhooks: ReadonlyArray<{ readonly id: string; readonly metadata: Record<string, string> | null }>,
  manifests: ReadonlyArray<string>
) => {
  manifests.forEach((manifest, i) => {
    const ours = webhooks.filter((webhook) => webhook.metadata?.["exa-webhooks.namespace"] === `job-${i}`)
    const keys = ours.map((webhook) => webhook.metadata?.["exa-webhooks.key"])
    assert.strictEqual(new Set(keys).size, keys.length, `job-${i}: no key twice`)
    const journaled = new Set(journal(journalOf(manifest)).map((entry) => entry.id))
    for (const webhook of ours) assert.isTrue(journaled.has(webhook.id), `job-${i}: the secret of ${webhook.id} is journaled`)
  })
}

const succeeded = (results: ReadonlyArray<Result>) => {
  for (const result of results) assert.strictEqual(result.code, 0, result.stderr)
}

/** Completes once the journal of every manifest has `n` entries (polled every 20 ms; the test's timeout bounds it). */
const journaling = (manifests: ReadonlyArray<string>, n: number) =>
  Effect.suspend(() =>
    manifests.every((manifest) => journal(journalOf(manifest)).length >= n) ? Effect.void : Effect.fail("not yet")
  ).pipe(Effect.retry(Schedule.spaced("20 millis")), Effect.orDie)

/** A loopback port nothing listens on. */
const closedPort = Effect.promise(() =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
)

describe("--rate-limit-store: one budget for several processes", () => {
  it.live("a store that cannot be reached: one line naming it (never its password), exit 1, nothing sent", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const port = yield* closedPort
      const manifest = writeManifest(manifestOf("unreachable", 2))
      for (const [args, env] of [
        [["--rate-limit-store", `redis://ops:hunter2-secret@127.0.0.1:${port}/2`], {}],
        [[], { EXA_RATE_LIMIT_STORE: `redis://ops:hunter2-secret@127.0.0.1:${port}/2` }]
      ] as const) {
        const result = yield* run(["apply", manifest, ...args], { env: envFor(mock, env) })
        assert.strictEqual(result.code, 1, result.stderr)
        assert.include(result.stderr, `cannot use the rate-limit store redis://127.0.0.1:${port}/2`)
        assert.include(result.stderr, "nothing was sent")
        assert.strictEqual(result.stderr.trim().split("\n").length, 1, result.stderr)
        assert.notInclude(result.stdout + result.stderr, "hunter2")
      }
      assert.strictEqual((yield* stats).requests, 0, "nothing reached the API")
    }).pipe(Effect.provide(mockLayer())))

  it.live("a malformed store address is a usage error naming the flag or variable (exit 2), never quoting the password", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const manifest = writeManifest(manifestOf("malformed", 1))
      const flag = yield* run(["apply", manifest, "--rate-limit-store", "redis://u:hunter2@cache:6379/zero"], { env: envFor(mock) })
      assert.strictEqual(flag.code, 2, flag.stderr)
      assert.include(flag.stderr, "--rate-limit-store: the path must be a database number")
      const env = yield* run(["apply", manifest], { env: envFor(mock, { EXA_RATE_LIMIT_STORE: "http://u:hunter2@cache" }) })
      assert.strictEqual(env.code, 2, env.stderr)
      assert.include(env.stderr, "EXA_RATE_LIMIT_STORE: only redis:// and rediss://")
      assert.notInclude(flag.stderr + env.stderr, "hunter2")
      assert.strictEqual((yield* stats).requests, 0)
    }).pipe(Effect.provide(mockLayer())))
})

/** One round: `processes` applies at once against a fresh mock limited to LIMIT/s; what they and the mock did. */
const round = (processes: number, creates: number, extra: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const mock = yield* MockServer.MockServer
    const { manifests, results } = yield* applyAll(processes, creates, extra)
    return { manifests, results, stats: yield* stats, webhooks: yield* remote(mock) }
  }).pipe(Effect.provide(mockLayer({ rateLimit: LIMIT })))

describe.skipIf(!RedisServer.available())("--rate-limit-store with a real Redis", () => {
  // The mock's bucket starts full (LIMIT requests), and N processes at LIMIT each drain it in 1 / (N - 1) s: each
  // process runs for about 3 s (2 processes) or 1.3 s (4) alone, long enough to overlap the others past the burst
  // however unevenly they start on a busy machine; the shared runs take about 6 and 5 s.
  for (const [processes, creates] of [[2, 60], [4, 25]] as const) {
    it.live(`${processes} processes, one key: under the limit together with the store, over it without`, () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.start
        const shared = yield* round(processes, creates, ["--rate-limit-store", redis.url])
        succeeded(shared.results)
        onePerKey(shared.webhooks, shared.manifests)
        assert.strictEqual(shared.stats.creates, processes * creates)
        assert.isAtMost(shared.stats.rateLimited, Math.floor(shared.stats.requests / 100), "at most 1% answered 429")

        // The contrast: each process paces itself to the whole limit, and together they exceed it (each 429 then
        // pauses the process that got it, so the count stays small; any is the server refusing the excess).
        const alone = yield* round(processes, creates, [])
        succeeded(alone.results)
        onePerKey(alone.webhooks, alone.manifests)
        assert.isAbove(alone.stats.rateLimited, 0, "without the store, the mock refuses some")
        assert.isAbove(alone.stats.rateLimited, shared.stats.rateLimited)
      }).pipe(Effect.scoped))
  }

  it.live("Redis killed mid-run: no crash, no duplicate, a clear message; the next apply finishes the job", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.start
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const creates = 30
      const manifests = [0, 1].map((i) => writeManifest(manifestOf(`killed-${i}`, creates)))
      // A slow shared budget (5/s for both) keeps both processes mid-run for seconds, so one that started early on a
      // busy machine cannot finish all its creates before the other has journaled a few and Redis is killed.
      const args = (manifest: string) => ["apply", manifest, "--concurrency", "8", "--rate-limit", "5", "--rate-limit-store", redis.url]
      const [results] = yield* Effect.all([
        Effect.forEach(manifests, (manifest) => run(args(manifest), { env }), { concurrency: "unbounded" }),
        // Killed once both processes have journaled a few creates: both are mid-run, however slowly each started.
        Effect.andThen(journaling(manifests, 3), redis.kill)
      ], { concurrency: "unbounded" })
      for (const result of results) {
        assert.strictEqual(result.code, 1, result.stderr)
        assert.include(result.stderr, `the rate-limit store ${redis.url} has not answered`)
        assert.match(result.stderr, /webhooks failed \(listed above\); run apply again/)
        assert.notMatch(result.stderr + result.stdout, /internal error|    at /, "no crash, no stack trace")
      }
      const webhooks = yield* remote(mock)
      manifests.forEach((manifest, i) => {
        const ours = webhooks.filter((webhook) => webhook.metadata?.["exa-webhooks.namespace"] === `killed-${i}`)
        assert.isBelow(ours.length, creates, "the outage stopped some creates")
        const keys = ours.map((webhook) => webhook.metadata?.["exa-webhooks.key"])
        assert.strictEqual(new Set(keys).size, keys.length, "no key twice")
        const journaled = new Set(journal(journalOf(manifest)).map((entry) => entry.id))
        for (const webhook of ours) assert.isTrue(journaled.has(webhook.id), `the secret of ${webhook.id} is journaled`)
      })
      // Without the store (it is gone), the next apply creates exactly what is missing.
      for (const [i, manifest] of manifests.entries()) {
        const again = yield* run(["apply", manifest, "--rate-limit", String(LIMIT)], { env })
        assert.strictEqual(again.code, 0, again.stderr)
        const ours = (yield* remote(mock)).filter((webhook) => webhook.metadata?.["exa-webhooks.namespace"] === `killed-${i}`)
        assert.strictEqual(new Set(ours.map((webhook) => webhook.metadata?.["exa-webhooks.key"])).size, creates)
        assert.strictEqual(ours.length, creates, "one webhook per key")
      }
    }).pipe(Effect.scoped, Effect.provide(mockLayer({ rateLimit: LIMIT }))))
})
