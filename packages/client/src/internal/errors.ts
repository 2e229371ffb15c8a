/**
 * The one place where what went wrong becomes a tagged error: invalid input, HTTP statuses, transport failures and
 * bodies that do not decode, a store that failed. The errors classify themselves (`isRetryable`, `retryAfter`); what
 * is recorded here besides is whether a create's request may have been applied.
 */
import { ApiError as ExaApiError, Validation } from "@exa-webhooks/schema"
import { Headers } from "effect/http"
import { Duration, Option, Result, Schema, SchemaIssue } from "effect"
import * as Errors from "../WebhooksError.ts"
import type { WebhooksError } from "../WebhooksError.ts"

/** The operation a failure belongs to, as the errors report it. */
export interface Operation {
  readonly method: string
  readonly path: string
  /**
   * Set for a create: when its final error leaves the outcome unknown (5xx, timeout, dropped connection), the error
   * carries this key and its message says how to finish the create without a duplicate (see {@link ifApplied}).
   */
  readonly idempotencyKey?: string | undefined
}

const where = (operation: Operation) => ({ method: operation.method, path: operation.path })

/**
 * The advice a library caller gets when a create may have been applied: one sentence, on one line (`JSON.stringify`
 * escapes any line break in the key). An application that gives its users other advice (the CLI names its
 * `--idempotency-key` flag) renders its own from the error's `idempotencyKey`.
 */
export const recoveryAdvice = (idempotencyKey: string): string =>
  `The webhook may have been created: call create again with idempotencyKey ${
    JSON.stringify(idempotencyKey)
  } and lookupFirst: true to recover it without a duplicate.`

/**
 * The fields of a final error whose request may have been applied: with an idempotency key (a create), the key and
 * {@link recoveryAdvice} replace the advice of the failure itself.
 */
const ifApplied = (operation: Operation, advice: { readonly advice: string; readonly setting?: Errors.Setting }) =>
  operation.idempotencyKey === undefined
    ? advice
    : { idempotencyKey: operation.idempotencyKey, advice: recoveryAdvice(operation.idempotencyKey) }

/** One field of an input that broke a rule. */
export type Problem = Validation.Problem

/**
 * A failed attempt. The error classifies itself (`isRetryable`, `retryAfter`) and is built once the attempt count is
 * known; `ambiguous` is for a create, which must look before it sends again.
 */
export interface Failure {
  /** The server may have applied the request although the client saw a failure. */
  readonly ambiguous: boolean
  readonly toError: (attempts: number) => WebhooksError
}

const SNIPPET_LENGTH = 200

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
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

const describeStatus = (status: number) => `${status}${statusText[status] ? ` ${statusText[status]}` : ""}`

const afterAttempts = (attempts: number) => (attempts > 1 ? ` after ${attempts} attempts` : "")

const snippetOf = (text: string) => (text.length > SNIPPET_LENGTH ? `${text.slice(0, SNIPPET_LENGTH)}…` : text)

const decodeJson = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Unknown))

/** `InvalidInputError` for problems found before anything was sent. */
export const invalidInput = (
  operation: Operation,
  problems: ReadonlyArray<Validation.Problem>
): Errors.InvalidInputError =>
  new Errors.InvalidInputError({
    ...where(operation),
    problems,
    message: `Invalid input for ${operation.method} ${operation.path}; nothing was sent:\n` +
      problems.map((p) => `- ${p.path === "" ? "input" : p.path}: ${p.message}`).join("\n")
  })

/** The problems of a schema issue, each path prefixed with `prefix` (the argument's name) when given. */
export const problemsOf = (issue: SchemaIssue.Issue, prefix?: string): ReadonlyArray<Validation.Problem> =>
  Validation.problems(issue).map((p) =>
    prefix === undefined
      ? p
      : { path: p.path === "" ? prefix : p.path.startsWith("[") ? `${prefix}${p.path}` : `${prefix}.${p.path}`, message: p.message }
  )

/** Parses `Retry-After` (seconds or HTTP date) into the wait from `now` (whole milliseconds). */
export const retryAfterOf = (headers: Headers.Headers, now: number): Duration.Duration | undefined =>
  Option.match(Headers.get(headers, "retry-after"), {
    onNone: () => undefined,
    onSome: (value) => {
      const parsed = Headers.parseRetryAfter(value.trim())
      return Result.isSuccess(parsed)
        ? Duration.millis(Math.ceil(Duration.toMillis(Headers.retryAfterDelay(parsed.success, now))))
        : undefined
    }
  })

/** The options an error's advice can be about. */
export type SettingName = "apiKey" | "rateLimit" | "timeout"

