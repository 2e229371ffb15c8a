import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Redacted } from "effect"
import { HttpClient } from "effect/http"
import { RateLimiter } from "effect/persistence"
import { WebhooksClient, WebhooksError } from "../src/index.ts"
import * as MemoryApi from "./fixtures/memoryApi.ts"

// The client paces through whatever `RateLimiterStore` it is given (`layerFromStore`): clients sharing a store share
// one budget, as processes sharing a Redis store would. In-memory API, TestClock: no real time passes.

const API_KEY = "exa-store-test-key-0123456789"

/** A client over `api`, paced through the store `store` (a built store, so that several clients share it). */
const clientWith = (
  api: { readonly client: HttpClient.HttpClient },
  store: RateLimiter.RateLimiterStore["Service"],
  options: Partial<WebhooksClient.Options> = {}
) =>
  Layer.build(
    WebhooksClient.layerFromStore({ apiKey: Redacted.make(API_KEY), ...options }).pipe(
      Layer.provide(Layer.succeed(HttpClient.HttpClient, api.client)),
      Layer.provide(Layer.succeed(RateLimiter.RateLimiterStore, store))
    )
  ).pipe(Effect.map((context) => context.mapUnsafe.get(WebhooksClient.WebhooksClient.key) as WebhooksClient.Service))

const memoryStore = Effect.map(
  Layer.build(RateLimiter.layerStoreMemory),
  (context) => context.mapUnsafe.get(RateLimiter.RateLimiterStore.key) as RateLimiter.RateLimiterStore["Service"]
)

const lists = (webhooks: WebhooksClient.Service, n: number) =>
  Effect.forEach(Array.from({ length: n }), () => webhooks.list(), { concurrency: "unbounded" })

describe("pacing through a RateLimiterStore", () => {
  it.effect("two clients on one store (one key) share one budget: together at the rate, no 429", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 10 })
      const store = yield* memoryStore
      const a = yield* clientWith(api, store)
      const b = yield* clientWith(api, store)
      yield* MemoryApi.runOnTestClock(Effect.all([lists(a, 10), lists(b, 10)], { concurrency: 2 }))
      assert.strictEqual(api.counters.requests, 20)
      assert.strictEqual(api.counters.rateLimited, 0)
      const at = api.log.map((e) => e.at)
      assert.deepStrictEqual(at, Array.from({ length: 20 }, (_, i) => i * 100), "one request every 100 ms, in all")
    })))

  it.effect("the contrast: two clients with their own stores each pace at the full rate, and meet 429s", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 10 })
      const a = yield* clientWith(api, yield* memoryStore, { retry: { maxRetries: 0 } })
      const b = yield* clientWith(api, yield* memoryStore, { retry: { maxRetries: 0 } })
      yield* MemoryApi.runOnTestClock(
        Effect.all([a, b].map((webhooks) =>
          Effect.forEach(Array.from({ length: 10 }), () => Effect.result(webhooks.list()), { concurrency: "unbounded" })
        ), { concurrency: 2 })
      )
      assert.isAbove(api.counters.rateLimited, 0)
    })))

  it.effect("a 429 met by one client pauses the other through the store, until Retry-After", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 1 })
      const store = yield* memoryStore
      const a = yield* clientWith(api, store, { rateLimit: 100, retry: { maxRetries: 0 } })
      const b = yield* clientWith(api, store, { rateLimit: 100 })
      yield* a.list() // t = 0: the server's only token
      const refusing = yield* Effect.forkChild(Effect.flip(a.list())) // t = 10: 429, Retry-After: 1 s, not retried
      yield* MemoryApi.advance(10)
      assert.instanceOf(yield* Fiber.join(refusing), WebhooksError.RateLimitError)
      const other = yield* Effect.forkChild(b.list()) // another client, same store and key
      yield* MemoryApi.advance(999)
      assert.strictEqual(api.counters.requests, 2, "the other client sent nothing during the pause")
      yield* MemoryApi.advance(1)
      yield* Fiber.join(other)
      assert.deepStrictEqual(api.log.map((e) => [e.at, e.status]), [[0, 200], [10, 429], [1_010, 200]])
    })))

  it.effect("different rateLimitKeys in one store are different budgets", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = MemoryApi.make()
      const store = yield* memoryStore
      const a = yield* clientWith(api, store, { rateLimitKey: "team-a" })
      const b = yield* clientWith(api, store, { rateLimitKey: "team-b" })
      yield* MemoryApi.runOnTestClock(Effect.all([lists(a, 5), lists(b, 5)], { concurrency: 2 }))
      // Each key at 10/s: two requests leave together every 100 ms.
      assert.deepStrictEqual(api.log.map((e) => e.at), [0, 0, 100, 100, 200, 200, 300, 300, 400, 400])
    })))

  it.effect("the default key hashes the base URL and the API key: stable, never the key itself", () =>
    Effect.scoped(Effect.gen(function*() {
      const key = yield* WebhooksClient.defaultRateLimitKey("https://api.exa.ai", Redacted.make(API_KEY))
      assert.match(key, /^exa-webhooks:[0-9a-f]{16}$/)
      assert.notInclude(key, API_KEY.slice(0, 8))
      assert.strictEqual(key, yield* WebhooksClient.defaultRateLimitKey("https://api.exa.ai/", Redacted.make(API_KEY)))
      assert.notStrictEqual(key, yield* WebhooksClient.defaultRateLimitKey("https://api.exa.ai", Redacted.make("other")))
      assert.notStrictEqual(key, yield* WebhooksClient.defaultRateLimitKey("http://127.0.0.1:8080", Redacted.make(API_KEY)))
      // And it is the key the client paces under.
      const seen = new Set<string>()
      const inner = yield* memoryStore
      const recording = RateLimiter.RateLimiterStore.of({
        ...inner,
        fixedWindow: (options) => Effect.andThen(Effect.sync(() => seen.add(options.key)), inner.fixedWindow(options))
      })
      const webhooks = yield* clientWith(MemoryApi.make(), recording)
      yield* webhooks.list()
      assert.deepStrictEqual([...seen], [key])
    })))

  it.effect("a store that fails: RateLimitStoreError with the store's message, not retried, nothing sent", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = MemoryApi.make()
      const inner = yield* memoryStore
      const broken = RateLimiter.RateLimiterStore.of({
        ...inner,
        fixedWindow: () =>
          Effect.fail(
            new RateLimiter.RateLimiterError({
              reason: new RateLimiter.RateLimitStoreError({ message: "Failed to execute fixedWindow rate limiting command" })
            })
          )
      })
      const webhooks = yield* clientWith(api, broken)
      const error = yield* Effect.flip(webhooks.list())
      assert.instanceOf(error, WebhooksError.RateLimitStoreError)
      assert.include(error.message, "Failed to execute fixedWindow rate limiting command")
      assert.include(error.message, "was not sent")
      assert.isFalse(error.isRetryable)
      assert.isTrue(WebhooksError.isWebhooksError(error))
      assert.strictEqual(api.counters.requests, 0, "nothing was sent")
      const created = yield* Effect.flip(webhooks.create({ url: "https://example.com/h", events: ["webset.created"] }))
      assert.instanceOf(created, WebhooksError.RateLimitStoreError)
      assert.strictEqual(api.counters.requests, 0)
    })))
})
