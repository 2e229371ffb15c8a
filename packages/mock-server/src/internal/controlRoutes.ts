/**
 * The mock's own routes under `/_mock/`, for tests, benchmarks and demos. They need no API key, are not counted in
 * `requests`, and are never delayed, rate-limited or faulted.
 *
 * - `GET /_mock/stats`: the counters ({@link Stats.Stats}).
 * - `POST /_mock/reset`: forgets every webhook, attempt and counter, refills rate-limit buckets and rewinds the fault
 *   sequence to the start of its seed; answers with the (zeroed) stats.
 * - `POST /_mock/events` `{ "type": <EventType>, "data": {...} }`: creates an event and delivers it. By default the
 *   response waits for every delivery (retries included) and lists them; with `?wait=false` it answers 202 at once
 *   and delivers in the background. At most {@link MAX_BACKGROUND_EVENTS} events are delivered in the background at
 *   once; beyond that, `?wait=false` is refused with 503 `delivery_backlog_full` and no event is created, so the
 *   memory held by background deliveries stays bounded.
 *
 * @since 0.1.0
 */
import { Event, EventType, WebhookAttempt } from "@exa-webhooks/schema"
import { Effect, Schema } from "effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import { type ApiFailure, type DeliveryBacklogFull, MethodNotAllowed, NotFound } from "./failures.ts"
import type * as Delivery from "./delivery.ts"
import * as RequestInput from "./requestChecks.ts"
import * as Stats from "./stats.ts"

/**
 * Body of `POST /_mock/events`: the `type` and `data` of the shared `Event` envelope.
 *
 * @since 0.1.0
 */
export const EventInput = Schema.Struct({
  type: EventType.EventType,
  data: Event.Event.fields.data
})

/**
 * Query of `POST /_mock/events`.
 *
 * @since 0.1.0
 */
export const EventQuery = Schema.Struct({
  wait: Schema.optionalKey(Schema.Literals(["true", "false"]))
})

/**
 * Response of `POST /_mock/events`: the event as delivered, and per subscribed webhook what happened (`deliveries` is
 * `null` with `?wait=false`).
 *
 * @since 0.1.0
 */
export const EventResponse = Schema.Struct({
  event: Event.Event,
  subscribers: Schema.Int,
  deliveries: Schema.NullOr(Schema.Array(Schema.Struct({
    webhookId: Schema.String,
    url: Schema.String,
    delivered: Schema.Boolean,
    attempts: Schema.Array(WebhookAttempt.WebhookAttempt),
    error: Schema.NullOr(Schema.String)
  })))
})

/**
 * Most events delivered in the background (`?wait=false`) at once. Each one fans out to its subscribers 16 at a
 * time, so at most 1,024 background requests are in flight.
 *
 * @since 0.1.0
 */
export const MAX_BACKGROUND_EVENTS = 64

const EVENT_EXAMPLE = `{"type":"webset.created","data":{"id":"webset_123"}}`

/**
 * What the control routes act on.
 *
 * @since 0.1.0
 */
export interface Deps {
  readonly stats: () => Stats.Stats
  readonly reset: () => void
  /** Creates the event and returns it with its subscriber count and the delivery effect. */
  readonly publish: (input: typeof EventInput.Type) => Effect.Effect<Published>
  /**
   * Runs `publish` and then its delivery in the background, in the server's scope; fails without running `publish`
   * when {@link MAX_BACKGROUND_EVENTS} background deliveries are still going.
   */
  readonly background: (publish: Effect.Effect<Published>) => Effect.Effect<Published, DeliveryBacklogFull>
}

/**
 * An event just created, and the effect that delivers it.
 *
 * @since 0.1.0
 */
export interface Published {
  readonly event: Event.Event
  readonly subscribers: number
  readonly deliver: Effect.Effect<ReadonlyArray<Delivery.Outcome>>
}

const encodeStats = Schema.encodeSync(Stats.Stats)
const encodeEventResponse = Schema.encodeSync(EventResponse)

const routes: Record<string, Record<string, (deps: Deps, request: HttpServerRequest.HttpServerRequest, url: URL) =>
  Effect.Effect<HttpServerResponse.HttpServerResponse, ApiFailure>>> = {
  "/_mock/stats": {
    GET: (deps) => Effect.sync(() => HttpServerResponse.jsonUnsafe(encodeStats(deps.stats())))
  },
  "/_mock/reset": {
    POST: (deps) =>
      Effect.sync(() => {
        deps.reset()
        return HttpServerResponse.jsonUnsafe(encodeStats(deps.stats()))
      })
  },
  "/_mock/events": {
    POST: (deps, request, url) =>
      Effect.gen(function*() {
        const query = yield* RequestInput.query(EventQuery, url)
        const input = yield* RequestInput.jsonBody(EventInput, request, EVENT_EXAMPLE)
        if (query.wait === "false") {
          const { event, subscribers } = yield* deps.background(deps.publish(input))
          return HttpServerResponse.jsonUnsafe(encodeEventResponse({ event, subscribers, deliveries: null }), {
            status: 202
          })
        }
        const { deliver, event, subscribers } = yield* deps.publish(input)
        const outcomes = yield* deliver
        return HttpServerResponse.jsonUnsafe(encodeEventResponse({
          event,
          subscribers,
          deliveries: outcomes.map((o) => ({ ...o, error: o.error ?? null }))
        }))
      })
  }
}

/**
 * Answers a request under `/_mock/`.
 *
 * @since 0.1.0
 */
export const handle = (
  deps: Deps,
  request: HttpServerRequest.HttpServerRequest,
  url: URL
): Effect.Effect<HttpServerResponse.HttpServerResponse, ApiFailure> => {
  const methods = routes[url.pathname]
  if (methods === undefined) {
    return Effect.fail(
      new NotFound({
        code: "route_not_found",
        message: `There is no mock control route ${url.pathname}; the controls are GET /_mock/stats, ` +
          "POST /_mock/reset and POST /_mock/events"
      })
    )
  }
  const handler = methods[request.method]
  if (handler === undefined) {
    const allow = Object.keys(methods)
    return Effect.fail(
      new MethodNotAllowed({ allow, message: `${request.method} is not supported on ${url.pathname}; use ${allow}` })
    )
  }
  return handler(deps, request, url)
}
