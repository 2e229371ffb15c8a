/**
 * Sends the client's requests: one attempt (its turn at the limiter, then the exchange authenticated, limited by
 * `Effect.timeoutOrElse`, its body read and decoded by the success schema), and the attempts of one call under
 * `Effect.retry` with the retry `Schedule` (`retrySchedule.ts`). Knows nothing about webhooks beyond the schemas it is
 * handed, and the one hook a create needs between two attempts (`recover`).
 */
import { Clock, Context, Duration, Effect, Option, Redacted, Result, Schedule, Schema, Tracer } from "effect"
import type { Fiber } from "effect"
import { constFalse } from "effect/Function"
import { FetchHttpClient, Headers, HttpBody, HttpClient, HttpClientRequest, UrlParams } from "effect/http"
import type { HttpClientResponse } from "effect/http"
import type { WebhooksError } from "../WebhooksError.ts"
import * as Errors from "./errors.ts"
import type { Pacer } from "./pacing.ts"
import { redactor } from "./redact.ts"
import * as RetrySchedule from "./retrySchedule.ts"
import { USER_AGENT } from "./version.ts"

/** One HTTP call: the operation (method, full path) plus its query and JSON body. */
export interface Call extends Errors.Operation {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE"
  /** A repeated parameter (the events list's `types`) is an array. */
  readonly urlParams?: Readonly<Record<string, string | ReadonlyArray<string>>> | undefined
  readonly body?: unknown
}

/**
 * Runs between two attempts of a call whose last attempt may have been applied (`mayHaveBeenApplied`): `Some` ends
 * the call with that value (the create happened after all), `None` lets the next attempt go. A failure ends the call
 * with the last attempt's error.
 */
export type Recover<A> = (previous: WebhooksError) => Effect.Effect<Option.Option<A>, WebhooksError>

/** Runs calls for one client instance. */
export interface Executor {
  /** `call` until it succeeds or the retry policy stops, its body decoded by `success`. */
  readonly request: <A>(call: Call, success: Schema.Decoder<A>, recover?: Recover<A>) => Effect.Effect<A, WebhooksError>
}

/** What the executor needs: everything is resolved and validated by the caller. */
export interface Settings {
  readonly client: HttpClient.HttpClient
  /** Applied to the client after the base URL and headers are set, as in Effect's own API clients. */
  readonly transformClient: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
  /** Without a trailing `/`: every call's path starts with one. */
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly timeout: Duration.Duration
  readonly policy: RetrySchedule.Policy
  readonly pacer: Pacer
  /** Where the settings came from, for the errors' `setting` (see `Errors.Context`). */
  readonly env: Errors.Context["env"]
}

/**
 * The decoder of a schema with the default options, made once per schema: the item arrays of the listings.
 */
const decoders = new WeakMap<object, (input: unknown) => Result.Result<unknown, Schema.SchemaError>>()
export const decoderOf = <A>(schema: Schema.Decoder<A>): (input: unknown) => Result.Result<A, Schema.SchemaError> => {
  let decoder = decoders.get(schema)
  if (decoder === undefined) {
    decoder = Schema.decodeUnknownResult(schema)
    decoders.set(schema, decoder)
  }
  return decoder as (input: unknown) => Result.Result<A, Schema.SchemaError>
}

/** The decoder of a response body (JSON text) by an endpoint's success schema, made once per schema. */
const bodyDecoders = new WeakMap<object, (body: string) => Result.Result<unknown, Schema.SchemaError>>()
const bodyDecoderOf = <A>(schema: Schema.Decoder<A>): (body: string) => Result.Result<A, Schema.SchemaError> => {
  let decoder = bodyDecoders.get(schema)
  if (decoder === undefined) {
    decoder = Schema.decodeUnknownResult(Schema.fromJsonString(schema))
    bodyDecoders.set(schema, decoder)
  }
  return decoder as (body: string) => Result.Result<A, Schema.SchemaError>
}

/**
 * Time spent queued at the gate by the requests of a create's recovery (its lookups and deletes), so that the
 * create's budget can leave it out: waiting behind other callers is the rate limit working, not Exa failing.
 */
export const GateWaits = Context.Reference<{ millis: number } | undefined>("@exa-webhooks/client/GateWaits", {
  defaultValue: () => undefined
})

// A span attribute is text that is shown (an exporter, a log): HttpClient records response headers on its spans when
// the application asks it to (`TracerHeaderFilter`), and a header may echo the key, wholly or in part.
const redactingTracer = (tracer: Tracer.Tracer, redact: (text: string) => string): Tracer.Tracer =>
  Tracer.make({
    ...(tracer.context === undefined ? {} : { context: tracer.context.bind(tracer) }),
    span: (options) => {
      const span = tracer.span(options)
      return new Proxy(span, {
        get: (target, property) => {
          if (property === "attribute") {
            return (key: string, value: unknown) => target.attribute(key, typeof value === "string" ? redact(value) : value)
          }
          const value = Reflect.get(target, property, target)
          return typeof value === "function" ? value.bind(target) : value
        }
      })
    }
  })

