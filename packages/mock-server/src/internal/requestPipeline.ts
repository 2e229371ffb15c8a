/**
 * The HTTP application: one effect that answers every request the server receives.
 *
 * An API request (anything outside `/_mock/`) goes through, in order:
 * 1. counted in `requests`; its fate drawn from the seeded fault sequence (see `Faults`);
 * 2. routed: unknown path 404, known path with another method 405;
 * 3. authenticated: 401;
 * 4. rate-limited per key: 429;
 * 5. injected fault (`--fault-rate`): 500/502/503, nothing changed;
 * 6. read and validated: 415, 413, 400;
 * 7. committed atomically (404 for an unknown id, 409 at the webhook limit); a committed change may then meet its
 *    ambiguous fault (`--ambiguous-fault-rate`): a 500, or the connection closed without a response;
 * 8. held for `--latency` milliseconds, then answered.
 *
 * Every response carries `X-Request-Id`.
 *
 * @since 0.1.0
 */
import { type DateTime, Duration, Effect, Option, Redacted, Result } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { IncomingMessage } from "node:http"
import * as Api from "./webhookHandlers.ts"
import * as ApiFailure from "./failures.ts"
import * as Auth from "./apiKeyCheck.ts"
import * as Control from "./controlRoutes.ts"
import type * as Faults from "./faultInjection.ts"
import * as Ids from "./ids.ts"
import type * as RateLimit from "./tokenBucket.ts"
import type * as Store from "./store.ts"

/**
 * The settings the pipeline reads.
 *
 * @since 0.1.0
 */
export interface Settings {
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly rateLimit: number | undefined
  readonly retryAfter: boolean
  readonly latencyMillis: number
}

/**
 * What the application works on.
 *
 * @since 0.1.0
 */
export interface Deps {
  readonly settings: Settings
  readonly store: Store.Store
  readonly faults: Faults.Faults
  readonly rateLimit: RateLimit.RateLimit | undefined
  readonly nowMillis: () => number
  readonly now: () => DateTime.Utc
  readonly control: Control.Deps
}

type Outcome =
  | { readonly _tag: "Respond"; readonly response: HttpServerResponse.HttpServerResponse }
  | { readonly _tag: "Drop" }

const respond = (response: HttpServerResponse.HttpServerResponse): Outcome => ({ _tag: "Respond", response })

const BUG_MESSAGE = "The mock server failed unexpectedly; this is a bug in exa-webhooks-mock, please report it " +
  "with this request id"

// A defect must still answer in Exa's form and with the request id, and be visible on stderr.
const bugResponse = (requestId: string) =>
  HttpServerResponse.jsonUnsafe({
    error: { type: "api_error", code: "mock_bug", message: BUG_MESSAGE, requestId }
  }, { status: 500 })

const api = (deps: Deps, request: HttpServerRequest.HttpServerRequest, url: URL, requestId: string) =>
  Effect.gen(function*() {
    const { faults, settings, store } = deps
    store.bump("requests")
    const fate = faults.draw()
    const outcome = yield* Effect.gen(function*() {
      const { id, route } = yield* Effect.fromResult(Api.match(request.method, url.pathname))
      const key = yield* Effect.fromResult(Auth.authenticate(request.headers, settings.apiKey))
      if (deps.rateLimit !== undefined) {
        const decision = deps.rateLimit.take(key, deps.nowMillis())
        if (!decision.allowed) {
          store.bump("rateLimited")
          return yield* new ApiFailure.RateLimited({
            retryAfterMillis: decision.retryAfterMillis,
            message: `This API key is over the rate limit of ${settings.rateLimit} requests per second; retry ` +
              `after ${ApiFailure.retryAfterSeconds(decision.retryAfterMillis)} s`
          })
        }
      }
      if (fate.fault !== undefined) {
        store.bump("faults")
        return yield* new ApiFailure.InjectedFault({
          status: fate.fault,
          applied: false,
          message: `The server failed before handling the request (a fault injected by exa-webhooks-mock ` +
            `--fault-rate); nothing was changed, so retrying is safe`
        })
      }
      const commit = yield* route.prepare({ request, url, id, store, now: deps.now })
      return yield* Effect.fromResult(Result.flatMap(commit(), (body): Result.Result<Outcome, ApiFailure.ApiFailure> => {
        if (!route.mutating || fate.ambiguous === undefined) return Result.succeed(respond(
          HttpServerResponse.jsonUnsafe(body)
        ))
        store.bump("faults")
        store.bump("ambiguousFaults")
        if (fate.ambiguous === "drop") {
          store.bump("droppedConnections")
          return Result.succeed({ _tag: "Drop" })
        }
        return Result.fail(
          new ApiFailure.InjectedFault({
            status: 500,
            applied: true,
            message: "The server failed while answering (a fault injected by exa-webhooks-mock " +
              "--ambiguous-fault-rate); the request may or may not have been applied"
          })
        )
      }))
    }).pipe(
      Effect.catch((failure) => Effect.succeed(respond(ApiFailure.toResponse(failure, requestId, settings))))
    )
    if (outcome._tag === "Respond") store.countResponse(outcome.response.status)
    return outcome
  })

// Closing the socket is what a crashed upstream looks like to the client: no status, no body.
const dropConnection = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.sync(() => (request.source as IncomingMessage).socket?.destroy())

const parseUrl = (path: string) => URL.parse(path, "http://mock.invalid")

/**
 * The application for `deps`.
 *
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

const answer = (deps: Deps, request: HttpServerRequest.HttpServerRequest, requestId: string) =>
  Effect.gen(function*() {
    const url = request.url.startsWith("/") ? parseUrl(request.url) : null
    if (url !== null && (url.pathname === "/_mock" || url.pathname.startsWith("/_mock/"))) {
      const response = yield* Control.handle(deps.control, request, url).pipe(
        Effect.catch((failure) => Effect.succeed(ApiFailure.toResponse(failure, requestId, deps.settings)))
      )
      return HttpServerResponse.setHeader(response, "x-request-id", requestId)
    }
    const outcome = yield* api(deps, request, url ?? new URL("http://mock.invalid/"), requestId)
    if (deps.settings.latencyMillis > 0) yield* Effect.sleep(Duration.millis(deps.settings.latencyMillis))
    if (outcome._tag === "Drop") {
      yield* dropConnection(request)
      return yield* Effect.interrupt
    }
    return HttpServerResponse.setHeader(outcome.response, "x-request-id", requestId)
  })
