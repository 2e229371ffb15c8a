import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Headers } from "effect/http"
import * as AutoRate from "../src/internal/autoRate.ts"
import { WebhooksClient } from "../src/index.ts"
import * as MemoryApi from "./fixtures/memoryApi.ts"

// `rateLimit: "auto"`: the learner alone (times given by hand), then the client against the in-memory API's token
// bucket on the TestClock, with and without the server's rate-limit headers.

const none = Headers.empty
const ok = (learner: AutoRate.AutoRate, from: number, to: number, every: number, headers = none) => {
  for (let at = from; at < to; at += every) learner.observe(at, 200, headers)
}

describe("the learned rate", () => {
  it("starts at the default and doubles every half second while every request passes", () => {
    const learner = AutoRate.make(10, 0)
    assert.strictEqual(learner.rate(), 10)
    ok(learner, 0, 600, 100)
    assert.strictEqual(learner.rate(), 20)
    ok(learner, 600, 1_100, 50)
    assert.strictEqual(learner.rate(), 40)
  })

  it("a 429 brings it to 0.9 of what the server let through, after which it creeps up 5% every two seconds", () => {
    const learner = AutoRate.make(10, 0)
    // 30 answers a second for two seconds, then a 429.
    ok(learner, 0, 2_000, 1000 / 30)
    learner.observe(2_000, 429, none)
    assert.approximately(learner.rate(), 0.9 * 30, 1)
    const after = learner.rate()
    ok(learner, 2_000, 3_900, 100)
    assert.strictEqual(learner.rate(), after, "no probe within two seconds")
    ok(learner, 3_900, 4_100, 100)
    assert.approximately(learner.rate(), after * 1.05, 0.01)
  })

  it("takes the limit a policy header states at once, and never probes past it", () => {
    const learner = AutoRate.make(10, 0)
    const policy = Headers.fromInput({ "ratelimit-policy": "\"default\";q=50;w=1", ratelimit: "\"default\";r=49;t=1" })
    learner.observe(0, 200, policy)
    assert.strictEqual(learner.rate(), 50)
    ok(learner, 0, 20_000, 20, policy)
    assert.strictEqual(learner.rate(), 50)
  })

  it("reads the limit and reset trio, a Unix reset too, and slows down when the remaining budget runs low", () => {
    const learner = AutoRate.make(10, 0)
    learner.observe(0, 200, Headers.fromInput({ "x-ratelimit-limit": "25", "x-ratelimit-remaining": "24", "x-ratelimit-reset": "1" }))
    assert.strictEqual(learner.rate(), 25)
    const unix = AutoRate.quotaOf(Headers.fromInput({ "x-ratelimit-limit": "600", "x-ratelimit-reset": "1700000060" }), 1_700_000_000_000)
    assert.strictEqual(unix.perSecond, 10, "600 requests per 60 seconds")
    // 30 passed a second, then the budget is nearly spent: down before any 429.
    ok(learner, 0, 1_000, 1000 / 25, Headers.fromInput({ "ratelimit-limit": "25", "ratelimit-remaining": "20" }))
    learner.observe(1_000, 200, Headers.fromInput({ "ratelimit-limit": "25", "ratelimit-remaining": "1" }))
    assert.isBelow(learner.rate(), 25)
  })

  it("adopts a lower rate learned elsewhere, never a higher one", () => {
    const learner = AutoRate.make(10, 0)
    learner.adopt(0, 4)
    assert.strictEqual(learner.rate(), 4)
    learner.adopt(0, 40)
    assert.strictEqual(learner.rate(), 4)
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
