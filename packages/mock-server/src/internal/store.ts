/**
 * The mock's state: webhooks, events, delivery attempts and counters, all in memory and bounded.
 *
 * Every operation is synchronous and completes without yielding, so on Node's single thread each one is atomic: 200
 * concurrent clients cannot interleave inside a create, and a committed change and its counter move together (a
 * request interrupted by a client abort either committed and counted, or neither).
 *
 * Order: every list (webhooks, events, attempts) is newest first and pages by sequence number (see `Cursor`), so a
 * page never repeats or skips an item that existed when the first page was read. Events keep their creation order in
 * `createdAt` too: an event's `createdAt` is never earlier than the one before it (a wall clock stepped back is held
 * at the last time), so `createdAfter` can never miss an event that a later page would have listed.
 *
 * @since 0.1.0
 */
import type { EventType } from "@exa-webhooks/schema"
import { Event, type Page, Webhook, WebhookAttempt } from "@exa-webhooks/schema"
import { DateTime, Redacted, Result } from "effect"
import { WebhookLimitReached } from "./failures.ts"
import * as Cursor from "./cursor.ts"
import * as Ids from "./ids.ts"
import * as Stats from "./stats.ts"

/**
 * Memory bounds.
 *
 * @category models
 * @since 0.1.0
 */
export interface Limits {
  /** Webhooks stored at once; a create beyond it is refused with 409. */
  readonly maxWebhooks: number
  /** Delivery attempts kept across all webhooks; the oldest are forgotten first. */
  readonly maxAttempts: number
  /** Events kept; the oldest are forgotten first. */
  readonly maxEvents: number
}

/**
 * A webhook that receives an event, with its secret for signing.
 *
 * @category models
 * @since 0.1.0
 */
export interface Subscriber {
  readonly webhook: Webhook.Webhook
  readonly secret: Redacted.Redacted<string>
}

/**
 * What one delivery try observed; the store adds id, webhook and time.
 *
 * @category models
 * @since 0.1.0
 */
export interface AttemptInput {
  readonly webhookId: string
  readonly eventId: string
  readonly eventType: EventType.EventType
  readonly url: string
  readonly successful: boolean
  readonly responseStatusCode: number
  readonly responseHeaders: Readonly<Record<string, string>>
  readonly responseBody: string | null
  readonly attempt: number
}

/**
 * Filters of the attempts list.
 *
 * @category models
 * @since 0.1.0
 */
export interface AttemptFilter {
  readonly eventType?: EventType.EventType | undefined
  readonly successful?: boolean | undefined
}

/**
 * Filters of the events list; both times inclusive, in epoch milliseconds.
 *
 * @category models
 * @since 0.4.0
 */
export interface EventFilter {
  readonly types?: ReadonlyArray<EventType.EventType> | undefined
  readonly createdAfter?: number | undefined
  readonly createdBefore?: number | undefined
}

/**
 * The counters outside the store's own data, bumped by the request pipeline.
 *
 * @category models
 * @since 0.1.0
 */
export type Counter = "requests" | "rateLimited" | "faults" | "ambiguousFaults" | "droppedConnections"

/**
 * @category models
 * @since 0.1.0
 */
export interface Store {
  readonly create: (
    input: Webhook.CreateWebhookParameters,
    now: DateTime.Utc
  ) => Result.Result<Webhook.Webhook, WebhookLimitReached>
  readonly get: (id: string) => Webhook.Webhook | undefined
  /** Newest first; `before` is the sequence number the page starts below (from a cursor). */
  readonly list: (before: number | undefined, limit: number) => Page.Envelope<Webhook.Webhook>
  readonly update: (
    id: string,
    input: Webhook.UpdateWebhookParameters,
    now: DateTime.Utc
  ) => Webhook.Webhook | undefined
  readonly remove: (id: string) => Webhook.Webhook | undefined
  /**
   * Creates and keeps an event of `type`, created at `now` (or at the previous event's time, if that is later), about
   * the `data` made for that time.
   */
  readonly addEvent: (
    type: EventType.EventType,
    data: (createdAt: DateTime.Utc) => Readonly<Record<string, unknown>>,
    now: DateTime.Utc
  ) => Event.Event
  readonly event: (id: string) => Event.Event | undefined
  /** Newest first; `before` is the sequence number the page starts below (from a cursor). */
  readonly events: (filter: EventFilter, before: number | undefined, limit: number) => Page.Envelope<Event.Event>
  /** Active webhooks subscribed to `type`, oldest first. */
  readonly subscribers: (type: EventType.EventType) => ReadonlyArray<Subscriber>
  /** Whether `id` still exists and is active (a delivery stops retrying when not). */
  readonly isActive: (id: string) => boolean
  /** Records a delivery try; `undefined` when the webhook was deleted meanwhile (its attempts went with it). */
  readonly recordAttempt: (input: AttemptInput, now: DateTime.Utc) => WebhookAttempt.WebhookAttempt | undefined
  readonly attempts: (
    webhookId: string,
    filter: AttemptFilter,
    before: number | undefined,
    limit: number
  ) => Page.Envelope<WebhookAttempt.WebhookAttempt>
  readonly bump: (counter: Counter) => void
  readonly countResponse: (status: number) => void
  readonly stats: () => Stats.Stats
  readonly reset: () => void
}