/** What the error builders need to know about the client: where it sends requests, and how to hide its key. */
export interface Context {
  /** The base URL requests go to, named in advice ("check the base URL ..."). */
  readonly baseUrl: string
  /** Removes the API key (and any run of 8 or more of its characters) from text that will be shown. */
  readonly redact: (text: string) => string
  /**
   * The environment variables the client read its settings from (`layerConfig`), named in `setting.env`; empty for
   * a client built from explicit options, whose users never see a variable's name.
   */
  readonly env: Readonly<Partial<Record<SettingName, string>>>
}

const setting = (context: Context, option: SettingName): Errors.Setting => {
  const env = context.env[option]
  return env === undefined ? { option } : { option, env }
}

/** A redirect (3xx): never followed, since the request carries the API key. */
const redirect = (operation: Operation, response: {
  readonly status: number
  readonly headers: Headers.Headers
}, context: Context): Failure => {
  const location = Option.getOrUndefined(Headers.get(response.headers, "location"))
  const target = location === undefined
    ? undefined
    : URL.canParse(location, context.baseUrl)
    ? new URL(location, context.baseUrl).href
    : location
  // Only the origin is named in the message: the rest of the target may carry tokens.
  const origin = target !== undefined && URL.canParse(target) ? new URL(target).origin : undefined
  const shown = target === undefined ? undefined : context.redact(snippetOf(target))
  const requestId = Option.getOrUndefined(Headers.get(response.headers, "x-request-id"))
  return {
    ambiguous: false,
    toError: () =>
      new Errors.UnexpectedResponseError({
        ...where(operation),
        status: response.status,
        ...(requestId === undefined ? {} : { requestId: context.redact(requestId) }),
        ...(shown === undefined ? {} : { location: shown }),
        snippet: shown === undefined ? "(no Location header)" : `Location: ${shown}`,
        message: `${operation.method} ${operation.path}: the server at ${new URL(context.baseUrl).origin} answered ${
          describeStatus(response.status)
        }, redirecting to ${origin === undefined ? "an unnamed location" : context.redact(origin)}. The client never ` +
          `follows a redirect (it would send the API key there), so the request went no further.`,
        advice: `Check the base URL (${context.baseUrl}); use the redirect's target as the base URL only if you trust it.`
      })
  }
}

/** A non-2xx response. `body` is the raw text; what is shown of it is redacted here. */
export const fromResponse = (operation: Operation, response: {
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: string
  readonly retryAfter: Duration.Duration | undefined
}, context: Context): Failure => {
  if (response.status >= 300 && response.status < 400) return redirect(operation, response, context)
  const status = response.status
  const body = context.redact(response.body)
  const summary = Option.flatMap(decodeJson(body), ExaApiError.summarizeUnknown)
  const exaMessage = Option.match(summary, { onNone: () => undefined, onSome: (s) => s.message })
  const requestId = Option.getOrUndefined(Option.flatMap(summary, (s) => Option.fromNullishOr(s.requestId))) ??
    Option.getOrUndefined(Option.map(Headers.get(response.headers, "x-request-id"), context.redact))
  const code = Option.getOrUndefined(Option.flatMap(summary, (s) => Option.fromNullishOr(s.code)))
  const detail = Option.getOrUndefined(Option.flatMap(summary, (s) => Option.fromNullishOr(s.detail)))
  const retryAfter = response.retryAfter === undefined ? {} : { retryAfter: response.retryAfter }
  const fields = (attempts: number) => ({
    ...where(operation),
    status,
    attempts,
    ...(requestId === undefined ? {} : { requestId }),
    ...(code === undefined ? {} : { code })
  })
  const said = exaMessage !== undefined
    ? `: ${exaMessage.replace(/[.\s]+$/, "")}`
    : body.trim() === ""
    ? ""
    : `: ${snippetOf(body.trim())}`
  const head = (attempts: number) =>
    `${operation.method} ${operation.path}: Exa answered ${describeStatus(status)}${afterAttempts(attempts)}${said}` +
    (requestId === undefined ? "" : ` (request id ${requestId})`)
  // A 4xx means the request was refused; only a 5xx may hide work the server did before failing.
  const failure = (toError: (attempts: number) => WebhooksError): Failure => ({ ambiguous: status >= 500, toError })
  if (status === 401) {
    return failure((n) =>
      new Errors.AuthenticationError({
        ...fields(n),
        message: `${head(n)}.`,
        advice: "Check the API key: it is missing, mistyped or revoked.",
        setting: setting(context, "apiKey")
      })
    )
  }
  if (status === 403) {
    return failure((n) =>
      new Errors.PermissionDeniedError({
        ...fields(n),
        message: `${head(n)}.`,
        advice: "The key is valid but may not do this; check the key's team and plan."
      })
    )
  }
  if (status === 404) {
    const hasId = /\/webhooks\/[^/]+/.test(operation.path)
    return failure((n) =>
      new Errors.NotFoundError({
        ...fields(n),
        message: `${head(n)}.${hasId ? " No webhook with this id exists for this key." : " The route does not exist."}`,
        advice: hasId ? "List webhooks to see their ids." : `Check the base URL (${context.baseUrl}).`
      })
    )
  }
  if (status === 429) {
    const waited = response.retryAfter === undefined
      ? ""
      : ` Exa asked to wait ${Math.ceil(Duration.toSeconds(response.retryAfter))} s.`
    return failure((n) =>
      new Errors.RateLimitError({
        ...fields(n),
        ...retryAfter,
        message: `${head(n)}.${waited}`,
        advice: "Lower the client's rate limit or retry later.",
        setting: setting(context, "rateLimit")
      })
    )
  }
  if (status >= 500) {
    return failure((n) =>
      new Errors.ServerError({
        ...fields(n),
        ...retryAfter,
        message: `${head(n)}. Exa failed to handle the request.`,
        ...ifApplied(operation, { advice: "Retry later." })
      })
    )
  }
  return failure((n) =>
    new Errors.ApiError({
      ...fields(n),
      ...retryAfter,
      ...(detail === undefined ? {} : { detail }),
      message: `${head(n)}.`
    })
  )
}

