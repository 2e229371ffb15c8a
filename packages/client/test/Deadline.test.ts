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

  // On the live clock the timer is a plain `setTimeout` rather than a sleeping fiber: the same outcomes, in real time
  // (a few milliseconds), and no timer left behind (a pending one would hold a finished command's process open until
  // it fired). `pendingTimers` counts the timers of a 60-second limit that were set and not yet cleared.
  const LIMIT = 60_000
  const pendingTimers = Effect.acquireRelease(
    Effect.sync(() => {
      const pending = new Set<unknown>()
      const { setTimeout: set, clearTimeout: clear } = globalThis
      globalThis.setTimeout = ((f: () => void, millis?: number) => {
        const handle = set(f, millis)
        if (millis === LIMIT) pending.add(handle)
        return handle
      }) as typeof globalThis.setTimeout
      globalThis.clearTimeout = ((handle: Parameters<typeof clear>[0]) => {
        pending.delete(handle)
        clear(handle)
      }) as typeof globalThis.clearTimeout
      return { pending, restore: () => Object.assign(globalThis, { setTimeout: set, clearTimeout: clear }) }
    }),
    ({ restore }) => Effect.sync(restore)
  )

  it.live("on the live clock: an attempt that does not end fails with the timeout and is interrupted", () =>
    Effect.gen(function*() {
      const { effect, state } = hanging()
      const exit = yield* Effect.exit(Deadline.make(effect, 20, () => new TimedOut()))
      assert.deepStrictEqual(exit, Exit.fail(new TimedOut()))
      assert.isTrue(state.interrupted, "the attempt was interrupted (its request aborted)")
    }))

  it.live("on the live clock: an attempt that ends in time keeps its result, and its timer is cleared", () =>
    Effect.scoped(Effect.gen(function*() {
      const { pending } = yield* pendingTimers
      const ok = yield* Deadline.make(Effect.as(Effect.sleep(5), "answer"), LIMIT, () => new TimedOut())
      assert.strictEqual(ok, "answer")
      const failed = yield* Effect.exit(
        Deadline.make(Effect.andThen(Effect.sleep(5), Effect.fail("refused")), LIMIT, () => new TimedOut())
      )
      assert.deepStrictEqual(failed, Exit.fail("refused"))
      assert.strictEqual(pending.size, 0, "no timer is left pending")
    })))

  it.live("on the live clock: interrupting the caller interrupts the attempt and clears the timer", () =>
    Effect.scoped(Effect.gen(function*() {
      const { pending } = yield* pendingTimers
      const { effect, state } = hanging()
      const fiber = yield* Effect.forkChild(Deadline.make(effect, LIMIT, () => new TimedOut()))
      yield* Effect.sleep(5)
      assert.strictEqual(pending.size, 1, "the attempt's timer is set")
      yield* Fiber.interrupt(fiber)
      assert.isTrue(state.interrupted)
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(fiber)), "interrupted, not timed out")
      assert.strictEqual(pending.size, 0, "no timer is left pending")
    })))

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
