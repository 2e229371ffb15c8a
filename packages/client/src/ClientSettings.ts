/**
 * The rules of a client's settings, wherever they are given: the client's options (`rateLimit`, `timeout`,
 * `retry.*`), the environment (`EXA_RATE_LIMIT`, `EXA_TIMEOUT`, `EXA_MAX_RETRIES`, `EXA_RETRY_*`) and the bins'
 * flags (`--rate-limit`, `--timeout`). Each rule comes as a `problem` function (for code that holds a value), a
 * schema of the value, and a schema from the text a person types (`...FromString`, for flags and variables).
 *
 * @example
 * ```ts
 * import { ClientSettings } from "@exa-webhooks/client"
 *
 * ClientSettings.rateLimitProblem(0) // "must be a positive number of requests per second, got 0"
 * Schema.decodeUnknownSync(ClientSettings.TimeoutFromString)("10 seconds") // Duration.seconds(10)
 * ```
 * @since 0.2.0
 */
import { Duration, Option, Schema, SchemaGetter } from "effect"
import { Validation } from "@exa-webhooks/schema"

/**
 * Why `value` is not a usable rate limit (requests per second), or `undefined` when it is: a positive, finite
 * number (fractions allowed: `0.5` is one request every two seconds).
 *
 * @category rate limit
 * @since 0.2.0
 */
export const rateLimitProblem = (value: number): string | undefined =>
  Number.isFinite(value) && value > 0
    ? undefined
    : `must be a positive number of requests per second, such as 10 or 0.5; got ${String(value)}`

/**
 * A rate limit, in requests per second.
 *
 * @category rate limit
 * @since 0.2.0
 */
export const RateLimit = Schema.Number.check(
  Schema.makeFilter((value: number) => rateLimitProblem(value) ?? true, {
    expected: "a positive number of requests per second"
  })
)

/**
 * The rate limit that is learned rather than given: start at the default, slow down on 429s and on what the server's
 * rate-limit headers say, probe upward while every request passes.
 *
 * @category rate limit
 * @since 0.4.0
 */
export const AUTO = "auto" as const

/**
 * A rate limit setting: requests per second, or {@link AUTO}.
 *
 * @category rate limit
 * @since 0.4.0
 */
export const RateLimitSetting = Schema.Union([RateLimit, Schema.Literal(AUTO)])

/**
 * @category rate limit
 * @since 0.4.0
 */
export type RateLimitSetting = typeof RateLimitSetting.Type

/**
 * A rate limit as typed (`--rate-limit 5`, `EXA_RATE_LIMIT=0.5`, `--rate-limit auto`): a decimal number or `auto`,
 * nothing else (`"fast"`, `"1e3"` and `"0x10"` are refused, quoted in the message).
 *
 * @category rate limit
 * @since 0.2.0
 */
export const RateLimitFromString = Schema.String.check(
  Schema.makeFilter((text: string) =>
    text.trim() === AUTO ||
    (/^\s*\d+(\.\d+)?\s*$/.test(text) && rateLimitProblem(Number(text)) === undefined) ||
    `must be a positive number of requests per second, such as 10 or 0.5, or "auto"; got ${Validation.quote(text)}`, {
    expected: "a positive number of requests per second, or \"auto\""
  })
).pipe(Schema.decodeTo(RateLimitSetting, {
  decode: SchemaGetter.transform((text: string): RateLimitSetting => text.trim() === AUTO ? AUTO : Number(text)),
  encode: SchemaGetter.transform((setting: RateLimitSetting) => String(setting))
}))

/**
 * Why `duration` is not a usable per-request timeout, or `undefined` when it is: positive and finite.
 *
 * @category timeout
 * @since 0.2.0
 */
export const timeoutProblem = (duration: Duration.Input): string | undefined => {
  const millis = Duration.toMillis(duration)
  return Number.isFinite(millis) && millis > 0
    ? undefined
    : `must be a positive, finite duration such as "30 seconds"; got ${String(duration)}`
}