/**
 * The cursor scope of the webhooks list.
 *
 * @category cursors
 * @since 0.1.0
 */
export const WEBHOOKS_SCOPE = "webhooks"

// One page in the API's envelope; the cursor of the next page points below the last item of this one.
const envelope = <E extends { readonly seq: number }, A>(
  entries: ReadonlyArray<E>,
  hasMore: boolean,
  scope: string,
  item: (entry: E) => A
): Page.Envelope<A> => ({
  data: entries.map(item),
  hasMore,
  nextCursor: hasMore ? Cursor.encode(scope, entries[entries.length - 1]!.seq) : null
})

/**
 * The cursor scope of one webhook's attempts.
 *
 * @category cursors
 * @since 0.1.0
 */
export const attemptsScope = (webhookId: string): string => `attempts:${webhookId}`

/**
 * The cursor scope of the events list (whatever its filters: a position is a position).
 *
 * @category cursors
 * @since 0.4.0
 */
export const EVENTS_SCOPE = "events"

interface Entry {
  readonly seq: number
  webhook: Webhook.Webhook
  readonly secret: Redacted.Redacted<string>
}

interface AttemptEntry {
  readonly seq: number
  readonly attempt: WebhookAttempt.WebhookAttempt
}

interface EventEntry {
  readonly seq: number
  readonly millis: number
  readonly event: Event.Event
}

// Index of the first element whose seq is >= `seq` in an array sorted by seq.
const lowerBound = (items: ReadonlyArray<{ readonly seq: number }>, seq: number): number => {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (items[mid]!.seq < seq) lo = mid + 1
    else hi = mid
  }
  return lo
}

// `updatedAt` must move on every update, even two within one millisecond.
const after = (previous: DateTime.Utc, now: DateTime.Utc): DateTime.Utc =>
  DateTime.toEpochMillis(now) > DateTime.toEpochMillis(previous)
    ? now
    : DateTime.makeUnsafe(DateTime.toEpochMillis(previous) + 1)

