/**
 * The one place where what went wrong becomes a tagged error: invalid input, HTTP statuses, transport failures and
 * bodies that do not decode, a store that failed. What is shown of a body, a header or a transport's message is
 * redacted and cut here, once; the errors derive their `message` from these fields and classify themselves
 * (`isRetryable`, `mayHaveBeenApplied`, `retryAfter`).
 */
import { ApiError as ExaApiError, Validation } from "@exa-webhooks/schema"
import { Duration, Option, Result, Schema, SchemaIssue } from "effect"
import { Headers } from "effect/http"
import * as Errors from "../WebhooksError.ts"
import type { WebhooksError } from "../WebhooksError.ts"
import type { ProxyFailure } from "./proxy.ts"
import { proxyFailureOf } from "./proxy.ts"

/** The operation a failure belongs to, as the errors report it. */
export interface Operation {
  readonly method: string
  readonly path: string
  /**
   * Set for a create: when its final error leaves the outcome unknown (5xx, timeout, dropped connection), the error
   * carries this key and its advice says how to finish the create without a duplicate (see {@link recoveryAdvice}).
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

/** One field of an input that broke a rule. */
export type Problem = Validation.Problem

/** The longest piece of a body, header or transport message an error shows. */
const SNIPPET_LENGTH = 200

const snippetOf = (text: string) => (text.length > SNIPPET_LENGTH ? `${text.slice(0, SNIPPET_LENGTH)}…` : text)

const decodeJson = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Unknown))

/** `InvalidInputError` for problems found before anything was sent. */
export const invalidInput = (
  operation: Operation,
  problems: ReadonlyArray<Validation.Problem>
): Errors.InvalidInputError => new Errors.InvalidInputError({ ...where(operation), problems })

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
  /** Its origin, named in messages. */
  readonly origin: string
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

/** Shown text: redacted, then cut. */
const shown = (context: Context, text: string) => snippetOf(context.redact(text))

/**
 * The fields of an error whose request may have been applied: for a create (an operation with an idempotency key),
 * the key, and {@link recoveryAdvice} in place of `advice`.
 */
const ifApplied = (
  operation: Operation,
  applied: boolean,
  advice: { readonly advice: string; readonly setting?: Errors.Setting }
) =>
  operation.idempotencyKey === undefined || !applied
    ? advice
    : { idempotencyKey: operation.idempotencyKey, advice: recoveryAdvice(operation.idempotencyKey) }

/**
 * `UnexpectedResponseError`, however it arose: a 2xx whose body (or one of whose listed items) does not decode, a
 * page that breaks the paging rules, a redirect. The snippet is the start of `body`, redacted.
 */
export const unexpected = (operation: Operation, response: {
  readonly status: number
  readonly headers?: Headers.Headers | undefined
  readonly body: string
  readonly problem?: string | undefined
  readonly location?: string | undefined
}, context: Context): Errors.UnexpectedResponseError => {
  const requestId = response.headers === undefined
    ? undefined
    : Option.getOrUndefined(Headers.get(response.headers, "x-request-id"))
  const redirect = response.status >= 300 && response.status < 400
  return new Errors.UnexpectedResponseError({
    ...where(operation),
    status: response.status,
    ...(requestId === undefined ? {} : { requestId: shown(context, requestId) }),
    snippet: shown(context, response.body),
    ...(response.problem === undefined ? {} : { problem: shown(context, response.problem) }),
    ...(redirect ? { origin: context.origin } : {}),
    ...(response.location === undefined ? {} : { location: shown(context, response.location) }),
    advice: redirect
      ? `Check the base URL (${context.baseUrl}); use the redirect's target as the base URL only if you trust it.`
      : "The API may have changed; upgrade @exa-webhooks/client or report it with the snippet."
  })
}

/** The first problem of a schema issue, as the `problem` of an `UnexpectedResponseError`. */
export const problemOfIssue = (issue: SchemaIssue.Issue): string | undefined => {
  const first = Validation.problems(issue)[0]
  return first === undefined ? undefined : `${first.path === "" ? "" : `${first.path}: `}${first.message}`
}

/** A redirect (3xx): never followed, since the request carries the API key. */
const redirect = (operation: Operation, status: number, headers: Headers.Headers, context: Context) => {
  const location = Option.getOrUndefined(Headers.get(headers, "location"))
  const target = location === undefined
    ? undefined
    : URL.canParse(location, context.baseUrl)
    ? new URL(location, context.baseUrl).href
    : location
  return unexpected(operation, {
    status,
    headers,
    body: target === undefined ? "(no Location header)" : `Location: ${target}`,
    location: target
  }, context)
}

