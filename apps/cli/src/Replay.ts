/**
 * `replay WEBHOOK_ID [--failed] [--since D] [--event ID]... [--to URL] [--dry-run]`: delivers again what a webhook was
 * sent (or failed to be sent), as Exa would: each event fetched from the Events API and POSTed to the webhook's URL
 * (or `--to`) signed with the webhook's secret (`Delivery`), so the app's verification runs unchanged.
 *
 * Which events: those of the webhook's delivery attempts (within `--since`), grouped by event id.
 * - `--failed`: only the events no attempt delivered. Exa retries a failed delivery, and the mock records every try,
 *   so an event often has failed attempts followed by a successful one: that event reached the app, and re-sending it
 *   would be a duplicate, so it does not count as failed. An event counts as failed when none of its attempts
 *   succeeded.
 * - `--event ID` (repeatable): only these events. Without `--failed` or `--since`, the attempts are not consulted at
 *   all: any event the key can read is delivered, attempted before or not.
 *
 * Each event is delivered at most once per run, oldest first, with one try (a replay is a person's decision: a
 * failure is reported, not retried); the summary counts them delivered (2xx), refused (any other answer, a redirect
 * included) and failed (no answer, or the event is no longer kept). Exit 0 when all were delivered, 1 otherwise.
 * `--dry-run` lists the events it would deliver (the attempts are read), and delivers nothing.
 *
 * @since 0.4.0
 */
import type { WebhookAttempt } from "@exa-webhooks/schema"
import { EventId, Printable, WebhookId } from "@exa-webhooks/schema"
import { Verifier } from "@exa-webhooks/receiver"
import { DateTime, Effect, Option, type Redacted, Schema, Stream } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { Output } from "@exa-webhooks/cli-kit/Output"
import type { UsageError } from "@exa-webhooks/cli-kit/UsageError"
import * as Delivery from "./Delivery.ts"
import { since } from "./EventCommands.ts"
import * as Root from "./Root.ts"
import * as Session from "./Session.ts"
import * as Since from "./Since.ts"
import * as SigningSecrets from "./SigningSecrets.ts"

/**
 * What `replay` was given, checked.
 *
 * @since 0.4.0
 */
export interface Options {
  readonly session: Session.Session
  readonly webhookId: string
  readonly failed: boolean
  readonly since: Option.Option<Since.Since>
  readonly events: ReadonlyArray<string>
  readonly to: Option.Option<string>
  /** Not needed for a dry run. */
  readonly secret: Effect.Effect<Redacted.Redacted<string>, UsageError>
  readonly dryRun: boolean
}

/**
 * One event of the webhook's attempts: its type, how many tries it had, whether any succeeded, when it was first
 * tried.
 *
 * @since 0.4.0
 */
export interface Attempted {
  readonly eventId: string
  readonly eventType: string
  readonly tries: number
  readonly delivered: boolean
  readonly firstAttemptAt: DateTime.Utc
}

/**
 * The attempts (newest first, as listed) grouped by event, oldest event first.
 *
 * @since 0.4.0
 */
export const byEvent = (attempts: ReadonlyArray<WebhookAttempt.WebhookAttempt>): ReadonlyArray<Attempted> => {
  const groups = new Map<string, { eventType: string; tries: number; delivered: boolean; first: DateTime.Utc }>()
  for (const attempt of attempts) {
    const group = groups.get(attempt.eventId)
    if (group === undefined) {
      groups.set(attempt.eventId, {
        eventType: attempt.eventType,
        tries: 1,
        delivered: attempt.successful,
        first: attempt.attemptedAt
      })
    } else {
      group.tries++
      group.delivered ||= attempt.successful
      if (DateTime.isLessThan(attempt.attemptedAt, group.first)) group.first = attempt.attemptedAt
    }
  }
  return [...groups].map(([eventId, g]) => ({
    eventId,
    eventType: g.eventType,
    tries: g.tries,
    delivered: g.delivered,
    firstAttemptAt: g.first
  })).toSorted((a, b) => DateTime.toEpochMillis(a.firstAttemptAt) - DateTime.toEpochMillis(b.firstAttemptAt))
}

/**
 * The result of one event.
 *
 * @since 0.4.0
 */
