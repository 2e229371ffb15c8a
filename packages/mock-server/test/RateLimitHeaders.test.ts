// The rate-limit headers a pacer can learn from (off by default): every response to a request with a valid key says
// where the key's quota stands, in the forms asked for.
import { describe, expect, it as test, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as RateLimitHeaders from "../src/internal/rateLimitHeaders.ts"
import { MockServer } from "../src/index.ts"
import { apiPaths, call } from "./support.ts"

const WEBHOOKS = apiPaths.webhooks.list({ query: {} })
const NAMES = [
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
  "ratelimit-policy",
  "ratelimit",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset"
]
const pick = (headers: Headers) => Object.fromEntries(NAMES.flatMap((n) => (headers.has(n) ? [[n, headers.get(n)]] : [])))

layer(MockServer.layer({ rateLimit: 2, rateLimitHeaders: ["ratelimit", "ratelimit-policy", "x-ratelimit"] }))(
  "rate-limit headers",
  (it) => {
    it.effect("count down with each request, in every form asked for, 429 included", () =>
      Effect.gen(function*() {
        const { url } = yield* MockServer.MockServer
        const before = Math.floor(Date.now() / 1000)
        const first = yield* call(url, "GET", WEBHOOKS, { key: "key-a" })
        expect(first.status).toBe(200)
        const { "x-ratelimit-reset": reset, ...rest } = pick(first.headers)
        expect(rest).toEqual({
          "ratelimit-limit": "2",
          "ratelimit-remaining": "1",
          "ratelimit-reset": "1",
          "ratelimit-policy": "\"default\";q=2;w=1",
          "ratelimit": "\"default\";r=1;t=1",
          "x-ratelimit-limit": "2",
          "x-ratelimit-remaining": "1"
        })
        // A Unix time, when the quota is full again.
        expect(Number(reset)).toBeGreaterThanOrEqual(before)
        expect(Number(reset)).toBeLessThanOrEqual(before + 3)

        const second = yield* call(url, "GET", `${WEBHOOKS}/webhook_missing`, { key: "key-a" })
        expect(second.status).toBe(404)
        expect(pick(second.headers)).toMatchObject({ "ratelimit-remaining": "0", "ratelimit": "\"default\";r=0;t=1" })
        const third = yield* call(url, "GET", WEBHOOKS, { key: "key-a" })
        expect(third.status).toBe(429)
        expect(third.headers.get("retry-after")).toBe("1")
        expect(pick(third.headers)).toMatchObject({ "ratelimit-remaining": "0", "x-ratelimit-remaining": "0" })

        // Per key, and only for a request with a key.
        expect(pick((yield* call(url, "GET", WEBHOOKS, { key: "key-b" })).headers)).toMatchObject({ "ratelimit-remaining": "1" })
        const anonymous = yield* call(url, "GET", WEBHOOKS, { key: null })
        expect(anonymous.status).toBe(401)
        expect(pick(anonymous.headers)).toEqual({})
      }))
  }
)

layer(MockServer.layer({ rateLimit: 1 }))("without rate-limit headers (the default)", (it) => {
  it.effect("sends none, and Retry-After on 429 as before", () =>
    Effect.gen(function*() {
      const { url } = yield* MockServer.MockServer
      expect(pick((yield* call(url, "GET", WEBHOOKS)).headers)).toEqual({})
      const limited = yield* call(url, "GET", WEBHOOKS)
      expect(limited.status).toBe(429)
      expect(limited.headers.get("retry-after")).toBe("1")
      expect(pick(limited.headers)).toEqual({})
    }))
})

describe("RateLimitHeaders", () => {
  test("a bucket below one request per second, or of a fractional size, is stated in whole requests and seconds", () => {
    const at = 1_700_000_000_000
    expect(RateLimitHeaders.make(["ratelimit-policy"], { limit: 1, windowSeconds: 2, remaining: 0, resetMillis: 1500 }, at))
      .toEqual({ "ratelimit-policy": "\"default\";q=1;w=2", "ratelimit": "\"default\";r=0;t=2" })
    expect(RateLimitHeaders.make(["x-ratelimit"], { limit: 2, windowSeconds: 0.8, remaining: 2, resetMillis: 0 }, at))
      .toEqual({ "x-ratelimit-limit": "2", "x-ratelimit-remaining": "2", "x-ratelimit-reset": "1700000000" })
  })

  test.effect("are refused without a rate limit to describe", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(MockServer.make({ rateLimitHeaders: ["ratelimit"] })))
      expect(error.message).toBe(
        "Invalid mock server options: rateLimitHeaders: rate-limit headers describe the rate limit, and none is set; " +
          "give rateLimit (--rate-limit) too"
      )
    }))
})
