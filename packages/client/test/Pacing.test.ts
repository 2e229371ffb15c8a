import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { WebhooksClient, WebhooksError } from "../src/index.ts"
import * as MemoryApi from "./fixtures/memoryApi.ts"

// Every test here runs on the in-memory API under the TestClock: the API's token bucket, its latency and the
// client's pacing, pause and retries all read the test's clock, so no real time passes and the outcome does not
// depend on how loaded the machine is.

const burst = (n: number) =>
  Effect.gen(function*() {
    const webhooks = yield* WebhooksClient.WebhooksClient
    return yield* Effect.forEach(Array.from({ length: n }), () => Effect.result(webhooks.list()), {
      concurrency: "unbounded"
    })
  })

describe("rate awareness (in-memory API, TestClock)", () => {
  it.effect("many concurrent fibers share one limiter and stay under the server's limit", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 50, latencyMillis: 20 })
      const { result: results } = yield* MemoryApi.runOnTestClock(
        burst(100).pipe(Effect.provide(MemoryApi.clientLayer(api, { rateLimit: 50, retry: { maxRetries: 0 } })))
      )
      assert.isTrue(results.every((r) => r._tag === "Success"))
      assert.strictEqual(api.counters.requests, 100)
      assert.strictEqual(api.counters.rateLimited, 0)
      // No burst: evenly spaced at 1/rate, so the server sees exactly its rate.
      assert.deepStrictEqual(api.log.map((e) => e.at), Array.from({ length: 100 }, (_, i) => i * 20))
    }))

  it.effect("a client set faster than the server (60/s against 50/s) loses at most 1% of requests to 429", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 50, latencyMillis: 20 })
      const { elapsedMillis, result: results } = yield* MemoryApi.runOnTestClock(
        burst(500).pipe(Effect.provide(MemoryApi.clientLayer(api, { rateLimit: 60 }))),
        { stepMillis: 5 }
      )
      assert.isTrue(results.every((r) => r._tag === "Success"), "every call succeeds")
      assert.isAtMost(api.counters.rateLimited / api.counters.requests, 0.01)
      // The server's bucket starts full (50), so the rate comes out a little above 50/s, never far below it.
      const perSecond = 500 / (elapsedMillis / 1000)
      assert.isAtLeast(perSecond, 0.95 * 50)
    }))

  it.effect("without pacing the same burst is refused (so the test above can fail)", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 50, latencyMillis: 20 })
      const { result: results } = yield* MemoryApi.runOnTestClock(
        burst(100).pipe(Effect.provide(MemoryApi.clientLayer(api, { rateLimit: Infinity, retry: { maxRetries: 0 } })))
      )
      const refused = results.filter((r) => r._tag === "Failure" && r.failure._tag === "RateLimitError")
      assert.isAtLeast(refused.length, 40)
      assert.strictEqual(api.counters.rateLimited, refused.length)
    }))

  it.effect("a 429 pauses every request of the layer until Retry-After, then they leave one at a time", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 1 })
      yield* Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        yield* webhooks.list() // t = 0: takes the server's only token
        const first = yield* Effect.forkChild(webhooks.list()) // slot t = 10 ms
        yield* MemoryApi.advance(10)
        assert.strictEqual(api.counters.rateLimited, 1, "429, Retry-After: 1 s → everyone waits until t = 1010")
        const others = yield* Effect.forEach(Array.from({ length: 3 }), () => Effect.forkChild(webhooks.list()))
        yield* MemoryApi.settle
        // At t = 1009 the server would take a request again; the client's pause holds every fiber.
        yield* MemoryApi.advance(999)
        assert.strictEqual(api.counters.requests, 2, "no request left during the pause, not only the one that got 429")
        // The pause ends: one request leaves, the others keep their 10 ms spacing instead of rushing out together.
        yield* MemoryApi.advance(1)
        assert.strictEqual(api.counters.requests, 3, "no thundering herd after the pause")
        assert.deepStrictEqual(api.log.map((e) => [e.at, e.status]), [[0, 200], [10, 429], [1_010, 200]])
        assert.strictEqual(api.counters.rateLimited, 1)
        yield* Fiber.interruptAll([first, ...others])
      }).pipe(Effect.provide(MemoryApi.clientLayer(api, { rateLimit: 100 })))
    }))

  it.effect("a 429 pauses the layer even when the request that got it gives up (maxRetries: 0)", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 1 })
      yield* Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        yield* webhooks.list() // takes the server's only token
        const refused = yield* Effect.flip(webhooks.list()) // 429, Retry-After: 1 s; not retried
        assert.instanceOf(refused, WebhooksError.RateLimitError)
        const next = yield* Effect.forkChild(webhooks.list())
        yield* MemoryApi.advance(999)
        assert.strictEqual(api.counters.requests, 2, "no request left during the pause")
        yield* MemoryApi.advance(1)
        const page = yield* Fiber.join(next)
        assert.isFalse(page.hasMore)
        assert.strictEqual(api.counters.requests, 3)
        assert.strictEqual(api.counters.rateLimited, 1)
        assert.deepStrictEqual(api.log.map((e) => e.at), [0, 0, 1_000])
      }).pipe(Effect.provide(MemoryApi.clientLayer(api, { rateLimit: Infinity, retry: { maxRetries: 0 } })))
    }))

  it.effect("after a 429 every fiber recovers, and only requests already in flight meet a 429", () =>
    Effect.gen(function*() {
      // 40 requests at 100/s against a server allowing 20/s (bucket of 20), each answered after 20 ms: the requests
      // sent while the first 429 is on its way (two) meet one too; then every fiber waits out the pause.
      const api = MemoryApi.make({ rateLimit: 20, latencyMillis: 20 })
      const { result: results } = yield* MemoryApi.runOnTestClock(
        burst(40).pipe(Effect.provide(MemoryApi.clientLayer(api, { rateLimit: 100 })))
      )
      assert.isTrue(results.every((r) => r._tag === "Success"))
      assert.isAbove(api.counters.rateLimited, 0)
      // Were each fiber to wait only for its own 429, every excess request would meet one (about 12).
      assert.isBelow(api.counters.rateLimited, 6)
    }))

  it.effect("RateLimitError is what a caller sees when the server keeps refusing", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 1 })
      const { result: results } = yield* MemoryApi.runOnTestClock(
        burst(3).pipe(Effect.provide(MemoryApi.clientLayer(api, { rateLimit: Infinity, retry: { maxRetries: 0 } })))
      )
      const errors = results.flatMap((r) => (r._tag === "Failure" ? [r.failure] : []))
      assert.isAbove(errors.length, 0)
      assert.isTrue(errors.every((e) => e instanceof WebhooksError.RateLimitError))
    }))
})
