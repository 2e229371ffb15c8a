/**
 * The rate of `rateLimit: "auto"`: learned from what the server answers, rather than given. The pacer (`pacing.ts`)
 * spaces its turns by it through effect's `RateLimiter`; this module only decides the number.
 *
 * - It starts at the default rate (Exa's published 10 requests per second).
 * - The server's own word comes first: a stated policy (`RateLimit-Policy: "default";q=50;w=1`), or a limit and the
 *   time until it resets (`RateLimit-Limit` / `X-RateLimit-Limit` with `RateLimit-Reset` / `X-RateLimit-Reset`, as
 *   seconds or a Unix time), is taken as the rate at once, and is a ceiling the rate never probes past.
 * - A 429 means the rate was above the limit: the rate falls to 0.9 of what the server actually let through over the
 *   last two seconds (the `Retry-After` pause itself is the pacer's). A `remaining` count under a tenth of the limit is
 *   the same signal before the 429: the budget is running out.
 * - While every request passes, it probes upward: doubling every half second until the first push-back, then 5%
 *   every two seconds, the interval doubling with each 429 (up to half a minute): a limit raised later is found
 *   again, and a limit that stays put is not tripped over and over.
 *
 * Everything is a function of the times it is given (the caller's `Clock`), so `TestClock` drives it.
 */
import { Headers } from "effect/http"

/** The learned rate of one client (or of every process sharing a store, see `pacing.ts`). */
export interface AutoRate {
  /** Requests per second now. */
  readonly rate: () => number
  /** What one received answer says; `now` in milliseconds. */
  readonly observe: (now: number, status: number, headers: Headers.Headers) => void
  /** Takes a rate learned elsewhere (another process sharing the store): the lower of the two wins. */
  readonly adopt: (now: number, rate: number) => void
}

/**
 * The knobs, and why:
 * - `floor: 0.2`: one request every five seconds still makes progress and learns again;
 * - `backoff: 0.9`: just under what the server let through, so the limiter stays busy without tripping it;
 * - `window: 2 s`: long enough to count the server's throughput at 5 requests per second;
 * - `startInterval: 0.5 s` / `probeInterval: 2 s` (to `maxProbeInterval: 32 s`): a 50/s limit is reached in about a
 *   second from 10/s, and after the first push-back the rate creeps rather than jumps;
 * - `lowRemaining: 0.1`: a tenth of the budget left is the last moment to slow down without a 429.
 */
export const tuning = {
  floor: 0.2,
  backoff: 0.9,
  windowMillis: 2_000,
  startIntervalMillis: 500,
  startFactor: 2,
  probeIntervalMillis: 2_000,
  maxProbeIntervalMillis: 32_000,
  probeFactor: 1.05,
  lowRemaining: 0.1
} as const

const numberOf = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const n = Number(value.trim())
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

const first = (headers: Headers.Headers, ...names: ReadonlyArray<string>): string | undefined => {
  for (const name of names) {
    const value = headers[name]
    if (value !== undefined) return value
  }
  return undefined
}

/** What the server says of its limit, when it says anything. */
export interface Quota {
  /** Requests per second the server allows, when it said enough to tell. */
  readonly perSecond?: number | undefined
  readonly limit?: number | undefined
  readonly remaining?: number | undefined
}

/**
 * The quota in `headers`: the structured `RateLimit-Policy` / `RateLimit` fields (IETF draft -07 on), or the
 * `RateLimit-*` / `X-RateLimit-*` trio (drafts up to -06, GitHub's form). A reset above 10^9 is a Unix time.
 */
export const quotaOf = (headers: Headers.Headers, now: number): Quota => {
  const policy = first(headers, "ratelimit-policy")
  if (policy !== undefined) {
    const q = numberOf(/;\s*q=([\d.]+)/.exec(policy)?.[1])
    const w = numberOf(/;\s*w=([\d.]+)/.exec(policy)?.[1]) ?? 1
    const remaining = numberOf(/;\s*r=([\d.]+)/.exec(first(headers, "ratelimit") ?? "")?.[1])
    return q === undefined || q === 0 ? { remaining } : { perSecond: q / Math.max(w, 0.001), limit: q, remaining }
  }
  const limit = numberOf(first(headers, "ratelimit-limit", "x-ratelimit-limit"))
  const remaining = numberOf(first(headers, "ratelimit-remaining", "x-ratelimit-remaining"))
  const reset = numberOf(first(headers, "ratelimit-reset", "x-ratelimit-reset"))
  if (limit === undefined || limit === 0) return { remaining }
  // The time until the quota is whole again is at most its window; whole seconds, so at least one.
  const resetSeconds = reset === undefined ? 1 : reset > 1e9 ? reset - now / 1000 : reset
  return { perSecond: limit / Math.max(1, resetSeconds), limit, remaining }
}

/** A learner starting at `initial` requests per second. */
export const make = (initial: number, now: number): AutoRate => {
  let rate = initial
  let starting = true
  let changedAt = now
  // How long a rate must pass before the next probe: doubled by each 429.
  let probeInterval: number = tuning.probeIntervalMillis
  // The server's stated ceiling, once it states one.
  let ceiling = Number.POSITIVE_INFINITY
  // When recent answers arrived (2xx only): what the server let through.
  const passed: Array<number> = []

  const passedPerSecond = (at: number) => {
    while (passed.length > 0 && passed[0]! <= at - tuning.windowMillis) passed.shift()
    const span = Math.min(tuning.windowMillis, Math.max(at - (passed[0] ?? at), 250))
    return (passed.length * 1000) / span
  }

  const slowDown = (at: number) => {
    rate = Math.max(tuning.floor, Math.min(rate, passedPerSecond(at)) * tuning.backoff)
    starting = false
    changedAt = at
  }

  const observe = (at: number, status: number, headers: Headers.Headers) => {
    const quota = quotaOf(headers, at)
    if (quota.perSecond !== undefined) {
      // The lowest rate the server has stated: a fixed window's reset counts down, and limit / reset with it would
      // read as a faster and faster rate near the window's end.
      ceiling = Math.min(ceiling, quota.perSecond)
      if (starting) {
        // Told the limit: take it, as a caller who knows it would.
        rate = ceiling
        starting = false
        changedAt = at
      }
    }
    if (status === 429) {
      if (!starting) probeInterval = Math.min(tuning.maxProbeIntervalMillis, probeInterval * 2)
      return slowDown(at)
    }
    if (status < 200 || status >= 300) return
    passed.push(at)
    if (quota.limit !== undefined && quota.remaining !== undefined && quota.remaining < quota.limit * tuning.lowRemaining) {
      // Slowing down again before the last slow-down had time to show would only halve the rate for nothing.
      if (at - changedAt >= tuning.startIntervalMillis) slowDown(at)
      return
    }
    if (rate > ceiling) {
      rate = ceiling
      changedAt = at
      return
    }
    const interval = starting ? tuning.startIntervalMillis : probeInterval
    if (at - changedAt >= interval && rate < ceiling) {
      rate = Math.min(ceiling, rate * (starting ? tuning.startFactor : tuning.probeFactor))
      changedAt = at
    }
  }

  const adopt = (at: number, shared: number) => {
    if (shared < rate) {
      rate = Math.max(tuning.floor, shared)
      starting = false
      changedAt = at
    }
  }

  return { rate: () => rate, observe, adopt }
}
