/**
 * The operations of `client.events` over the client's executor (so every request is paced, retried and mapped to a
 * tagged error like any other), and the polling stream.
 *
 * The stream keeps a {@link Events.Checkpoint}: a lower bound `after` and the events seen at or after it. A poll asks
 * the list for everything created at or after `after` (both list bounds are inclusive), page after page, drops what
 * was seen, and emits the rest oldest first, each with the checkpoint that includes it. `after` then moves up to the
 * newest event's time less the lookback, and `seen` keeps only the events at or after the new bound: several events
 * can share a millisecond, and one stored a moment late still shows up within the lookback, so neither is skipped
 * or repeated.
 */
import { Event, EventId, Page } from "@exa-webhooks/schema"
import { DateTime, Duration, Effect, Option, Redacted, Result, Schedule, Schema, Stream } from "effect"
import * as Events from "../Events.ts"
import type { WebhooksError } from "../WebhooksError.ts"
import * as Errors from "./errors.ts"
import type { Call, Executor } from "./executor.ts"
import { decoderOf } from "./executor.ts"
import { defined, queryOf, validate, validated, validateObject, validateOptions } from "./input.ts"
import * as Paginate from "./paginate.ts"
import { redactor } from "./redact.ts"
import * as Route from "./route.ts"

/** What the operations are built on. */
export interface Dependencies {
  readonly executor: Executor
  readonly context: Errors.Context
  readonly apiKey: Redacted.Redacted<string>
}

// The list's times as its query schema takes them.
const utc = (time: DateTime.Utc | Date | undefined) =>
  time instanceof Date ? (Number.isNaN(time.getTime()) ? time : DateTime.fromDateUnsafe(time)) : time

/** The validated call of one page of `GET /events`. */
const listCall = (options: Events.ListOptions): Effect.Effect<Call, WebhooksError> => {
  const path = Route.listEvents.path()
  const given = typeof options === "object" && options !== null
    ? { ...options, createdAfter: utc(options.createdAfter), createdBefore: utc(options.createdBefore) }
    : options
  return Effect.map(
    validated({ method: Route.listEvents.method, path }, [validateObject(options), queryOf(Route.listEvents.query, given)]),
    ([, urlParams]) => ({ method: Route.listEvents.method, path, urlParams })
  )
}

// What the stream's options must be; `since` and the durations are checked by hand below (they take several forms).
const StreamOptionsSchema = Schema.Struct({
  since: Schema.optional(Schema.Unknown),
  types: Schema.optional(Schema.Array(Schema.Unknown)),
  pollInterval: Schema.optional(Schema.Unknown),
  lookback: Schema.optional(Schema.Unknown)
})

// The body of `GET /events/{id}` as JSON, decoded into the event afterwards (its text is kept).
const Json = Schema.Unknown

/** One event of a poll: decoded, its JSON text, its time. */
interface Found {
  readonly id: string
  readonly event: Event.ReceivedEvent
  readonly body: string
  readonly millis: number
}

const durationOf = (name: string, input: unknown): Result.Result<Duration.Duration, ReadonlyArray<Errors.Problem>> => {
  const decoded = Duration.fromInput(input as Duration.Input)
  return Option.isSome(decoded) && Duration.isFinite(decoded.value) && Duration.toMillis(decoded.value) >= 0
    ? Result.succeed(decoded.value)
    : Result.fail([{ path: name, message: `expected a finite, non-negative duration such as "2 seconds"; got ${String(input)}` }])
}

/** Where a stream starts: a checkpoint, a time, or `undefined` for "from the newest event on". */
type Start = Events.Checkpoint | DateTime.Utc | Duration.Duration | undefined

