/**
 * The per-key rate limit behind `--rate-limit R`: a token bucket per API key that holds at most `max(1, R)` tokens and
 * refills at R tokens per second. A burst of R requests passes at once, the next one waits for a token; a limit below
 * 1 (e.g. 0.5) means one request every 1/R seconds.
 *
 * A token bucket rather than a fixed one-second window: a fixed window lets 2R requests through across a window
 * boundary, which makes "send R + k at once, expect k 429s" flaky.
 *
 * @since 0.1.0
 */

/**
 * Most API keys tracked at once. Beyond it the least recently used key is forgotten; it starts again with a full
 * bucket, which only ever lets a forgotten key through sooner.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_KEYS = 10_000

/**
 * The decision for one request: let it through, or refuse it and say when a token will be there.
 *
 * @category models
 * @since 0.1.0
 */
export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterMillis: number }

/**
 * @category models
 * @since 0.1.0
 */
export interface RateLimit {
  /** Takes a token of `key` at `nowMillis` (a monotonic or wall clock in milliseconds) if there is one. */
  readonly take: (key: string, nowMillis: number) => Decision
  readonly reset: () => void
}

interface Bucket {
  tokens: number
  at: number
}

/**
 * A limiter of `perSecond` requests per second per key.
 *
 * @example
 * ```ts
 * const limit = RateLimit.make(2)
 * limit.take("k", 0).allowed     // true
 * limit.take("k", 0).allowed     // true
 * limit.take("k", 0)             // { allowed: false, retryAfterMillis: 500 }
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (perSecond: number): RateLimit => {
  const capacity = Math.max(1, perSecond)
  const buckets = new Map<string, Bucket>()
  return {
    take: (key, nowMillis) => {
      const bucket = buckets.get(key) ?? { tokens: capacity, at: nowMillis }
      // Re-inserting keeps the map in least-recently-used order, so eviction below drops the idlest key.
      buckets.delete(key)
      buckets.set(key, bucket)
      if (buckets.size > MAX_KEYS) buckets.delete(buckets.keys().next().value!)
      const elapsed = Math.max(0, nowMillis - bucket.at)
      bucket.tokens = Math.min(capacity, bucket.tokens + (elapsed * perSecond) / 1000)
      bucket.at = nowMillis
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return { allowed: true }
      }
      return { allowed: false, retryAfterMillis: Math.ceil(((1 - bucket.tokens) * 1000) / perSecond) }
    },
    reset: () => buckets.clear()
  }
}
