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
 * Where a key's quota stands after a request, for the rate-limit headers: `limit` requests (the bucket's size, in
 * whole requests) per `windowSeconds` (the time `limit` tokens take to refill), `remaining` whole tokens, and
 * `resetMillis` until the bucket is full again.
 *
 * @category models
 * @since 0.4.0
 */
export interface Quota {
  readonly limit: number
  readonly windowSeconds: number
  readonly remaining: number
  readonly resetMillis: number
}

/**
 * The decision for one request: let it through, or refuse it and say when a token will be there; with the quota
 * as it stands afterwards.
 *
 * @category models
 * @since 0.1.0
 */
export type Decision =
  | { readonly allowed: true; readonly quota: Quota }
  | { readonly allowed: false; readonly retryAfterMillis: number; readonly quota: Quota }

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
 * limit.take("k", 0)             // { allowed: false, retryAfterMillis: 500, quota: { remaining: 0, ... } }
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
      const allowed = bucket.tokens >= 1
      if (allowed) bucket.tokens -= 1
      const quota: Quota = {
        limit: Math.floor(capacity),
        windowSeconds: Math.floor(capacity) / perSecond,
        remaining: Math.floor(bucket.tokens),
        resetMillis: Math.ceil(((capacity - bucket.tokens) * 1000) / perSecond)
      }
      return allowed
        ? { allowed, quota }
        : { allowed, retryAfterMillis: Math.ceil(((1 - bucket.tokens) * 1000) / perSecond), quota }
    },
    reset: () => buckets.clear()
  }
}
