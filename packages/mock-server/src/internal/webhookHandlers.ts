/**
 * The handlers of the six webhook endpoints of `WebhooksApi` (`@exa-webhooks/schema`), answered from the `Store`,
 * and the layer that serves the whole API (these and the events endpoints, `eventHandlers`).
 *
 * `HttpApiBuilder` has decoded path, query and payload before a handler runs, and encodes what it returns with the
 * endpoint's success schema. A handler checks state and applies the change in one synchronous step, so that a change
 * and its counter move together even when the client goes away (see `Store`). A failure (404, 409, a cursor this
 * server did not issue) is answered as a response in Exa's form: the endpoints declare those errors by status and
 * body form, and this keeps one renderer, `failures.toResponse`, for every error the mock sends.
 *
 * @since 0.2.0
 */
import { Page, type Webhook, WebhooksApi } from "@exa-webhooks/schema"
import { type DateTime, Effect, Layer, Result } from "effect"
import type { FileSystem, Path } from "effect"
import type { Etag, HttpPlatform, HttpRouter } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import * as ApiGate from "./apiGate.ts"
import * as Cursor from "./cursor.ts"
import * as EventHandlers from "./eventHandlers.ts"
import { answer, NotFound } from "./failures.ts"
import type { RequestState } from "./requestState.ts"
import * as Store from "./store.ts"

/**
 * What the handlers work on.
 *
 * @category models
 * @since 0.2.0
 */
export interface Deps {
  readonly store: Store.Store
  readonly now: () => DateTime.Utc
}

const LIST_PATH = `${WebhooksApi.BASE_PATH}/webhooks`

const notFound = (id: string) =>
  new NotFound({
    code: "webhook_not_found",
    message: `No webhook has the id ${JSON.stringify(id)} (it may have been deleted); list webhooks with ` +
      `GET ${LIST_PATH} to find its id`
  })

const found = (id: string, webhook: Webhook.Webhook | undefined) =>
  webhook === undefined ? Result.fail(notFound(id)) : Result.succeed(webhook)

const handlersLayer = ({ now, store }: Deps) =>
  HttpApiBuilder.group(ApiGate.MockApi, "webhooks", (handlers) =>
    handlers.handleAll({
      create: ({ payload }) => Effect.suspend(() => answer(store.create(payload, now()))),
      list: ({ query }) =>
        Effect.suspend(() =>
          answer(Result.map(
            Cursor.position(Store.WEBHOOKS_SCOPE, query.cursor, "the webhooks list"),
            (before) => store.list(before, query.limit ?? Page.PAGE_LIMIT.default)
          ))
        ),
      get: ({ params }) => Effect.suspend(() => answer(found(params.id, store.get(params.id)))),
      update: ({ params, payload }) =>
        Effect.suspend(() => answer(found(params.id, store.update(params.id, payload, now())))),
      delete: ({ params }) => Effect.suspend(() => answer(found(params.id, store.remove(params.id)))),
      attempts: ({ params, query }) =>
        Effect.suspend(() =>
          answer(Result.flatMap(
            Cursor.position(Store.attemptsScope(params.id), query.cursor, `the attempts of ${params.id}`),
            (before) =>
              store.get(params.id) === undefined
                ? Result.fail(notFound(params.id))
                : Result.succeed(store.attempts(
                  params.id,
                  { eventType: query.eventType, successful: query.successful },
                  before,
                  query.limit ?? Page.PAGE_LIMIT.default
                ))
          ))
        )
    }))

/**
 * The API as routes for an `HttpRouter`: `WebhooksApi` served by `HttpApiBuilder`, with these handlers, the events
 * handlers and the gate (see `apiGate`).
 *
 * @category layers
 * @since 0.2.0
 */
export const layer = (
  deps: Deps & ApiGate.Deps
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
  HttpApiBuilder.layer(ApiGate.MockApi).pipe(
    Layer.provide(Layer.mergeAll(handlersLayer(deps), EventHandlers.layer(deps))),
    Layer.provide(ApiGate.layer(deps))
  )
