import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Redacted } from "effect"
import { HttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { WebhooksClient } from "../src/index.ts"
import * as MemoryApi from "./fixtures/memoryApi.ts"

const KEY = WebhooksClient.IDEMPOTENCY_METADATA_KEY

describe("the retry budget at the default rate limit (TestClock, no real sleeps)", () => {
  it.effect(
    "1,000 concurrent creates at 10 requests/second under 10% faults before and after commit: zero failures, one webhook each",
    () =>
      Effect.gen(function*() {
        const api = MemoryApi.make({ faultRate: 0.1, latencyMillis: 50, seed: 20_261_129 })
        const run = Effect.gen(function*() {
          const webhooks = yield* WebhooksClient.WebhooksClient
          return yield* Effect.forEach(
            Array.from({ length: 1_000 }, (_, i) => i),
            (i) =>
              Effect.result(webhooks.create(
                { url: `https://example.com/hooks/${i}`, events: ["webset.created"] },
                { idempotencyKey: `item-${i}`, raceCheck: false }
              )),
            { concurrency: "unbounded" }
          )
        }).pipe(
          // Every default: 10 requests/second, 6 attempts, 500 ms..8 s backoff, 60 s budget.
          Effect.provide(WebhooksClient.layer({ apiKey: Redacted.make("k") }).pipe(
            Layer.provide(Layer.succeed(HttpClient.HttpClient, api.client))
          ))
        )
        const fiber = yield* Effect.forkChild(run)
        // Drive the test clock until every create has settled: minutes of simulated time, no real waiting.
        let simulatedSeconds = 0
        while (fiber.pollUnsafe() === undefined) {
          yield* TestClock.adjust(100)
          simulatedSeconds += 0.1
          if (simulatedSeconds > 3_600) assert.fail("the run did not settle within an hour of simulated time")
        }
        const results = yield* Fiber.join(fiber)
        const failures = results.filter((r) => r._tag === "Failure")
        assert.isAbove(api.counters.faults, 100, "the run met faults")
        assert.deepStrictEqual(failures.map((f) => f._tag === "Failure" ? f.failure.message : ""), [], "no create failed")
        assert.isAbove(api.counters.creates, 1_000, "some creates were applied, lost and recovered")
        const stored = [...api.webhooks.values()]
        assert.strictEqual(stored.length, 1_000, "exactly one webhook per key")
        assert.strictEqual(new Set(stored.map((w) => w.metadata[KEY])).size, 1_000)
        const secrets = new Map(stored.map((w) => [w.id, w.secret]))
        for (const r of results) {
          if (r._tag === "Success") assert.strictEqual(r.success.secret, secrets.get(r.success.id), "each caller holds its webhook's secret")
        }
        assert.isAbove(simulatedSeconds, 100, "the run was paced at 10 requests/second (recovery lookups queued for minutes)")
      }),
    120_000
  )
})
