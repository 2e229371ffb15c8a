import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber } from "effect"
import { WebhooksClient, WebhooksError } from "../src/index.ts"
import * as MemoryApi from "./fixtures/memoryApi.ts"
import { fastRetry, HOOK_URL, stats, withMock } from "./fixtures/mock.ts"

const listing = WebhooksClient.WebhooksClient.use((webhooks) => webhooks.list())

describe("retries", () => {
  it.effect("a transient failure is retried exactly maxRetries times (in-memory API, TestClock)", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ failFirst: Infinity })
      const { result: error } = yield* MemoryApi.runOnTestClock(
        listing.pipe(Effect.flip, Effect.provide(MemoryApi.clientLayer(api, { rateLimit: Infinity, retry: { maxRetries: 4 } })))
      )
      assert.instanceOf(error, WebhooksError.ServerError)
      assert.strictEqual((error as WebhooksError.ServerError).attempts, 5)
      assert.isTrue(error.isRetryable, "the error says it was worth retrying; the count ended it")
      assert.strictEqual(api.counters.requests, 5)
    }))

  it.effect("maxRetries: 0 sends once", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ failFirst: Infinity })
      yield* MemoryApi.runOnTestClock(
        listing.pipe(Effect.flip, Effect.provide(MemoryApi.clientLayer(api, { retry: { maxRetries: 0 } })))
      )
      assert.strictEqual(api.counters.requests, 1)
    }))

  it.effect("a permanent failure (404) is never retried", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make()
      const { result: error } = yield* MemoryApi.runOnTestClock(
        WebhooksClient.WebhooksClient.use((webhooks) => webhooks.delete("webhook_missing")).pipe(
          Effect.flip,
          Effect.provide(MemoryApi.clientLayer(api))
        )
      )
      assert.instanceOf(error, WebhooksError.NotFoundError)
      assert.isFalse(error.isRetryable)
      assert.strictEqual(api.counters.requests, 1)
    }))

  it.live("a transient failure followed by success returns the success", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      // Seeded faults: about half the requests fail first; every call still succeeds within its retries.
      const pages = yield* Effect.forEach(Array.from({ length: 20 }), () => webhooks.list())
      assert.strictEqual(pages.length, 20)
      const s = yield* stats
      assert.isAbove(s.faults, 0)
      assert.strictEqual(s.requests, 20 + s.faults)
    }).pipe(
      Effect.provide(withMock({ faultRate: 0.5, seed: 11 }, { rateLimit: Infinity, retry: { ...fastRetry, maxRetries: 10 } }))
    ))

  it.effect("backoff: each wait ends within its exponential ceiling (500 ms doubling, capped)", () =>
    Effect.gen(function*() {
      // In-memory API under the TestClock: every request is refused (503), and the API logs when each one arrived.
      const api = MemoryApi.make({ failFirst: Infinity })
      const { result: error } = yield* MemoryApi.runOnTestClock(
        Effect.flip(WebhooksClient.WebhooksClient.use((webhooks) => webhooks.list())).pipe(
          Effect.provide(MemoryApi.clientLayer(api, {
            rateLimit: Infinity,
            retry: { maxRetries: 3, baseDelay: 1_000, maxDelay: 3_000 }
          }))
        )
      )
      assert.instanceOf(error, WebhooksError.ServerError)
      assert.strictEqual((error as WebhooksError.ServerError).attempts, 4)
      const at = api.log.map((e) => e.at)
      assert.strictEqual(at.length, 4)
      for (const [retry, ceiling] of [[1, 1_000], [2, 2_000], [3, 3_000]] as const) {
        const waited = at[retry]! - at[retry - 1]!
        assert.isAbove(waited, 0, `retry ${retry} waited`)
        assert.isAtMost(waited, ceiling, `retry ${retry} waited ${waited} ms, more than its ceiling`)
      }
    }))

  it.effect("Retry-After is honoured: the retry waits for the server's time on the client's clock, then succeeds", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 1 })
      yield* Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        yield* webhooks.list() // takes the only token
        const second = yield* Effect.forkChild(webhooks.list())
        yield* MemoryApi.settle
        assert.strictEqual(api.counters.rateLimited, 1, "answered 429 with Retry-After: 1")
        yield* MemoryApi.advance(999)
        assert.strictEqual(api.counters.requests, 2, "not retried before Retry-After has passed")
        yield* MemoryApi.advance(1)
        const page = yield* Fiber.join(second)
        assert.isFalse(page.hasMore)
        assert.strictEqual(api.counters.requests, 3)
        assert.strictEqual(api.counters.rateLimited, 1)
        assert.deepStrictEqual(api.log.map((e) => e.at), [0, 0, 1_000])
      }).pipe(Effect.provide(MemoryApi.clientLayer(api, { rateLimit: Infinity })))
    }))

  it.effect("a Retry-After longer than retryAfterCap is not waited out: RateLimitError at once, with the server's time", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 1 })
      const { result: error } = yield* MemoryApi.runOnTestClock(
        Effect.gen(function*() {
          const webhooks = yield* WebhooksClient.WebhooksClient
          yield* webhooks.list() // takes the only token
          return yield* Effect.flip(webhooks.list())
        }).pipe(Effect.provide(MemoryApi.clientLayer(api, { rateLimit: Infinity, retry: { retryAfterCap: 500 } })))
      )
      assert.instanceOf(error, WebhooksError.RateLimitError)
      const limited = error as WebhooksError.RateLimitError
      assert.deepStrictEqual(limited.retryAfter, Duration.seconds(1))
      assert.strictEqual(limited.attempts, 1)
      assert.strictEqual(api.counters.requests, 2)
    }))

  it.effect("no retry starts past maxElapsed, whatever maxRetries says", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 1 })
      const { result: error } = yield* MemoryApi.runOnTestClock(
        Effect.gen(function*() {
          const webhooks = yield* WebhooksClient.WebhooksClient
          yield* webhooks.list()
          // Retry-After: 1 s would end past the 500 ms budget.
          return yield* Effect.flip(webhooks.list())
        }).pipe(Effect.provide(MemoryApi.clientLayer(api, { rateLimit: Infinity, retry: { maxRetries: 5, maxElapsed: 500 } })))
      )
      assert.instanceOf(error, WebhooksError.RateLimitError)
      assert.strictEqual(api.counters.requests, 2)
    }))

  it.effect("time queued behind the rate limit does not count against maxElapsed", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ failFirst: Infinity, latencyMillis: 5 })
      // Five calls at 10/s queue for up to ~0.9 s in all, far beyond the 150 ms budget; each still gets its retry.
      const { result: errors } = yield* MemoryApi.runOnTestClock(
        Effect.forEach(Array.from({ length: 5 }), () => Effect.flip(listing), { concurrency: "unbounded" }).pipe(
          Effect.provide(MemoryApi.clientLayer(api, {
            rateLimit: 10,
            retry: { maxRetries: 1, baseDelay: 1, maxDelay: 1, maxElapsed: 150 }
          }))
        ),
        { stepMillis: 1 }
      )
      assert.deepStrictEqual(errors.map((e) => (e as WebhooksError.ServerError).attempts), [2, 2, 2, 2, 2])
      assert.strictEqual(api.counters.requests, 10)
    }))

  it.live("update and delete are retried too (repeating them is harmless)", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const hooks = yield* Effect.forEach(
        Array.from({ length: 10 }),
        () => webhooks.create({ url: HOOK_URL, events: ["webset.created"] })
      )
      const updated = yield* Effect.forEach(hooks, (h) => webhooks.update(h.id, { url: `${HOOK_URL}/v2` }))
      assert.isTrue(updated.every((h) => h.url === `${HOOK_URL}/v2`))
      // A delete applied and then failed is retried and finds nothing (NotFoundError): the webhook is gone either way.
      yield* Effect.forEach(hooks, (h) => Effect.ignore(webhooks.delete(h.id)))
      const s = yield* stats
      assert.strictEqual(s.webhooks, 0)
      assert.isAbove(s.faults, 0)
      assert.isAbove(s.ambiguousFaults, 0)
    }).pipe(Effect.provide(withMock(
      { faultRate: 0.2, ambiguousFaultRate: 0.2, seed: 5 },
      { rateLimit: Infinity, retry: { ...fastRetry, maxRetries: 10 } }
    ))))
})
