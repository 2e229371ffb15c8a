import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Redacted } from "effect"
import { Headers, HttpClient } from "effect/http"
import { RateLimiter } from "effect/persistence"
import * as AutoRate from "../src/internal/autoRate.ts"
import { RateLimitStore, WebhooksClient } from "../src/index.ts"
import * as MemoryApi from "./fixtures/memoryApi.ts"

// `rateLimit: "auto"`: the learner alone (times given by hand), then the client against the in-memory API's token
// bucket on the TestClock, with and without the server's rate-limit headers.

const none = Headers.empty

/** The fold of `autoRate.ts` driven by hand: what a client keeps in memory. */
const make = (initial: number, start: number) => {
  let state = AutoRate.initial(initial, start)
  return {
    rate: () => state.rate,
    observe: (at: number, status: number, headers: Headers.Headers) => {
      state = AutoRate.observe(state, at, status, AutoRate.quotaOf(headers, at))
    }
  }
}
const ok = (learner: ReturnType<typeof make>, from: number, to: number, every: number, headers = none) => {
  for (let at = from; at < to; at += every) learner.observe(at, 200, headers)
}

describe("the learned rate", () => {
  it("starts at the default and doubles every half second while every request passes", () => {
    const learner = make(10, 0)
    assert.strictEqual(learner.rate(), 10)
    ok(learner, 0, 600, 100)
    assert.strictEqual(learner.rate(), 20)
    ok(learner, 600, 1_100, 50)
    assert.strictEqual(learner.rate(), 40)
  })

  it("a 429 brings it to 0.9 of what the server let through, after which it creeps up 5% every two seconds", () => {
    const learner = make(10, 0)
    // 30 answers a second for two seconds, then a 429.
    ok(learner, 0, 2_000, 1000 / 30)
    learner.observe(2_000, 429, none)
    assert.approximately(learner.rate(), 0.9 * 30, 1)
    const after = learner.rate()
    // Answers at 30 a second: the rate is used.
    ok(learner, 2_000, 3_990, 1000 / 30)
    assert.strictEqual(learner.rate(), after, "no probe within two seconds")
    ok(learner, 3_990, 4_100, 1000 / 30)
    assert.approximately(learner.rate(), after * 1.05, 0.01)
  })

  it("a rate the requests do not use is not raised: a quiet minute leaves no rate for the next burst to trip over", () => {
    const learner = make(10, 0)
    // Two answers a second for a minute, every one passing.
    ok(learner, 0, 60_000, 500)
    assert.strictEqual(learner.rate(), 10)
    // Busy again, at the rate: the probing resumes, once, and stops again at a rate the requests do not reach.
    ok(learner, 60_000, 63_000, 100)
    assert.strictEqual(learner.rate(), 20)
  })

  it("takes the limit a policy header states at once, and never probes past it", () => {
    const learner = make(10, 0)
    const policy = Headers.fromInput({ "ratelimit-policy": "\"default\";q=50;w=1", ratelimit: "\"default\";r=49;t=1" })
    learner.observe(0, 200, policy)
    assert.strictEqual(learner.rate(), 50)
    ok(learner, 0, 20_000, 20, policy)
    assert.strictEqual(learner.rate(), 50)
  })

  it("reads the limit and reset trio, a Unix reset too, and slows down when the remaining budget runs low", () => {
    const learner = make(10, 0)
    learner.observe(0, 200, Headers.fromInput({ "x-ratelimit-limit": "25", "x-ratelimit-remaining": "24", "x-ratelimit-reset": "1" }))
    assert.strictEqual(learner.rate(), 25)
    const unix = AutoRate.quotaOf(Headers.fromInput({ "x-ratelimit-limit": "600", "x-ratelimit-reset": "1700000060" }), 1_700_000_000_000)
    assert.strictEqual(unix.perSecond, 10, "600 requests per 60 seconds")
    // The mock's x-ratelimit form at 5/s: a bucket empty at 400 ms past a whole second is full one second later,
    // sent as the whole second after that, 1.6 s away; read as 1.6 s, the rate would be 3.1/s.
    const rounded = AutoRate.quotaOf(Headers.fromInput({ "x-ratelimit-limit": "5", "x-ratelimit-reset": "1700000002" }), 1_700_000_000_400)
    assert.strictEqual(rounded.perSecond, 5)
    // 30 passed a second, then the budget is nearly spent: down before any 429.
    ok(learner, 0, 1_000, 1000 / 25, Headers.fromInput({ "ratelimit-limit": "25", "ratelimit-remaining": "20" }))
    learner.observe(1_000, 200, Headers.fromInput({ "ratelimit-limit": "25", "ratelimit-remaining": "1" }))
    assert.isBelow(learner.rate(), 25)
  })

  it("its state survives a store's round trip (JSON), and anything else stored under the key counts as none", () => {
    let state = AutoRate.initial(10, 0)
    for (let at = 0; at < 2_000; at += 1000 / 30) state = AutoRate.observe(state, at, 200, {})
    state = AutoRate.observe(state, 2_000, 429, {})
    assert.deepStrictEqual(AutoRate.fromStored(JSON.parse(JSON.stringify(state))), state)
    assert.isUndefined(AutoRate.fromStored({ rate: "fast" }))
    assert.isUndefined(AutoRate.fromStored(undefined))
  })
})

