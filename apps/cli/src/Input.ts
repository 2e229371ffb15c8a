/**
 * Turns flag values into the API's inputs and checks them with the schema package before anything is sent. Every
 * problem is reported against the flag a person typed (`--event`, `--metadata team`), not the wire field, so a
 * message says exactly what to change on the command line.
 *
 * @since 0.1.0
 */
import { EventType, IdempotencyKey, ReservedMetadata, Validation, Webhook, WebhookId } from "@exa-webhooks/schema"
import { Effect, Option, Result, Schema } from "effect"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

/**
 * Splits repeated `--event` values and comma-separated lists into one list, in the order given.
 *
 * @example
 * ```ts
 * Input.events(["webset.created,webset.idle", "webset.item.enriched"])
 * // ["webset.created", "webset.idle", "webset.item.enriched"]
 * ```
 * @since 0.1.0
 */
export const events = (values: ReadonlyArray<string>): Array<string> =>
  values.flatMap((value) => value.split(",")).map((value) => value.trim()).filter((value) => value.length > 0)

/**
 * Parses repeated `--metadata key=value` values. The value is everything after the first `=` (it may contain `=`);
 * a key given twice is an error rather than a silent overwrite, and so is a key under `exa-webhooks.` (those are
 * written by exa-webhooks itself; see `ReservedMetadata`). Every key is kept as typed, `__proto__` included (the
 * schema then refuses that one by name).
 *
 * @since 0.1.0
 */
export const metadata = Effect.fn("Input.metadata")(function*(values: ReadonlyArray<string>) {
  const pairs: Record<string, string> = {}
  for (const value of values) {
    const at = value.indexOf("=")
    if (at === -1) {
      return yield* new UsageError({
        message: `--metadata ${Validation.quote(value)} has no "="; write each pair as key=value, e.g. --metadata team=growth`
      })
    }
    const key = value.slice(0, at).trim()
    if (key.length === 0) {
      return yield* new UsageError({
        message: `--metadata ${Validation.quote(value)} has an empty key; write each pair as key=value, e.g. --metadata team=growth`
      })
    }
    if (Object.hasOwn(pairs, key)) {
      return yield* new UsageError({ message: `--metadata ${Validation.quote(key)} is given more than once; give each key once` })
    }
    // defineProperty, not `pairs[key] =`: an assignment to "__proto__" would set the prototype and drop the pair.
    Object.defineProperty(pairs, key, { value: value.slice(at + 1), enumerable: true, writable: true, configurable: true })
  }
  const reserved = ReservedMetadata.problem(pairs)
  if (reserved !== undefined) return yield* new UsageError({ message: `--metadata: ${reserved}` })
  return pairs
})

// The wire field of a problem, as the flag that set it.
const flagOf = (path: string): string => {
  if (path === "url") return "--url"
  if (path.startsWith("events")) return "--event"
  if (path.startsWith("metadata")) {
    const rest = path.slice("metadata".length)
    const key = rest.startsWith(".") ? rest.slice(1) : rest.startsWith("[") ? String(JSON.parse(rest.slice(1, -1))) : ""
    return key === "" ? "--metadata" : `--metadata ${key}`
  }
  return path === "" ? "input" : path
}

const usage = (issue: Schema.SchemaError["issue"]) =>
  new UsageError({
    message: Validation.problems(issue).map((p) => `${flagOf(p.path)}: ${p.message}`).join("; ")
  })

const decodeCreate = Schema.decodeUnknownResult(Webhook.CreateWebhookParameters)
const decodeUpdate = Schema.decodeUnknownResult(Webhook.UpdateWebhookParameters)

/**
 * What `create` and `update` read from their flags (already split and parsed, not yet checked).
 *
 * @since 0.1.0
 */
export interface WebhookFlags {
  readonly url: Option.Option<string>
  readonly events: ReadonlyArray<string>
  readonly metadata: Readonly<Record<string, string>> | undefined
}

/**
 * The body of a create, checked against `CreateWebhookParameters`; fails with every problem, each named by flag.
 *
 * @since 0.1.0
 */
export const createParameters = Effect.fn("Input.createParameters")(function*(flags: WebhookFlags) {
  const body = {
    url: Option.getOrElse(flags.url, () => ""),
    events: flags.events,
    ...(flags.metadata === undefined ? {} : { metadata: flags.metadata })
  }
  const decoded = decodeCreate(body, Validation.parseOptions)
  if (Result.isFailure(decoded)) return yield* usage(decoded.failure.issue)
  return body as Webhook.CreateWebhookParameters
})

/**
 * The body of an update: only the fields given. An update that changes nothing is a usage error (it would cost a
 * request to learn nothing).
 *
 * @since 0.1.0
 */
export const updateParameters = Effect.fn("Input.updateParameters")(function*(flags: WebhookFlags) {
  const body = {
    ...(Option.isSome(flags.url) ? { url: flags.url.value } : {}),
    ...(flags.events.length > 0 ? { events: flags.events } : {}),
    ...(flags.metadata === undefined ? {} : { metadata: flags.metadata })
  }
  if (Object.keys(body).length === 0) {
    return yield* new UsageError({
      message: "update: nothing to change; pass at least one of --url, --event or --metadata"
    })
  }
  const decoded = decodeUpdate(body, Validation.parseOptions)
  if (Result.isFailure(decoded)) return yield* usage(decoded.failure.issue)
  return body as Webhook.UpdateWebhookParameters
})

/**
 * A page size: `--limit` must be a whole number from 1 to 200 (the API's bounds). Parsed here rather than by the
 * flag parser so that every wrong value gets the same message.
 *
 * @since 0.1.0
 */
export const limit = Effect.fn("Input.limit")(function*(value: Option.Option<string>) {
  if (Option.isNone(value)) return undefined
  const { maximum, minimum } = Webhook.PAGE_LIMIT
  const n = /^\s*\d+\s*$/.test(value.value) ? Number(value.value) : Number.NaN
  if (!Number.isInteger(n) || n < minimum || n > maximum) {
    return yield* new UsageError({
      message: `--limit must be a whole number from ${minimum} to ${maximum}, got ${Validation.quote(value.value)}`
    })
  }
  return n
})

/**
 * An `--event-type` filter: a known event type (with a "did you mean" for a near miss).
 *
 * @since 0.1.0
 */
export const eventType = Effect.fn("Input.eventType")(function*(value: Option.Option<string>) {
  if (Option.isNone(value)) return undefined
  if (!EventType.isEventType(value.value)) {
    return yield* new UsageError({ message: `--event-type: ${EventType.unknownMessage(value.value)}` })
  }
  return value.value
})

/**
 * A webhook id argument, checked with `WebhookId` (not blank, not `.` or `..`, no control characters) and stripped
 * of surrounding spaces.
 *
 * @since 0.1.0
 */
export const webhookId = Effect.fn("Input.webhookId")(function*(value: string) {
  const problem = WebhookId.problem(value.trim() === "" ? value : value.trim())
  if (problem !== undefined) return yield* new UsageError({ message: `ID: ${problem}` })
  return value.trim()
})

/**
 * An `--idempotency-key` value, checked with `IdempotencyKey`.
 *
 * @since 0.2.0
 */
export const idempotencyKey = Effect.fn("Input.idempotencyKey")(function*(value: Option.Option<string>) {
  if (Option.isNone(value)) return undefined
  const problem = IdempotencyKey.problem(value.value)
  if (problem !== undefined) return yield* new UsageError({ message: `--idempotency-key: ${problem}` })
  return value.value
})
