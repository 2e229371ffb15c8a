/**
 * The Events API of Exa Websets (`GET /v0/events`, `GET /v0/events/{id}`): the same event objects a webhook delivers,
 * listed and fetched, and {@link Service.stream}, a `Stream` of every new event that polls the list from a
 * {@link Checkpoint}, so that an application can receive Exa's events without a public URL, and resume after a
 * restart neither skipping nor repeating one.
 *
 * The operations are part of `WebhooksClient` (`client.events`), not a service of their own: every request of a client
 * takes its turn at one limiter under one key, and the events of a busy poller are paced together with the creates
 * and lists of the same process (and, with a shared store, of every process using the key). A separate service would
 * be a second layer with its own budget unless both were built on one shared executor, which is what `client.events`
 * is.
 *
 * @example
 * ```ts
 * const webhooks = yield* WebhooksClient.WebhooksClient
 * yield* webhooks.events.stream({ since: "10 minutes", types: ["webset.item.enriched"] }).pipe(
 *   Stream.runForEach(({ checkpoint, event }) => Effect.andThen(handle(event), save(checkpoint)))
 * )
 * ```
 * @since 0.4.0
 */
import { type Event, type EventType, Webhook } from "@exa-webhooks/schema"
import { type DateTime, Duration, Schema } from "effect"
import type { Effect, Stream } from "effect"
import type { WebhooksError } from "./WebhooksError.ts"

/**
 * Page and filter options of `list`. Both times are inclusive; `createdAfter` may not be later than `createdBefore`.
 *
 * @category models
 * @since 0.4.0
 */
export interface ListOptions {
  readonly cursor?: string | undefined
  /** 1..200; Exa's default is 25. */
  readonly limit?: number | undefined
  /** Only events of these types (at least one). */
  readonly types?: ReadonlyArray<EventType.EventType> | undefined
  readonly createdAfter?: DateTime.Utc | Date | undefined
  readonly createdBefore?: DateTime.Utc | Date | undefined
}

/**
 * One event the stream has seen, with its time: a checkpoint keeps them for {@link StreamOptions.lookback}.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Seen = Schema.Struct({ id: Schema.String, createdAt: Webhook.Timestamp })

/**
 * Where a stream stands: every event created before `after` was emitted (or was before the stream's start), and of
 * the events created at or after it, exactly those in `seen` were. The stream hands one out with each event it emits;
 * store it once the event is handled, and pass it back as `since` to resume there. Its JSON form (`Schema.encode`)
 * is plain text and times: `{"after":"2025-...Z","seen":[{"id":"event_...","createdAt":"2025-...Z"}]}`.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Checkpoint = Schema.Struct({
  after: Webhook.Timestamp,
  seen: Schema.Array(Seen)
})

/**
 * @category models
 * @since 0.4.0
 */
export type Checkpoint = typeof Checkpoint.Type

/**
 * Whether `u` is a {@link Checkpoint} (as decoded), rather than a duration or a time.
 *
 * @category guards
 * @since 0.4.0
 */
export const isCheckpoint: (u: unknown) => u is Checkpoint = Schema.is(Checkpoint)

/**
 * Options of `stream`.
 *
 * @category models
 * @since 0.4.0
 */
export interface StreamOptions {
  /**
   * Where to start:
   * - a {@link Checkpoint}: right after what the stream emitted before it was handed out (a restart resumes there);
   * - a duration (`"10 minutes"`): the events of that long before now (by this machine's clock), then every new one;
   * - a time (`DateTime.Utc` or `Date`): the events created at or after it, then every new one;
   * - nothing: only events created from now on. "Now" is the newest event the API has (one request), not this
   *   machine's clock, so a clock that runs ahead of Exa's skips nothing.
   */
  readonly since?: Checkpoint | Duration.Input | DateTime.Utc | Date | undefined
  /** Only events of these types (at least one). */
  readonly types?: ReadonlyArray<EventType.EventType> | undefined
  /** How long to wait between two polls of the list. Default {@link defaults}`.pollInterval`. */
  readonly pollInterval?: Duration.Input | undefined
  /**
   * How far before the newest event seen each poll looks again, for an event that becomes visible in the list after
   * newer ones (stored a moment late): it is emitted when it shows up, and the events seen within the window are
   * remembered (in the checkpoint) so that none is emitted twice. An event that shows up later than this behind the
   * newest one is not emitted. Default {@link defaults}`.lookback`; `0` trusts the list to show events in order.
   */
  readonly lookback?: Duration.Input | undefined
}

/**
 * An event as the stream emits it: the decoded event, its JSON text as the API served it (what a webhook delivery
 * carries: sign and forward it as it is), and the checkpoint that includes it.
 *
 * @category models
 * @since 0.4.0
 */
export interface Streamed {
  readonly event: Event.ReceivedEvent
  readonly body: string
  readonly checkpoint: Checkpoint
}

/**
 * An event fetched with its JSON text as the API served it.
 *
 * @category models
 * @since 0.4.0
 */
export interface WithBody {
  readonly event: Event.ReceivedEvent
  readonly body: string
}

/**
 * The defaults of {@link StreamOptions}, and why:
 * - `pollInterval: 2 s`: a new event reaches the application within about two seconds, for one request every two
 *   seconds while nothing happens, 5% of the 10 requests per second Exa allows a team (shared with everything else the
 *   key does). A poll that finds more than a page (200 events) takes one request per page.
 * - `lookback: 5 s`: a poll also asks for the last 5 s before the newest event seen, so that an event stored a
 *   moment after newer ones is not skipped; it costs no request, only the bytes of those events again.
 *
 * @category defaults
 * @since 0.4.0
 */
export const defaults = {
  pollInterval: Duration.seconds(2),
  lookback: Duration.seconds(5)
} as const

/**
 * The operations (`client.events`).
 *
 * @category models
 * @since 0.4.0
 */
export interface Service {
  /** One page of `GET /v0/events`, newest first. */
  readonly list: (options?: ListOptions) => Effect.Effect<Event.ListEventsResponse, WebhooksError>
  /** Every event matching the filters, page after page, newest first, each at most once. */
  readonly listAll: (options?: Omit<ListOptions, "cursor">) => Stream.Stream<Event.ReceivedEvent, WebhooksError>
  /** `GET /v0/events/{id}`: the event, as delivered. */
  readonly get: (id: string) => Effect.Effect<Event.ReceivedEvent, WebhooksError>
  /** `GET /v0/events/{id}`, with the event's JSON text as served (to re-deliver it as it was). */
  readonly getWithBody: (id: string) => Effect.Effect<WithBody, WebhooksError>
  /**
   * The checkpoint a stream with these options starts from (a `since` duration counted from now; without `since`, the
   * API's newest event, one request). Store it before the first event arrives, and a restart that finds no event
   * delivered yet still starts where the first run did.
   */
  readonly start: (options?: Pick<StreamOptions, "since" | "types" | "lookback">) => Effect.Effect<Checkpoint, WebhooksError>
  /**
   * Every event from `since` on, oldest first, then each new one as a poll finds it, forever. Each event comes once,
   * with the checkpoint to resume after it; a poll that fails (after the client's retries) ends the stream with its
   * error, and the last checkpoint handled resumes it without a gap or a repeat. Events found by one poll are held in
   * memory until they are emitted (the list is newest first), so a resume far in the past holds that many events.
   */
  readonly stream: (options?: StreamOptions) => Stream.Stream<Streamed, WebhooksError>
}
