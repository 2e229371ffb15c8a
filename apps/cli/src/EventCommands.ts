/**
 * `events list`, `events get` (the Events API: what Exa delivered, or would deliver, to a webhook) and `trigger` (an
 * event made on the mock, for development).
 *
 * @since 0.4.0
 */
import * as Transport from "@exa-webhooks/client/Transport"
import { EventId, EventType, Printable } from "@exa-webhooks/schema"
import { DateTime, Effect, Layer, Option, Redacted, Schema, Stream } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { HttpClient, HttpClientRequest } from "effect/http"
import { Output } from "@exa-webhooks/cli-kit/Output"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"
import { WebhooksClient } from "@exa-webhooks/client"
import * as DryRun from "./DryRun.ts"
import * as Root from "./Root.ts"
import { all, cursor, cursorOf, limit, moreHint } from "./Paging.ts"
import * as Render from "./Render.ts"
import { root, session } from "./Root.ts"
import * as Session from "./Session.ts"
import * as Since from "./Since.ts"

/**
 * `--type T` (repeatable): only events of these types.
 *
 * @since 0.4.0
 */
export const types = Flag.String("type").pipe(
  Flag.withDescription("only events of this type (e.g. webset.item.enriched); repeat the flag for several"),
  Flag.withMetavar("EVENT"),
  Flag.withSchema(EventType.EventType),
  Flag.atLeast(0)
)

/**
 * `--since D`: a duration back from now (`10m`) or an RFC 3339 time.
 *
 * @since 0.4.0
 */
export const since = (description: string) =>
  Flag.String("since").pipe(
    Flag.withDescription(description),
    Flag.withMetavar("D"),
    Flag.withSchema(Since.Since),
    Flag.optional
  )

// events list -------------------------------------------------------------------------------------------------------

const list = Command.make(
  "list",
  {
    types,
    since: since("only events created since then: a duration back from now (30s, 10m, 2h, 7d) or an RFC 3339 time"),
    limit,
    all,
    cursor
  },
  Effect.fn("EventCommands.list")(function*(flags) {
    const pageSize = Option.getOrUndefined(flags.limit)
    const from = yield* cursorOf(flags.cursor, flags.all)
    const now = yield* DateTime.now
    const createdAfter = Option.getOrUndefined(Option.map(flags.since, (value) => Since.start(value, now)))
    const filters = { ...(flags.types.length === 0 ? {} : { types: flags.types }), createdAfter }
    const s = yield* session
    const output = yield* Output
    if (s.dryRun) {
      return yield* Session.preview(
        s,
        (client) => client.events.list({ ...filters, limit: pageSize, cursor: from }),
        flags.all ? "--all would follow every page" : undefined
      )
    }
    const page = flags.all
      ? {
        data: yield* Session.send(s, (client) => Stream.runCollect(client.events.listAll({ ...filters, limit: pageSize }))),
        hasMore: false,
        nextCursor: null
      }
      : yield* Session.send(s, (client) => client.events.list({ ...filters, limit: pageSize, cursor: from }))
    yield* output.result(
      Render.eventListDocument(page),
      () => (page.data.length === 0 ? "No events." : Render.eventTable(page.data))
    )
    const hint = moreHint(page, "events")
    if (hint !== undefined) yield* output.note(hint)
  })
).pipe(
  Command.withDescription(
    "List Exa's events, newest first (one page unless --all): the same objects a webhook delivers, whether or not a " +
      "webhook is subscribed to them."
  ),
  Command.withShortDescription("list events")
)

// events get --------------------------------------------------------------------------------------------------------

const get = Command.make(
  "get",
  {
    id: Argument.String("id").pipe(
      Argument.withDescription("the event's id, as 'events list' or a delivery attempt shows it"),
      Argument.withSchema(EventId.Typed)
    )
  },
  Effect.fn("EventCommands.get")(function*({ id }) {
    const s = yield* session
    if (s.dryRun) return yield* Session.preview(s, (client) => client.events.get(id))
    const event = yield* Session.send(s, (client) => client.events.get(id))
    yield* (yield* Output).result(
      Render.eventDocument(event),
      () => `Event ${Printable.escape(event.id)}\n${Render.eventDetails(event)}`
    )
  })
).pipe(
  Command.withDescription("Show one event as it is delivered (--json: exactly the JSON a delivery carries)."),
  Command.withShortDescription("show one event")
)

/**
 * `events list|get`.
 *
 * @since 0.4.0
 */
export const events = Command.make("events").pipe(
  Command.withSubcommands([list, get]),
  Command.withDescription("See Exa's events: the Events API (GET /v0/events), what webhooks are sent."),
  Command.withShortDescription("list and show events (the Events API)")
)

// trigger -----------------------------------------------------------------------------------------------------------