const startOf = (since: unknown): Result.Result<Start, ReadonlyArray<Errors.Problem>> => {
  if (since === undefined) return Result.succeed(undefined)
  if (Events.isCheckpoint(since)) return Result.succeed(since)
  if (DateTime.isDateTime(since)) return Result.succeed(DateTime.toUtc(since))
  if (since instanceof Date) {
    return Number.isNaN(since.getTime())
      ? Result.fail([{ path: "since", message: "the Date is invalid" }])
      : Result.succeed(DateTime.fromDateUnsafe(since))
  }
  if (typeof since === "object" && since !== null && "after" in since) {
    return Result.fail([{ path: "since", message: "not a checkpoint: decode a stored one with Events.Checkpoint first" }])
  }
  return Result.mapError(durationOf("since", since), () => [{
    path: "since",
    message: `expected a checkpoint, a time or a duration such as "10 minutes"; got ${String(since)}`
  }])
}

/** The checkpoint after emitting `found` (the batch is emitted oldest first, so `after` never passes an unemitted one). */
const advance = (checkpoint: Events.Checkpoint, found: Found, lookbackMillis: number): Events.Checkpoint => {
  const newest = checkpoint.seen.reduce((max, s) => Math.max(max, DateTime.toEpochMillis(s.createdAt)), found.millis)
  const bound = Math.max(DateTime.toEpochMillis(checkpoint.after), newest - lookbackMillis)
  const after = DateTime.makeUnsafe(bound)
  const seen = [...checkpoint.seen, { id: found.id, createdAt: DateTime.makeUnsafe(found.millis) }].filter((s) =>
    DateTime.toEpochMillis(s.createdAt) >= bound
  )
  return { after, seen }
}

