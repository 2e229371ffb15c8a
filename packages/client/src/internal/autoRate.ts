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
 * - While every request passes and the rate is used, it probes upward: doubling every half second until the first
 *   push-back, then 5% every two seconds, the interval doubling with each 429 (up to half a minute): a limit raised
 *   later is found again, and a limit that stays put is not tripped over and over. A rate the requests did not use
 *   (a few calls a second, a listing page by page) says nothing of the server's limit, and is not raised: otherwise
 *   a quiet minute would leave a rate that the next burst of requests meets with a storm of 429s.
 *
 * The learner is a fold over a plain, serialisable {@link State}: each answer makes the next state from the last. One
 * client keeps it in memory; clients sharing a store (`RateLimitStore.LearnedRateStore`: Redis across processes) fold
 * every answer of all of them into one state there, so they learn one rate, from what the server let through to all
 * of them together. Every function takes the time it is given (the caller's `Clock`, or the store's), so `TestClock`
 * drives it.
 */
import { Option, Schema } from "effect"
import type { Headers } from "effect/http"

/**
 * The knobs, and why:
 * - `floor: 0.2`: one request every five seconds still makes progress and learns again;
 * - `backoff: 0.9`: just under what the server let through, so the limiter stays busy without tripping it;
 * - `window: 2 s` (counted in 250 ms buckets): long enough to count the server's throughput at 5 requests per second;
 * - `startInterval: 0.5 s` / `probeInterval: 2 s` (to `maxProbeInterval: 32 s`): a 50/s limit is reached in about a
 *   second from 10/s, and after the first push-back the rate creeps rather than jumps;
 * - `lowRemaining: 0.1`: a tenth of the budget left is the last moment to slow down without a 429;
 * - `used: 0.7`: a rate counts as used when the answers since it was set came at 0.7 of it or more (the first answer
 *   after a change arrives a round trip late, so a busy limiter shows somewhat under its rate).
 */
export const tuning = {
  floor: 0.2,
  backoff: 0.9,
  windowMillis: 2_000,
  bucketMillis: 250,
  startIntervalMillis: 500,
  startFactor: 2,
  probeIntervalMillis: 2_000,
  maxProbeIntervalMillis: 32_000,
  probeFactor: 1.05,
  lowRemaining: 0.1,
  used: 0.7
} as const

/** What the learner knows; plain data, so a shared store can keep it as JSON. */
export const State = Schema.Struct({
  /** Requests per second now. */
  rate: Schema.Finite,
  /** Before the first push-back or stated limit: probing doubles. */
  starting: Schema.Boolean,
  /** When the rate last changed (ms). */
  changedAt: Schema.Finite,
  /** The 2xx answers since then: whether the rate is used (the window's count, once the change is older). */
  passedSince: Schema.Finite,
  /** How long a rate must pass before the next probe: doubled by each 429. */
  probeInterval: Schema.Finite,
  /** The lowest rate the server has stated, once it states one. */
  ceiling: Schema.NullOr(Schema.Finite),
  /** The 2xx answers of the last window, as `[bucket start (ms), count]`: what the server let through. */
  passed: Schema.Array(Schema.Tuple([Schema.Finite, Schema.Finite]))
})

export type State = typeof State.Type

/** A learner's state starting at `rate` requests per second. */
export const initial = (rate: number, now: number): State => ({
  rate,
  starting: true,
  changedAt: now,
  passedSince: 0,
  probeInterval: tuning.probeIntervalMillis,
  ceiling: null,
  passed: []
})

const decodeState = Schema.decodeUnknownOption(State)