/**
 * Why `duration` is not a usable retry delay (`retry.baseDelay`, `maxDelay`, `maxElapsed`, `retryAfterCap`), or
 * `undefined` when it is: finite and not negative (zero turns the wait off).
 *
 * @category retries
 * @since 0.2.0
 */
export const delayProblem = (duration: Duration.Input): string | undefined => {
  const millis = Duration.toMillis(duration)
  return Number.isFinite(millis) && millis >= 0
    ? undefined
    : `must be a finite, non-negative duration such as "2 seconds"; got ${String(duration)}`
}

const whole = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`

/**
 * A duration as a person types it, and as this module reads it back: whole minutes, else whole seconds, else
 * milliseconds (`"1 minute"`, `"30 seconds"`, `"500 millis"`).
 *
 * @category formatting
 * @since 0.5.0
 */
export const formatDuration = (duration: Duration.Duration): string => {
  const millis = Duration.toMillis(duration)
  if (!Number.isFinite(millis)) return Schema.encodeSync(Schema.DurationFromString)(duration)
  return millis !== 0 && millis % 60_000 === 0
    ? whole(millis / 60_000, "minute")
    : millis % 1000 === 0
    ? whole(millis / 1000, "second")
    : `${millis} millis`
}

const parseDuration = Schema.decodeUnknownOption(Schema.DurationFromString)
const decodeDuration = Schema.decodeSync(Schema.DurationFromString)

// Checked as text first, so a message quotes what was typed ("soon") rather than effect's generic one.
const durationFromString = (problem: (duration: Duration.Duration) => string | undefined, expected: string) =>
  Schema.String.check(
    Schema.makeFilter((text: string) => {
      if (Option.isNone(parseDuration(text))) return `expected a duration such as "30 seconds" or "500 millis"; got ${Validation.quote(text)}`
      return problem(decodeDuration(text)) ?? true
    }, { expected })
  ).pipe(Schema.decodeTo(Schema.Duration, {
    decode: SchemaGetter.transform((text: string) => decodeDuration(text)),
    encode: SchemaGetter.transform(formatDuration)
  }))

/**
 * A per-request timeout as typed (`--timeout "10 seconds"`, `EXA_TIMEOUT=500ms`), decoded to a `Duration`.
 *
 * @category timeout
 * @since 0.2.0
 */
export const TimeoutFromString = durationFromString(
  (duration) => timeoutProblem(duration),
  "a positive, finite duration such as \"30 seconds\""
)

/**
 * A retry delay as typed (`EXA_RETRY_BASE_DELAY="500 millis"`), decoded to a `Duration`.
 *
 * @category retries
 * @since 0.2.0
 */
export const DelayFromString = durationFromString(
  (duration) => delayProblem(duration),
  "a finite, non-negative duration such as \"2 seconds\""
)

/**
 * Why `value` is not a usable number of retries, or `undefined` when it is: a whole number, 0 or more.
 *
 * @category retries
 * @since 0.2.0
 */
export const maxRetriesProblem = (value: number): string | undefined =>
  Number.isInteger(value) && value >= 0 ? undefined : `must be a whole number, 0 or more; got ${String(value)}`

/**
 * A number of retries as typed (`EXA_MAX_RETRIES=3`).
 *
 * @category retries
 * @since 0.2.0
 */
export const MaxRetriesFromString = Schema.String.check(
  Schema.makeFilter((text: string) =>
    (/^\s*\d+\s*$/.test(text) && maxRetriesProblem(Number(text)) === undefined) ||
    `must be a whole number, 0 or more; got ${Validation.quote(text)}`, { expected: "a whole number, 0 or more" })
).pipe(Schema.decodeTo(Schema.Int, {
  decode: SchemaGetter.transform((text: string) => Number(text)),
  encode: SchemaGetter.transform((n: number) => String(n))
}))
