import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Ref } from "effect"
import { TestClock } from "effect/testing"
import { RateGate } from "../src/index.ts"

// Forks `n` fibers that each take the gate once, recording when (by the test clock) they got through.
const contenders = (gate: RateGate.RateGate, n: number) =>
  Effect.gen(function*() {
    const passed = yield* Ref.make<ReadonlyArray<number>>([])
    const fibers = yield* Effect.forEach(
      Array.from({ length: n }),
      () =>
        Effect.forkChild(
          gate.take.pipe(Effect.andThen(Effect.clockWith((clock) => Ref.update(passed, (ts) => [...ts, clock.currentTimeMillisUnsafe()]))))
        )
    )
    return { passed, fibers }
  })

describe("RateGate", () => {
  it.effect("spaces requests by the rate, one at a time, across fibers", () =>
    Effect.gen(function*() {
      const gate = yield* RateGate.make({ requestsPerSecond: 10 })
      const { fibers, passed } = yield* contenders(gate, 5)
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* Ref.get(passed), [0])
      yield* TestClock.adjust(99)
      assert.strictEqual((yield* Ref.get(passed)).length, 1)
      yield* TestClock.adjust(1)
      assert.strictEqual((yield* Ref.get(passed)).length, 2)
      yield* TestClock.adjust(300)
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(yield* Ref.get(passed), [0, 100, 200, 300, 400])
    }))

  it.effect("a pause holds every request, then releases them spaced by the rate (no herd)", () =>
    Effect.gen(function*() {
      const gate = yield* RateGate.make({ requestsPerSecond: 10 })
      yield* gate.pause(2_000)
      const { fibers, passed } = yield* contenders(gate, 4)
      yield* TestClock.adjust(1_999)
      assert.deepStrictEqual(yield* Ref.get(passed), [])
      yield* TestClock.adjust(1)
      assert.deepStrictEqual(yield* Ref.get(passed), [2_000])
      yield* TestClock.adjust(300)
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(yield* Ref.get(passed), [2_000, 2_100, 2_200, 2_300])
    }))

  it.effect("requests already queued when a pause starts wait behind it", () =>
    Effect.gen(function*() {
      const gate = yield* RateGate.make({ requestsPerSecond: 10 })
      const { fibers, passed } = yield* contenders(gate, 3) // slots 0, 100, 200
      yield* Effect.yieldNow
      yield* gate.pause(1_000) // a 429 arrives at t=0, after the first request left
      yield* TestClock.adjust(999)
      assert.deepStrictEqual(yield* Ref.get(passed), [0])
      yield* TestClock.adjust(101)
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(yield* Ref.get(passed), [0, 1_000, 1_100])
    }))

  it.effect("a shorter pause never shortens a longer one", () =>
    Effect.gen(function*() {
      const gate = yield* RateGate.make({ requestsPerSecond: 10 })
      yield* gate.pause(5_000)
      yield* gate.pause(1_000)
      assert.strictEqual(yield* gate.pausedUntil, 5_000)
    }))

  it.effect("Infinity turns spacing off but keeps the pause", () =>
    Effect.gen(function*() {
      const gate = yield* RateGate.make({ requestsPerSecond: Infinity })
      const first = yield* contenders(gate, 3)
      yield* Fiber.joinAll(first.fibers)
      assert.deepStrictEqual(yield* Ref.get(first.passed), [0, 0, 0])
      yield* gate.pause(500)
      const second = yield* contenders(gate, 2)
      yield* TestClock.adjust(500)
      yield* Fiber.joinAll(second.fibers)
      assert.deepStrictEqual(yield* Ref.get(second.passed), [500, 500])
    }))

  it.effect("rejects a rate that is not positive, with a RangeError naming it (not any crash)", () =>
    Effect.gen(function*() {
      for (const requestsPerSecond of [0, -1, Number.NaN]) {
        const exit = yield* Effect.exit(RateGate.make({ requestsPerSecond }))
        assert.isTrue(Exit.isFailure(exit))
        if (!Exit.isFailure(exit)) return
        const defect = Cause.squash(exit.cause)
        assert.instanceOf(defect, RangeError)
        assert.strictEqual(
          (defect as RangeError).message,
          `rateLimit must be a positive number of requests per second; got ${requestsPerSecond}`
        )
      }
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(RateGate.make({ requestsPerSecond: 0.5 }))))
    }))
})