export type Result = "delivered" | "refused" | "failed"

/**
 * Some events were not delivered (each is listed); exit 1.
 *
 * @since 0.4.0
 */
export class ReplayIncomplete extends Schema.TaggedError<ReplayIncomplete>()("ReplayIncomplete", {
  message: Schema.String
}) {}

/**
 * Runs the replay.
 *
 * @since 0.4.0
 */
export const run = Effect.fn("Replay.run")(function*(options: Options) {
  const output = yield* Output
  const { session } = options
  return yield* Session.send(session, (client) =>
    Effect.gen(function*() {
      const webhook = yield* client.get(options.webhookId)
      const target = Option.getOrElse(options.to, () => webhook.url)
      const wanted = new Set(options.events)
      const readAttempts = options.failed || Option.isSome(options.since) || wanted.size === 0
      let chosen: ReadonlyArray<{ readonly eventId: string; readonly note: string }>
      if (readAttempts) {
        const now = yield* DateTime.now
        const cutoff = Option.map(options.since, (value) => Since.start(value, now))
        const attempts = yield* Stream.runCollect(
          client.listAllAttempts(webhook.id).pipe(
            // Newest first: past the cutoff, every later attempt is older still.
            Stream.takeWhile((a) => Option.isNone(cutoff) || !DateTime.isLessThan(a.attemptedAt, cutoff.value))
          )
        )
        chosen = byEvent(attempts)
          .filter((e) => !options.failed || !e.delivered)
          .filter((e) => wanted.size === 0 || wanted.has(e.eventId))
          .map((e) => ({
            eventId: e.eventId,
            note: `${e.eventType}, ${e.tries} attempt${e.tries === 1 ? "" : "s"}${e.delivered ? ", delivered" : ", none delivered"}`
          }))
        const missing = [...wanted].filter((id) => !chosen.some((e) => e.eventId === id))
        if (missing.length > 0) {
          yield* output.warn(
            `${missing.join(", ")}: no ${options.failed ? "failed " : ""}attempt of webhook ${webhook.id}${
              Option.isSome(options.since) ? ` ${Since.describe(options.since.value)}` : ""
            } delivered ${missing.length === 1 ? "it" : "them"}; drop --failed and --since to replay any event by id`
          )
        }
      } else {
        chosen = [...wanted].map((eventId) => ({ eventId, note: "given by --event" }))
      }
      const which = options.failed ? "failed " : ""
      if (options.dryRun) {
        yield* output.result(
          { dryRun: true, webhookId: webhook.id, url: target, events: chosen.map((e) => e.eventId) },
          () =>
            chosen.length === 0
              ? `No ${which}events of webhook ${Printable.escape(webhook.id)} to replay.`
              : [
                `Would replay ${chosen.length} ${which}event${chosen.length === 1 ? "" : "s"} to ${Printable.escape(target)}:`,
                ...chosen.map((e) => `  ${Printable.escape(e.eventId)} (${Printable.escape(e.note)})`)
              ].join("\n")
        )
        return yield* output.note("dry run: nothing was delivered")
      }
      if (chosen.length === 0) {
        return yield* output.result(
          { webhookId: webhook.id, url: target, delivered: 0, refused: 0, failed: 0, events: [] },
          () => `No ${which}events of webhook ${Printable.escape(webhook.id)} to replay.`
        )
      }
      const secret = yield* options.secret
      const results: Array<{ eventId: string; result: Result; status: number | null; detail: string }> = []
      // At most once per run: `chosen` holds each event id once, and each gets one try.
      for (const { eventId } of chosen) {
        const fetched = yield* Effect.result(client.events.getWithBody(eventId))
        if (fetched._tag === "Failure") {
          const error = fetched.failure
          if (error._tag !== "NotFoundError") return yield* error
          results.push({ eventId, result: "failed", status: null, detail: "no longer kept by Exa (404)" })
          yield* output.warn(`event ${eventId}: not found in the Events API (no longer kept?); not delivered`)
          continue
        }
        const { body, event } = fetched.success
        const outcome = yield* Delivery.send(target, body, secret)
        const result: Result = Delivery.accepted(outcome) ? "delivered" : outcome._tag === "Answered" ? "refused" : "failed"
        results.push({
          eventId,
          result,
          status: outcome._tag === "Answered" ? outcome.status : null,
          detail: Delivery.describe(outcome)
        })
        // With --json, the events are in the one document printed at the end.
        if (!output.json) {
          yield* output.line(
            null,
            () => `${result.padEnd(9)} ${Printable.escape(event.type)} ${Printable.escape(eventId)} -> ${Delivery.describe(outcome)}`
          )
        }
      }
      const count = (result: Result) => results.filter((r) => r.result === result).length
      const summary = { delivered: count("delivered"), refused: count("refused"), failed: count("failed") }
      yield* output.result(
        { webhookId: webhook.id, url: target, ...summary, events: results },
        () =>
          `Replayed ${results.length} ${which}event${results.length === 1 ? "" : "s"} of webhook ${Printable.escape(webhook.id)} to ` +
          `${Printable.escape(target)}: ${summary.delivered} delivered, ${summary.refused} refused, ${summary.failed} failed.`
      )
      if (summary.refused + summary.failed > 0) {
        return yield* new ReplayIncomplete({
          message: `${summary.refused + summary.failed} of ${results.length} events were not delivered (listed above); ` +
            `run '${Root.NAME} replay ${webhook.id}' again with --event ID for each once the app takes them`
        })
      }
    }))
})

