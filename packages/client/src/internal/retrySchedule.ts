/**
 * When a failed request is sent again, and how long the client waits first, as a `Schedule` over the errors of the
 * attempts.
 *
 * An error is retried when it says so (`isRetryable`: connection errors, timeouts, 408, 429, 500, 502, 503, 504), with
 * exponential backoff and full jitter: the n-th wait is a random duration between 0 and
 * `min(maxDelay, baseDelay * 2^(n-1))`. A `Retry-After` (the error's `retryAfter`) replaces the backoff. Every retry
 * is bounded twice: by count (`maxRetries`) and by time (`maxElapsed`: attempts, waits and create's recovery requests,
 * not time queued behind the rate limit); a wait that would end past `maxElapsed`, or a `Retry-After` longer than
 * `retryAfterCap`, ends the retries at once with the last error.
 *
 * Why not `HttpClient.retryTransient`: it cannot know whether a failed create was applied (a create must look before
 * it sends again, between two attempts), it counts time queued behind the limiter as elapsed, it waits out any
 * `Retry-After` however long, and it works on raw responses, before the errors that say how many attempts were made.
 * Its notion of transient is ours: the errors' `isRetryable` reads `HttpClient.isTransientResponse`.
 */
import { Duration, Effect, Random, Schedule } from "effect"
import type { WebhooksError } from "../WebhooksError.ts"
import { retryAfterOf } from "../WebhooksError.ts"

/**
 * Knobs of the retries; every field is optional and falls back to {@link defaults}.
 *
 * @example
 * ```ts
 * WebhooksClient.layer({ apiKey, retry: { maxRetries: 2, maxElapsed: "10 seconds" } })
 * ```
 */
export interface Options {
  /** Retries after the first attempt (so `maxRetries + 1` attempts at most). `0` turns retries off. */
  readonly maxRetries?: number | undefined
  /** The first backoff ceiling; it doubles on each retry. */
  readonly baseDelay?: Duration.Input | undefined
  /** The largest backoff ceiling. */
  readonly maxDelay?: Duration.Input | undefined
  /**
   * Time budget of one call: the time spent on attempts, on the waits between them and on create's recovery
   * lookups and deletes. A retry whose wait would end past it is not made. Time queued behind the rate limit does not
   * count, neither the call's own nor that of its recovery requests: with 1,000 creates queued at 10 requests/second,
   * a lookup waits minutes for its turn, and that is the limit working, not Exa failing.
   */
  readonly maxElapsed?: Duration.Input | undefined
  /** The longest `Retry-After` the client waits out; a longer one fails at once with the server's value. */
  readonly retryAfterCap?: Duration.Input | undefined
}

/**
 * The defaults, and why:
 * - `maxRetries: 5`: six attempts ride out a deploy blip or a short burst of 5xx (about 15 s of backoff at most)
 *   without holding a caller for minutes.
 * - `baseDelay: 500 ms`, `maxDelay: 8 s`: the first retry comes quickly (most transient faults last well under a
 *   second); doubling reaches the 8 s ceiling on the fifth retry, and full jitter spreads many callers over that
 *   window so they do not come back together.
 * - `maxElapsed: 60 s`: whatever the counts say, a caller learns within about a minute that Exa is not answering.
 * - `retryAfterCap: 60 s`: Exa's limits are per second, so a longer `Retry-After` signals an outage or an exhausted
 *   quota; it is reported (`RateLimitError.retryAfter`) rather than slept through.
 */
export const defaults = {
  maxRetries: 5,
  baseDelay: Duration.millis(500),
  maxDelay: Duration.seconds(8),
  maxElapsed: Duration.seconds(60),
  retryAfterCap: Duration.seconds(60)
} as const

/** Resolved knobs, checked by the caller (`WebhooksClient.make`). */
export interface Policy {
  readonly maxRetries: number
  readonly baseDelayMillis: number
  readonly maxDelayMillis: number
  readonly maxElapsedMillis: number
  readonly retryAfterCapMillis: number
}

/**
 * The time one call has used against `maxElapsed`. The retry loop adds attempts and recovery requests (without their
 * time queued behind the limiter); the schedule adds each wait it chooses.
 */
export interface Budget {
  usedMillis: number
}

/**
 * Ends the retries at once with `error`, whatever it says of itself: a create's recovery that could not tell whether
 * the create happened, a store that failed.
 */
export class Stop {
  readonly error: WebhooksError
  constructor(error: WebhooksError) {
    this.error = error
  }
}

const retryAfterMillis = (error: WebhooksError): number | undefined => {
  const retryAfter = retryAfterOf(error)
  return retryAfter === undefined ? undefined : Duration.toMillis(retryAfter)
}

/**
 * The schedule of one call, over the error of each failed attempt. With a `Retry-After` on a 429 the schedule waits
 * 0: the limiter's pause (see `pacing.ts`) already holds the retry, in its place in the queue, until the server's
 * time has passed; the wait still counts against `maxElapsed`.
 */
export const make = (
  policy: Policy,
  budget: Budget,
  onRetry: (error: WebhooksError, delayMillis: number) => Effect.Effect<void> = () => Effect.void
): Schedule.Schedule<Duration.Duration, WebhooksError | Stop> =>
  Schedule.exponential(Duration.millis(policy.baseDelayMillis)).pipe(
    Schedule.setInputType<WebhooksError | Stop>(),
    Schedule.modifyDelay(({ duration }) =>
      // Full jitter under the capped ceiling.
      Effect.map(Random.next, (r) => Duration.millis(Math.floor(r * Math.min(policy.maxDelayMillis, Duration.toMillis(duration)))))
    ),
    Schedule.modifyDelay(({ duration, input }) =>
      Effect.succeed(input instanceof Stop ? duration : retryAfterOf(input) ?? duration)
    ),
    Schedule.while(({ attempt, duration, input }) => {
      if (input instanceof Stop || !input.isRetryable || attempt > policy.maxRetries) return false
      const retryAfter = retryAfterMillis(input)
      if (retryAfter !== undefined && retryAfter > policy.retryAfterCapMillis) return false
      return budget.usedMillis + Duration.toMillis(duration) <= policy.maxElapsedMillis
    }),
    Schedule.modifyDelay(({ duration, input }) => {
      const millis = Duration.toMillis(duration)
      budget.usedMillis += millis
      const held = !(input instanceof Stop) && input._tag === "RateLimitError" && input.retryAfter !== undefined
      return Effect.as(input instanceof Stop ? Effect.void : onRetry(input, millis), held ? Duration.zero : duration)
    })
  )

/**
 * How long a 429 pauses every request: the server's `Retry-After` (at most `retryAfterCap`), or the first backoff
 * ceiling when it gave none.
 */
export const pauseMillis = (policy: Policy, error: WebhooksError): number =>
  Math.min(retryAfterMillis(error) ?? policy.baseDelayMillis, policy.retryAfterCapMillis)
