/**
 * `listen --forward-to URL --from-api`: Exa's events delivered to a local app without a public URL. The listener polls
 * the Events API (`client.events.stream`, paced with every other request of the key) and delivers each event to the
 * app as Exa would (`Delivery`: the event's JSON as the API serves it, `Exa-Signature` made with the webhook's
 * secret), so the app's own verification runs unchanged.
 *
 * - Order and once: events go one at a time, oldest first; the next waits until the app took this one (a 2xx).
 * - A failing app (an error status, a refused connection, a timeout) gets the same event again, backing off from 1 s
 *   to 30 s, forever: nothing is skipped, and the listener never stops for it (Ctrl-C does).
 * - The checkpoint (`CheckpointFile`) is written, synced, after the app took an event and before its line is printed,
 *   so a restart resumes right after the last event delivered. The one event a `kill -9` can catch between the app's
 *   answer and the write is delivered again: an app that processes each event once (the receiver's `Inbox`) takes it
 *   as the duplicate it is.
 * - Where to start: the checkpoint when there is one (it wins over `--since`, which would repeat events on every
 *   restart); else `--since` (e.g. `10m`); else events from now on.
 * - A poll that fails after the client's retries (the network went away) is retried from the checkpoint with the same
 *   backoff, started afresh once events got through again; only a failure no retry can mend (a refused key, a bad
 *   request) ends the command (exit 1). Every request of the run goes through one client, so one limiter.
 *
 * Output: one line per event delivered on stdout (`{"delivered": {...}}` with `--json`); warnings (a failed try, a
 * failed poll) on stderr.
 *
 * @since 0.4.0
 */
import { Events, WebhooksError } from "@exa-webhooks/client"
import type { EventType } from "@exa-webhooks/schema"
import { Event, Printable } from "@exa-webhooks/schema"
import { DateTime, Duration, Effect, Option, type Redacted, Schedule, Stream } from "effect"
import { Output } from "@exa-webhooks/cli-kit/Output"
import * as CheckpointFile from "./CheckpointFile.ts"
import * as Delivery from "./Delivery.ts"
import type * as Session from "./Session.ts"
import { send } from "./Session.ts"
import * as Since from "./Since.ts"

/**
 * What `listen --from-api` was given, checked.
 *
 * @since 0.4.0
 */
export interface Options {
  readonly session: Session.Session
  readonly forwardTo: string
  readonly secret: Redacted.Redacted<string>
  readonly since: Option.Option<Since.Since>
  readonly types: ReadonlyArray<EventType.EventType>
  readonly checkpointFile: Option.Option<string>
  readonly pollInterval: Duration.Duration
}

const retryable = (error: unknown) => WebhooksError.isWebhooksError(error) && error.isRetryable

const clock = (time: DateTime.Utc) => DateTime.formatIso(time).slice(11, 19)

const dataId = (event: Event.ReceivedEvent) =>
  typeof event.data["id"] === "string" ? ` (${Printable.escape(event.data["id"])})` : ""

const describeCheckpoint = (checkpoint: Events.Checkpoint) => {
  const last = checkpoint.seen.at(-1)
  return last === undefined
    ? `events created from ${DateTime.formatIso(checkpoint.after)} on`
    : `after event ${Printable.escape(last.id)} (${DateTime.formatIso(last.createdAt)})`
}

/**
 * Runs the listener until it is interrupted, or fails with an error no retry can mend.
 *
 * @since 0.4.0
 */
