/**
 * The mock's own routes under `/_mock/`, for tests, benchmarks and demos. They need no API key, are not counted in
 * `requests`, and are never delayed, rate-limited or faulted.
 *
 * - `GET /_mock/stats`: the counters ({@link Stats.Stats}).
 * - `POST /_mock/reset`: forgets every webhook, attempt and counter, refills rate-limit buckets and rewinds the fault
 *   sequence to the start of its seed; answers with the (zeroed) stats.
 * - `POST /_mock/events` `{ "type": <EventType>, "data": {...} }`: creates an event (with realistic sample `data` for
 *   its type when none is given, see `samples`), keeps it for the Events API, and delivers it. By default the
 *   response waits for every delivery (retries included) and lists them; with `?wait=false` it answers 202 at once
 *   and delivers in the background. At most {@link MAX_BACKGROUND_EVENTS} events are delivered in the background at
 *   once; beyond that, `?wait=false` is refused with 503 `delivery_backlog_full` and no event is created, so the
 *   memory held by background deliveries stays bounded.
 *
 * @since 0.1.0
 */
import { Event, EventType, Validation, WebhookAttempt } from "@exa-webhooks/schema"
import { Effect, type FileSystem, Layer, type Path, Result, Schema } from "effect"
import { type Etag, type HttpPlatform, type HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import * as ApiGate from "./apiGate.ts"
import type * as Delivery from "./delivery.ts"
import { type DeliveryBacklogFull, MethodNotAllowed, NotFound, toResponse } from "./failures.ts"
import { RequestState } from "./requestState.ts"
import * as Stats from "./stats.ts"

/**
 * Body of `POST /_mock/events`: the `type` and `data` of the shared `Event` envelope; without `data`, the event
 * carries a realistic sample of the resource its type is about.
 *
 * @category schemas
 * @since 0.1.0
 */
export const EventInput = Schema.Struct({
  type: EventType.EventType,
  data: Schema.optionalKey(Event.Event.fields.data)
})

/**
 * Query of `POST /_mock/events`.
 *
 * @category schemas
 * @since 0.1.0
 */
export const EventQuery = Schema.Struct({
  wait: Schema.optionalKey(Schema.Literals(["true", "false"]))
})

/**
 * Response of `POST /_mock/events`: the event as delivered, and per subscribed webhook what happened (`deliveries` is
 * `null` with `?wait=false`).
 *
 * @category schemas
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
 * @category constants
 * @since 0.1.0
 */
export const MAX_BACKGROUND_EVENTS = 64

/**
 * What the control routes act on.
 *
 * @category models
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
 * @category models
 * @since 0.1.0
 */
export interface Published {
  readonly event: Event.Event
  readonly subscribers: number
  readonly deliver: Effect.Effect<ReadonlyArray<Delivery.Outcome>>
}

const encodeEventResponse = Schema.encodeSync(EventResponse)

// Person-written input: report every broken rule, and refuse what is not defined (as the webhook API does).
const strict = { ...Validation.parseOptions, onExcessProperty: "error" } as const

/**
 * The control routes as an `HttpApi`, behind the {@link ApiGate.ControlGate} (checks of body and query, Exa's error
 * forms).
 *
 * @category api
 * @since 0.2.0
 */
export class ControlApi extends HttpApi.make("exa-webhooks-mock-control")
  .add(
    HttpApiGroup.make("control")
      .add(
        HttpApiEndpoint.get("stats", "/_mock/stats", { success: Stats.Stats }),
        HttpApiEndpoint.post("reset", "/_mock/reset", { success: Stats.Stats }),
        HttpApiEndpoint.post("events", "/_mock/events", {
          query: EventQuery,
          payload: EventInput,
          // 202 with `deliveries: null` under ?wait=false
          success: EventResponse
        })
      )
      .middleware(ApiGate.ControlGate)
  )
  .annotate(HttpApi.PayloadParseOptions, strict)
  .annotate(HttpApi.QueryParseOptions, strict)
{}

const handlersLayer = (deps: Deps) =>
  HttpApiBuilder.group(ControlApi, "control", (handlers) =>
    handlers.handleAll({
      stats: () => Effect.sync(deps.stats),
      reset: () =>
        Effect.sync(() => {
          deps.reset()
          return deps.stats()
        }),
      events: ({ payload, query }) =>
        Effect.gen(function*() {
          if (query.wait === "false") {
            const background = yield* Effect.result(deps.background(deps.publish(payload)))
            if (Result.isFailure(background)) {
              const state = yield* RequestState
              return toResponse(background.failure, state.requestId)
            }
            const { event, subscribers } = background.success
            return HttpServerResponse.jsonUnsafe(encodeEventResponse({ event, subscribers, deliveries: null }), {
              status: 202
            })
          }
          const { deliver, event, subscribers } = yield* deps.publish(payload)
          const outcomes = yield* deliver
          return { event, subscribers, deliveries: outcomes.map((o) => ({ ...o, error: o.error ?? null })) }
        })
    }))

/**
 * The control routes as routes for an `HttpRouter`.
 *
 * @category layers
 * @since 0.2.0
 */
export const layer = (
  deps: Deps
): Layer.Layer<
  never,
  never,
  | HttpRouter.HttpRouter
  | HttpRouter.Request<"Requires", RequestState>
  | Etag.Generator
  | FileSystem.FileSystem
  | HttpPlatform.HttpPlatform
  | Path.Path
> =>
  HttpApiBuilder.layer(ControlApi).pipe(
    Layer.provide(handlersLayer(deps)),
    Layer.provide(ApiGate.controlLayer)
  )

/**
 * The 404 or 405 for a request under `/_mock/` that no control route has.
 *
 * @category routing
 * @since 0.2.0
 */
export const routeFailure = (method: string, pathname: string): NotFound | MethodNotAllowed => {
  const allow = Object.values(ControlApi.groups.control.endpoints).filter((e) => e.path === pathname).map((e) =>
    e.method
  )
  return allow.length > 0
    ? new MethodNotAllowed({ allow, message: `${method} is not supported on ${pathname}; use ${allow}` })
    : new NotFound({
      code: "route_not_found",
      message: `There is no mock control route ${pathname}; the controls are GET /_mock/stats, ` +
        "POST /_mock/reset and POST /_mock/events"
    })
}
