/**
 * Events: what Exa delivers to a webhook URL and serves from `GET /v0/events`.
 *
 * Three schemas, from loose to typed:
 * - {@link Event} is the envelope every event shares (`id`, `object`, `type`, `data`, `createdAt`), with `data` kept
 *   as the JSON object it was. Receivers verify and route with it; it accepts any event type, known or not.
 * - {@link TypedEvent} is the spec's `Event` union: one variant per event type, each with its `data` schema (a
 *   `Webset`, `WebsetItem`, `WebsetSearch`, `Import`, `Monitor` or `MonitorRun`), discriminated by `type`.
 * - {@link ReceivedEvent} is what the events endpoints decode to: the {@link TypedEvent} when the event conforms to
 *   the spec, otherwise (an event type this version does not know, or `data` that strays from the spec) the
 *   {@link Event} envelope, so one odd event never makes a whole page fail to decode. {@link isTyped} tells them
 *   apart.
 *
 * The `data` objects keep every field as received, also the ones the spec does not define, on decode and on encode:
 * an event forwarded or stored after decoding has lost nothing.
 *
 * @since 0.1.0
 */
import { DateTime, Schema } from "effect"
import * as EventType from "./EventType.ts"
import * as Import from "./Import.ts"
import { open } from "./internal/resource.ts"
import * as Monitor from "./Monitor.ts"
import * as Page from "./Page.ts"
import { Timestamp } from "./Webhook.ts"
import * as Webset from "./Webset.ts"
import * as WebsetItem from "./WebsetItem.ts"
import * as WebsetSearch from "./WebsetSearch.ts"
import { quote } from "./Validation.ts"

/**
 * The envelope of an event, `data` as received.
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

/**
 * The `data` of the `webset.export.*` events: the spec lists these two event types but defines no event variant and no
 * export resource for them, so their `data` is kept as the JSON object it is.
 *
 * @category schemas
 * @since 0.4.0
 */
export const ExportData = Schema.Record(Schema.String, Schema.Unknown)

const variant = <const Type extends EventType.EventType, const Data extends Schema.Top>(type: Type, data: Data) =>
  open({
    id: Schema.String,
    object: Schema.Literal("event"),
    type: Schema.Literal(type),
    data,
    createdAt: Timestamp
  })

/**
 * `webset.created`: a Webset was created.
 *
 * @category variants
 * @since 0.4.0
 */
export const WebsetCreatedEvent = variant("webset.created", Webset.Webset)

/**
 * `webset.deleted`.
 *
 * @category variants
 * @since 0.4.0
 */
export const WebsetDeletedEvent = variant("webset.deleted", Webset.Webset)

/**
 * `webset.paused`.
 *
 * @category variants
 * @since 0.4.0
 */
export const WebsetPausedEvent = variant("webset.paused", Webset.Webset)

/**
 * `webset.idle`: the Webset has nothing running any more (its searches and enrichments are done).
 *
 * @category variants
 * @since 0.4.0
 */
export const WebsetIdleEvent = variant("webset.idle", Webset.Webset)

/**
 * `webset.search.created`.
 *
 * @category variants
 * @since 0.4.0
 */
export const WebsetSearchCreatedEvent = variant("webset.search.created", WebsetSearch.WebsetSearch)

/**
 * `webset.search.canceled`.
 *
 * @category variants
 * @since 0.4.0
 */
export const WebsetSearchCanceledEvent = variant("webset.search.canceled", WebsetSearch.WebsetSearch)

/**
 * `webset.search.completed`.
 *
 * @category variants
 * @since 0.4.0
 */
export const WebsetSearchCompletedEvent = variant("webset.search.completed", WebsetSearch.WebsetSearch)

/**
 * `webset.search.updated`: the search made progress.
 *
 * @category variants
 * @since 0.4.0
 */
export const WebsetSearchUpdatedEvent = variant("webset.search.updated", WebsetSearch.WebsetSearch)

/**
 * `import.created`.
 *
 * @category variants
 * @since 0.4.0
 */
export const ImportCreatedEvent = variant("import.created", Import.Import)