interface CauseInfo {
  readonly code: string | undefined
  readonly message: string | undefined
}

// fetch and undici wrap the socket error: `TypeError("fetch failed", { cause: Error("connect ECONNREFUSED ...") })`.
const innermost = (cause: unknown): CauseInfo => {
  let current: unknown = cause
  let code: string | undefined
  let message: string | undefined
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const c = current as { readonly code?: unknown; readonly message?: unknown; readonly cause?: unknown }
    if (typeof c.code === "string") code = c.code
    if (typeof c.message === "string" && c.message !== "") message = c.message
    current = c.cause
  }
  return { code, message }
}

// The connection was never made, so nothing reached the server.
const notSentCodes: ReadonlySet<string> = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"])

/** No usable response: the connection failed or dropped, or the body could not be read. */
export const transport = (
  operation: Operation,
  options: { readonly cause: unknown },
  context: Context
): Failure => {
  const info = innermost(options.cause)
  const detail = context.redact(
    snippetOf([info.code, info.message].filter((s) => s !== undefined).join(": ") || "connection failed")
  )
  const origin = new URL(context.baseUrl).origin
  const ambiguous = info.code === undefined || !notSentCodes.has(info.code)
  return {
    ambiguous,
    toError: (attempts) =>
      new Errors.TransportError({
        ...where(operation),
        reason: "connection",
        attempts,
        message: `${operation.method} ${operation.path}: could not reach Exa at ${origin}${
          afterAttempts(attempts)
        } (${detail}).`,
        ...ifApplied(ambiguous ? operation : where(operation), {
          advice: `Check the network and the base URL (${context.baseUrl}).`
        })
      })
  }
}

/** The request was sent but no complete response came within the timeout. */
export const timeout = (operation: Operation, timeoutMillis: number, context: Context): Failure => ({
  ambiguous: true,
  toError: (attempts) =>
    new Errors.TransportError({
      ...where(operation),
      reason: "timeout",
      attempts,
      message: `${operation.method} ${operation.path}: no response within ${timeoutMillis} ms${afterAttempts(attempts)}.`,
      ...ifApplied(operation, { advice: "Check the network, or raise the timeout.", setting: setting(context, "timeout") })
    })
})

/** A 2xx whose body is not what the endpoint promises. `body` is the raw text; what is shown of it is redacted. */
export const unexpected = (operation: Operation, response: {
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: string
  readonly issue: SchemaIssue.Issue
}, context: Context): Failure => {
  const requestId = Option.getOrUndefined(Option.map(Headers.get(response.headers, "x-request-id"), context.redact))
  const first = Validation.problems(response.issue)[0]
  const problem = first === undefined
    ? ""
    : ` (${first.path === "" ? "" : `${first.path}: `}${context.redact(snippetOf(first.message))})`
  return {
    ambiguous: false,
    toError: () =>
      new Errors.UnexpectedResponseError({
        ...where(operation),
        status: response.status,
        ...(requestId === undefined ? {} : { requestId }),
        snippet: snippetOf(context.redact(response.body)),
        message: `${operation.method} ${operation.path}: Exa answered ${response.status} with a body this client cannot ` +
          `read${problem}.`,
        advice: "The API may have changed; upgrade @exa-webhooks/client or report it with the snippet."
      })
  }
}

/** The limiter's store failed: the request was not given its turn, and not sent. */
export const store = (operation: Operation, cause: { readonly message: string }, context: Context): Errors.RateLimitStoreError =>
  new Errors.RateLimitStoreError({
    ...where(operation),
    message: `${operation.method} ${operation.path}: the rate limiter's store failed, so the request was not sent (${
      context.redact(cause.message)
    }).`
  })
