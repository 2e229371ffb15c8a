/**
 * `--since`, as `events list`, `listen --from-api` and `replay` take it: how far back, as a short duration (`30s`,
 * `10m`, `2h`, `7d`, `1w`) or effect's long form (`"10 minutes"`), or from when, as an RFC 3339 time
 * (`2025-01-31T09:00:00Z`). A rule of this bin, so it lives here; a bad value is a parse error naming the flag.
 *
 * @since 0.4.0
 */
import { Webhook } from "@exa-webhooks/schema"
import { DateTime, Duration, Option, Schema, SchemaGetter } from "effect"

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

const parseDuration = Schema.decodeUnknownOption(Schema.DurationFromString)

/**
 * What `--since` means: a duration back from now, or a time.
 *
 * @since 0.4.0
 */
export type Since = Duration.Duration | DateTime.Utc

// A duration as typed: `10m`, `500ms`, or effect's long form (`"10 minutes"`); finite, not negative.
const parseDurationText = (text: string): Duration.Duration | undefined => {
  const trimmed = text.trim()
  const short = /^(\d{1,9})\s*(ms|[smhdw])$/.exec(trimmed)
  if (short !== null) return Duration.millis(Number(short[1]) * (short[2] === "ms" ? 1 : UNITS[short[2]!]!))
  const long = parseDuration(trimmed)
  return Option.isSome(long) && Duration.isFinite(long.value) && Duration.toMillis(long.value) >= 0 ? long.value : undefined
}

const parse = (text: string): Since | undefined => {
  const duration = parseDurationText(text)
  if (duration !== undefined) return duration
  const millis = Webhook.parseTimestamp(text.trim())
  return millis === undefined ? undefined : DateTime.makeUnsafe(millis)
}

/**
 * A duration as typed in a flag (`--poll-interval 2s`): a short form (`500ms`, `30s`, `10m`, `2h`, `7d`, `1w`) or
 * effect's long one (`"2 seconds"`).
 *
 * @since 0.4.0
 */
export const DurationText = Schema.String.check(
  Schema.makeFilter((text: string) =>
    parseDurationText(text) !== undefined ||
    `expected a duration such as 500ms, 2s or 1m; got ${JSON.stringify(text)}`, { expected: "a duration (2s)" })
).pipe(Schema.decodeTo(Schema.Duration, {
  decode: SchemaGetter.transform((text: string) => parseDurationText(text)!),
  encode: SchemaGetter.transform((duration: Duration.Duration) => `${Duration.toMillis(duration)}ms`)
}))

/**
 * The flag's value as typed, decoded to a {@link Since}.
 *
 * @since 0.4.0
 */
export const Since = Schema.String.check(
  Schema.makeFilter((text: string) =>
    parse(text) !== undefined ||
    `since must be a duration such as 30s, 10m, 2h or 7d, or an RFC 3339 time such as 2025-01-31T09:00:00Z; got ${
      JSON.stringify(text)
    }`, { expected: "a duration (10m) or an RFC 3339 time" })
).pipe(Schema.decodeTo(Schema.Union([Schema.Duration, Schema.DateTimeUtc]), {
  decode: SchemaGetter.transform((text: string) => parse(text)!),
  encode: SchemaGetter.transform((since: Since) =>
    DateTime.isDateTime(since) ? DateTime.formatIso(since) : `${Duration.toMillis(since) / 1000}s`
  )
}))

/**
 * The time a {@link Since} starts at, given the time now.
 *
 * @since 0.4.0
 */
export const start = (since: Since, now: DateTime.Utc): DateTime.Utc =>
  DateTime.isDateTime(since) ? since : DateTime.subtract(now, { milliseconds: Duration.toMillis(since) })

/**
 * How a {@link Since} reads in a message: `the last 10m` or `2025-01-31T09:00:00.000Z`.
 *
 * @since 0.4.0
 */
export const describe = (since: Since): string =>
  DateTime.isDateTime(since) ? `since ${DateTime.formatIso(since)}` : `of the last ${Duration.format(since)}`
