/**
 * Pacing through effect's `RateLimiter`: every request of a client takes a turn from the limiter under one key, in the
 * `RateLimiterStore` the context provides (the process's memory by default, or a store shared by several processes).
 *
 * - Spacing: the fixed-window algorithm with a limit of 1 per `1000 / rate` ms hands out turns evenly spaced, in the
 *   order they were asked for; there is no burst, since a burst is what a per-second limiter refuses. Fixed-window
 *   rather than token-bucket with a limit of 1: its state is a counter with a time to live, which Redis keeps on its
 *   own clock, while the token bucket stores the caller's `now` (so several machines' clocks would have to agree).
 * - The 429 pause goes through the store too: the turns that the `Retry-After` covers are consumed under the key, so
 *   every request asking for a turn afterwards, in this process or any other sharing the store, gets one after the
 *   pause. Requests of this process that already hold an earlier turn wait for the pause's end when they wake, and
 *   take a new turn behind it, so they leave spaced by the rate again rather than all at once.
 *
 * Everything reads `Clock` and sleeps with `Effect.sleep` (the memory store too), so `TestClock` drives it.
 */
import { Clock, Duration, Effect } from "effect"
import { RateLimiter } from "effect/persistence"

/** The turns of one client. */
export interface Pacer {
  /** Waits for this request's turn: behind any pause, spaced from the previous request. */
  readonly take: Effect.Effect<void, RateLimiter.RateLimiterError>
  /** Whether `take` has nothing to wait for: no spacing, and no pause since the last one ended. */
  readonly idle: () => boolean
  /** After a 429: holds every request (of every process sharing the store) until `millis` from now. */
  readonly pause: (millis: number) => Effect.Effect<void, RateLimiter.RateLimiterError>
}

/**
 * The pacer of one client. `requestsPerSecond` is positive (checked by the caller); `Infinity` turns spacing off, and
 * the pause then holds this process's requests only (there is no turn to consume in the store).
 */
export const make = (options: {
  readonly key: string
  readonly requestsPerSecond: number
}): Effect.Effect<Pacer, never, RateLimiter.RateLimiterStore> =>
  Effect.gen(function*() {
    const limiter = yield* RateLimiter.make
    const spaced = Number.isFinite(options.requestsPerSecond)
    // A window under 1 ms is rounded up by the limiter: above 1,000 requests per second, several share one window.
    const perWindow = Math.max(1, Math.ceil(options.requestsPerSecond / 1000))
    const window = Duration.millis((perWindow * 1000) / options.requestsPerSecond)
    const intervalMillis = 1000 / options.requestsPerSecond
    const consume = (tokens: number) =>
      limiter.consume({ algorithm: "fixed-window", onExceeded: "delay", key: options.key, limit: perWindow, window, tokens })
    // Plain mutable state is safe: fibers interleave only at yields, and each update is one synchronous step.
    let pausedUntil = Number.NEGATIVE_INFINITY

    const queue: Effect.Effect<void, RateLimiter.RateLimiterError> = Effect.gen(function*() {
      while (true) {
        if (spaced) {
          const { delay } = yield* consume(1)
          if (!Duration.isZero(delay)) yield* Effect.sleep(delay)
        }
        const now = yield* Clock.currentTimeMillis
        if (pausedUntil <= now) return
        // A 429 paused everyone after this turn was given: wait it out, then queue again behind it.
        yield* Effect.sleep(pausedUntil - now)
      }
    })

    // Without spacing and before any 429 there is nothing to wait for.
    const idle = () => !spaced && pausedUntil === Number.NEGATIVE_INFINITY
    const take = Effect.suspend(() => (idle() ? Effect.void : queue))

    const pause = (millis: number): Effect.Effect<void, RateLimiter.RateLimiterError> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        pausedUntil = Math.max(pausedUntil, now + Math.max(0, millis))
        if (!spaced) return
        // How far ahead the store has already given turns (0 tokens reads without taking), then the turns that are
        // missing to cover the pause.
        const { resetAfter } = yield* consume(0)
        const missing = Math.ceil((millis - Duration.toMillis(resetAfter)) / intervalMillis)
        if (missing > 0) yield* consume(missing)
      })

    return { take, idle, pause }
  })
