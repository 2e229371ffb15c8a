/**
 * The pacing gate every request of one `WebhooksClient` layer passes before it is sent.
 *
 * - Spacing: requests leave at most `requestsPerSecond` per second, one every `1000 / requestsPerSecond` ms, in the
 *   order they arrived. There is no burst allowance: a burst would be exactly what an API's per-second limiter
 *   rejects.
 * - Global pause: when any request is answered 429, {@link RateGate.pause} holds every request (queued, sleeping or
 *   new) until the server's time has passed. Requests that had been given an earlier slot take a new one behind the
 *   pause, so after it they leave spaced by the rate again instead of all at once.
 *
 * The gate only reads `Clock` and sleeps with `Effect.sleep`, so `TestClock` drives it in tests.
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"

/**
 * @since 0.1.0
 */
export interface RateGate {
  /** Waits for this request's slot: behind any pause, spaced from the previous request. */
  readonly take: Effect.Effect<void>
  /** Holds every request until `millis` from now (a later pause only ever extends an earlier one). */
  readonly pause: (millis: number) => Effect.Effect<void>
  /** The instant (epoch ms, by `Clock`) until which requests are held; in the past when there is no pause. */
  readonly pausedUntil: Effect.Effect<number>
}

/**
 * Creates a gate. `requestsPerSecond` must be positive; `Infinity` turns spacing off and keeps the 429 pause.
 *
 * @example
 * ```ts
 * const gate = yield* RateGate.make({ requestsPerSecond: 10 })
 * yield* gate.take // at most 10 of these complete per second, across every fiber
 * ```
 * @since 0.1.0
 */
export const make = (options: { readonly requestsPerSecond: number }): Effect.Effect<RateGate> =>
  Effect.sync(() => {
    if (!(options.requestsPerSecond > 0)) {
      throw new RangeError(`rateLimit must be a positive number of requests per second; got ${options.requestsPerSecond}`)
    }
    const interval = 1000 / options.requestsPerSecond
    // Plain mutable state is safe: fibers interleave only at yields, and each update below is one synchronous step.
    let nextSlot = Number.NEGATIVE_INFINITY
    let pausedUntil = Number.NEGATIVE_INFINITY

    const reserve = (now: number): number => {
      const slot = Math.max(now, nextSlot, pausedUntil)
      nextSlot = slot + interval
      return slot
    }

    const take: Effect.Effect<void> = Effect.gen(function*() {
      while (true) {
        const now = yield* Clock.currentTimeMillis
        const slot = reserve(now)
        if (slot > now) yield* Effect.sleep(slot - now)
        // A 429 elsewhere may have paused everyone after this slot was given: queue again behind the pause.
        if (pausedUntil <= (yield* Clock.currentTimeMillis)) return
      }
    })

    const pause = (millis: number): Effect.Effect<void> =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const until = now + Math.max(0, millis)
        if (until > pausedUntil) {
          pausedUntil = until
          nextSlot = Math.max(nextSlot, until)
        }
      })

    return { take, pause, pausedUntil: Effect.sync(() => pausedUntil) }
  })
