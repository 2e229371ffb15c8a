/**
 * The HTTP application: one effect that answers every request the server receives.
 *
 * `routes` is one router for both APIs `HttpApiBuilder` serves: the webhook API (`WebhooksApi`, see
 * `webhookHandlers`) and the mock's controls under `/_mock/` (`ControlApi`, see `controlRoutes`, which are not
 * counted, delayed, limited or faulted).
 *
 * An API request (anything outside `/_mock/`) goes through, in order:
 * 1. counted in `requests`; its fate drawn from the seeded fault sequence (see `faultInjection`);
 * 2. routed by the router `HttpApiBuilder` built from `WebhooksApi`: a path no endpoint has is a 404, a path some
 *    endpoint has with another method a 405 with `Allow` (the router only says "not found", so the two are told apart
 *    here, from the same definition);
 * 3. the API-key middleware (`apiGate`): 401, 429, injected fault, 415 / 413 / 400, the handler, the ambiguous fault;
 * 4. held for `--latency` milliseconds, then answered, or its connection closed.
 *
 * Every response carries `X-Request-Id`.
 *
 * @since 0.1.0
 */
import { Duration, Effect } from "effect"
import { type HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { IncomingMessage } from "node:http"
import * as ControlRoutes from "./controlRoutes.ts"
import * as Failures from "./failures.ts"
import type * as FaultInjection from "./faultInjection.ts"
import * as Ids from "./ids.ts"
import { routeFailure } from "./unrouted.ts"
import { RequestState } from "./requestState.ts"
import type * as Store from "./store.ts"

/**
 * The settings the pipeline reads.
 *
 * @category models
 * @since 0.1.0
 */
export interface Settings {
  readonly retryAfter: boolean
  readonly latencyMillis: number
}

/**
 * What the application works on. `routes` answers both APIs (the router `HttpApiBuilder` built).
 *
 * @category models
 * @since 0.1.0
 */
export interface Deps {
  readonly settings: Settings
  readonly store: Store.Store
  readonly faults: FaultInjection.Faults
  readonly routes: Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    unknown,
    HttpServerRequest.HttpServerRequest | RequestState
  >
}

const BUG_MESSAGE = "The mock server failed unexpectedly; this is a bug in exa-webhooks-mock, please report it " +
  "with this request id"

// A defect must still answer in Exa's form and with the request id, and be visible on stderr.
const bugResponse = (requestId: string) =>
  HttpServerResponse.jsonUnsafe({
    error: { type: "api_error", code: "mock_bug", message: BUG_MESSAGE, requestId }
  }, { status: 500 })

class RouteNotFound {
  readonly reason = { _tag: "RouteNotFound" } as const
}

const isRouteNotFound = (error: unknown): boolean =>
  (error as Partial<HttpServerError.HttpServerError> | undefined)?.reason?._tag === "RouteNotFound"

// Closing the socket is what a crashed upstream looks like to the client: no status, no body.
const dropConnection = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.sync(() => (request.source as IncomingMessage).socket?.destroy())

const pathnameOf = (url: string) => {
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}

/**
 * The application for `deps`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  deps: Deps
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const requestId = Ids.requestId()
    return yield* answer(deps, request, requestId).pipe(
      Effect.catchDefect((defect) =>
        Effect.logError("exa-webhooks-mock: unexpected failure", defect).pipe(
          Effect.as(HttpServerResponse.setHeader(bugResponse(requestId), "x-request-id", requestId))
        )
      )
    )
  })

// The routes for one request; a path no endpoint has is answered with `notFound`'s 404 or 405. HEAD is not one of
// Exa's methods: the router would answer it as a GET, so it is refused before routing.
const route = (
  deps: Deps,
  request: HttpServerRequest.HttpServerRequest,
  state: RequestState["Service"],
  notFound: () => Failures.NotFound | Failures.MethodNotAllowed
) =>
  (request.method === "HEAD" ? Effect.fail(new RouteNotFound()) : deps.routes).pipe(
    Effect.provideService(RequestState, state),
    Effect.catch((error) =>
      isRouteNotFound(error)
        ? Effect.succeed(Failures.toResponse(notFound(), state.requestId, deps.settings))
        : Effect.die(error)
    )
  )

const NO_FATE: FaultInjection.Fate = { fault: undefined, ambiguous: undefined }

const answer = (deps: Deps, request: HttpServerRequest.HttpServerRequest, requestId: string) =>
  Effect.gen(function*() {
    const pathname = pathnameOf(request.url)
    if (pathname === "/_mock" || pathname.startsWith("/_mock/")) {
      const response = yield* route(
        deps,
        request,
        { requestId, fate: NO_FATE, dropped: false },
        () => ControlRoutes.routeFailure(request.method, pathname)
      )
      return HttpServerResponse.setHeader(response, "x-request-id", requestId)
    }
    deps.store.bump("requests")
    const state = { requestId, fate: deps.faults.draw(), dropped: false }
    const response = yield* route(deps, request, state, () => routeFailure(request.method, pathname))
    if (!state.dropped) deps.store.countResponse(response.status)
    if (deps.settings.latencyMillis > 0) yield* Effect.sleep(Duration.millis(deps.settings.latencyMillis))
    if (state.dropped) {
      yield* dropConnection(request)
      return yield* Effect.interrupt
    }
    return HttpServerResponse.setHeader(response, "x-request-id", requestId)
  })
