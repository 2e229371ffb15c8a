import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import * as Deadline from "../src/internal/deadline.ts"

// The time limit of one attempt, on the test clock: nothing here sleeps for real.

class TimedOut {
  readonly _tag = "TimedOut"
}

const limited = <A, E>(effect: Effect.Effect<A, E>) => Deadline.make(effect, 1_000, () => new TimedOut())

// An attempt that never ends, and whether it was interrupted (its request aborted).
const hanging = () => {
  const state = { interrupted: false }
  const effect = Effect.never.pipe(Effect.onInterrupt(() =>
    Effect.sync(() => {
      state.interrupted = true
    })
  ))
  return { effect, state }
}

describe("Deadline", () => {
  it.effect("an attempt that does not end fails with the timeout once the limit has passed, not before", () =>
    Effect.gen(function*() {
      const { effect, state } = hanging()
      const fiber = yield* Effect.forkChild(limited(effect))
      yield* TestClock.adjust(999)
      assert.isUndefined(fiber.pollUnsafe(), "still running at 999 ms")
      yield* TestClock.adjust(1)
      const exit = yield* Fiber.await(fiber)
      assert.deepStrictEqual(exit, Exit.fail(new TimedOut()))
      assert.isTrue(state.interrupted, "the attempt was interrupted (its request aborted)")
    }))

  it.effect("an attempt that ends in time keeps its result or its failure", () =>
    Effect.gen(function*() {
      const ok = yield* Effect.forkChild(limited(Effect.as(Effect.sleep(999), "answer")))
      const failed = yield* Effect.forkChild(limited(Effect.flatMap(Effect.sleep(500), () => Effect.fail("refused"))))
      yield* TestClock.adjust(1_000)
      assert.deepStrictEqual(yield* Fiber.await(ok), Exit.succeed("answer"))
      assert.deepStrictEqual(yield* Fiber.await(failed), Exit.fail("refused"))
      // Its timer is gone: nothing fires later.
      yield* TestClock.adjust(10_000)
      assert.deepStrictEqual(yield* Fiber.await(ok), Exit.succeed("answer"))
    }))

  it.effect("an attempt that ends at once needs no timer", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* limited(Effect.succeed(1)), 1)
      assert.deepStrictEqual(yield* Effect.exit(limited(Effect.fail("no"))), Exit.fail("no"))
    }))

  it.effect("interrupting the caller interrupts the attempt", () =>
    Effect.gen(function*() {
      const { effect, state } = hanging()
      const fiber = yield* Effect.forkChild(limited(effect))
      yield* TestClock.adjust(10)
      yield* Fiber.interrupt(fiber)
      assert.isTrue(state.interrupted)
      yield* TestClock.adjust(2_000)
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(fiber)), "interrupted, not timed out")
    }))
})