/**
 * An empty store.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (limits: Limits): Store => {
  let seq = 0
  let entries: Array<Entry> = []
  let byId = new Map<string, Entry>()
  let attemptLog: Array<AttemptEntry> = []
  let eventLog: Array<EventEntry> = []
  let eventsById = new Map<string, EventEntry>()
  let counters = Stats.zero()

  const removeEntry = (entry: Entry) => {
    entries.splice(lowerBound(entries, entry.seq), 1)
    byId.delete(entry.webhook.id)
    attemptLog = attemptLog.filter((a) => a.attempt.webhookId !== entry.webhook.id)
  }

  return {
    create: (input, now) => {
      if (byId.size >= limits.maxWebhooks) {
        return Result.fail(
          new WebhookLimitReached({
            limit: limits.maxWebhooks,
            message:
              `This mock already stores ${limits.maxWebhooks} webhooks, its limit. Delete some, POST /_mock/reset, ` +
              `or restart it with a larger --max-webhooks.`
          })
        )
      }
      const secret = Ids.secret()
      const webhook = new Webhook.Webhook({
        id: Ids.make("webhook"),
        object: "webhook",
        status: "active",
        events: input.events,
        url: input.url,
        secret: null,
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now
      })
      const entry: Entry = { seq: ++seq, webhook, secret: Redacted.make(secret) }
      entries.push(entry)
      byId.set(webhook.id, entry)
      counters.creates++
      return Result.succeed(new Webhook.Webhook({ ...webhook, secret }))
    },
    get: (id) => byId.get(id)?.webhook,
    list: (before, limit) => {
      const start = before === undefined ? entries.length : lowerBound(entries, before)
      const data = entries.slice(Math.max(0, start - limit), start).toReversed()
      const hasMore = start - limit > 0
      return envelope(data, hasMore, WEBHOOKS_SCOPE, (e) => e.webhook)
    },
    update: (id, input, now) => {
      const entry = byId.get(id)
      if (entry === undefined) return undefined
      const current = entry.webhook
      entry.webhook = new Webhook.Webhook({
        ...current,
        ...(input.events === undefined ? {} : { events: input.events }),
        ...(input.url === undefined ? {} : { url: input.url }),
        ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
        updatedAt: after(current.updatedAt, now)
      })
      counters.updates++
      return entry.webhook
    },
    remove: (id) => {
      const entry = byId.get(id)
      if (entry === undefined) return undefined
      removeEntry(entry)
      counters.deletes++
      return entry.webhook
    },
    addEvent: (type, data, now) => {
      const last = eventLog.at(-1)?.millis ?? 0
      const millis = Math.max(DateTime.toEpochMillis(now), last)
      const createdAt = DateTime.makeUnsafe(millis)
      const event = new Event.Event({ id: Ids.make("event"), object: "event", type, data: { ...data(createdAt) }, createdAt })
      const entry: EventEntry = { seq: ++seq, millis, event }
      eventLog.push(entry)
      eventsById.set(event.id, entry)
      if (eventLog.length > limits.maxEvents) eventsById.delete(eventLog.shift()!.event.id)
      counters.events++
      return event
    },
    event: (id) => eventsById.get(id)?.event,
    events: (filter, before, limit) => {
      const types = filter.types === undefined ? undefined : new Set<string>(filter.types)
      const data: Array<EventEntry> = []
      let hasMore = false
      const start = before === undefined ? eventLog.length : lowerBound(eventLog, before)
      for (let i = start - 1; i >= 0; i--) {
        const entry = eventLog[i]!
        // Times never decrease along the log: below `createdAfter` here, below it for every older event too.
        if (filter.createdAfter !== undefined && entry.millis < filter.createdAfter) break
        if (filter.createdBefore !== undefined && entry.millis > filter.createdBefore) continue
        if (types !== undefined && !types.has(entry.event.type)) continue
        if (data.length === limit) {
          hasMore = true
          break
        }
        data.push(entry)
      }
      return envelope(data, hasMore, EVENTS_SCOPE, (e) => e.event)
    },
    subscribers: (type) =>
      entries
        .filter((e) => e.webhook.status === "active" && e.webhook.events.includes(type))
        .map((e) => ({ webhook: e.webhook, secret: e.secret })),
    isActive: (id) => byId.get(id)?.webhook.status === "active",
    recordAttempt: (input, now) => {
      if (!byId.has(input.webhookId)) return undefined
      const attempt = new WebhookAttempt.WebhookAttempt({
        id: Ids.make("webhook_attempt"),
        object: "webhook_attempt",
        ...input,
        attemptedAt: now
      })
      attemptLog.push({ seq: ++seq, attempt })
      if (attemptLog.length > limits.maxAttempts) attemptLog.shift()
      counters.deliveryAttempts++
      return attempt
    },
    attempts: (webhookId, filter, before, limit) => {
      const data: Array<AttemptEntry> = []
      let hasMore = false
      const start = before === undefined ? attemptLog.length : lowerBound(attemptLog, before)
      for (let i = start - 1; i >= 0; i--) {
        const { attempt } = attemptLog[i]!
        if (attempt.webhookId !== webhookId) continue
        if (filter.eventType !== undefined && attempt.eventType !== filter.eventType) continue
        if (filter.successful !== undefined && attempt.successful !== filter.successful) continue
        if (data.length === limit) {
          hasMore = true
          break
        }
        data.push(attemptLog[i]!)
      }
      return envelope(data, hasMore, attemptsScope(webhookId), (a) => a.attempt)
    },
    bump: (counter) => {
      counters[counter]++
    },
    countResponse: (status) => {
      counters.responses[status] = (counters.responses[status] ?? 0) + 1
    },
    stats: () => ({ ...counters, responses: { ...counters.responses }, webhooks: byId.size }),
    reset: () => {
      // `seq` keeps counting: a cursor from before the reset then points below every new item (an empty page)
      // instead of into the middle of unrelated data.
      entries = []
      byId = new Map()
      attemptLog = []
      eventLog = []
      eventsById = new Map()
      counters = Stats.zero()
    }
  }
}