/**
 * The command.
 *
 * @since 0.4.0
 */
export const command = Command.make(
  "replay",
  {
    id: Argument.String("webhook-id").pipe(
      Argument.withDescription("the webhook whose events to deliver again, as 'list' shows it"),
      Argument.withSchema(WebhookId.Typed)
    ),
    failed: Flag.Boolean("failed").pipe(
      Flag.withDescription("only the events no attempt delivered (an event a later retry delivered does not count)"),
      Flag.withDefault(false)
    ),
    since: since("only the events of attempts made since then: a duration back from now (10m, 2h, 7d) or an RFC 3339 time"),
    events: Flag.String("event").pipe(
      Flag.withDescription(
        "only this event (repeatable); without --failed or --since any event of the key, attempted before or not"
      ),
      Flag.withMetavar("ID"),
      Flag.withSchema(EventId.Typed),
      Flag.atLeast(0)
    ),
    to: Flag.String("to").pipe(
      Flag.withDescription("deliver to this URL instead of the webhook's (a local copy of your app, say)"),
      Flag.withMetavar("URL"),
      Flag.withSchema(Delivery.targetUrl("to")),
      Flag.optional
    ),
    secretFile: SigningSecrets.secretFileFlag.pipe(
      Flag.withDescription(
        "the webhook's signing secret, to sign the deliveries (as 'create --secret-file' wrote it, or the batch tool's " +
          `'secret' output); default ${Verifier.SECRET_ENV}`
      )
    )
  },
  Effect.fn("Replay.command")(function*(flags) {
    const s = yield* Root.session
    // Read before anything is sent, so a missing secret stops the run at once (a dry run needs none).
    const secret = s.dryRun ? Effect.die("a dry run signs nothing") : Effect.succeed(yield* SigningSecrets.forSigning(flags.secretFile))
    return yield* run({
      session: s,
      webhookId: flags.id,
      failed: flags.failed,
      since: flags.since,
      events: [...new Set(flags.events)],
      to: flags.to,
      secret,
      dryRun: s.dryRun
    }).pipe(Effect.provide(Delivery.layer))
  })
).pipe(
  Command.withDescription(
    "Deliver a webhook's events again, as Exa would: each event (of the webhook's attempts; only the failed ones with " +
      "--failed) fetched from the Events API and POSTed to the webhook's URL (or --to), signed with its secret, at most " +
      "once per run, oldest first. Prints a summary of delivered, refused and failed; exit 1 unless all were delivered. " +
      "--dry-run lists them and delivers nothing."
  ),
  Command.withShortDescription("deliver a webhook's (failed) events again"),
  Command.withExamples([
    {
      command: "exa-webhooks replay webhook_01j... --failed --since 2h --secret-file ./exa-webhook.secret",
      description: "what the app missed while it was down for the last two hours"
    }
  ])
)
