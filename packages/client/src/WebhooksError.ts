/**
 * Every way a webhook operation (or building the client) can fail, as tagged errors that classify themselves.
 *
 * Each error carries the operation (`method`, `path`), the HTTP `status` where there was a response, Exa's
 * `requestId` (from the body or the `X-Request-Id` header) and a `message` that says what happened, derived from
 * those fields (so an error decoded on the other side of a worker reads the same). What to do about it lives in
 * fields the caller renders: `advice` (one sentence) and `setting` (the client option, and the environment variable
 * when the client read it from one, that the advice is about). Each error says whether sending the request again can
 * help (`isRetryable`), whether the request may have been applied although it failed (`mayHaveBeenApplied`: a
 * create is never sent again before the client has looked for what it made) and, when the server said, how long to
 * wait first (`retryAfter`). None of them ever holds the API key.
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

/**
 * The statuses worth sending again: exactly `HttpClient.isTransientResponse` (408, 429, 500, 502, 503, 504), which
 * only reads the status.
 */
const isTransientStatus = (status: number): boolean =>
  HttpClient.isTransientResponse({ status } as HttpClientResponse.HttpClientResponse)

const statusText: Readonly<Record<number, string>> = {
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

/** `429 Too Many Requests`: the status and its reason phrase, when it has a common one. */
const describeStatus = (status: number) => `${status}${statusText[status] ? ` ${statusText[status]}` : ""}`

const afterAttempts = (count: number | undefined) => (count !== undefined && count > 1 ? ` after ${count} attempts` : "")

/** The head every error of an operation's request shares: `GET /websets/v0/webhooks`. */
const operation = (error: { readonly method: string; readonly path: string }) => `${error.method} ${error.path}`

/**
 * What the errors with an HTTP response say: `POST /websets/v0/webhooks: Exa answered 502 Bad Gateway after 3
 * attempts: upstream failed (request id req_1).`, then `more`.
 */
const answered = (error: ResponseFields, more = "") =>
  `${operation(error)}: Exa answered ${describeStatus(error.status)}${afterAttempts(error.attempts)}${
    error.serverMessage === undefined ? "" : `: ${error.serverMessage}`
  }${error.requestId === undefined ? "" : ` (request id ${error.requestId})`}.${more}`

type ResponseFields = {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly attempts?: number | undefined
  readonly serverMessage?: string | undefined
  readonly requestId?: string | undefined
}

const Response = {
  ...Request,
  status: Schema.Number,
  attempts,
  requestId: Schema.optionalKey(Schema.String),
  /** Exa's machine-readable code or tag, when the body had one. */
  code: Schema.optionalKey(Schema.String),
  /** What Exa said: the message of its error body, else the start of the body as received (the key redacted). */
  serverMessage: Schema.optionalKey(Schema.String),
  ...Guidance
}

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
  problems: Schema.Array(Problem)
}) {
  readonly [TypeId]: TypeId = TypeId
  /** Never: the same input breaks the same rule. */
  get isRetryable(): boolean {
    return false
  }
  /** Never: nothing was sent. */
  get mayHaveBeenApplied(): boolean {
    return false
  }
  override get message(): string {
    return `Invalid input for ${operation(this)}; nothing was sent:\n` +
      (this.problems ?? []).map((p) => `- ${p.path === "" ? "input" : p.path}: ${p.message}`).join("\n")
  }
}

/**
 * An option given to `WebhooksClient.make` / `layer` is out of range (a negative rate limit, a base URL with
 * credentials, ...): the client was not built and nothing was sent. `option` names it (`retry.maxRetries`), `value`
 * shows what was given (a base URL's credentials masked), `rule` what is allowed.
 *
 * @category errors
 * @since 0.3.0
 */