/** The events operations. */
export const make = (deps: Dependencies): Events.Service => {
  const { context, executor } = deps
  // What an item that does not decode shows of itself: never the key, even if an event's data echoes it.
  const redact = redactor(Redacted.value(deps.apiKey))

  const undecodable = (call: Call, data: unknown, issue: Schema.SchemaError["issue"]) =>
    Errors.unexpected(call, { status: 200, body: redact(JSON.stringify(data)), problem: Errors.problemOfIssue(issue) }, context)

  // An event as received, with its JSON text: decoded by the tolerant `ReceivedEvent` (an unknown type or data that
  // strays from the spec still decodes, to the envelope).
  const found = (call: Call, data: unknown): Effect.Effect<Found, WebhooksError> => {
    const decoded = decoderOf(Event.ReceivedEvent)(data)
    if (Result.isFailure(decoded)) return Effect.fail(undecodable(call, data, decoded.failure.issue))
    const event = decoded.success
    return Effect.succeed({ id: event.id, event, body: JSON.stringify(data), millis: DateTime.toEpochMillis(event.createdAt) })
  }

  const list = Effect.fn("WebhooksClient.events.list")(function*(options: Events.ListOptions = {}) {
    return yield* executor.request(yield* listCall(options), Route.listEvents.success)
  })

  const getWithBody = Effect.fn("WebhooksClient.events.get")(function*(id: string) {
    const call: Call = { method: Route.getEvent.method, path: Route.getEvent.path(id) }
    yield* validated(call, [validate(EventId.EventId, id, "id")])
    const { body, event } = yield* Effect.flatMap(executor.request(call, Json), (data) => found(call, data))
    return { event, body }
  })

  const get = (id: string) => Effect.map(getWithBody(id), ({ event }) => event)

  // Every event of the listing `call` starts, newest first, each once (pages that shift as events arrive can repeat one).
  const pages = (call: Call): Stream.Stream<Found, WebhooksError> =>
    Paginate.make<Found>({
      path: call.path,
      page: (cursor) =>
        executor.request(cursor === undefined ? call : { ...call, urlParams: { ...call.urlParams, cursor } }, Paginate.Envelope),
      decode: (data) => Effect.forEach(data, (item) => found(call, item)),
      broken: (problem, body) => Errors.unexpected(call, { status: 200, body, problem }, context)
    })

  const poll = (call: Call): Effect.Effect<ReadonlyArray<Found>, WebhooksError> => Stream.runCollect(pages(call))

  const listAll = (options: Omit<Events.ListOptions, "cursor"> = {}) =>
    Stream.unwrap(Effect.map(listCall({ limit: Page.PAGE_LIMIT.maximum, ...defined(options) }), pages)).pipe(
      Stream.map((f) => f.event)
    )

  // The options of a stream, checked: where it starts, its filters (as the list call's query), its waits.
  const settings = Effect.fnUntraced(function*(options: Events.StreamOptions) {
    const operation = { method: Route.listEvents.method, path: Route.listEvents.path() }
    const [given] = yield* validated(operation, [validateOptions(StreamOptionsSchema, options)])
    const [since, pollInterval, lookback] = yield* validated(operation, [
      startOf(given.since),
      durationOf("pollInterval", given.pollInterval ?? Events.defaults.pollInterval),
      durationOf("lookback", given.lookback ?? Events.defaults.lookback)
    ])
    const types = given.types as Events.StreamOptions["types"]
    // The filters, checked once (an unknown type fails here, before any request).
    const base = yield* listCall(defined({ types, limit: Page.PAGE_LIMIT.maximum }))
    return { since, pollInterval, lookbackMillis: Duration.toMillis(lookback), base }
  })

  const initial = Effect.fnUntraced(function*(
    { base, lookbackMillis, since }: Effect.Success<ReturnType<typeof settings>>
  ): Effect.fn.Return<Events.Checkpoint, WebhooksError> {
    if (Events.isCheckpoint(since)) return since
    if (DateTime.isDateTime(since)) return { after: since, seen: [] }
    if (Duration.isDuration(since)) {
      return { after: DateTime.subtract(yield* DateTime.now, { milliseconds: Duration.toMillis(since) }), seen: [] }
    }
    // From now on: the newest events the API has are the start, so a local clock ahead of Exa's skips nothing.
    const newest = yield* executor.request(
      { ...base, urlParams: { ...base.urlParams, limit: String(Page.PAGE_LIMIT.default) } },
      Paginate.Envelope
    )
    const first = yield* Effect.forEach(newest.data, (item) => found(base, item))
    if (first.length === 0) return { after: DateTime.makeUnsafe(0), seen: [] }
    const top = first.reduce((max, f) => Math.max(max, f.millis), 0)
    // Every event the page shows within the lookback counts as seen: it existed before the stream started.
    const bound = top - lookbackMillis
    return {
      after: DateTime.makeUnsafe(bound),
      seen: first.filter((f) => f.millis >= bound).map((f) => ({ id: f.id, createdAt: DateTime.makeUnsafe(f.millis) }))
    }
  })

  const start = Effect.fn("WebhooksClient.events.start")(function*(options: Events.StreamOptions = {}) {
    return yield* initial(yield* settings(options))
  })

  const stream = (options: Events.StreamOptions = {}): Stream.Stream<Events.Streamed, WebhooksError> =>
    Stream.unwrap(Effect.gen(function*() {
      const resolved = yield* settings(options)
      const { base, lookbackMillis, pollInterval } = resolved
      let checkpoint = yield* initial(resolved)
      const once = Effect.suspend(() => {
        const from = checkpoint
        const call: Call = { ...base, urlParams: { ...base.urlParams, createdAfter: DateTime.formatIso(from.after) } }
        return Effect.map(poll(call), (all) => {
          const seen = new Set(from.seen.map((s) => s.id))
          // Oldest first; the list's order (newest first) breaks ties, reversed.
          const fresh = all.filter((f) => !seen.has(f.id)).toReversed().toSorted((a, b) => a.millis - b.millis)
          const emitted: Array<Events.Streamed> = []
          for (const f of fresh) {
            checkpoint = advance(checkpoint, f, lookbackMillis)
            emitted.push({ event: f.event, body: f.body, checkpoint })
          }
          return emitted
        })
      })
      return Stream.fromEffectSchedule(once, Schedule.spaced(pollInterval)).pipe(Stream.flattenIterable)
    }))

  return { list, listAll, get, getWithBody, start, stream }
}
