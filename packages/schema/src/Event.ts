/**
 * The envelope of an event Exa delivers to a webhook URL.
 *
 * `data` is the resource the event is about (a Webset, WebsetItem, WebsetSearch, Import, Monitor or MonitorRun,
 * depending on `type`). This package models the envelope only and keeps `data` as a JSON object: the webhook
 * tooling routes and verifies events, it does not interpret Webset resources.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as EventType from "./EventType.ts"
import { Timestamp } from "./Webhook.ts"

/**
 * A delivered event.
 *
 * @example
 * ```ts
 * const event = Schema.decodeUnknownSync(Event.Event)(JSON.parse(rawBody))
 * if (event.type === "webset.item.enriched") { ... }
 * ```
 * @category schemas
 * @since 0.1.0
 */
export class Event extends Schema.Class<Event>("@exa-webhooks/schema/Event")({
  id: Schema.String,
  object: Schema.Literal("event"),
  type: EventType.ReceivedEventType,
  data: Schema.Record(Schema.String, Schema.Unknown),
  createdAt: Timestamp
}) {}
