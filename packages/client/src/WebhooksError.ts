/**
 * Every way a webhook operation can fail, as tagged errors. Each carries the operation (`method`, `path`), the HTTP
 * `status` where there was a response, Exa's `requestId` (from the body or the `X-Request-Id` header) and Exa's
 * `message`. None of them ever holds the API key.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const Request = {
  /** HTTP method of the operation, e.g. `POST`. */
  method: Schema.String,
  /** Path of the operation, e.g. `/websets/v0/webhooks/wh_123`. */
  path: Schema.String
}

/** How many times the request was sent before the client gave up (retries included). */
const attempts = Schema.optionalKey(Schema.Number)

/**
 * Set only on the final error of a `create` whose outcome is unknown (the request was sent, and a 5xx, a timeout or
 * a dropped connection came back): the webhook may exist. Call `create` again with this key and `lookupFirst: true`.
 */
const idempotencyKey = Schema.optionalKey(Schema.String)

const Response = {
  ...Request,
  status: Schema.Number,
  attempts,
  requestId: Schema.optionalKey(Schema.String),
  /** Exa's machine-readable code or tag, when the body had one. */
  code: Schema.optionalKey(Schema.String)
}

/**
 * One field of an input that broke a rule.
 *
 * @since 0.1.0
 */
export const Problem = Schema.Struct({ path: Schema.String, message: Schema.String })

/**
 * An argument broke a rule of the API; nothing was sent. `problems` names every field and rule.
 *
 * @since 0.1.0
 */
export class InvalidInputError extends Schema.TaggedError<InvalidInputError>()("InvalidInputError", {
  ...Request,
  problems: Schema.Array(Problem),
  message: Schema.String
}) {}

/**
 * 401: the API key is missing or wrong.
 *
 * @since 0.1.0
 */
export class AuthenticationError extends Schema.TaggedError<AuthenticationError>()("AuthenticationError", {
  ...Response,
  message: Schema.String
}) {}

/**
 * 403: the key is valid but may not do this.
 *
 * @since 0.1.0
 */
export class PermissionDeniedError extends Schema.TaggedError<PermissionDeniedError>()("PermissionDeniedError", {
  ...Response,
  message: Schema.String
}) {}

/**
 * 404: no webhook with that id (or the route does not exist).
 *
 * @since 0.1.0
 */
export class NotFoundError extends Schema.TaggedError<NotFoundError>()("NotFoundError", {
  ...Response,
  message: Schema.String
}) {}

/**
 * 429 that outlasted the retry policy.
 *
 * @since 0.1.0
 */
export class RateLimitError extends Schema.TaggedError<RateLimitError>()("RateLimitError", {
  ...Response,
  /** How long the server asked to wait, in milliseconds, when it said. */
  retryAfterMillis: Schema.optionalKey(Schema.Number),
  message: Schema.String
}) {}

/**
 * Any other 4xx (400 validation, 409, 422, ...).
 *
 * @since 0.1.0
 */
export class ApiError extends Schema.TaggedError<ApiError>()("ApiError", {
  ...Response,
  detail: Schema.optionalKey(Schema.Unknown),
  message: Schema.String
}) {}

/**
 * 5xx that outlasted the retry policy.
 *
 * @since 0.1.0
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  ...Response,
  idempotencyKey,
  message: Schema.String
}) {}

/**
 * No usable HTTP response: the connection failed or dropped, or the request timed out (after retries).
 *
 * @since 0.1.0
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  ...Request,
  reason: Schema.Literals(["timeout", "connection"]),
  attempts,
  idempotencyKey,
  message: Schema.String
}) {}

/**
 * A response this client will not use: a 2xx whose body did not decode (`snippet` holds the start of the body), or
 * a redirect (3xx), which is never followed because following it would send the API key wherever it points
 * (`location` holds where it pointed, `snippet` says the same for older readers).
 *
 * @since 0.1.0
 */
export class UnexpectedResponseError extends Schema.TaggedError<UnexpectedResponseError>()("UnexpectedResponseError", {
  ...Request,
  status: Schema.Number,
  requestId: Schema.optionalKey(Schema.String),
  snippet: Schema.String,
  location: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

/**
 * Two creates with the same idempotency key ran at the same time (two processes, say) and both were applied. Exactly
 * one webhook is kept, `webhookId`, and the caller that made it holds its secret; this caller's webhook was deleted
 * again. Raised with `onRecovered: "recreate"` (with `"return"` the kept webhook is returned, `secret: null`).
 *
 * @since 0.2.0
 */
export class IdempotencyConflictError extends Schema.TaggedError<IdempotencyConflictError>()("IdempotencyConflictError", {
  ...Request,
  idempotencyKey: Schema.String,
  webhookId: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

/**
 * Any failure of a {@link WebhooksClient} operation.
 *
 * @since 0.1.0
 */
export type WebhooksError =
  | InvalidInputError
  | AuthenticationError
  | PermissionDeniedError
  | NotFoundError
  | RateLimitError
  | ApiError
  | ServerError
  | TransportError
  | UnexpectedResponseError
  | IdempotencyConflictError