export class InvalidOptionsError extends Schema.TaggedError<InvalidOptionsError>()("InvalidOptionsError", {
  option: Schema.String,
  value: Schema.String,
  rule: Schema.String,
  ...Guidance
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
  get mayHaveBeenApplied(): boolean {
    return false
  }
  override get message(): string {
    return `invalid client option ${this.option}: ${this.rule}`
  }
}

/**
 * 401: the API key is missing or wrong.
 *
 * @category errors
 * @since 0.1.0
 */
export class AuthenticationError extends Schema.TaggedError<AuthenticationError>()("AuthenticationError", Response) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
  /** Never: a 4xx refuses the request. */
  get mayHaveBeenApplied(): boolean {
    return false
  }
  override get message(): string {
    return answered(this)
  }
}

/**
 * 403: the key is valid but may not do this.
 *
 * @category errors
 * @since 0.1.0
 */
export class PermissionDeniedError extends Schema.TaggedError<PermissionDeniedError>()("PermissionDeniedError", Response) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
  get mayHaveBeenApplied(): boolean {
    return false
  }
  override get message(): string {
    return answered(this)
  }
}

/**
 * 404: no webhook with that id (or the route does not exist).
 *
 * @category errors
 * @since 0.1.0
 */
export class NotFoundError extends Schema.TaggedError<NotFoundError>()("NotFoundError", Response) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
  get mayHaveBeenApplied(): boolean {
    return false
  }
  /** Whether the path names a webhook (`/webhooks/{id}`), rather than a route that does not exist. */
  get namesWebhook(): boolean {
    return /\/webhooks\/[^/]+/.test(this.path ?? "")
  }
  /**
   * Whether the path names an event (`/events/{id}`): no such event, or one Exa no longer keeps.
   * @since 0.4.0
   */
  get namesEvent(): boolean {
    return /\/events\/[^/]+/.test(this.path ?? "")
  }
  override get message(): string {
    return answered(
      this,
      this.namesWebhook
        ? " No webhook with this id exists for this key."
        : this.namesEvent
        ? " No event with this id exists for this key (or it is no longer kept)."
        : " The route does not exist."
    )
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
  retryAfter
}) {
  readonly [TypeId]: TypeId = TypeId
  /** Always: the budget comes back with time. */
  get isRetryable(): boolean {
    return true
  }
  get mayHaveBeenApplied(): boolean {
    return false
  }
  override get message(): string {
    return answered(
      this,
      this.retryAfter === undefined ? "" : ` Exa asked to wait ${Math.ceil(Duration.toSeconds(this.retryAfter))} s.`
    )
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
  detail: Schema.optionalKey(Schema.Unknown)
}) {
  readonly [TypeId]: TypeId = TypeId
  /** Only a 408 (the server gave up waiting for the request): any other 4xx refuses the request itself. */
  get isRetryable(): boolean {
    return isTransientStatus(this.status)
  }
  get mayHaveBeenApplied(): boolean {
    return false
  }
  override get message(): string {
    return answered(this)
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
  idempotencyKey
}) {
  readonly [TypeId]: TypeId = TypeId
  /** 500, 502, 503 and 504; not 501 or 505, which say the server will never do it. */
  get isRetryable(): boolean {
    return isTransientStatus(this.status)
  }
  /** Always: a 5xx may hide work the server did before it failed. */
  get mayHaveBeenApplied(): boolean {
    return true
  }
  override get message(): string {
    return answered(this, " Exa failed to handle the request.")
  }
}

/**
 * The system error codes of a connection that was never made, so nothing reached the server.
 *
 * @category models
 * @since 0.3.0
 */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EAI_NODATA",
  "UND_ERR_CONNECT_TIMEOUT"
])