// 500 creates, 64 at a time, as the bench's contender sends them; the rate the server saw and its 429s.
const creates = (api: ReturnType<typeof MemoryApi.make>) =>
  MemoryApi.runOnTestClock(
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      return yield* Effect.forEach(
        Array.from({ length: 500 }, (_, i) => i),
        (i) => Effect.result(webhooks.create({ url: `https://example.com/hooks/${i}`, events: ["webset.created"] }, { raceCheck: false })),
        { concurrency: 64 }
      )
    }).pipe(Effect.provide(MemoryApi.clientLayer(api, { rateLimit: "auto" }))),
    { stepMillis: 5 }
  )

describe("rateLimit: \"auto\" against a server that does not say its limit (TestClock)", () => {
  for (const limit of [5, 10, 25, 50]) {
    it.effect(`${limit}/s: at least 0.9 of the limit, at most 2% answered 429, nothing lost`, () =>
      Effect.gen(function*() {
        const api = MemoryApi.make({ rateLimit: limit })
        const { elapsedMillis, result } = yield* creates(api)
        assert.isTrue(result.every((r) => r._tag === "Success"), "every create succeeds")
        assert.strictEqual(api.counters.creates, 500)
        assert.isAtMost(api.counters.rateLimited / api.counters.requests, 0.02)
        assert.isAtLeast(500 / (elapsedMillis / 1000) / limit, 0.9)
      }), 60_000)
  }
})

describe("rateLimit: \"auto\" against a server that sends its quota headers (TestClock)", () => {
  for (const style of ["ratelimit-policy", "ratelimit"] as const) {
    it.effect(`${style} at 50/s: at least 0.9 of the limit and no 429`, () =>
      Effect.gen(function*() {
        const api = MemoryApi.make({ rateLimit: 50, rateLimitHeaders: style })
        const { elapsedMillis, result } = yield* creates(api)
        assert.isTrue(result.every((r) => r._tag === "Success"))
        assert.strictEqual(api.counters.rateLimited, 0)
        assert.isAtLeast(500 / (elapsedMillis / 1000) / 50, 0.9)
      }), 60_000)
  }

  it.effect("the default (10/s) against the same 50/s server: the figure auto improves on (so the tests above can fail)", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 50, rateLimitHeaders: "ratelimit-policy" })
      const { elapsedMillis } = yield* MemoryApi.runOnTestClock(
        Effect.gen(function*() {
          const webhooks = yield* WebhooksClient.WebhooksClient
          yield* Effect.forEach(Array.from({ length: 100 }, (_, i) => i), (i) =>
            webhooks.create({ url: `https://example.com/hooks/${i}`, events: ["webset.created"] }, { raceCheck: false }), {
            concurrency: 64,
            discard: true
          })
        }).pipe(Effect.provide(MemoryApi.clientLayer(api, {}))),
        { stepMillis: 5 }
      )
      assert.isBelow(100 / (elapsedMillis / 1000) / 50, 0.25)
    }), 60_000)
})

// Three clients with one key (three processes sharing a store, in one process here), 500 creates between them.
const together = (api: ReturnType<typeof MemoryApi.make>, store: Layer.Layer<RateLimiter.RateLimiterStore>) =>
  Effect.scoped(Effect.gen(function*() {
    const shared = yield* Layer.build(store)
    const clients = yield* Effect.forEach([0, 1, 2], () =>
      Layer.build(
        WebhooksClient.layerFromStore({ apiKey: Redacted.make("k"), rateLimitKey: "memory-api", rateLimit: "auto" }).pipe(
          Layer.provide(Layer.succeed(HttpClient.HttpClient, api.client)),
          Layer.provide(Layer.succeedContext(shared))
        )
      ).pipe(Effect.map((context) => Context.get(context, WebhooksClient.WebhooksClient))))
    return yield* MemoryApi.runOnTestClock(
      Effect.forEach(clients, (webhooks, c) =>
        Effect.forEach(
          Array.from({ length: 500 / 5 * (c === 0 ? 1 : 2) }, (_, i) => `${c}-${i}`),
          (i) => Effect.result(webhooks.create({ url: `https://example.com/hooks/${i}`, events: ["webset.created"] }, { raceCheck: false })),
          { concurrency: 32 }
        ), { concurrency: "unbounded" }),
      { stepMillis: 5 }
    )
  }))

describe("rateLimit: \"auto\" shared by three clients of one store (TestClock)", () => {
  for (const limit of [10, 25, 50]) {
    it.effect(`${limit}/s, learned rate shared (RateLimitStore.layerMemory): at least 0.9 of the limit, at most 2% answered 429`, () =>
      Effect.gen(function*() {
        const api = MemoryApi.make({ rateLimit: limit })
        const { elapsedMillis, result } = yield* together(api, RateLimitStore.layerMemory)
        assert.isTrue(result.flat().every((r) => r._tag === "Success"), "every create succeeds")
        assert.strictEqual(api.counters.creates, 500)
        assert.isAtMost(api.counters.rateLimited / api.counters.requests, 0.02)
        assert.isAtLeast(500 / (elapsedMillis / 1000) / limit, 0.9)
      }), 60_000)

  }

  it.effect("the contrast at 25/s: the budget shared but each client learning alone stays at the default (so the tests above can fail)", () =>
    Effect.gen(function*() {
      const api = MemoryApi.make({ rateLimit: 25 })
      const { elapsedMillis } = yield* together(api, RateLimiter.layerStoreMemory)
      // Each sees a third of the answers, so none of them ever counts its rate as used, and none raises it.
      assert.isBelow(500 / (elapsedMillis / 1000) / 25, 0.5)
    }), 60_000)
})