/** A state as a store returns it, or `undefined` when there is none or it is not one (another version's, say). */
export const fromStored = (stored: unknown): State | undefined =>
  stored === undefined ? undefined : Option.getOrUndefined(decodeState(stored))

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
  // The time until the quota is whole again is at most its window; whole seconds, so at least one. A Unix time is a
  // whole second rounded up: counted from now it reads up to a second long, which at a one-second window would halve
  // the rate, so it is rounded down.
  const resetSeconds = reset === undefined ? 1 : reset > 1e9 ? Math.floor(reset - now / 1000) : reset
  return { perSecond: limit / Math.max(1, resetSeconds), limit, remaining }
}

/** The buckets still inside the window at `at`. */
const recent = (passed: State["passed"], at: number) => passed.filter(([start]) => start > at - tuning.windowMillis)

/** The 2xx answers per second over the window before `at`. */
const passedPerSecond = (passed: State["passed"], at: number) => {
  const kept = recent(passed, at)
  const count = kept.reduce((sum, [, n]) => sum + n, 0)
  const span = Math.min(tuning.windowMillis, Math.max(at - (kept[0]?.[0] ?? at), tuning.bucketMillis))
  return (count * 1000) / span
}

/** One more 2xx answer at `at`, counted in its bucket. */
const pass = (passed: State["passed"], at: number): State["passed"] => {
  const bucket = at - (at % tuning.bucketMillis)
  const kept = recent(passed, at)
  const last = kept[kept.length - 1]
  return last !== undefined && last[0] === bucket
    ? [...kept.slice(0, -1), [bucket, last[1] + 1]]
    : [...kept, [bucket, 1]]
}

const slowDown = (state: State, at: number): State => ({
  ...state,
  rate: Math.max(tuning.floor, Math.min(state.rate, passedPerSecond(state.passed, at)) * tuning.backoff),
  starting: false,
  changedAt: at,
  passedSince: 0
})

/** The state after an answer with `status` and `quota` received at `at` (ms). */
export const observe = (state: State, at: number, status: number, quota: Quota): State => {
  let next = state
  if (quota.perSecond !== undefined) {
    // The lowest rate the server has stated: a fixed window's reset counts down, and limit / reset with it would
    // read as a faster and faster rate near the window's end.
    const ceiling = Math.min(next.ceiling ?? Number.POSITIVE_INFINITY, quota.perSecond)
    // Told the limit: take it, as a caller who knows it would.
    next = next.starting
      ? { ...next, ceiling, rate: ceiling, starting: false, changedAt: at, passedSince: 0 }
      : { ...next, ceiling }
  }
  if (status === 429) {
    const probeInterval = next.starting
      ? next.probeInterval
      : Math.min(tuning.maxProbeIntervalMillis, next.probeInterval * 2)
    return slowDown({ ...next, probeInterval }, at)
  }
  if (status < 200 || status >= 300) return next
  next = { ...next, passed: pass(next.passed, at), passedSince: next.passedSince + 1 }
  if (quota.limit !== undefined && quota.remaining !== undefined && quota.remaining < quota.limit * tuning.lowRemaining) {
    // Slowing down again before the last slow-down had time to show would only halve the rate for nothing.
    return at - next.changedAt >= tuning.startIntervalMillis ? slowDown(next, at) : next
  }
  const ceiling = next.ceiling ?? Number.POSITIVE_INFINITY
  if (next.rate > ceiling) return { ...next, rate: ceiling, changedAt: at, passedSince: 0 }
  const since = at - next.changedAt
  const interval = next.starting ? tuning.startIntervalMillis : next.probeInterval
  // Used: the answers since the change, or over the last window when the change is older (a quiet spell long ago
  // says nothing of now).
  const usedPerSecond = since <= tuning.windowMillis
    ? (next.passedSince * 1000) / Math.max(since, 1)
    : passedPerSecond(next.passed, at)
  const used = usedPerSecond >= tuning.used * next.rate
  if (since >= interval && used && next.rate < ceiling) {
    return {
      ...next,
      rate: Math.min(ceiling, next.rate * (next.starting ? tuning.startFactor : tuning.probeFactor)),
      changedAt: at,
      passedSince: 0
    }
  }
  return next
}