/**
 * `import.completed`.
 *
 * @category variants
 * @since 0.4.0
 */
export const ImportCompletedEvent = variant("import.completed", Import.Import)

/**
 * `webset.item.created`: a search or an import added an item.
 *
 * @category variants
 * @since 0.4.0
 */
export const WebsetItemCreatedEvent = variant("webset.item.created", WebsetItem.WebsetItem)

/**
 * `webset.item.enriched`: an enrichment result was added to an item.
 *
 * @category variants
 * @since 0.4.0
 */
export const WebsetItemEnrichedEvent = variant("webset.item.enriched", WebsetItem.WebsetItem)

/**
 * `monitor.created`.
 *
 * @category variants
 * @since 0.4.0
 */
export const MonitorCreatedEvent = variant("monitor.created", Monitor.Monitor)

/**
 * `monitor.updated`.
 *
 * @category variants
 * @since 0.4.0
 */
export const MonitorUpdatedEvent = variant("monitor.updated", Monitor.Monitor)

/**
 * `monitor.deleted`.
 *
 * @category variants
 * @since 0.4.0
 */
export const MonitorDeletedEvent = variant("monitor.deleted", Monitor.Monitor)

/**
 * `monitor.run.created`.
 *
 * @category variants
 * @since 0.4.0
 */
export const MonitorRunCreatedEvent = variant("monitor.run.created", Monitor.MonitorRun)

/**
 * `monitor.run.completed`.
 *
 * @category variants
 * @since 0.4.0
 */
export const MonitorRunCompletedEvent = variant("monitor.run.completed", Monitor.MonitorRun)

/**
 * `webset.export.created` (no variant in the spec; `data` as received, see {@link ExportData}).
 *
 * @category variants
 * @since 0.4.0
 */
export const WebsetExportCreatedEvent = variant("webset.export.created", ExportData)

/**
 * `webset.export.completed` (no variant in the spec; `data` as received, see {@link ExportData}).
 *
 * @category variants
 * @since 0.4.0
 */
export const WebsetExportCompletedEvent = variant("webset.export.completed", ExportData)

/**
 * Every variant by its event type, in the order of `EventType.values`.
 *
 * @category variants
 * @since 0.4.0
 */
export const variants = {
  "webset.created": WebsetCreatedEvent,
  "webset.deleted": WebsetDeletedEvent,
  "webset.paused": WebsetPausedEvent,
  "webset.idle": WebsetIdleEvent,
  "webset.search.created": WebsetSearchCreatedEvent,
  "webset.search.canceled": WebsetSearchCanceledEvent,
  "webset.search.completed": WebsetSearchCompletedEvent,
  "webset.search.updated": WebsetSearchUpdatedEvent,
  "import.created": ImportCreatedEvent,
  "import.completed": ImportCompletedEvent,
  "webset.item.created": WebsetItemCreatedEvent,
  "webset.item.enriched": WebsetItemEnrichedEvent,
  "monitor.created": MonitorCreatedEvent,
  "monitor.updated": MonitorUpdatedEvent,
  "monitor.deleted": MonitorDeletedEvent,
  "monitor.run.created": MonitorRunCreatedEvent,
  "monitor.run.completed": MonitorRunCompletedEvent,
  "webset.export.created": WebsetExportCreatedEvent,
  "webset.export.completed": WebsetExportCompletedEvent
} as const satisfies { readonly [T in EventType.EventType]: Schema.Top }

/**
 * The spec's `Event`: one variant per event type, discriminated by `type`, each with its typed `data`. Strict: an
 * event of an unknown type, or whose `data` strays from the spec, fails (use {@link ReceivedEvent} for what you
 * receive).
 *
 * @example
 * ```ts
 * const event = Schema.decodeUnknownSync(Event.TypedEvent)(json)
 * if (event.type === "webset.item.enriched") event.data.enrichments // typed
 * ```
 * @category schemas
 * @since 0.4.0
 */
