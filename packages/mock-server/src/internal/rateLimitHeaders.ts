/**
 * The rate-limit headers the mock can send (`--rate-limit-headers`), off by default (Exa documents none), so that a
 * client that paces itself from them can be tested against each common form:
 *
 * - `ratelimit`: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the quota is full again),
 *   the fields of the IETF draft up to -06 (draft-ietf-httpapi-ratelimit-headers), still the most widely sent;
 * - `ratelimit-policy`: `RateLimit-Policy: "default";q=<limit>;w=<window seconds>` and
 *   `RateLimit: "default";r=<remaining>;t=<seconds>`, the structured fields of the draft from -07 on;
 * - `x-ratelimit`: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`, the last as a Unix time in
 *   seconds (GitHub's form; other APIs send seconds from now, so a client must tell the two apart).
 *
 * Every API response to a request that carried a valid key gets them, 429s included (with `Retry-After` as before).
 * The quota is the token bucket of `--rate-limit` (see `tokenBucket`): `limit` is its size, the window the time it
 * takes to refill from empty (1 s when the rate is 1/s or more).
 *
 * @since 0.4.0
 */
import type { Quota } from "./tokenBucket.ts"

/**
 * The forms, by the headers they send.
 *
 * @category constants
 * @since 0.4.0
 */
export const STYLES = ["ratelimit", "ratelimit-policy", "x-ratelimit"] as const

/**
 * @category models
 * @since 0.4.0
 */
export type Style = (typeof STYLES)[number]

// Whole seconds, as the headers carry them; a fraction of a second left counts as one.
const seconds = (millis: number) => Math.ceil(millis / 1000)

// The window of a bucket that refills in 2.5 s is 3 s: whole seconds, rounded up.
const window = (quota: Quota) => Math.max(1, Math.ceil(quota.windowSeconds))

/**
 * The headers of `styles` for `quota` at `nowMillis` (wall clock, for the Unix-time form).
 *
 * @example
 * ```ts
 * RateLimitHeaders.make(["ratelimit"], { limit: 5, windowSeconds: 1, remaining: 4, resetMillis: 200 }, Date.now())
 * // { "ratelimit-limit": "5", "ratelimit-remaining": "4", "ratelimit-reset": "1" }
 * ```
 * @category headers
 * @since 0.4.0
 */
export const make = (styles: ReadonlyArray<Style>, quota: Quota, nowMillis: number): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const style of styles) {
    switch (style) {
      case "ratelimit":
        headers["ratelimit-limit"] = String(quota.limit)
        headers["ratelimit-remaining"] = String(quota.remaining)
        headers["ratelimit-reset"] = String(seconds(quota.resetMillis))
        break
      case "ratelimit-policy":
        headers["ratelimit-policy"] = `"default";q=${quota.limit};w=${window(quota)}`
        headers["ratelimit"] = `"default";r=${quota.remaining};t=${seconds(quota.resetMillis)}`
        break
      case "x-ratelimit":
        headers["x-ratelimit-limit"] = String(quota.limit)
        headers["x-ratelimit-remaining"] = String(quota.remaining)
        headers["x-ratelimit-reset"] = String(seconds(nowMillis + quota.resetMillis))
        break
    }
  }
  return headers
}
