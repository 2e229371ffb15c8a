/**
 * Every way a request to the mock can fail, and the Exa-style error body each one is answered with.
 *
 * Exa uses two body forms (see `ApiError` in `@exa-webhooks/schema`). The mock uses
 * - the flat form `{ error, message, tag, requestId }` for the gateway-level refusals: 401 and 429;
 * - the nested form `{ error: { type, code, message, detail, requestId } }` for everything the API itself answers:
 *   400, 404, 405, 409, 413, 415, the injected 5xx and the 503 of a full background-delivery backlog.
 *
 * Every message says what was wrong, where, and what to do.
 *
 * @since 0.1.0
 */
import { ApiError, Validation } from "@exa-webhooks/schema"
import { Effect, Result, Schema } from "effect"
import { HttpServerResponse } from "effect/http"
import { FAULT_STATUSES } from "./faultInjection.ts"
import { RequestState } from "./requestState.ts"

/**
 * 400: the body or query broke a rule, the JSON did not parse, the body was missing, or the cursor was not one this
 * server issued. `problems` has one entry per field (`path` as a person writes it: `events[1]`, `metadata.team`).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  code: Schema.Literals(["validation_error", "invalid_json", "missing_body", "invalid_cursor"]),
  message: Schema.String,
  problems: Schema.Array(Validation.Problem)
}) {}

/**
 * 401: no API key, or not the one the server was started with (`--api-key`).
 *
 * @category errors
 * @since 0.1.0
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  tag: Schema.Literals(["MISSING_API_KEY", "INVALID_API_KEY"]),
  message: Schema.String
}) {}

/**
 * 404: no webhook or event with that id, or no such route.
 *
 * @category errors
 * @since 0.1.0
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  code: Schema.Literals(["webhook_not_found", "event_not_found", "route_not_found"]),
  message: Schema.String
}) {}

/**
 * 405: the path exists but not with this method; `allow` lists the methods it has.
 *
 * @category errors
 * @since 0.1.0
 */
export class MethodNotAllowed extends Schema.TaggedError<MethodNotAllowed>()("MethodNotAllowed", {
  allow: Schema.Array(Schema.String),
  message: Schema.String
}) {}

/**
 * 409: the mock already stores `--max-webhooks` webhooks.
 *
 * @category errors
 * @since 0.1.0
 */
export class WebhookLimitReached extends Schema.TaggedError<WebhookLimitReached>()("WebhookLimitReached", {
  limit: Schema.Number,
  message: Schema.String
}) {}

/**
 * 413: the body is larger than the limit.
 *
 * @category errors
 * @since 0.1.0
 */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  limitBytes: Schema.Number,
  message: Schema.String
}) {}

/**
 * 415: a body was sent with a content type other than JSON.
 *
 * @category errors
 * @since 0.1.0
 */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", {
  message: Schema.String
}) {}

/**
 * 429: the key used up its `--rate-limit`; a token is back after `retryAfterMillis`.
 *
 * @category errors
 * @since 0.1.0
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  retryAfterMillis: Schema.Number,
  message: Schema.String
}) {}

/**
 * 500, 502 or 503 injected by `--fault-rate` (nothing changed, `applied: false`) or `--ambiguous-fault-rate` (the
 * change was committed, `applied: true`).
 *
 * @category errors
 * @since 0.1.0
 */
export class InjectedFault extends Schema.TaggedError<InjectedFault>()("InjectedFault", {
  status: Schema.Literals(FAULT_STATUSES),
  applied: Schema.Boolean,
  message: Schema.String
}) {}

/**
 * 503: `POST /_mock/events?wait=false` while `limit` events are already being delivered in the background. Nothing was
 * created; retry once one finishes, or publish without `?wait=false`.
 *
 * @category errors
 * @since 0.1.0
 */
export class DeliveryBacklogFull extends Schema.TaggedError<DeliveryBacklogFull>()("DeliveryBacklogFull", {
  limit: Schema.Number,
  message: Schema.String
}) {}

/**
 * @category models
 * @since 0.1.0
 */
export type ApiFailure =
  | InvalidRequest
  | Unauthorized
  | NotFound
  | MethodNotAllowed
  | WebhookLimitReached
  | PayloadTooLarge
  | UnsupportedMediaType
  | RateLimited
  | InjectedFault
  | DeliveryBacklogFull