/**
 * No usable HTTP response (after retries). `reason` says why:
 * - `"timeout"`: the request was sent and no complete response came within `timeout`;
 * - `"connection"`: the connection to `origin` failed or dropped (`code`, `detail`: the system's account);
 * - `"dns"`: `host` does not resolve (a mistyped base URL or proxy): not retried, a name that did not resolve does
 *   not start resolving a second later;
 * - `"proxy"`: the proxy (`proxy`, its credentials masked) could not be reached or refused the request.
 *
 * @category errors
 * @since 0.1.0
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  ...Request,
  reason: Schema.Literals(["timeout", "connection", "dns", "proxy"]),
  attempts,
  idempotencyKey,
  /** Where the request was going: the origin of the base URL. */
  origin: Schema.optionalKey(Schema.String),
  /** The time limit of one attempt, for a `"timeout"`. */
  timeout: Schema.optionalKey(Schema.Duration),
  /** The system's error code (`ECONNREFUSED`, `ENOTFOUND`, ...). */
  code: Schema.optionalKey(Schema.String),
  /** The transport's own account of the failure (the key redacted). */
  detail: Schema.optionalKey(Schema.String),
  /** The host that does not resolve, for a `"dns"` failure. */
  host: Schema.optionalKey(Schema.String),
  /** The proxy the request went to, for a `"proxy"` failure (its credentials masked). */
  proxy: Schema.optionalKey(Schema.String),
  ...Guidance
}) {
  readonly [TypeId]: TypeId = TypeId
  /** A timeout or a failed connection may pass; a name that does not resolve or a proxy that is not there does not. */
  get isRetryable(): boolean {
    return this.reason === "timeout" || this.reason === "connection"
  }
  /** A timeout, or a connection that dropped after the request was written (not one that was never made). */
  get mayHaveBeenApplied(): boolean {
    return this.reason === "timeout" ||
      (this.reason === "connection" && (this.code === undefined || !NOT_SENT_CODES.has(this.code)))
  }
  override get message(): string {
    const after = afterAttempts(this.attempts)
    const because = [this.code, this.detail].filter((s) => s !== undefined && s !== "").join(": ")
    switch (this.reason) {
      case "timeout":
        return `${operation(this)}: no response within ${
          this.timeout === undefined ? "the timeout" : `${Duration.toMillis(this.timeout)} ms`
        }${after}.`
      case "dns":
        return `${operation(this)}: the host ${this.host ?? "of the base URL"} does not resolve${
          this.code === undefined ? "" : ` (${this.code})`
        }, so Exa at ${this.origin ?? "the base URL"} could not be reached${after}.`
      case "proxy":
        return `${operation(this)}: could not go through the proxy ${this.proxy ?? ""} to ${
          this.origin ?? "Exa"
        }${after}${because === "" ? "" : ` (${because})`}.`
      default:
        return `${operation(this)}: could not reach Exa at ${this.origin ?? "the base URL"}${after} (${
          because === "" ? "connection failed" : because
        }).`
    }
  }
}

/**
 * A response this client will not use: a 2xx whose body did not decode (`problem` says what was wrong, `snippet`
 * holds the start of the body), or a redirect (3xx), which is never followed because following it would send the API
 * key wherever it points (`location` holds where it pointed, `snippet` says the same for older readers).
 *
 * @category errors
 * @since 0.1.0
 */
