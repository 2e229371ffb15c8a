import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Schedule } from "effect"
import { Headers } from "effect/http"
import * as Errors from "../src/internal/errors.ts"
import { redactor } from "../src/internal/redact.ts"
import * as RetrySchedule from "../src/internal/retrySchedule.ts"
import type { WebhooksError } from "../src/WebhooksError.ts"

// The retry policy as a Schedule, stepped by hand: what it decides for each failed attempt.

const context: Errors.Context = { baseUrl: "https://api.exa.ai", origin: "https://api.exa.ai", redact: redactor("k"), env: {} }
const operation = { method: "GET", path: "/websets/v0/webhooks" }
const status = (code: number, retryAfter?: Duration.Duration) =>
  Errors.fromResponse(operation, { status: code, headers: Headers.empty, body: "", retryAfter }, context)

const policy: RetrySchedule.Policy = {
  maxRetries: 5,
  baseDelayMillis: 500,
  maxDelayMillis: 8_000,
  maxElapsedMillis: 60_000,
  retryAfterCapMillis: 60_000
}

/**
 * The delay chosen after each failure in turn (ms), or "stop" where the schedule ends. Each failure is the next
 * attempt (1, 2, ...); `spent` is the time the attempts report (the first one's, by default none), as the executor
 * reports an attempt's time without its queueing behind the limiter.
 */
const decide = (
  inputs: ReadonlyArray<WebhooksError | RetrySchedule.Failed>,
  options: { policy?: RetrySchedule.Policy; spent?: ReadonlyArray<number> } = {}
) =>
  Effect.gen(function*() {
    const step = yield* Schedule.toStep(RetrySchedule.make(options.policy ?? policy))
    const out: Array<number | "stop"> = []
    for (const [i, input] of inputs.entries()) {
      const failed = input instanceof RetrySchedule.Failed ? input : new RetrySchedule.Failed(input, i + 1, options.spent?.[i] ?? 0)
      const exit = yield* Effect.exit(step(0, failed))
      if (Exit.isFailure(exit)) {
        out.push("stop")
        break
      }
      out.push(Duration.toMillis(exit.value[1]))
    }
    return out
  })

/** What the schedule says is left of `maxElapsed` after each failure, in ms. */
const left = (inputs: ReadonlyArray<WebhooksError>, spent: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const step = yield* Schedule.toStep(RetrySchedule.make(policy))
    const out: Array<number> = []
    for (const [i, input] of inputs.entries()) {
      const [output] = yield* step(0, new RetrySchedule.Failed(input, i + 1, spent[i] ?? 0))
      out.push(output.millis)
    }
    return out
  })

describe("the retry schedule", () => {
  it.effect("full jitter under ceilings that double from baseDelay and stop at maxDelay", () =>
    Effect.gen(function*() {
      const ceilings = [500, 1_000, 2_000, 4_000, 8_000]
      const maxima = [0, 0, 0, 0, 0]
      for (let run = 0; run < 200; run++) {
        const waits = yield* decide(Array.from({ length: 5 }, () => status(503)))
        waits.forEach((wait, i) => {
          assert.isNumber(wait)
          assert.isAtLeast(wait as number, 0)
          assert.isAtMost(wait as number, ceilings[i]!)
          maxima[i] = Math.max(maxima[i]!, wait as number)
        })
      }
      // Spread over the whole window, not clustered: the largest of 200 draws is near each ceiling.
      maxima.forEach((max, i) => assert.isAbove(max, ceilings[i]! * 0.8))
    }))

  it.effect("maxRetries failures are retried, the next one ends the retries", () =>
    Effect.gen(function*() {
      const waits = yield* decide(Array.from({ length: 7 }, () => status(500)))
      assert.strictEqual(waits.length, 6)
      assert.strictEqual(waits[5], "stop")
    }))

  it.effect("an error that is not retryable ends them at once", () =>
    Effect.gen(function*() {
      for (const code of [400, 401, 403, 404, 409, 422, 501]) assert.deepStrictEqual(yield* decide([status(code)]), ["stop"])
      assert.deepStrictEqual((yield* decide([status(408)])).length, 1)
      assert.notStrictEqual((yield* decide([status(408)]))[0], "stop")
    }))

  it.effect("Retry-After replaces the backoff; a 429's wait is left to the limiter's pause but still counted", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* decide([status(503, Duration.seconds(3))]), [3_000])
      assert.deepStrictEqual(yield* decide([status(429, Duration.seconds(2))]), [0])
      // Counted: 2 s of the 60 s budget are gone after the 429.
      assert.deepStrictEqual(yield* left([status(429, Duration.seconds(2))], [0]), [58_000])
    }))

  it.effect("a Retry-After above retryAfterCap ends the retries", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* decide([status(429, Duration.seconds(61))]), ["stop"])
      assert.deepStrictEqual(yield* decide([status(429, Duration.seconds(60))]), [0])
    }))

  it.effect("no wait that would end past maxElapsed, counting what the attempts used (kept in the schedule's state)", () =>
    Effect.gen(function*() {
      const tight = { ...policy, maxElapsedMillis: 5_000 }
      const retryIn3s = status(503, Duration.seconds(3))
      assert.deepStrictEqual(yield* decide([retryIn3s], { policy: tight, spent: [1_000] }), [3_000])
      assert.deepStrictEqual(yield* decide([retryIn3s], { policy: tight, spent: [2_500] }), ["stop"])
      // The second attempt's own time adds to the first's and to the wait between them: 1 + 3 + 0.5 + 3 > 5 s.
      assert.deepStrictEqual(yield* decide([retryIn3s, retryIn3s], { policy: tight, spent: [1_000, 500] }), [3_000, "stop"])
      assert.deepStrictEqual(yield* left([status(503, Duration.seconds(3)), status(503, Duration.seconds(1))], [1_000, 500]), [
        56_000,
        54_500
      ])
    }))

  it.effect("a final failure ends the retries whatever the error inside says", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* decide([new RetrySchedule.Failed(status(503), 1, 0, true)]), ["stop"])
    }))
})
