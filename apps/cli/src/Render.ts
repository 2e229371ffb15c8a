/**
 * How webhooks and delivery attempts look: as JSON documents (the API's own wire shape, so `--json` output can be
 * fed to anything that reads Exa's responses) and as text for people.
 *
 * Every value that comes from Exa is escaped where it is placed in the text (`Printable.escape`): a URL or metadata
 * holding an escape sequence, a carriage return, a line break or a bidi override cannot act on the terminal or fake a
 * line of output. (`Output` masks the password of any URL in what is printed, and escapes JSON documents.)
 *
 * @since 0.1.0
 */
import { Event, type Page, Printable, ReservedMetadata, Webhook, WebhookAttempt } from "@exa-webhooks/schema"
import { DateTime, Schema } from "effect"
import * as Table from "./Table.ts"

const encodeWebhook = Schema.encodeSync(Webhook.Webhook)
const encodeWebhookPage = Schema.encodeSync(Webhook.ListWebhooksResponse)
const encodeAttemptPage = Schema.encodeSync(WebhookAttempt.ListWebhookAttemptsResponse)
const encodeEvent = Schema.encodeSync(Event.ReceivedEvent)
const encodeEventPage = Schema.encodeSync(Event.ListEventsResponse)

/**
 * A webhook in its wire form (ISO-8601 timestamps).
 *
 * @since 0.1.0
 */
export const webhookDocument = (webhook: Webhook.Webhook) => encodeWebhook(webhook)

/**
 * A page (or, with `--all`, every page) of webhooks in the shape of `GET /v0/webhooks`.
 *
 * @since 0.1.0
 */
export const webhookListDocument = (page: Page.Envelope<Webhook.Webhook>) => encodeWebhookPage(page)

/**
 * A page (or every page) of delivery attempts in the shape of `GET /v0/webhooks/{id}/attempts`.
 *
 * @since 0.1.0
 */
export const attemptListDocument = (page: Page.Envelope<WebhookAttempt.WebhookAttempt>) => encodeAttemptPage(page)

// The client's idempotency token is bookkeeping, not something a person attached: it stays in the JSON documents
// (they are the wire shape) and is left out of the text.
const metadataText = (metadata: Readonly<Record<string, string>>) => {
  const entries = Object.entries(metadata).filter(([key]) => key !== ReservedMetadata.IDEMPOTENCY_KEY)
  return entries.length === 0 ? "(none)" : entries.map(([key, value]) => `${Printable.escape(key)}=${Printable.escape(value)}`).join(", ")
}

/**
 * A webhook as labelled lines (no secret: callers print it separately, once).
 *
 * @since 0.1.0
 */
export const webhookDetails = (webhook: Webhook.Webhook): string =>
  [
    ["id", Printable.escape(webhook.id)],
    ["status", webhook.status],
    ["url", Printable.escape(webhook.url)],
    ["events", webhook.events.map(Printable.escape).join(", ")],
    ["metadata", metadataText(webhook.metadata)],
    ["created", DateTime.formatIso(webhook.createdAt)],
    ["updated", DateTime.formatIso(webhook.updatedAt)]
  ].map(([label, value]) => `  ${label!.padEnd(9)}${value}`).join("\n")

const eventsCell = (events: ReadonlyArray<string>) =>
  Printable.escape(events.length <= 1 ? (events[0] ?? "") : `${events[0]} +${events.length - 1}`)

/**
 * Webhooks as a table, one per line.
 *
 * @since 0.1.0
 */
export const webhookTable = (webhooks: ReadonlyArray<Webhook.Webhook>): string =>
  Table.render(
    ["ID", "STATUS", "EVENTS", "CREATED", "URL"],
    webhooks.map((w) => [Printable.escape(w.id), w.status, eventsCell(w.events), DateTime.formatIso(w.createdAt), Printable.escape(w.url)])
  )

/**
 * Delivery attempts as a table, newest first (the API's order).
 *
 * @since 0.1.0
 */
export const attemptTable = (attempts: ReadonlyArray<WebhookAttempt.WebhookAttempt>): string =>
  Table.render(
    ["ATTEMPTED", "EVENT TYPE", "RESULT", "HTTP", "TRY", "EVENT ID"],
    attempts.map((a) => [
      DateTime.formatIso(a.attemptedAt),
      Printable.escape(a.eventType),
      a.successful ? "ok" : "failed",
      String(a.responseStatusCode),
      String(a.attempt),
      Printable.escape(a.eventId)
    ])
  )

/**
 * An event in its wire form, as a webhook delivery carries it.
 *
 * @since 0.4.0
 */
export const eventDocument = (event: Event.ReceivedEvent) => encodeEvent(event)

/**
 * A page (or every page) of events in the shape of `GET /v0/events`.
 *
 * @since 0.4.0
 */
export const eventListDocument = (page: Page.Envelope<Event.ReceivedEvent>) => encodeEventPage(page)

// What an event is about: its data's id and kind, when it has them.
const subject = (event: Event.ReceivedEvent) => {
  const { id, object } = event.data
  return typeof id === "string" ? Printable.escape(typeof object === "string" ? `${object} ${id}` : id) : ""
}

/**
 * Events as a table, newest first (the API's order).
 *
 * @since 0.4.0
 */
export const eventTable = (events: ReadonlyArray<Event.ReceivedEvent>): string =>
  Table.render(
    ["CREATED", "TYPE", "EVENT ID", "ABOUT"],
    events.map((e) => [DateTime.formatIso(e.createdAt), Printable.escape(e.type), Printable.escape(e.id), subject(e)])
  )

/**
 * One event as labelled lines, then its data as indented JSON.
 *
 * @since 0.4.0
 */
export const eventDetails = (event: Event.ReceivedEvent): string =>
  [
    ["id", Printable.escape(event.id)],
    ["type", Printable.escape(event.type)],
    ["created", DateTime.formatIso(event.createdAt)]
  ].map(([label, value]) => `  ${label!.padEnd(9)}${value}`).join("\n") +
  `\n  data\n${JSON.stringify(encodeEvent(event).data, null, 2).split("\n").map((line) => `    ${line}`).join("\n")}`
