/**
 * The handlers of the two endpoints of the Events API (`WebhooksApi.Events` of `@exa-webhooks/schema`), answered
 * from the events the mock has emitted (`POST /_mock/events` and simulated activity), as delivered.
 *
 * - `GET /v0/events`: newest first, filtered by `types` and by `createdAfter` / `createdBefore` (both inclusive), in
 *   pages whose cursor names a position: events created while a client pages through the list appear before its
 *   first page, never in the pages it has yet to read, so the pages never repeat or skip an event.
 * - `GET /v0/events/{id}`: the event, or 404 `event_not_found` (also for an event forgotten under `--max-events`).
 *
 * @since 0.4.0
 */
import { Page, WebhooksApi } from "@exa-webhooks/schema"
import { DateTime, Effect, Result } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import * as ApiGate from "./apiGate.ts"
import * as Cursor from "./cursor.ts"
import { answer, NotFound } from "./failures.ts"
import * as Store from "./store.ts"

/**
 * What the handlers read.
 *
 * @category models
 * @since 0.4.0
 */
export interface Deps {
  readonly store: Store.Store
}

const notFound = (id: string) =>
  new NotFound({
    code: "event_not_found",
    message: `No event has the id ${JSON.stringify(id)} (this server keeps its most recent events only); list events ` +
      `with GET ${WebhooksApi.BASE_PATH}/events to find its id`
  })

const millis = (time: DateTime.Utc | undefined) => (time === undefined ? undefined : DateTime.toEpochMillis(time))

/**
 * The handlers of the `events` group, as a layer for `HttpApiBuilder.layer(MockApi)`.
 *
 * @category layers
 * @since 0.4.0
 */
export const layer = ({ store }: Deps) =>
  HttpApiBuilder.group(ApiGate.MockApi, "events", (handlers) =>
    handlers.handleAll({
      list: ({ query }) =>
        Effect.suspend(() =>
          answer(Result.map(
            Cursor.position(Store.EVENTS_SCOPE, query.cursor, "the events list"),
            (before) =>
              store.events(
                { types: query.types, createdAfter: millis(query.createdAfter), createdBefore: millis(query.createdBefore) },
                before,
                query.limit ?? Page.PAGE_LIMIT.default
              )
          ))
        ),
      get: ({ params }) =>
        Effect.suspend(() => {
          const event = store.event(params.id)
          return answer(event === undefined ? Result.fail(notFound(params.id)) : Result.succeed(event))
        })
    }))
