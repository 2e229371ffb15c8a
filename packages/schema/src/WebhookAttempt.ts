/**
 * Delivery attempts: one record for every time Exa POSTed an event to a webhook's URL.
 *
 * @since 0.1.0
 */
import { DateTime, Schema, SchemaGetter } from "effect"
import * as EventType from "./EventType.ts"
import * as Page from "./Page.ts"
import { parseTimestamp, Timestamp } from "./Webhook.ts"

/**
 * One delivery attempt, as `GET /v0/webhooks/{id}/attempts` returns it.
 *
 * @category schemas
 * @since 0.1.0
 */
export class WebhookAttempt extends Schema.Class<WebhookAttempt>("@exa-webhooks/schema/WebhookAttempt")({
  id: Schema.String,
  object: Schema.Literal("webhook_attempt"),
  eventId: Schema.String,
  eventType: EventType.ReceivedEventType,
  webhookId: Schema.String,
  url: Schema.String,
  successful: Schema.Boolean,
  responseHeaders: Schema.Record(Schema.String, Schema.String),
  responseBody: Schema.NullOr(Schema.String),
  responseStatusCode: Schema.Number,
  attempt: Schema.Number,
  attemptedAt: Timestamp
}) {}

const headersFromWire = (value: unknown): Record<string, string> | undefined => {
  // An own `__proto__` key needs the schema's careful copy; the schema decides that (rare) case.
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.hasOwn(value, "__proto__")) {
    return undefined
  }
  const out: Record<string, string> = {}
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue
    const entry = (value as Record<string, unknown>)[key]
    if (typeof entry !== "string") return undefined
    out[key] = entry
  }
  return out
}

/**
 * The {@link WebhookAttempt} that `input` (an attempt as parsed from JSON) decodes to, by a quick route, or `undefined`
 * when that route cannot tell: then the schema gives the verdict and the message. The rules of {@link WebhookAttempt}
 * in plain code, as `Webhook.fromWire` is for webhooks (see there why).
 *
 * @category decoding
 * @since 0.3.0
 */
export const fromWire = (input: unknown): WebhookAttempt | undefined => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined
  const { attempt, attemptedAt, eventId, eventType, id, object, responseBody, responseStatusCode, successful, url, webhookId } =
    input as Record<string, unknown>
  if (
    typeof id !== "string" || object !== "webhook_attempt" || typeof eventId !== "string" ||
    typeof eventType !== "string" || typeof webhookId !== "string" || typeof url !== "string" ||
    typeof successful !== "boolean" || (responseBody !== null && typeof responseBody !== "string") ||
    typeof responseStatusCode !== "number" || typeof attempt !== "number" || typeof attemptedAt !== "string"
  ) return undefined
  const responseHeaders = headersFromWire((input as Record<string, unknown>).responseHeaders)
  const millis = parseTimestamp(attemptedAt)
  if (responseHeaders === undefined || millis === undefined) return undefined
  // What `new WebhookAttempt(fields)` makes, without the constructor's second schema pass (see `Webhook.fromWire`).
  return Object.assign(Object.create(WebhookAttempt.prototype) as WebhookAttempt, {
    id,
    object,
    eventId,
    // `ReceivedEventType` takes any string: a known one as `EventType`, another one kept as `UnknownEventType`.
    eventType: eventType as EventType.ReceivedEventType,
    webhookId,
    url,
    successful,
    responseHeaders,
    responseBody,
    responseStatusCode,
    attempt,
    attemptedAt: DateTime.makeUnsafe(millis)
  })
}

/**
 * Query of `GET /v0/webhooks/{id}/attempts`: page (`cursor`, `limit` 1..200, default 25) and filters.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ListWebhookAttemptsQuery = Schema.Struct({
  ...Page.PageQuery,
  eventType: Schema.optionalKey(EventType.EventType),
  successful: Schema.optionalKey(Schema.Literals(["true", "false"]).pipe(
    Schema.decodeTo(Schema.Boolean, {
      decode: SchemaGetter.transform((value) => value === "true"),
      encode: SchemaGetter.transform((value) => (value ? "true" : "false"))
    })
  ))
})

/**
 * @category schemas
 * @since 0.1.0
 */
export type ListWebhookAttemptsQuery = typeof ListWebhookAttemptsQuery.Type

/**
 * One page of delivery attempts, newest first.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ListWebhookAttemptsResponse = Page.Page(WebhookAttempt)

/**
 * @category schemas
 * @since 0.1.0
 */
export type ListWebhookAttemptsResponse = typeof ListWebhookAttemptsResponse.Type