const isKeyHeader = (name: string | RegExp) => typeof name === "string" && name.toLowerCase() === "x-api-key"

// Whatever fetch the application provided (`FetchHttpClient`), it is called with `redirect: "manual"`: a followed
// redirect would carry the `x-api-key` header (and a create's body) to wherever the server points. A 3xx then reaches
// the client, which reports it. (undici's and node:http's clients never follow.)
const MANUAL_REDIRECTS: globalThis.RequestInit = { redirect: "manual" }
const manualRedirects = (fiber: Fiber.Fiber<unknown, unknown>): globalThis.RequestInit => {
  const given = Context.getOrUndefined(fiber.context, FetchHttpClient.RequestInit)
  return given === undefined ? MANUAL_REDIRECTS : { ...given, redirect: "manual" }
}

// The final error of a call says how many attempts it made.
const withAttempts = (failed: RetrySchedule.Failed) => Errors.withAttempts(failed.error, failed.attempt)

/** Builds the executor for one client instance. */
export const make = (settings: Settings): Executor => {
  const { pacer, policy } = settings
  const secret = Redacted.value(settings.apiKey)
  const context: Errors.Context = {
    baseUrl: settings.baseUrl,
    origin: new URL(settings.baseUrl).origin,
    redact: redactor(secret),
    env: settings.env
  }
  // Every request is made whole at once (base URL, headers, query, body); the application's `transformClient` still
  // sees it complete.
  const headers = Headers.fromInput({ "x-api-key": secret, "user-agent": USER_AGENT, accept: "application/json" })
  const client = settings.transformClient === undefined ? settings.client : settings.transformClient(settings.client)
  const toRequest = (call: Call) => {
    const request = HttpClientRequest.makeWith(
      call.method,
      settings.baseUrl + call.path,
      call.urlParams === undefined ? UrlParams.empty : UrlParams.fromInput(call.urlParams),
      Option.none(),
      headers,
      HttpBody.empty
    )
    return call.body === undefined ? request : HttpClientRequest.bodyJsonUnsafe(request, call.body)
  }

  // Made once: what the timeout fails with names the call, so only the call's part is built per attempt.
  const timeoutOf = (call: Call) => () => Effect.fail(Errors.timeout(call, settings.timeout, context))

  /**
   * The exchange of one attempt: the response and its whole body, within the timeout (interrupted at its end, which
   * aborts the request). When the application records headers on HTTP spans, the key's header is among the redacted
   * ones and every text attribute is redacted.
   */
  const exchange = (call: Call) =>
    Effect.withFiber((fiber) => {
      let sent = client.execute(toRequest(call)).pipe(
        Effect.flatMap((response) => Effect.map(response.text, (text) => ({ response, text }))),
        Effect.mapError((cause) => Errors.transport(call, cause, context)),
        Effect.provideService(FetchHttpClient.RequestInit, manualRedirects(fiber))
      )
      if (fiber.getRef(HttpClient.TracerHeaderFilter) !== constFalse) {
        const names = fiber.getRef(Headers.CurrentRedactedNames)
        sent = sent.pipe(
          Effect.provideService(Headers.CurrentRedactedNames, names.some(isKeyHeader) ? names : [...names, "x-api-key"]),
          Effect.withTracer(redactingTracer(fiber.getRef(Tracer.Tracer), context.redact))
        )
      }
      return Effect.timeoutOrElse(sent, { duration: settings.timeout, orElse: timeoutOf(call) })
    })

  // What a received answer becomes: the decoded body of a 2xx, else the error it is. The body is data: it is decoded
  // as received (a key that also occurs in metadata stays intact); only what an error shows of it is redacted.
  const outcome = <A>(
    call: Call,
    response: HttpClientResponse.HttpClientResponse,
    body: string,
    success: Schema.Decoder<A>
  ): Effect.Effect<A, WebhooksError> => {
    if (response.status < 200 || response.status >= 300) {
      return Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.fail(Errors.fromResponse(call, {
          status: response.status,
          headers: response.headers,
          body,
          retryAfter: Errors.retryAfterOf(response.headers, now)
        }, context)))
    }
    // The body as JSON of the endpoint's schema: a problem of either is reported as the schema words it.
    const decoded = bodyDecoderOf(success)(body)
    return Result.isSuccess(decoded) ? Effect.succeed(decoded.success) : Effect.fail(Errors.unexpected(call, {
      status: response.status,
      headers: response.headers,
      body,
      problem: Errors.problemOfIssue(decoded.failure.issue)
    }, context))
  }
  // A learned rate (`"auto"`) takes in every answer first, whatever it becomes.
  const { observe } = pacer
  const settle: typeof outcome = observe === undefined
    ? outcome
    : (call, response, body, success) =>
      Effect.andThen(observe(response.status, response.headers), outcome(call, response, body, success))

  // The failure of an attempt, for the schedule. A 429 pauses everyone first, not only this request: the key's budget
  // is spent for every fiber (and every process sharing the store), even when this request itself gives up.
  const failure = (error: WebhooksError, attempt: number, spentMillis: number) =>
    error._tag === "RateLimitError"
      ? pacer.pause(RetrySchedule.pauseMillis(policy, error)).pipe(
        Effect.matchEffect({
          onFailure: (cause) => Effect.fail(new RetrySchedule.Failed(Errors.store(error, cause, context), attempt, spentMillis, true)),
          onSuccess: () => Effect.fail(new RetrySchedule.Failed(error, attempt, spentMillis))
        })
      )
      : Effect.fail(new RetrySchedule.Failed(error, attempt, spentMillis))

  /**
   * One attempt: its turn at the limiter (time not counted against `maxElapsed`; a store that fails ends the call,
   * nothing was sent), then the exchange, timed. The wait of a create's recovery requests is metered (`GateWaits`).
   */
  const attempt = <A>(call: Call, success: Schema.Decoder<A>): Effect.Effect<A, RetrySchedule.Failed> =>
    Effect.withFiber((fiber) => {
      const number = fiber.getRef(Schedule.CurrentMetadata).attempt + 1
      const clock = fiber.getRef(Clock.Clock)
      const send = (): Effect.Effect<A, RetrySchedule.Failed> => {
        const startedAt = clock.currentTimeMillisUnsafe()
        return exchange(call).pipe(
          Effect.flatMap(({ response, text }) => settle(call, response, text, success)),
          Effect.catch((error) => failure(error, number, clock.currentTimeMillisUnsafe() - startedAt))
        )
      }
      // Nothing to wait for (no spacing, no pause): straight to the exchange.
      if (pacer.idle()) return send()
      const queuedAt = clock.currentTimeMillisUnsafe()
      return pacer.take.pipe(
        Effect.mapError((cause) => new RetrySchedule.Failed(Errors.store(call, cause, context), number, 0, true)),
        Effect.flatMap(() => {
          const meter = fiber.getRef(GateWaits)
          if (meter !== undefined) meter.millis += clock.currentTimeMillisUnsafe() - queuedAt
          return send()
        })
      )
    })

  /**
   * Between two attempts of a call whose last one may have been applied: `recover`, its time (not its requests' time
   * queued behind the limiter) counted, and no attempt started past `maxElapsed`. A recovery that fails, or leaves
   * no time, ends the call with the last attempt's error.
   */
  const recovering = <A>(
    call: Call,
    success: Schema.Decoder<A>,
    recover: Recover<A>,
    previous: RetrySchedule.Failed,
    left: RetrySchedule.Left
  ): Effect.Effect<A, RetrySchedule.Failed> =>
    Effect.gen(function*() {
      const queued = { millis: 0 }
      const startedAt = yield* Clock.currentTimeMillis
      const found = yield* recover(previous.error).pipe(
        Effect.provideService(GateWaits, queued),
        Effect.mapError(() => new RetrySchedule.Failed(previous.error, previous.attempt, 0, true))
      )
      const spentMillis = (yield* Clock.currentTimeMillis) - startedAt - queued.millis
      if (Option.isSome(found)) return found.value
      if (spentMillis > left.millis) {
        return yield* Effect.fail(new RetrySchedule.Failed(previous.error, previous.attempt, spentMillis, true))
      }
      return yield* attempt(call, success).pipe(
        Effect.mapError((next) => new RetrySchedule.Failed(next.error, next.attempt, next.spentMillis + spentMillis, next.final))
      )
    })

  // The operation of a failed attempt, for the retry's log line: every error of a sent request names it.
  const onRetry = (failed: RetrySchedule.Failed, delayMillis: number) => {
    const { method, path } = failed.error as Partial<Errors.Operation>
    const status = "status" in failed.error ? failed.error.status : undefined
    return Effect.logDebug(
      `exa-webhooks: retrying ${method} ${path} after ${
        status === undefined ? "a failure without response" : `status ${status}`
      } (attempt ${failed.attempt} of ${policy.maxRetries + 1}) in ${delayMillis} ms`
    ).pipe(Effect.annotateLogs({ method, path, status: status ?? "none", attempt: failed.attempt, delayMillis }))
  }
  // One schedule for every call of this client: its state (the time a call has used) is made per run.
  const schedule = RetrySchedule.make(policy, onRetry)

  const request = <A>(call: Call, success: Schema.Decoder<A>, recover?: Recover<A>): Effect.Effect<A, WebhooksError> => {
    const once = attempt(call, success)
    const step = recover === undefined ? once : Effect.flatMap(Schedule.CurrentMetadata, (meta) => {
      const previous = meta.input as RetrySchedule.Failed | undefined
      return previous !== undefined && previous.error.mayHaveBeenApplied
        ? recovering(call, success, recover, previous, meta.output as RetrySchedule.Left)
        : once
    })
    return Effect.mapError(Effect.retry(step, schedule), withAttempts)
  }

  return { request }
}
