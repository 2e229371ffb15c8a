/**
 * Delivery attempts: one record for every time Exa POSTed an event to a webhook's URL.
 *
 * @since 0.1.0
 */
import { Schema, SchemaGetter } from "effect"
import * as EventType from "./EventType.ts"
import * as Page from "./Page.ts"
import { Timestamp } from "./Webhook.ts"

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
