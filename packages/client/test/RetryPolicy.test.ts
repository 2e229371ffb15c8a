import { assert, describe, it } from "@effect/vitest"
import { Effect, Random } from "effect"
import { RetryPolicy } from "../src/index.ts"

const policy = RetryPolicy.make()

const afterAttempts = (attempts: number) =>
  RetryPolicy.decide(policy, { transient: true, retryAfterMillis: undefined, attempts, elapsedMillis: 0 })

const withRetryAfter = (retryAfterMillis: number) =>
  RetryPolicy.decide(policy, { transient: true, retryAfterMillis, attempts: 1, elapsedMillis: 0 })

describe("RetryPolicy", () => {
  it("documents its defaults: 5 retries, 500 ms doubling to 8 s, 60 s in total, Retry-After up to 60 s", () => {
    assert.deepStrictEqual(policy, {
      maxRetries: 5,
      baseDelayMillis: 500,
      maxDelayMillis: 8_000,
      maxElapsedMillis: 60_000,
      retryAfterCapMillis: 60_000
    })
  })

  it("backoff ceilings double from the base and stop at the cap", () => {
    assert.deepStrictEqual([1, 2, 3, 4, 5, 6].map((n) => RetryPolicy.ceilingMillis(policy, n)), [
      500,
      1_000,
      2_000,
      4_000,
      8_000,
      8_000
    ])
  })

  it.effect("full jitter draws each wait between 0 and the ceiling", () =>
    Effect.gen(function*() {
      const draws = yield* Effect.forEach(Array.from({ length: 200 }), () => RetryPolicy.backoffMillis(policy, 3))
      assert.isTrue(draws.every((d) => d >= 0 && d <= 2_000))
      // Jitter, not a constant: the waits of many callers spread over the window.
      assert.isTrue(new Set(draws).size > 50)
      assert.isTrue(Math.min(...draws) < 500 && Math.max(...draws) > 1_500)
    }).pipe(Random.withSeed(42)))

  it.effect("stops at once on a permanent failure", () =>
    Effect.gen(function*() {
      const decision = yield* RetryPolicy.decide(policy, {
        transient: false,
        retryAfterMillis: undefined,
        attempts: 1,
        elapsedMillis: 0
      })
      assert.deepStrictEqual(decision, { _tag: "Stop", reason: "permanent" })
    }))

  it.effect("retries a transient failure until maxRetries retries have been made", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* afterAttempts(5))._tag, "Retry")
      assert.deepStrictEqual(yield* afterAttempts(6), { _tag: "Stop", reason: "retries" })
    }))

  it.effect("the wait decide chooses grows with the attempt: within the n-th ceiling, and past the one before", () =>
    Effect.gen(function*() {
      for (const attempts of [1, 2, 3, 4, 5]) {
        const delays = yield* Effect.forEach(Array.from({ length: 200 }), () =>
          Effect.map(afterAttempts(attempts), (d) => (d._tag === "Retry" ? d.delayMillis : -1)))
        const ceiling = RetryPolicy.ceilingMillis(policy, attempts)
        assert.isTrue(delays.every((d) => d >= 0 && d <= ceiling), `attempt ${attempts}: within ${ceiling} ms`)
        assert.isAbove(Math.max(...delays), ceiling * 0.75, `attempt ${attempts}: jitter reaches near ${ceiling} ms`)
      }
    }).pipe(Random.withSeed(7)))

  it.effect("waits exactly Retry-After when the server gives one, up to the cap", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* withRetryAfter(7_000), { _tag: "Retry", delayMillis: 7_000 })
      assert.deepStrictEqual(yield* withRetryAfter(60_001), { _tag: "Stop", reason: "retryAfterCap" })
    }))

  it.effect("never schedules a retry past maxElapsed", () =>
    Effect.gen(function*() {
      const decision = yield* RetryPolicy.decide(policy, {
        transient: true,
        retryAfterMillis: 5_000,
        attempts: 2,
        elapsedMillis: 56_000
      })
      assert.deepStrictEqual(decision, { _tag: "Stop", reason: "elapsed" })
    }))

  it("rejects knobs out of range, naming them", () => {
    assert.throws(() => RetryPolicy.make({ maxRetries: -1 }), /retry\.maxRetries/)
    assert.throws(() => RetryPolicy.make({ maxElapsed: "Infinity" }), /retry\.maxElapsed/)
  })
})
