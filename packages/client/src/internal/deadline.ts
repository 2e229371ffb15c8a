/**
 * A time limit on one attempt: `effect`, or the failure `onTimeout()` once `millis` have passed on the fiber's `Clock`
 * (so `TestClock` drives it, as it drives `Effect.timeoutOrElse`).
 *
 * The same race as `Effect.timeoutOrElse`: `effect` runs in a fiber of its own, the first of it and the timer to end
 * settles the call, and the other is stopped. It costs a request less (measured with `make bench`, overhead):
 * - no registration on the caller's exit, no fiber set, no wait for the loser's interruption (about 0.05 ms of CPU
 *   per request);
 * - on the live clock the timer is a plain `setTimeout`, which is what the live clock's `sleep` sets, rather than a
 *   second fiber sleeping: a fiber that suspends also carries an async resource and an interruption to end it, and
 *   dropping it took 8 of a request's 79 KB of allocations (the sampling heap profiler, 8,000 requests). Any other
 *   `Clock` (`TestClock`, an application's own) gets the sleeping fiber.
 *
 * `context` is the context `effect` runs with: the caller's, or one derived from it (the executor's guard), so that
 * the caller's own context never changes for it.
 */
import { Clock, Context, Duration, Effect, Exit } from "effect"
import type { Fiber } from "effect"

// The clock a fiber reads when nothing provides one: its `sleep` is a `setTimeout`.
const liveClock = Context.get(Context.empty(), Clock.Clock)

// Node's (and the live clock's) timers hold at most this many milliseconds; a longer limit takes the fiber route.
const MAX_TIMER_MILLIS = 2 ** 31 - 1

/** `effect` limited to `millis`; interrupting the caller interrupts `effect` and stops the timer. */
export const make = <A, E, E2>(
  effect: Effect.Effect<A, E>,
  millis: number,
  onTimeout: () => E2,
  context: (caller: Fiber.Fiber<unknown, unknown>) => Context.Context<never> = (caller) => caller.context
): Effect.Effect<A, E | E2> =>
  Effect.withFiber((caller) =>
    Effect.callback<A, E | E2>((resume) => {
      const fork = Effect.runForkWith(context(caller))
      const work = fork(effect)
      const immediate = work.pollUnsafe()
      if (immediate !== undefined) return resume(immediate)
      // Whichever ends first settles the call; the other's end is then ignored.
      let settled = false
      const timedOut = () => {
        if (settled) return
        settled = true
        // The attempt is stopped (its request aborted) before the caller goes on, to a retry say.
        work.interruptUnsafe()
        resume(Effect.fail(onTimeout()))
      }
      const clock = caller.getRef(Clock.Clock)
      let stop: () => void
      if (clock === liveClock && millis <= MAX_TIMER_MILLIS) {
        const handle = setTimeout(timedOut, millis)
        stop = () => clearTimeout(handle)
      } else {
        const timer = fork(clock.sleep(Duration.millis(millis)))
        timer.addObserver((exit) => {
          if (Exit.isSuccess(exit)) timedOut()
        })
        stop = () => timer.interruptUnsafe()
      }
      work.addObserver((exit) => {
        if (settled) return
        settled = true
        stop()
        resume(exit)
      })
      return Effect.sync(() => {
        stop()
        work.interruptUnsafe()
      })
    })
  )
