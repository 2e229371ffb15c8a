/**
 * Every way a webhook operation (or building the client) can fail, as tagged errors that classify themselves.
 *
 * Each error carries the operation (`method`, `path`), the HTTP `status` where there was a response, Exa's
 * `requestId` (from the body or the `X-Request-Id` header) and a `message` that says what happened. What to do about
 * it lives in fields the caller renders: `advice` (one sentence) and `setting` (the client option, and the
 * environment variable when the client read it from one, that the advice is about). Each error says whether sending
 * the request again can help (`isRetryable`) and, when the server said, how long to wait first (`retryAfter`). None
 * of them ever holds the API key.
 *
 * @example
 * ```ts
 * import { WebhooksError } from "@exa-webhooks/client"
 *
 * const explain = (u: unknown) =>
 *   WebhooksError.isWebhooksError(u) ? WebhooksError.format(u) : String(u)
 * ```
 * @since 0.1.0
 */
import { Validation } from "@exa-webhooks/schema"
import { Duration, Predicate, Schema } from "effect"
import { HttpClient } from "effect/http"
import type { HttpClientResponse } from "effect/http"

/**
 * Marks the errors of this package, for {@link isWebhooksError}. A symbol, so it never shows in `JSON.stringify`.
 *
 * @category type IDs
 * @since 0.3.0
 */
export const TypeId: unique symbol = Symbol.for("@exa-webhooks/client/WebhooksError")

/**
 * @category type IDs
 * @since 0.3.0
 */
export type TypeId = typeof TypeId

const Request = {
  /** HTTP method of the operation, e.g. `POST`. */
  method: Schema.String,
  /** Path of the operation, e.g. `/websets/v0/webhooks/wh_123`. */
  path: Schema.String
}

/**
 * The configuration an error's `advice` is about: the option of `WebhooksClient.layer` and, when the client read it
 * from the environment (`layerConfig`), the variable it came from. An application that sets the client up its own
 * way (a CLI flag, a settings file) renders its own name for it instead.
 *
 * @category models
 * @since 0.3.0
 */
export const Setting = Schema.Struct({
  option: Schema.String,
  env: Schema.optionalKey(Schema.String)
})

/**
 * @category models
 * @since 0.3.0
 */
export type Setting = typeof Setting.Type

const Guidance = {
  /** What the caller can do about it, as one sentence (no configuration names: see `setting`). */
  advice: Schema.optionalKey(Schema.String),
  setting: Schema.optionalKey(Setting)
}

/** How many times the request was sent before the client gave up (retries included). */
const attempts = Schema.optionalKey(Schema.Number)

/**
 * Set only on the final error of a `create` whose outcome is unknown (the request was sent, and a 5xx, a timeout or
 * a dropped connection came back): the webhook may exist. Call `create` again with this key and `lookupFirst: true`.
 */
const idempotencyKey = Schema.optionalKey(Schema.String)

/** How long the server asked to wait before the next request (its `Retry-After`), when it said. */
const retryAfter = Schema.optionalKey(Schema.Duration)

const Response = {
  ...Request,
  status: Schema.Number,
  attempts,
  requestId: Schema.optionalKey(Schema.String),
  /** Exa's machine-readable code or tag, when the body had one. */
  code: Schema.optionalKey(Schema.String),
  ...Guidance
}

/**
 * The statuses worth sending again: exactly `HttpClient.isTransientResponse` (408, 429, 500, 502, 503, 504), which
 * only reads the status.
 */
const isTransientStatus = (status: number): boolean =>
  HttpClient.isTransientResponse({ status } as HttpClientResponse.HttpClientResponse)

/**
 * One field of an input that broke a rule: the schema package's `Validation.Problem` (one definition, shared with the
 * mock's error bodies and the bins' reports).
 *
 * @category models
 * @since 0.1.0
 */
export const Problem = Validation.Problem

