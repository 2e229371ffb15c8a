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
 * - A learned rate (`"auto"`, `autoRate.ts`) is one state per key: in the client, or in the store's
 *   `LearnedRateStore` when it provides one (Redis, `RateLimitStore.layerMemory`), where every answer of every client
 *   sharing the key is folded into it, so that they all space their turns by one rate.
 *
 * Everything reads `Clock` and sleeps with `Effect.sleep` (the memory store too), so `TestClock` drives it.
 */
import { Clock, Duration, Effect, Option, Semaphore } from "effect"
import type { Headers } from "effect/http"
import { RateLimiter } from "effect/persistence"
import { LearnedRateStore } from "../RateLimitStore.ts"
import * as AutoRate from "./autoRate.ts"

/** The turns of one client. */
export interface Pacer {
  /** Waits for this request's turn: behind any pause, spaced from the previous request. */
  readonly take: Effect.Effect<void, RateLimiter.RateLimiterError>
  /** Whether `take` has nothing to wait for: no spacing, and no pause since the last one ended. */
  readonly idle: () => boolean
  /** After a 429: holds every request (of every process sharing the store) until `millis` from now. */
  readonly pause: (millis: number) => Effect.Effect<void, RateLimiter.RateLimiterError>
  /**
   * Takes in every answer received (status and headers) when the rate is learned (`"auto"`); absent otherwise. Never
   * fails: a shared store that cannot be reached leaves the rate as it was (the next turn reports the outage).
   */
  readonly observe: ((status: number, headers: Headers.Headers) => Effect.Effect<void>) | undefined
  /** The rate turns are spaced by now, in requests per second. */
  readonly rate: () => number
}

/**
 * The pacer of one client. `requestsPerSecond` is positive (checked by the caller); `Infinity` turns spacing off, and
 * the pause then holds this process's requests only (there is no turn to consume in the store). `"auto"` spaces turns
 * by a rate learned from the answers (`autoRate.ts`), starting at `initial`.
 */
export const make = (options: {
  readonly key: string
  readonly requestsPerSecond: number | "auto"
  readonly initial: number
}): Effect.Effect<Pacer, never, RateLimiter.RateLimiterStore> =>
  Effect.gen(function*() {
    const limiter = yield* RateLimiter.make
    const clock = yield* Clock.Clock
    const learned = options.requestsPerSecond === "auto"
      ? yield* learner(options.key, options.initial, clock)
      : undefined
    const fixed = options.requestsPerSecond === "auto" ? options.initial : options.requestsPerSecond
    const rate = learned === undefined ? () => fixed : learned.rate
    const spaced = Number.isFinite(fixed)
    const consume = (tokens: number) => {
      const perSecond = rate()
      // A window under 1 ms is rounded up by the limiter: above 1,000 requests per second, several share one window.
      const perWindow = Math.max(1, Math.ceil(perSecond / 1000))
      return limiter.consume({
        algorithm: "fixed-window",
        onExceeded: "delay",
        key: options.key,
        limit: perWindow,
        window: Duration.millis((perWindow * 1000) / perSecond),
        tokens
      })
    }
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
    // A learned rate changes while requests wait: each is given its turn only when the one before it has left (one
    // at a time through the gate), so that a turn is spaced by the rate of its moment, not by the rate at which it
    // began to wait. A fixed rate books every waiting request's turn at once.
    const gate = learned === undefined ? undefined : yield* Semaphore.make(1)
    const queued = gate === undefined ? queue : gate.withPermit(queue)
    const take = Effect.suspend(() => (idle() ? Effect.void : queued))

    const pause = (millis: number): Effect.Effect<void, RateLimiter.RateLimiterError> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        pausedUntil = Math.max(pausedUntil, now + Math.max(0, millis))
        if (!spaced) return
        // How far ahead the store has already given turns (0 tokens reads without taking), then the turns that are
        // missing to cover the pause.
        const { resetAfter } = yield* consume(0)
        const missing = Math.ceil((millis - Duration.toMillis(resetAfter)) / (1000 / rate()))
        if (missing > 0) yield* consume(missing)
      })

    return { take, idle, pause, observe: learned?.observe, rate }
  })

/**
 * The learned rate of `key`: its state folded in this client, or, when the store shares one
 * (`LearnedRateStore`), folded there with the answers of every client of the key; the client spaces its turns by the
 * state its last answer returned (read once at the start, so a client joining others starts at their rate).
 */
const learner = (key: string, initial: number, clock: Clock.Clock) =>
  Effect.gen(function*() {
    let state = AutoRate.initial(initial, clock.currentTimeMillisUnsafe())
    const rate = () => state.rate
    const shared = yield* Effect.serviceOption(LearnedRateStore)
    if (Option.isNone(shared)) {
      const observe = (status: number, headers: Headers.Headers) =>
        Effect.sync(() => {
          const now = clock.currentTimeMillisUnsafe()
          state = AutoRate.observe(state, now, status, AutoRate.quotaOf(headers, now))
        })
      return { rate, observe }
    }
    const store = shared.value
    const storeKey = `${key}:learned-rate`
    const fold = (step: (state: AutoRate.State, now: number) => AutoRate.State) =>
      store.modify(storeKey, (stored, now) => step(AutoRate.fromStored(stored) ?? AutoRate.initial(initial, now), now)).pipe(
        Effect.match({
          onFailure: () => undefined,
          onSuccess: (next) => {
            state = next
          }
        })
      )
    yield* fold((current) => current)
    const observe = (status: number, headers: Headers.Headers) => {
      const quota = AutoRate.quotaOf(headers, clock.currentTimeMillisUnsafe())
      return fold((current, now) => AutoRate.observe(current, now, status, quota))
    }
    return { rate, observe }
  })