/** A non-2xx response. `body` is the raw text; what is shown of it is redacted here. */
export const fromResponse = (operation: Operation, response: {
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: string
  readonly retryAfter: Duration.Duration | undefined
}, context: Context): WebhooksError => {
  const status = response.status
  if (status >= 300 && status < 400) return redirect(operation, status, response.headers, context)
  const body = context.redact(response.body)
  const summary = Option.flatMap(decodeJson(body), ExaApiError.summarizeUnknown)
  const exaMessage = Option.match(summary, { onNone: () => undefined, onSome: (s) => s.message })
  const requestId = Option.getOrUndefined(Option.flatMap(summary, (s) => Option.fromNullishOr(s.requestId))) ??
    Option.getOrUndefined(Option.map(Headers.get(response.headers, "x-request-id"), context.redact))
  const code = Option.getOrUndefined(Option.flatMap(summary, (s) => Option.fromNullishOr(s.code)))
  const detail = Option.getOrUndefined(Option.flatMap(summary, (s) => Option.fromNullishOr(s.detail)))
  const serverMessage = exaMessage !== undefined
    ? exaMessage.replace(/[.\s]+$/, "")
    : body.trim() === ""
    ? undefined
    : snippetOf(body.trim())
  const fields = {
    ...where(operation),
    status,
    attempts: 1,
    ...(requestId === undefined ? {} : { requestId }),
    ...(code === undefined ? {} : { code }),
    ...(serverMessage === undefined ? {} : { serverMessage })
  }
  const retryAfter = response.retryAfter === undefined ? {} : { retryAfter: response.retryAfter }
  switch (status) {
    case 401:
      return new Errors.AuthenticationError({
        ...fields,
        advice: "Check the API key: it is missing, mistyped or revoked.",
        setting: setting(context, "apiKey")
      })
    case 403:
      return new Errors.PermissionDeniedError({
        ...fields,
        advice: "The key is valid but may not do this; check the key's team and plan."
      })
    case 404: {
      const error = new Errors.NotFoundError(fields)
      return new Errors.NotFoundError({
        ...fields,
        advice: error.namesWebhook
          ? "List webhooks to see their ids."
          : error.namesEvent
          ? "List events to see their ids."
          : `Check the base URL (${context.baseUrl}).`
      })
    }
    case 429:
      return new Errors.RateLimitError({
        ...fields,
        ...retryAfter,
        advice: "Lower the client's rate limit or retry later.",
        setting: setting(context, "rateLimit")
      })
  }
  if (status >= 500) {
    return new Errors.ServerError({ ...fields, ...retryAfter, ...ifApplied(operation, true, { advice: "Retry later." }) })
  }
  return new Errors.ApiError({ ...fields, ...retryAfter, ...(detail === undefined ? {} : { detail }) })
}

interface CauseInfo {
  readonly code: string | undefined
  readonly message: string | undefined
  readonly hostname: string | undefined
  readonly proxy: ProxyFailure | undefined
}

// undici, fetch and HttpClient wrap the socket error: `HttpClientError(TransportError(cause: TypeError("fetch
// failed", { cause: Error("connect ECONNREFUSED ...") })))`. The innermost code and message say what happened.
const innermost = (cause: unknown): CauseInfo => {
  let current: unknown = cause
  let code: string | undefined
  let message: string | undefined
  let hostname: string | undefined
  let proxy: ProxyFailure | undefined
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    proxy ??= proxyFailureOf(current)
    const c = current as {
      readonly code?: unknown
      readonly message?: unknown
      readonly hostname?: unknown
      readonly cause?: unknown
    }
    if (typeof c.code === "string") code = c.code
    if (typeof c.hostname === "string") hostname = c.hostname
    if (typeof c.message === "string" && c.message !== "") message = c.message
    current = c.cause
  }
  return { code, message, hostname, proxy }
}

// A name that does not resolve: getaddrinfo's codes as Node reports them.
const dnsCodes: ReadonlySet<string> = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_NODATA", "EAI_FAIL"])

/** No usable response: the connection (or the proxy, or the name lookup) failed or dropped, or the body was cut. */
export const transport = (operation: Operation, cause: unknown, context: Context): Errors.TransportError => {
  const info = innermost(cause)
  const base = {
    ...where(operation),
    attempts: 1,
    origin: context.origin,
    ...(info.code === undefined ? {} : { code: info.code }),
    ...(info.message === undefined ? {} : { detail: shown(context, info.message) })
  }
  if (info.proxy !== undefined) {
    return new Errors.TransportError({
      ...base,
      reason: "proxy",
      proxy: info.proxy.proxy,
      advice: `Check the proxy (${info.proxy.variable}), or list ${
        new URL(context.baseUrl).hostname
      } in NO_PROXY to reach it directly.`
    })
  }
  if (info.code !== undefined && dnsCodes.has(info.code)) {
    const host = info.hostname ?? new URL(context.baseUrl).hostname
    return new Errors.TransportError({
      ...base,
      reason: "dns",
      host: shown(context, host),
      advice: `Check the base URL (${context.baseUrl}) for a mistyped host, and the network's name service.`
    })
  }
  const applied = info.code === undefined || !Errors.NOT_SENT_CODES.has(info.code)
  return new Errors.TransportError({
    ...base,
    reason: "connection",
    ...ifApplied(operation, applied, { advice: `Check the network and the base URL (${context.baseUrl}).` })
  })
}

/** The request was sent but no complete response came within the timeout. */
export const timeout = (operation: Operation, limit: Duration.Duration, context: Context): Errors.TransportError =>
  new Errors.TransportError({
    ...where(operation),
    reason: "timeout",
    attempts: 1,
    origin: context.origin,
    timeout: limit,
    ...ifApplied(operation, true, { advice: "Check the network, or raise the timeout.", setting: setting(context, "timeout") })
  })

/** The limiter's store failed: the request was not given its turn, and not sent. */
export const store = (operation: Operation, cause: { readonly message: string }, context: Context): Errors.RateLimitStoreError =>
  new Errors.RateLimitStoreError({ ...where(operation), detail: shown(context, cause.message) })

/** The final error of a call: `error` with the number of attempts made, for the errors that count them. */
export const withAttempts = (error: WebhooksError, attempts: number): WebhooksError =>
  "attempts" in error && error.attempts !== attempts
    ? new (error.constructor as new(fields: object) => WebhooksError)({ ...error, attempts })
    : error