/**
 * An argument broke a rule of the API; nothing was sent. `problems` names every field and rule.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidInputError extends Schema.TaggedError<InvalidInputError>()("InvalidInputError", {
  ...Request,
  problems: Schema.Array(Problem),
  message: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  /** Never: the same input breaks the same rule. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * An option given to `WebhooksClient.make` / `layer` is out of range (a negative rate limit, a base URL with
 * credentials, ...): the client was not built and nothing was sent. `option` names it (`retry.maxRetries`), `value`
 * shows what was given (a base URL's credentials masked).
 *
 * @category errors
 * @since 0.3.0
 */
export class InvalidOptionsError extends Schema.TaggedError<InvalidOptionsError>()("InvalidOptionsError", {
  option: Schema.String,
  value: Schema.String,
  message: Schema.String,
  ...Guidance
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
}

/**
 * 401: the API key is missing or wrong.
 *
 * @category errors
 * @since 0.1.0
 */
export class AuthenticationError extends Schema.TaggedError<AuthenticationError>()("AuthenticationError", {
  ...Response,
  message: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
}

/**
 * 403: the key is valid but may not do this.
 *
 * @category errors
 * @since 0.1.0
 */
export class PermissionDeniedError extends Schema.TaggedError<PermissionDeniedError>()("PermissionDeniedError", {
  ...Response,
  message: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
}

/**
 * 404: no webhook with that id (or the route does not exist).
 *
 * @category errors
 * @since 0.1.0
 */
export class NotFoundError extends Schema.TaggedError<NotFoundError>()("NotFoundError", {
  ...Response,
  message: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
}

/**
 * 429: the key's rate budget is spent (after the retries). `retryAfter` is how long Exa asked to wait, when it said.
 *
 * @category errors
 * @since 0.1.0
 */
export class RateLimitError extends Schema.TaggedError<RateLimitError>()("RateLimitError", {
  ...Response,
  retryAfter,
  message: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  /** Always: the budget comes back with time. */
  get isRetryable(): boolean {
    return true
  }
}

/**
 * Any other 4xx (400 validation, 408, 409, 422, ...).
 *
 * @category errors
 * @since 0.1.0
 */
export class ApiError extends Schema.TaggedError<ApiError>()("ApiError", {
  ...Response,
  retryAfter,
  detail: Schema.optionalKey(Schema.Unknown),
  message: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  /** Only a 408 (the server gave up waiting for the request): any other 4xx refuses the request itself. */
  get isRetryable(): boolean {
    return isTransientStatus(this.status)
  }
}

/**
 * 5xx (after the retries).
 *
 * @category errors
 * @since 0.1.0
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  ...Response,
  retryAfter,
  idempotencyKey,
  message: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  /** 500, 502, 503 and 504; not 501 or 505, which say the server will never do it. */
  get isRetryable(): boolean {
    return isTransientStatus(this.status)
  }
}

/**
 * No usable HTTP response: the connection failed or dropped, or the request timed out (after retries).
 *
 * @category errors
 * @since 0.1.0
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  ...Request,
  reason: Schema.Literals(["timeout", "connection"]),
  attempts,
  idempotencyKey,
  ...Guidance,
  message: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return true
  }
}

/**
 * A response this client will not use: a 2xx whose body did not decode (`snippet` holds the start of the body), or
 * a redirect (3xx), which is never followed because following it would send the API key wherever it points
 * (`location` holds where it pointed, `snippet` says the same for older readers).
 *
 * @category errors
 * @since 0.1.0
 */
export class UnexpectedResponseError extends Schema.TaggedError<UnexpectedResponseError>()("UnexpectedResponseError", {
  ...Request,
  status: Schema.Number,
  requestId: Schema.optionalKey(Schema.String),
  snippet: Schema.String,
  location: Schema.optionalKey(Schema.String),
  ...Guidance,
  message: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
}

/**
 * Two creates with the same idempotency key ran at the same time (two processes, say) and both were applied. Exactly
 * one webhook is kept, `webhookId`, and the caller that made it holds its secret; this caller's webhook was deleted
 * again. Raised with `onRecovered: "recreate"` (with `"return"` the kept webhook is returned, `secret: null`).
 *
 * @category errors
 * @since 0.2.0
 */
export class IdempotencyConflictError extends Schema.TaggedError<IdempotencyConflictError>()("IdempotencyConflictError", {
  ...Request,
  idempotencyKey: Schema.String,
  webhookId: Schema.optionalKey(Schema.String),
  ...Guidance,
  message: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
}

/**
 * The rate limiter's store (the process's memory, or a shared one such as Redis) failed, so the request could not be
 * given its turn and was NOT sent. `message` is the store's own account of what failed.
 *
 * @category errors
 * @since 0.3.0
 */
export class RateLimitStoreError extends Schema.TaggedError<RateLimitStoreError>()("RateLimitStoreError", {
  ...Request,
  ...Guidance,
  message: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
}

/**
 * Any failure of a `WebhooksClient` operation, or of building the client (`InvalidOptionsError`), as a schema: a
 * union of the error classes above, to decode or encode them (for instance across a worker boundary).
 *
 * @category schemas
 * @since 0.3.0
 */
export const WebhooksError: Schema.Union<[
  typeof InvalidInputError,
  typeof InvalidOptionsError,
  typeof AuthenticationError,
  typeof PermissionDeniedError,
  typeof NotFoundError,
  typeof RateLimitError,
  typeof ApiError,
  typeof ServerError,
  typeof TransportError,
  typeof UnexpectedResponseError,
  typeof IdempotencyConflictError,
  typeof RateLimitStoreError
]> = Schema.Union([
  InvalidInputError,
  InvalidOptionsError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  RateLimitError,
  ApiError,
  ServerError,
  TransportError,
  UnexpectedResponseError,
  IdempotencyConflictError,
  RateLimitStoreError
])

/**
 * Any failure of a `WebhooksClient` operation, or of building the client.
 *
 * @category models
 * @since 0.1.0
 */
export type WebhooksError = typeof WebhooksError.Type

/**
 * Whether `u` is one of this package's errors (by a mark every error class carries, not by its tag).
 *
 * @example
 * ```ts
 * Effect.catchIf(WebhooksError.isWebhooksError, (error) => Console.error(WebhooksError.format(error)))
 * ```
 * @category guards
 * @since 0.3.0
 */
export const isWebhooksError = (u: unknown): u is WebhooksError => Predicate.hasProperty(u, TypeId)

/**
 * How long the server asked to wait, for any error (`undefined` when it did not say, or for errors without a
 * response).
 *
 * @category getters
 * @since 0.3.0
 */
export const retryAfterOf = (error: WebhooksError): Duration.Duration | undefined =>
  "retryAfter" in error ? error.retryAfter : undefined

/**
 * The error as one line of text for a person: the message, then its advice, the setting named as `name(setting)`
 * says (by default the environment variable the client read it from, else the option of `WebhooksClient.layer`).
 *
 * @example
 * ```ts
 * // A CLI names its own flag: "... Lower the rate limit or retry later (--rate-limit)."
 * WebhooksError.format(error, { name: (s) => s.option === "rateLimit" ? "--rate-limit" : s.env })
 * ```
 * @category formatting
 * @since 0.3.0
 */
export const format = (
  error: WebhooksError,
  options: { readonly name?: ((setting: Setting) => string | undefined) | undefined } = {}
): string => {
  const advice = "advice" in error ? error.advice : undefined
  if (advice === undefined) return error.message
  const setting = "setting" in error ? error.setting : undefined
  const named = setting === undefined
    ? undefined
    : options.name !== undefined
    ? options.name(setting)
    : setting.env ?? `the ${setting.option} option`
  const sentence = named === undefined ? advice : advice.replace(/\.?$/, ` (${named}).`)
  return `${error.message} ${sentence}`
}
