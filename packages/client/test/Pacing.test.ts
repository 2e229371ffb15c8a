import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { WebhooksClient, WebhooksError } from "../src/index.ts"
import { eventually, liveSleep, stats, withMock } from "./fixtures/mock.ts"

const burst = (n: number) =>
  Effect.gen(function*() {
    const webhooks = yield* WebhooksClient.WebhooksClient
    return yield* Effect.forEach(Array.from({ length: n }), () => Effect.result(webhooks.list()), {
      concurrency: "unbounded"
    })
  })

describe("rate awareness", () => {
  it.live("many concurrent fibers share one limiter and stay under the server's limit", () =>
    Effect.gen(function*() {
      const results = yield* burst(100)
      assert.isTrue(results.every((r) => r._tag === "Success"))
      const s = yield* stats
      assert.strictEqual(s.requests, 100)
      assert.strictEqual(s.rateLimited, 0)
    }).pipe(Effect.provide(withMock({ rateLimit: 50 }, { rateLimit: 50, retry: { maxRetries: 0 } }))))

  it.live("without pacing the same burst is refused (so the test above can fail)", () =>
    Effect.gen(function*() {
      const results = yield* burst(100)
      const refused = results.filter((r) => r._tag === "Failure" && r.failure._tag === "RateLimitError")
      assert.isAtLeast(refused.length, 40)
      assert.strictEqual((yield* stats).rateLimited, refused.length)
    }).pipe(Effect.provide(withMock({ rateLimit: 50 }, { rateLimit: Infinity, retry: { maxRetries: 0 } }))))

  it.effect("a 429 pauses every request of the layer until Retry-After, then they leave one at a time", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      yield* webhooks.list() // t = 0: takes the server's only token
      const first = yield* Effect.forkChild(webhooks.list()) // slot t = 10 ms
      yield* TestClock.adjust(10)
      yield* eventually((s) => s.rateLimited === 1) // 429, Retry-After: 1 s → everyone waits until t = 1010
      const others = yield* Effect.forEach(Array.from({ length: 3 }), () => Effect.forkChild(webhooks.list()))
      // Real time passes and the server would take a request again; the client's pause holds every fiber.
      yield* liveSleep(1_100)
      assert.strictEqual((yield* stats).requests, 2, "no request left during the pause, not only the one that got 429")
      yield* TestClock.adjust(999)
      yield* liveSleep(100)
      assert.strictEqual((yield* stats).requests, 2)
      // The pause ends: one request leaves, the others keep their 10 ms spacing instead of rushing out together.
      yield* TestClock.adjust(1)
      yield* eventually((s) => s.requests === 3)
      yield* liveSleep(200)
      const s = yield* stats
      assert.strictEqual(s.requests, 3, "no thundering herd after the pause")
      assert.strictEqual(s.rateLimited, 1)
      yield* Fiber.interruptAll([first, ...others])
    }).pipe(Effect.provide(withMock({ rateLimit: 1 }, { rateLimit: 100 }))))

  it.effect("a 429 pauses the layer even when the request that got it gives up (maxRetries: 0)", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      yield* webhooks.list() // takes the server's only token
      const refused = yield* Effect.flip(webhooks.list()) // 429, Retry-After: 1 s; not retried
      assert.instanceOf(refused, WebhooksError.RateLimitError)
      const next = yield* Effect.forkChild(webhooks.list())
      // Real time passes (the server would take a request again); the client's clock does not: the pause holds.
      yield* liveSleep(1_100)
      assert.strictEqual((yield* stats).requests, 2, "no request left during the pause")
      yield* TestClock.adjust(1_000)
      const page = yield* Fiber.join(next)
      assert.isFalse(page.hasMore)
      const s = yield* stats
      assert.strictEqual(s.requests, 3)
      assert.strictEqual(s.rateLimited, 1)
    }).pipe(Effect.provide(withMock({ rateLimit: 1 }, { rateLimit: Infinity, retry: { maxRetries: 0 } }))))

  it.live("after a 429 every fiber recovers, and only requests already in flight meet a 429", () =>
    Effect.gen(function*() {
      // 40 requests at 100/s against a server allowing 20/s (bucket of 20): about a dozen are too many.
      const results = yield* burst(40)
      assert.isTrue(results.every((r) => r._tag === "Success"))
      const s = yield* stats
      assert.isAbove(s.rateLimited, 0)
      // Were each fiber to wait only for its own 429, every excess request would meet one (about 12).
      assert.isBelow(s.rateLimited, 6)
    }).pipe(Effect.provide(withMock({ rateLimit: 20 }, { rateLimit: 100 }))))

  it.live("RateLimitError is what a caller sees when the server keeps refusing", () =>
    Effect.gen(function*() {
      const results = yield* burst(3)
      const errors = results.flatMap((r) => (r._tag === "Failure" ? [r.failure] : []))
      assert.isAbove(errors.length, 0)
      assert.isTrue(errors.every((e) => e instanceof WebhooksError.RateLimitError))
    }).pipe(Effect.provide(withMock({ rateLimit: 1 }, { rateLimit: Infinity, retry: { maxRetries: 0 } }))))
})