export class UnexpectedResponseError extends Schema.TaggedError<UnexpectedResponseError>()("UnexpectedResponseError", {
  ...Request,
  status: Schema.Number,
  requestId: Schema.optionalKey(Schema.String),
  snippet: Schema.String,
  /** What in the body broke the endpoint's schema or the paging rules (the key redacted). */
  problem: Schema.optionalKey(Schema.String),
  /** The origin of the server that answered (for a redirect). */
  origin: Schema.optionalKey(Schema.String),
  location: Schema.optionalKey(Schema.String),
  ...Guidance
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
  /** A 2xx was applied, however unreadable its answer; a redirect went no further. */
  get mayHaveBeenApplied(): boolean {
    return this.status >= 200 && this.status < 300
  }
  override get message(): string {
    if (this.status >= 300 && this.status < 400) {
      const target = this.location !== undefined && URL.canParse(this.location)
        ? new URL(this.location).origin
        : "an unnamed location"
      return `${operation(this)}: the server at ${this.origin ?? "the base URL"} answered ${
        describeStatus(this.status)
      }, redirecting to ${target}. The client never follows a redirect (it would send the API key there), so the ` +
        `request went no further.`
    }
    return `${operation(this)}: Exa answered ${this.status} with a body this client cannot read${
      this.problem === undefined ? "" : ` (${this.problem})`
    }.`
  }
}

/**
 * Two creates with the same idempotency key ran at the same time (two processes, say) and both were applied. Exactly
 * one webhook is kept, `webhookId`, and the caller that made it holds its secret; this caller's webhook
 * (`deletedId`) was deleted again. Raised with `onRecovered: "recreate"` (with `"return"` the kept webhook is
 * returned, `secret: null`).
 *
 * @category errors
 * @since 0.2.0
 */
export class IdempotencyConflictError extends Schema.TaggedError<IdempotencyConflictError>()("IdempotencyConflictError", {
  ...Request,
  idempotencyKey: Schema.String,
  webhookId: Schema.optionalKey(Schema.String),
  deletedId: Schema.optionalKey(Schema.String),
  ...Guidance
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
  /** Its webhook was made and deleted again: nothing of this call remains. */
  get mayHaveBeenApplied(): boolean {
    return false
  }
  override get message(): string {
    return `${operation(this)}: another create with the idempotency key ${
      JSON.stringify(this.idempotencyKey)
    } ran at the same time${this.webhookId === undefined ? "" : ` and keeps webhook ${this.webhookId}`}; the webhook ` +
      `this call created${this.deletedId === undefined ? "" : ` (${this.deletedId})`} was deleted again so that the ` +
      `key names one webhook, and its signing secret belongs to the other caller.`
  }
}

/**
 * A create was applied (webhook `webhookId` exists, made under `idempotencyKey`), but the check for a concurrent
 * create with the same key (`raceCheck`) could not list the webhooks, so whether this webhook is the one kept, or a
 * duplicate of another caller's, is unknown. Never reported as a success: call `create` again with the key and
 * `lookupFirst: true` to settle it (see `advice`).
 *
 * @category errors
 * @since 0.3.0
 */
export class UnconfirmedCreateError extends Schema.TaggedError<UnconfirmedCreateError>()("UnconfirmedCreateError", {
  ...Request,
  idempotencyKey: Schema.String,
  webhookId: Schema.String,
  /**
   * The signing secret Exa returned for `webhookId` (its only copy): a caller that keeps secrets (the batch tool's
   * journal) keeps this one too, since the webhook exists whether or not it turns out to be the one kept.
   * @since 0.4.0
   */
  secret: Schema.optional(Schema.Redacted(Schema.String)),
  /** Why the check failed: the lookup's own error (the key redacted). */
  detail: Schema.String,
  ...Guidance
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
  /** Always: the webhook was created. */
  get mayHaveBeenApplied(): boolean {
    return true
  }
  override get message(): string {
    return `${operation(this)}: webhook ${this.webhookId} was created, but the check for a concurrent create with the ` +
      `idempotency key ${JSON.stringify(this.idempotencyKey)} failed (${this.detail}), so it is not known to be the ` +
      `only one.`
  }
}

/**
 * The rate limiter's store (the process's memory, or a shared one such as Redis) failed, so the request could not be
 * given its turn and was NOT sent. `detail` is the store's own account of what failed.
 *
 * @category errors
 * @since 0.3.0
 */
export class RateLimitStoreError extends Schema.TaggedError<RateLimitStoreError>()("RateLimitStoreError", {
  ...Request,
  detail: Schema.String,
  ...Guidance
}) {
  readonly [TypeId]: TypeId = TypeId
  get isRetryable(): boolean {
    return false
  }
  get mayHaveBeenApplied(): boolean {
    return false
  }
  override get message(): string {
    return `${operation(this)}: the rate limiter's store failed, so the request was not sent (${this.detail}).`
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
  typeof UnconfirmedCreateError,
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
  UnconfirmedCreateError,
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