// What the mock answers to POST /_mock/events (the fields shown).
const Triggered = Schema.Struct({
  event: Schema.Struct({ id: Schema.String, type: Schema.String }),
  subscribers: Schema.Number,
  deliveries: Schema.NullOr(Schema.Array(Schema.Struct({
    webhookId: Schema.String,
    url: Schema.String,
    delivered: Schema.Boolean,
    error: Schema.NullOr(Schema.String)
  })))
})
const decodeTriggered = Schema.decodeUnknownOption(Schema.fromJsonString(Triggered))

const failed = (reason: string) => new TriggerFailed({ message: `trigger: ${reason}` })

const isExa = (baseUrl: string) => {
  const host = new URL(baseUrl).hostname.toLowerCase()
  return host === "exa.ai" || host.endsWith(".exa.ai")
}

/**
 * `trigger TYPE`: makes an event of `TYPE` on the mock (its `POST /_mock/events`, with realistic sample data), which
 * stores it for the Events API and delivers it to the webhooks subscribed to it. Refused against Exa's API, which has
 * no way to make an event; sends no API key.
 *
 * @since 0.4.0
 */
export const trigger = Command.make(
  "trigger",
  {
    type: Argument.String("type").pipe(
      Argument.withDescription("the event type, e.g. webset.item.enriched"),
      Argument.withSchema(EventType.EventType)
    )
  },
  Effect.fn("EventCommands.trigger")(function*({ type }) {
    const flags = yield* root
    const baseUrl = Option.getOrElse(flags.baseUrl, () => WebhooksClient.defaults.baseUrl).replace(/\/+$/, "")
    if (isExa(baseUrl)) {
      return yield* new UsageError({
        message: `trigger makes an event on the mock (exa-webhooks-mock), and ${baseUrl} is Exa's API, which has no way ` +
          "to make one: events come from your Websets' activity. Pass --base-url (or EXA_BASE_URL) with the URL the mock " +
          "printed, e.g. http://127.0.0.1:4010; nothing was sent"
      })
    }
    const output = yield* Output
    const url = `${baseUrl}/_mock/events`
    const request = Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      return yield* client.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyJsonUnsafe({ type })))
    })
    if (flags.dryRun) {
      const captured = yield* DryRun.capture(request, Redacted.make("")).pipe(Effect.provide(DryRun.layer))
      yield* output.result({ dryRun: true, ...captured }, () => DryRun.render(captured))
      return yield* output.note("dry run: nothing was sent")
    }
    const response = yield* request.pipe(
      Effect.provide(Transport.layerConfig().pipe(Layer.orDie)),
      Effect.mapError((error) => failed(`could not reach ${url} (${error.reason.message})`))
    )
    const text = yield* Effect.orElseSucceed(response.text, () => "")
    if (response.status === 404 || response.status === 405) {
      return yield* failed(
        `${baseUrl} answered ${response.status} to POST /_mock/events: it is not exa-webhooks-mock; give the mock's URL`
      )
    }
    const answer = decodeTriggered(text)
    if (response.status >= 300 || Option.isNone(answer)) {
      return yield* failed(`the mock answered ${response.status}: ${Printable.escape(text.slice(0, 200))}`)
    }
    const { deliveries, event, subscribers } = answer.value
    const delivered = (deliveries ?? []).filter((d) => d.delivered).length
    yield* output.result(
      JSON.parse(text),
      () =>
        [
          `Triggered ${Printable.escape(event.type)} ${Printable.escape(event.id)}: delivered to ${delivered} of ${subscribers} ` +
          `subscribed webhook${subscribers === 1 ? "" : "s"}.`,
          ...(deliveries ?? []).filter((d) => !d.delivered).map((d) =>
            `  not delivered to ${Printable.escape(d.webhookId)} (${Printable.escape(d.url)})${
              d.error === null ? "" : `: ${Printable.escape(d.error)}`
            }`
          )
        ].join("\n")
    )
    if (subscribers === 0) {
      yield* output.note(
        `no webhook is subscribed to ${type}; the event is in the Events API ('${Root.NAME} events list', ` +
          `'${Root.NAME} listen --from-api')`
      )
    }
  })
).pipe(
  Command.withDescription(
    "Make an event of TYPE on the mock (exa-webhooks-mock), with realistic sample data: it is listed by the Events API " +
      "and delivered to the webhooks subscribed to it. Refused against Exa's API (events come from your Websets); " +
      "sends no API key."
  ),
  Command.withShortDescription("make an event on the mock (development)"),
  Command.withExamples([
    {
      command: "exa-webhooks trigger webset.item.enriched --base-url http://127.0.0.1:4010",
      description: "one enriched-item event, delivered to the mock's subscribed webhooks"
    }
  ])
)

/**
 * The mock could not make the event (it is not the mock, or it failed); exit 1.
 *
 * @since 0.4.0
 */
export class TriggerFailed extends Schema.TaggedError<TriggerFailed>()("TriggerFailed", {
  message: Schema.String
}) {}
