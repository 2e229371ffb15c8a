/**
 * When a failed request is sent again, and how long the client waits first.
 *
 * Transient failures (connection errors, timeouts, HTTP 408, 429, 500, 502, 503 and 504) are retried with exponential
 * backoff and full jitter: the n-th wait is a random duration between 0 and `min(maxDelay, baseDelay * 2^(n-1))`.
 * A `Retry-After` header (seconds or HTTP date) replaces the backoff when present. Every retry is bounded twice: by
 * count (`maxRetries`) and by time (`maxElapsed`: attempts, waits and create's recovery requests, not time queued
 * behind the rate limit, neither the call's own nor its recovery requests'); a wait
 * that would end past `maxElapsed`, or a `Retry-After` longer than `retryAfterCap`, ends the retries at once with the
 * last error.
 *
 * Only what is safe to repeat is repeated: `create` is never re-sent blindly after an outcome it cannot know (see
 * `WebhooksClient` and the README's "Duplicate-safe create").
 *
 * @since 0.1.0
 */
import { Duration, Effect, Random } from "effect"

/**
 * Knobs of the retry policy; every field is optional and falls back to {@link defaults}.
 *
 * @example
 * ```ts
 * WebhooksClient.layer({ apiKey, retry: { maxRetries: 2, maxElapsed: "10 seconds" } })
 * ```
 * @since 0.1.0
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
 *   quota; it is reported (`RateLimitError.retryAfterMillis`) rather than slept through.
 *
 * @since 0.1.0
 */
export const defaults = {
  maxRetries: 5,
  baseDelay: Duration.millis(500),
  maxDelay: Duration.seconds(8),
  maxElapsed: Duration.seconds(60),
  retryAfterCap: Duration.seconds(60)
} as const

/**
 * A resolved policy: every knob present, durations in milliseconds.
 *
 * @since 0.1.0
 */
export interface RetryPolicy {
  readonly maxRetries: number
  readonly baseDelayMillis: number
  readonly maxDelayMillis: number
  readonly maxElapsedMillis: number
  readonly retryAfterCapMillis: number
}

const millisOf = (name: string, input: Duration.Input): number => {
  const millis = Duration.toMillis(input)
  if (!(millis >= 0) || !Number.isFinite(millis)) {
    throw new RangeError(`retry.${name} must be a finite, non-negative duration such as "2 seconds"; got ${String(input)}`)
  }
  return millis
}

/**
 * Resolves options against {@link defaults}. Throws a `RangeError` naming the knob when one is out of range (a
 * programming error in the layer's options, reported when the layer is built).
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): RetryPolicy => {
  const maxRetries = options.maxRetries ?? defaults.maxRetries
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(`retry.maxRetries must be a whole number >= 0; got ${maxRetries}`)
  }
  return {
    maxRetries,
    baseDelayMillis: millisOf("baseDelay", options.baseDelay ?? defaults.baseDelay),
    maxDelayMillis: millisOf("maxDelay", options.maxDelay ?? defaults.maxDelay),
    maxElapsedMillis: millisOf("maxElapsed", options.maxElapsed ?? defaults.maxElapsed),
    retryAfterCapMillis: millisOf("retryAfterCap", options.retryAfterCap ?? defaults.retryAfterCap)
  }
}

/**
 * HTTP statuses worth sending again: the server did not do the work, or says to come back.
 *
 * @since 0.1.0
 */
export const transientStatuses: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504])

/**
 * The backoff ceiling before retry number `retry` (1-based): `min(maxDelay, baseDelay * 2^(retry-1))`.
 *
 * @since 0.1.0
 */
export const ceilingMillis = (policy: RetryPolicy, retry: number): number =>
  Math.min(policy.maxDelayMillis, policy.baseDelayMillis * 2 ** Math.max(0, retry - 1))

/**
 * Full jitter: a uniformly random wait between 0 and {@link ceilingMillis}, drawn from Effect's `Random` (so tests
 * can seed it).
 *
 * @since 0.1.0
 */
export const backoffMillis = (policy: RetryPolicy, retry: number): Effect.Effect<number> =>
  Effect.map(Random.next, (r) => Math.floor(r * ceilingMillis(policy, retry)))

/**
 * What to do after a failed attempt.
 *
 * @since 0.1.0
 */
export type Decision =
  | { readonly _tag: "Retry"; readonly delayMillis: number }
  | { readonly _tag: "Stop"; readonly reason: "permanent" | "retries" | "elapsed" | "retryAfterCap" }

/**
 * Decides whether attempt number `attempts` (1-based), which failed, is followed by another, and after how long.
 * `elapsedMillis` is the time the call has used so far (see {@link Options.maxElapsed}); `retryAfterMillis` is the
 * server's `Retry-After`.
 *
 * @since 0.1.0
 */
export const decide = (policy: RetryPolicy, failure: {
  readonly transient: boolean
  readonly retryAfterMillis: number | undefined
  readonly attempts: number
  readonly elapsedMillis: number
}): Effect.Effect<Decision> =>
  Effect.gen(function*() {
    if (!failure.transient) return { _tag: "Stop", reason: "permanent" } as const
    if (failure.attempts > policy.maxRetries) return { _tag: "Stop", reason: "retries" } as const
    if (failure.retryAfterMillis !== undefined && failure.retryAfterMillis > policy.retryAfterCapMillis) {
      return { _tag: "Stop", reason: "retryAfterCap" } as const
    }
    const delayMillis = failure.retryAfterMillis ?? (yield* backoffMillis(policy, failure.attempts))
    if (failure.elapsedMillis + delayMillis > policy.maxElapsedMillis) return { _tag: "Stop", reason: "elapsed" } as const
    return { _tag: "Retry", delayMillis } as const
  })