const encodeNested = Schema.encodeSync(ApiError.NestedErrorBody)
const encodeFlat = Schema.encodeSync(ApiError.FlatErrorBody)
const encodeDetail = Schema.encodeSync(ApiError.ValidationDetail)

const faultCodes = { 500: "internal_error", 502: "bad_gateway", 503: "service_unavailable" } as const

/**
 * The HTTP status of a failure.
 *
 * @category responses
 * @since 0.1.0
 */
export const status = (failure: ApiFailure): number => {
  switch (failure._tag) {
    case "InvalidRequest":
      return 400
    case "Unauthorized":
      return 401
    case "NotFound":
      return 404
    case "MethodNotAllowed":
      return 405
    case "WebhookLimitReached":
      return 409
    case "PayloadTooLarge":
      return 413
    case "UnsupportedMediaType":
      return 415
    case "RateLimited":
      return 429
    case "InjectedFault":
      return failure.status
    case "DeliveryBacklogFull":
      return 503
  }
}

const nested = (
  failure: ApiFailure,
  requestId: string,
  type: string,
  code: string,
  detail?: unknown,
  headers: Record<string, string> = {}
) =>
  HttpServerResponse.jsonUnsafe(
    encodeNested({
      error: { type, code, message: failure.message, ...(detail === undefined ? {} : { detail }), requestId }
    }),
    { status: status(failure), headers }
  )

const flat = (failure: ApiFailure, requestId: string, error: string, tag: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe(
    encodeFlat({ error, message: failure.message, tag, requestId }),
    { status: status(failure), headers }
  )

/**
 * The response for a failure, in the body form Exa uses for its status (the forms and statuses are declared in
 * `WebhooksApi.Errors` of `@exa-webhooks/schema`). `retryAfter: false` leaves `Retry-After` off 429s
 * (`--no-retry-after`).
 *
 * @category responses
 * @since 0.1.0
 */
export const toResponse = (
  failure: ApiFailure,
  requestId: string,
  options: { readonly retryAfter: boolean } = { retryAfter: true }
): HttpServerResponse.HttpServerResponse => {
  switch (failure._tag) {
    case "InvalidRequest":
      return nested(failure, requestId, "invalid_request_error", failure.code, encodeDetail({ problems: failure.problems }))
    case "Unauthorized":
      return flat(failure, requestId, "Unauthorized", failure.tag)
    case "NotFound":
      return nested(failure, requestId, "not_found_error", failure.code)
    case "MethodNotAllowed":
      return nested(failure, requestId, "invalid_request_error", "method_not_allowed", { allow: failure.allow }, {
        allow: failure.allow.join(", ")
      })
    case "WebhookLimitReached":
      return nested(failure, requestId, "conflict_error", "webhook_limit_reached", { limit: failure.limit })
    case "PayloadTooLarge":
      return nested(failure, requestId, "invalid_request_error", "payload_too_large", {
        limitBytes: failure.limitBytes
      })
    case "UnsupportedMediaType":
      return nested(failure, requestId, "invalid_request_error", "unsupported_media_type")
    case "RateLimited":
      return flat(
        failure,
        requestId,
        "Too Many Requests",
        "RATE_LIMIT_EXCEEDED",
        options.retryAfter ? { "retry-after": String(retryAfterSeconds(failure.retryAfterMillis)) } : {}
      )
    case "InjectedFault":
      return nested(failure, requestId, "api_error", faultCodes[failure.status], {
        injected: true,
        applied: failure.applied
      })
    case "DeliveryBacklogFull":
      return nested(failure, requestId, "api_error", "delivery_backlog_full", { limit: failure.limit }, {
        "retry-after": "1"
      })
  }
}

/**
 * `Retry-After` is whole seconds: round up, and never 0 (which would invite an immediate retry into the same wall).
 *
 * @category responses
 * @since 0.1.0
 */
export const retryAfterSeconds = (millis: number): number => Math.max(1, Math.ceil(millis / 1000))

/**
 * What a handler answers: the success value, or the failure as a response in Exa's form with this request's id.
 *
 * @category responses
 * @since 0.4.0
 */
export const answer = <A>(
  result: Result.Result<A, ApiFailure>
): Effect.Effect<A | HttpServerResponse.HttpServerResponse, never, RequestState> =>
  Result.isSuccess(result)
    ? Effect.succeed(result.success)
    : Effect.gen(function*() {
      const state = yield* RequestState
      return toResponse(result.failure, state.requestId)
    })
