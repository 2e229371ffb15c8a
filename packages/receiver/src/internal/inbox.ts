/**
 * The inbox protocol, in plain TypeScript with no import, so the `Web` form and the Effect form keep one definition:
 * what a store holds for an event id, what each value means, the Redis commands, the windows and their defaults,
 * and how each outcome is answered over HTTP.
 *
 * An event id goes through three states:
 * - absent: never seen (or forgotten after `ttl`): a delivery claims it, `processing <token>`, for `lease`;
 * - `processing <token>`: a handler is running; another delivery of the event is answered "in progress" (409, so
 *   the sender retries later). A handler that fails releases its claim (only its own, by token), so the retry is
 *   processed; a process that dies holding one loses it after `lease`;
 * - `done`: processed; every later delivery within `ttl` is a duplicate (answered 200, so the sender stops).
 * Claiming is one atomic step (a Lua script on Redis), so two replicas never both claim an event.
 */

/** What is stored for an event that was processed. */
export const DONE = "done"

/** What is stored while a handler runs: the claim's owner, so that only it releases the claim. */
export const processing = (token: string): string => `processing ${token}`

/** How long an event id is remembered by default: a day, far beyond the signature's tolerance and Exa's retries. */
export const DEFAULT_TTL_SECONDS = 86_400

/** How long a claim lasts by default: longer than a handler should run, short enough to recover from a crash. */
export const DEFAULT_LEASE_SECONDS = 60

/** The shortest `ttl`: the default signature tolerance, inside which a captured delivery can be replayed as it is. */
export const MIN_TTL_SECONDS = 300

/** The Redis keys' prefix by default. */
export const DEFAULT_PREFIX = "exa-webhooks:inbox:"

/** The outcome of one delivery handed to an inbox. */
export type Outcome<A> =
  | { readonly _tag: "Processed"; readonly value: A }
  | { readonly _tag: "Duplicate"; readonly eventId: string }
  | { readonly _tag: "InProgress"; readonly eventId: string }

/** What a claim found: nothing (claimed), or the value already there. */
export const claimed = (existing: unknown): "claimed" | "Duplicate" | "InProgress" =>
  existing === null || existing === undefined ? "claimed" : existing === DONE ? "Duplicate" : "InProgress"

/** The windows, in milliseconds, checked: a configuration mistake throws. */
export interface Windows {
  readonly ttl: number
  readonly lease: number
}

/** Checks and defaults the windows given in seconds. */
export const windows = (ttlSeconds = DEFAULT_TTL_SECONDS, leaseSeconds = DEFAULT_LEASE_SECONDS): Windows => {
  if (!(ttlSeconds >= MIN_TTL_SECONDS)) {
    throw new TypeError(
      `exa-webhooks receiver: an inbox must remember events at least ${MIN_TTL_SECONDS} s (the signature tolerance), got ${ttlSeconds}`
    )
  }
  if (!(leaseSeconds > 0 && leaseSeconds <= ttlSeconds)) {
    throw new TypeError(`exa-webhooks receiver: an inbox's lease must be more than 0 s and at most its ttl, got ${leaseSeconds}`)
  }
  return { ttl: Math.ceil(ttlSeconds * 1000), lease: Math.ceil(leaseSeconds * 1000) }
}

/** A fresh claim token. */
export const token = (): string => globalThis.crypto.randomUUID()

// Sets the key for the lease unless it holds a value, which it returns: one atomic step.
const CLAIM =
  `local v = redis.call("GET", KEYS[1]) if v then return v end redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2]) return false`

// Deletes the key only if it still holds this claim: a claim that expired and was taken by another is not touched.
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`

/** The Redis commands of each step (`EVAL` for the atomic ones: Redis 2.6 or later, Valkey, hosted Redis). */
export const redis = {
  claim: (key: string, value: string, leaseMillis: number): Array<string> =>
    ["EVAL", CLAIM, "1", key, value, String(leaseMillis)],
  complete: (key: string, ttlMillis: number): Array<string> => ["SET", key, DONE, "PX", String(ttlMillis)],
  release: (key: string, value: string): Array<string> => ["EVAL", RELEASE, "1", key, value]
}

/**
 * The memory store: a map whose entries expire, kept in insertion order so that expired entries are dropped from
 * the front (every entry lives `lease` or `ttl` from its last write, and `lease <= ttl`, so the oldest expire first).
 */
export const memory = () => {
  const entries = new Map<string, { readonly value: string; readonly expires: number }>()
  const put = (key: string, value: string, expires: number) => {
    entries.delete(key)
    entries.set(key, { value, expires })
  }
  return {
    claim: (key: string, value: string, leaseMillis: number, now: number): string | undefined => {
      for (const [k, entry] of entries) {
        if (entry.expires > now) break
        entries.delete(k)
      }
      const existing = entries.get(key)
      if (existing !== undefined) return existing.value
      put(key, value, now + leaseMillis)
      return undefined
    },
    complete: (key: string, ttlMillis: number, now: number): void => put(key, DONE, now + ttlMillis),
    release: (key: string, value: string): void => {
      if (entries.get(key)?.value === value) entries.delete(key)
    },
    size: (): number => entries.size
  }
}

/** An HTTP answer as plain parts, for any server: the status, the headers, and the body (JSON) if any. */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body)
})

/**
 * How an outcome is answered: 204 once processed; 200 `{"duplicate": true, "id"}` for a duplicate (the sender stops
 * retrying); 409 with `Retry-After` (the lease, in seconds) while another delivery of the event is being processed.
 */
export const answer = (outcome: Outcome<unknown>, leaseMillis: number): Answer =>
  outcome._tag === "Processed"
    ? { status: 204, headers: {}, body: undefined }
    : outcome._tag === "Duplicate"
    ? json(200, { duplicate: true, id: outcome.eventId })
    : json(409, {
      error: {
        type: "EventInProgress",
        message: `event ${outcome.eventId} is being processed by another delivery; retry later`
      }
    }, { "retry-after": String(Math.ceil(leaseMillis / 1000)) })