export const run = Effect.fn("FromApi.run")(function*(options: Options) {
  const output = yield* Output
  const { forwardTo, secret, session } = options
  const path = Option.isSome(options.checkpointFile)
    ? options.checkpointFile.value
    : yield* CheckpointFile.defaultPath(session.baseUrl, session.apiKey, forwardTo)
  // One client for the whole run: every request of the listener takes its turn at one limiter.
  return yield* send(session, (client) => Effect.scoped(Effect.gen(function*() {
    const file = yield* CheckpointFile.open(path)
    const filters = options.types.length === 0 ? {} : { types: options.types }
    // Where the next stream starts: the last checkpoint written. Without one, where this run was told to begin, written
    // at once: a restart before the first event then starts there too, rather than at its own "now".
    let from: Events.Checkpoint
    if (Option.isSome(file.stored)) {
      from = file.stored.value
      // Exa keeps events for a time it does not state: a checkpoint whose event is gone may have lost the ones after it.
      const last = from.seen.at(-1)
      if (last !== undefined) {
        const gone = yield* client.events.get(last.id).pipe(
          Effect.as(false),
          Effect.catchTag("NotFoundError", () => Effect.succeed(true))
        )
        if (gone) {
          yield* output.warn(
            `event ${last.id}, the last one delivered, is no longer kept by Exa: events created after it that Exa no ` +
              "longer keeps either cannot be delivered ('events list' shows what it still has)"
          )
        }
      }
    } else {
      from = yield* client.events.start({ since: Option.getOrUndefined(options.since), ...filters })
      yield* file.write(from)
    }
    const start = Option.isSome(file.stored)
      ? `resuming ${describeCheckpoint(file.stored.value)} (checkpoint ${file.path}${
        Option.isSome(options.since) ? "; --since applies only without a checkpoint: delete it to start over" : ""
      })`
      : Option.isSome(options.since)
      ? `starting with the events ${Since.describe(options.since.value)} (checkpoint ${file.path})`
      : `starting with events created from now on (checkpoint ${file.path}; --since 10m would deliver the last 10 minutes first)`
    yield* output.note(
      `polling ${session.baseUrl} for events${options.types.length === 0 ? "" : ` of ${options.types.join(", ")}`} every ` +
        `${Duration.format(options.pollInterval)} and delivering each to ${forwardTo}, signed; ${start}; Ctrl-C to stop`
    )

    const deliver = (item: Events.Streamed) =>
      Effect.gen(function*() {
        const { event } = item
        const what = `event ${event.id} (${event.type})`
        const { outcome, tries } = yield* Delivery.untilAccepted(forwardTo, item.body, secret, what)
        // Durable before it is reported, so a line printed is an event a restart will not deliver again.
        yield* file.write(item.checkpoint)
        from = item.checkpoint
        const status = outcome._tag === "Answered" ? outcome.status : 0
        const now = yield* DateTime.now
        yield* output.line(
          { delivered: { eventId: event.id, type: event.type, createdAt: DateTime.formatIso(event.createdAt), url: forwardTo, status, tries } },
          () =>
            `${clock(now)} delivered ${Printable.escape(event.type)} ${Printable.escape(event.id)}${dataId(event)} -> ${
              Delivery.describe(outcome)
            }${tries > 1 ? ` after ${tries} tries` : ""}`
        )
      })

    const polling = Effect.suspend(() =>
      client.events.stream({ since: from, ...filters, pollInterval: options.pollInterval }).pipe(Stream.runForEach(deliver))
    )
    const failed = (error: unknown, wait: string) =>
      output.warn(
        `polling the Events API failed (${(error as WebhooksError.WebhooksError).message}); trying again ${wait} from the ` +
          "checkpoint"
      )
    // A failed poll is tried again with the backoff while nothing gets through; a failure after events were delivered
    // starts the backoff afresh, so a listener that ran for days is not left waiting 30 s after each outage.
    const stretch = Effect.suspend(() => {
      const at = from
      return polling.pipe(Effect.mapError((error) => ({ error, progressed: from !== at })))
    }).pipe(
      Effect.retry({
        while: (failure) => !failure.progressed && retryable(failure.error),
        schedule: Delivery.backoff.pipe(Schedule.tap((meta) =>
          failed((meta.input as { readonly error: unknown }).error, `in ${Delivery.seconds(meta.duration)}`)
        ))
      })
    )
    const forever: Effect.Effect<void, Effect.Error<typeof polling>, Effect.Services<typeof polling>> = Effect.suspend(() =>
      stretch.pipe(
        Effect.catch((failure) =>
          failure.progressed && retryable(failure.error)
            ? Effect.andThen(failed(failure.error, "now"), forever)
            : Effect.fail(failure.error)
        )
      )
    )
    return yield* forever
  })))
})
