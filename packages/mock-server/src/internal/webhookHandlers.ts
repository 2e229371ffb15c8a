/**
 * The six webhook endpoints, routed and validated with the shared endpoint table (`Endpoints` of
 * `@exa-webhooks/schema`) and answered from the `Store`.
 *
 * Each route splits into two steps so that the request pipeline can keep a commit atomic: `prepare` reads and
 * validates the request (it may wait on the network and be interrupted), then returns `commit`, a synchronous function
 * that checks state, applies the change and encodes the response in one go.
 *
 * @since 0.1.0
 */
import { Endpoints, Webhook } from "@exa-webhooks/schema"
import { type DateTime, Effect, Option, Result, Schema } from "effect"
import type { HttpServerRequest } from "effect/http"
import { type ApiFailure, InvalidRequest, MethodNotAllowed, NotFound } from "./failures.ts"
import * as Cursor from "./cursor.ts"
import * as RequestInput from "./requestChecks.ts"
import * as Store from "./store.ts"

/**
 * What a route gets.
 *
 * @since 0.1.0
 */
export interface Input {
  readonly request: HttpServerRequest.HttpServerRequest
  readonly url: URL
  /** The `:id` of the path, decoded. */
  readonly id: string
  readonly store: Store.Store
  readonly now: () => DateTime.Utc
}

/**
 * Applies the request and returns the JSON body of a 200, or the failure.
 *
 * @since 0.1.0
 */
export type Commit = () => Result.Result<unknown, ApiFailure>

/**
 * One endpoint's handler.
 *
 * @since 0.1.0
 */
export interface Route {
  readonly method: string
  readonly path: string
  /** Whether a successful call changes state (and so can meet an ambiguous fault). */
  readonly mutating: boolean
  readonly prepare: (input: Input) => Effect.Effect<Commit, ApiFailure>
}

const notFound = (id: string) =>
  new NotFound({
    code: "webhook_not_found",
    message: `No webhook has the id ${JSON.stringify(id)} (it may have been deleted); list webhooks with ` +
      `GET ${Endpoints.pathOf(Endpoints.list)} to find its id`
  })

const cursorPosition = (scope: string, cursor: string | undefined, what: string) =>
  cursor === undefined
    ? Effect.succeed(undefined)
    : Option.match(Cursor.decode(scope, cursor), {
      onSome: Effect.succeed,
      onNone: () =>
        Effect.fail(
          new InvalidRequest({
            code: "invalid_cursor",
            message: `Invalid query: cursor: ${
              JSON.stringify(cursor)
            } is not a cursor this server issued for ${what}; pass the nextCursor of the previous page, or omit ` +
              "cursor to start at the first page",
            problems: [{ path: "cursor", message: `not a cursor this server issued for ${what}` }]
          })
        )
    })

const encodeWebhook = Schema.encodeSync(Endpoints.get.success)
const encodeList = Schema.encodeSync(Endpoints.list.success)
const encodeAttempts = Schema.encodeSync(Endpoints.attempts.success)

const CREATE_EXAMPLE = `{"url":"https://example.com/hooks/exa","events":["webset.created"]}`
const UPDATE_EXAMPLE = `{"events":["webset.idle"]}`

const found = (id: string, webhook: Webhook.Webhook | undefined) =>
  webhook === undefined ? Result.fail(notFound(id)) : Result.succeed(encodeWebhook(webhook))

/**
 * The routes, in the spec's order.
 *
 * @since 0.1.0
 */
export const routes: ReadonlyArray<Route> = [
  {
    ...Endpoints.create,
    mutating: true,
    prepare: ({ now, request, store }) =>
      RequestInput.jsonBody(Endpoints.create.body, request, CREATE_EXAMPLE).pipe(
        Effect.map((body): Commit => () => Result.map(store.create(body, now()), encodeWebhook))
      )
  },
  {
    ...Endpoints.list,
    mutating: false,
    prepare: ({ store, url }) =>
      Effect.gen(function*() {
        const query = yield* RequestInput.query(Endpoints.list.query, url)
        const before = yield* cursorPosition(Store.WEBHOOKS_SCOPE, query.cursor, "the webhooks list")
        return () =>
          Result.succeed(encodeList(store.list(before, query.limit ?? Webhook.PAGE_LIMIT.default)))
      })
  },
  {
    ...Endpoints.get,
    mutating: false,
    prepare: ({ id, store }) => Effect.succeed(() => found(id, store.get(id)))
  },
  {
    ...Endpoints.update,
    mutating: true,
    prepare: ({ id, now, request, store }) =>
      RequestInput.jsonBody(Endpoints.update.body, request, UPDATE_EXAMPLE).pipe(
        Effect.map((body): Commit => () => found(id, store.update(id, body, now())))
      )
  },
  {
    ...Endpoints.remove,
    mutating: true,
    prepare: ({ id, store }) => Effect.succeed(() => found(id, store.remove(id)))
  },
  {
    ...Endpoints.attempts,
    mutating: false,
    prepare: ({ id, store, url }) =>
      Effect.gen(function*() {
        const query = yield* RequestInput.query(Endpoints.attempts.query, url)
        const before = yield* cursorPosition(Store.attemptsScope(id), query.cursor, `the attempts of ${id}`)
        return () =>
          store.get(id) === undefined
            ? Result.fail(notFound(id))
            : Result.succeed(encodeAttempts(
              store.attempts(
                id,
                { eventType: query.eventType, successful: query.successful },
                before,
                query.limit ?? Webhook.PAGE_LIMIT.default
              )
            ))
      })
  }
]

/**
 * The route for `method` and `pathname`, with its `:id`; a 404 when no route has the path, a 405 when routes have
 * the path but not the method.
 *
 * @since 0.1.0
 */
export const match = (
  method: string,
  pathname: string
): Result.Result<{ readonly route: Route; readonly id: string }, NotFound | MethodNotAllowed> => {
  const segments = pathname.startsWith(`${Endpoints.BASE_PATH}/`)
    ? pathname.slice(Endpoints.BASE_PATH.length + 1).split("/")
    : undefined
  const candidates: Array<{ route: Route; id: string }> = []
  for (const route of segments === undefined ? [] : routes) {
    const pattern = route.path.slice(1).split("/")
    if (pattern.length !== segments!.length) continue
    let id = ""
    const fits = pattern.every((part, i) => {
      const segment = segments![i]!
      if (part !== ":id") return part === segment
      id = decodeSegment(segment) ?? ""
      return id !== ""
    })
    if (fits) candidates.push({ route, id })
  }
  const hit = candidates.find((c) => c.route.method === method)
  if (hit !== undefined) return Result.succeed(hit)
  if (candidates.length > 0) {
    const allow = candidates.map((c) => c.route.method)
    return Result.fail(
      new MethodNotAllowed({
        allow,
        message: `${method} is not supported on ${pathname}; use ${allow.join(" or ")}`
      })
    )
  }
  return Result.fail(
    new NotFound({
      code: "route_not_found",
      message: `There is no route ${method} ${pathname}. The webhook API lives under ` +
        `${Endpoints.pathOf(Endpoints.list)} (create, list), ${Endpoints.BASE_PATH}/webhooks/{id} (get, update, ` +
        `delete) and ${Endpoints.BASE_PATH}/webhooks/{id}/attempts; the mock's controls under /_mock/`
    })
  )
}

const decodeSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}