export const TypedEvent = Schema.Union([
  WebsetCreatedEvent,
  WebsetDeletedEvent,
  WebsetPausedEvent,
  WebsetIdleEvent,
  WebsetSearchCreatedEvent,
  WebsetSearchCanceledEvent,
  WebsetSearchCompletedEvent,
  WebsetSearchUpdatedEvent,
  ImportCreatedEvent,
  ImportCompletedEvent,
  WebsetItemCreatedEvent,
  WebsetItemEnrichedEvent,
  MonitorCreatedEvent,
  MonitorUpdatedEvent,
  MonitorDeletedEvent,
  MonitorRunCreatedEvent,
  MonitorRunCompletedEvent,
  WebsetExportCreatedEvent,
  WebsetExportCompletedEvent
])

/**
 * @category models
 * @since 0.4.0
 */
export type TypedEvent = typeof TypedEvent.Type

/**
 * An event as the events endpoints answer it: the {@link TypedEvent} when it conforms to the spec, else the
 * {@link Event} envelope with `data` as received. Tolerant, so a page always decodes.
 *
 * @category schemas
 * @since 0.4.0
 */
export const ReceivedEvent = Schema.Union([TypedEvent, Event])

/**
 * @category models
 * @since 0.4.0
 */
export type ReceivedEvent = TypedEvent | Event

/**
 * Whether a received event decoded to its typed variant (rather than the {@link Event} envelope).
 *
 * @category guards
 * @since 0.4.0
 */
export const isTyped = (event: ReceivedEvent): event is TypedEvent => !(event instanceof Event)

const problemOfWindow = (query: {
  readonly createdAfter?: DateTime.Utc | undefined
  readonly createdBefore?: DateTime.Utc | undefined
}) =>
  query.createdAfter === undefined || query.createdBefore === undefined ||
  DateTime.toEpochMillis(query.createdAfter) <= DateTime.toEpochMillis(query.createdBefore) || {
    path: ["createdAfter"],
    issue: "createdAfter is later than createdBefore, so no event can match; swap them, or drop one"
  }

// A time in a query string, where an unencoded `+` of an offset arrives as a space: said so, rather than "not RFC 3339".
const QueryTimestamp = Schema.String.check(
  Schema.makeFilter((value: string) =>
    !/^\d{4}-\d{2}-\d{2}[Tt]\S+ \d{2}:\d{2}$/.test(value) ||
    `expected an RFC 3339 date-time, got ${quote(value)}: a "+" in a query string arrives as a space, so ` +
      `send the offset's "+" as %2B (or give the time in UTC, ending in Z)`, {
    expected: "an RFC 3339 date-time",
    toJsonSchema: () => ({ format: "date-time" })
  }, true)
).pipe(Schema.decodeTo(Timestamp))

/**
 * Query of `GET /v0/events`: page (`cursor`, `limit` 1..200, default 25) and filters. `types` is one or more known
 * event types (repeat the parameter: `types=webset.created&types=webset.idle`); `createdAfter` and `createdBefore`
 * are RFC 3339 date-times, both inclusive, and `createdAfter` may not be later than `createdBefore`.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(Event.ListEventsQuery)({ types: ["webset.created"], createdAfter: "2025-01-01T00:00:00Z" })
 * ```
 * @category schemas
 * @since 0.4.0
 */
export const ListEventsQuery = Schema.Struct({
  ...Page.PageQuery,
  types: Schema.optionalKey(Schema.Array(EventType.EventType)),
  createdAfter: Schema.optionalKey(QueryTimestamp),
  createdBefore: Schema.optionalKey(QueryTimestamp)
}).check(Schema.makeFilter(problemOfWindow, { expected: "createdAfter at or before createdBefore" }))

/**
 * @category models
 * @since 0.4.0
 */
export type ListEventsQuery = typeof ListEventsQuery.Type

/**
 * One page of `GET /v0/events`.
 *
 * @category schemas
 * @since 0.4.0
 */
export const ListEventsResponse = Page.Page(ReceivedEvent)

/**
 * @category models
 * @since 0.4.0
 */
export type ListEventsResponse = typeof ListEventsResponse.Type
