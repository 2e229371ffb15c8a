/**
 * Sends the client's requests: one attempt (authenticated, timed out, body read and decoded), and around attempts the
 * pacing (effect's `RateLimiter`, see `pacing.ts`) and the retries (a `Schedule`, see `retrySchedule.ts`). Knows
 * nothing about webhooks beyond the schemas it is handed.
 */
import { Clock, Context, Effect, Option, Redacted, Result, Schema, Tracer } from "effect"
import type { Fiber } from "effect"
import { constFalse, constTrue } from "effect/Function"
import { FetchHttpClient, Headers, HttpBody, HttpClient, HttpClientRequest, UrlParams } from "effect/http"
import type { HttpClientResponse } from "effect/http"
import type { RateLimiter } from "effect/persistence"
import type { WebhooksError } from "../WebhooksError.ts"
import * as Deadline from "./deadline.ts"
import * as Errors from "./errors.ts"
import type { Pacer } from "./pacing.ts"
import { redactor } from "./redact.ts"
import * as RetrySchedule from "./retrySchedule.ts"
import { USER_AGENT } from "./version.ts"

/** One HTTP call: the operation (method, full path) plus its query and JSON body. */
export interface Call extends Errors.Operation {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE"
  readonly urlParams?: Readonly<Record<string, string>> | undefined
  readonly body?: unknown
}

/** Runs calls for one client instance. */
export interface Executor {
  /**
   * One attempt, no retry and no pacing (`retrying` paces). A non-2xx, a transport failure or an undecodable body
   * fails with a classified `Failure`. `quick` is a plain-code decoder tried before `success` (`Webhook.fromWire`):
   * what it returns is taken as decoded, `undefined` leaves the body to the schema.
   */
  readonly attempt: <A>(
    call: Call,
    success: Schema.Decoder<A>,
    quick?: (input: unknown) => A | undefined
  ) => Effect.Effect<A, Errors.Failure>
  /**
   * Runs `attempt` until it succeeds or the policy stops. `beforeResend` runs after the wait and before the next
   * attempt; a `Some` ends the loop with that value (how `create` recovers a request that was applied after all).
   */
  readonly retrying: <A>(
    operation: Errors.Operation,
    attempt: Effect.Effect<A, Errors.Failure>,
    beforeResend?: (failure: Errors.Failure, attempts: number) => Effect.Effect<Option.Option<A>, WebhooksError>
  ) => Effect.Effect<A, WebhooksError>
  /** `attempt` under `retrying`: for requests that are safe to repeat. Every request goes through `retrying`. */
  readonly request: <A>(
    call: Call,
    success: Schema.Decoder<A>,
    quick?: (input: unknown) => A | undefined
  ) => Effect.Effect<A, WebhooksError>
}

/** What the executor needs: everything is resolved and validated by the caller. */
export interface Settings {
  readonly client: HttpClient.HttpClient
  /** Applied to the client after the base URL and headers are set, as in Effect's own API clients. */
  readonly transformClient: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
  /** Without a trailing `/`: every call's path starts with one. */
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly timeoutMillis: number
  readonly policy: RetrySchedule.Policy
  readonly pacer: Pacer
  /** Where the settings came from, for the errors' `setting` (see `Errors.Context`). */
  readonly env: Errors.Context["env"]
}

// What `parseJson` returns for a body that is not JSON (no JSON text parses to it).
const notJson: unique symbol = Symbol("notJson")

// Plain `JSON.parse`: a schema decode of "any JSON" runs a fiber of its own per call, for nothing.
const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return notJson
  }
}

// One default decoder per schema, built on first use (the success schemas here, the input schemas' quick check in
// `WebhooksClient`).
const decoders = new WeakMap<object, (input: unknown) => Result.Result<unknown, Schema.SchemaError>>()
export const decoderOf = <A>(schema: Schema.Decoder<A>) => {
  let decoder = decoders.get(schema)
  if (decoder === undefined) {
    decoder = Schema.decodeUnknownResult(schema)
    decoders.set(schema, decoder)
  }
  return decoder as (input: unknown) => Result.Result<A, Schema.SchemaError>
}

/**
 * Time spent queued at the gate by the requests of a create's recovery (its lookups and deletes), so that the
 * create's budget can leave it out: waiting behind other callers is the rate limit working, not Exa failing.
 */
export const GateWaits = Context.Reference<{ millis: number } | undefined>("@exa-webhooks/client/GateWaits", {
  defaultValue: () => undefined
})

// Whatever fetch the application provided, it is called with `redirect: "manual"`: a followed redirect would carry
// the `x-api-key` header (and a create's body) to wherever the server points. A 3xx then reaches `attempt`, which
// reports it. One wrapper per fetch function, made once.
const manualFetches = new WeakMap<typeof globalThis.fetch, typeof globalThis.fetch>()
const manualFetch = (fetch: typeof globalThis.fetch): typeof globalThis.fetch => {
  let manual = manualFetches.get(fetch)
  if (manual === undefined) {
    manual = ((input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit) =>
      fetch(input, { ...init, redirect: "manual" })) as typeof globalThis.fetch
    manualFetches.set(fetch, manual)
  }
  return manual
}

// A span attribute is text that is shown (an exporter, a log): HttpClient records response headers on its spans when
// the application asks it to, and a header may echo the key, wholly or in part.
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

/**
 * The tracer a fiber has when the application installed none: effect's own, which keeps its spans nowhere. Under it
 * the client makes no spans: neither its operations' (see `WebhooksClient`) nor `HttpClient`'s per request, whose
 * trace headers would carry ids that nobody recorded.
 */
const builtInTracer: Tracer.Tracer = Context.get(Context.empty(), Tracer.Tracer)

/** Whether the fiber traces: the application installed a tracer (see {@link builtInTracer}). */
export const tracing = (fiber: Fiber.Fiber<unknown, unknown>): boolean => fiber.getRef(Tracer.Tracer) !== builtInTracer

const isKeyHeader = (name: string | RegExp) => typeof name === "string" && name.toLowerCase() === "x-api-key"

/**
 * The context every exchange runs with, derived once per request from the caller's so that the common case costs
 * next to nothing: fetch without redirects; the key's header among the redacted ones (HttpClient records request
 * headers on its spans, and an application may have replaced the default list); and, only when the application
 * records headers on spans (`HttpClient.TracerHeaderFilter`; nothing else on an HTTP span can echo the key), spans
 * whose text attributes are redacted. The exchange's own fiber starts with it (see `Deadline.make`), so the caller's
 * context is never changed and restored for it.
 */
const guarded = (redact: (text: string) => string) => {
  // Derived from the context alone, so kept per context: the fibers of one application share a few.
  const derived = new WeakMap<Context.Context<never>, Context.Context<never>>()
  const derive = (fiber: Fiber.Fiber<unknown, unknown>): Context.Context<never> => {
    let context = Context.add(fiber.context, FetchHttpClient.Fetch, manualFetch(fiber.getRef(FetchHttpClient.Fetch)))
    if (!tracing(fiber)) return Context.add(context, HttpClient.TracerDisabledWhen, constTrue)
    const names = fiber.getRef(Headers.CurrentRedactedNames)
    if (!names.some(isKeyHeader)) context = Context.add(context, Headers.CurrentRedactedNames, [...names, "x-api-key"])
    if (fiber.getRef(HttpClient.TracerHeaderFilter) !== constFalse) {
      context = Context.add(context, Tracer.Tracer, redactingTracer(fiber.getRef(Tracer.Tracer), redact))
    }
    return context
  }
  return (fiber: Fiber.Fiber<unknown, unknown>): Context.Context<never> => {
    let context = derived.get(fiber.context)
    if (context === undefined) {
      context = derive(fiber)
      derived.set(fiber.context, context)
    }
    return context
  }
}

/** Builds the executor for one client instance. */
export const make = (settings: Settings): Executor => {
  const { pacer, policy } = settings
  const secret = Redacted.value(settings.apiKey)
  const context: Errors.Context = { baseUrl: settings.baseUrl, redact: redactor(secret), env: settings.env }
  // Every request is made whole at once (base URL, headers, query, body), rather than completed by `mapRequest`
  // steps that copy it once each; the application's `transformClient` still sees it complete.
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

  const guard = guarded(context.redact)

  // What a received answer becomes: the decoded body of a 2xx, else a classified failure. The body is data: it is
  // decoded as received (a key that also occurs in metadata stays intact); only what an error shows of it is redacted.
  const settle = <A>(
    operation: Errors.Operation,
    response: HttpClientResponse.HttpClientResponse,
    body: string,
    success: Schema.Decoder<A>,
    quick: ((input: unknown) => A | undefined) | undefined
  ): Effect.Effect<A, Errors.Failure> => {
    if (response.status < 200 || response.status >= 300) {
      return Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.fail(Errors.fromResponse(operation, {
          status: response.status,
          headers: response.headers,
          body,
          retryAfter: Errors.retryAfterOf(response.headers, now)
        }, context)))
    }
    const json = parseJson(body)
    if (json === notJson) {
      // Reported through the schema's own account of a body that is not JSON.
      const issue = Result.getFailure(Schema.decodeUnknownResult(Schema.fromJsonString(Schema.Unknown))(body))
      return Effect.fail(Errors.unexpected(operation, {
        status: response.status,
        headers: response.headers,
        body,
        issue: Option.getOrThrow(issue).issue
      }, context))
    }
    const fast = quick?.(json)
    if (fast !== undefined) return Effect.succeed(fast)
    const decoded = decoderOf(success)(json)
    return Result.isSuccess(decoded) ? Effect.succeed(decoded.success) : Effect.fail(Errors.unexpected(operation, {
      status: response.status,
      headers: response.headers,
      body,
      issue: decoded.failure.issue
    }, context))
  }

  const attempt = <A>(
    call: Call,
    success: Schema.Decoder<A>,
    quick?: (input: unknown) => A | undefined
  ): Effect.Effect<A, Errors.Failure> => {
    const operation: Errors.Operation = call
    const exchange = client.execute(toRequest(call)).pipe(
      Effect.flatMap((response) => Effect.map(response.text, (text) => ({ response, text }))),
      Effect.mapError((cause): Errors.Failure => Errors.transport(operation, { cause }, context))
    )
    return Effect.flatMap(
      Deadline.make(exchange, settings.timeoutMillis, () => Errors.timeout(operation, settings.timeoutMillis, context), guard),
      ({ response, text }) => settle(operation, response, text, success, quick)
    )
  }

  // The limiter's store failing ends the call: the request was not sent.
  const storeFailed = (operation: Errors.Operation) => (error: RateLimiter.RateLimiterError) =>
    new RetrySchedule.Stop(Errors.store(operation, error, context))

  // Waits for this request's turn. The wait of a create's recovery requests is metered (see `GateWaits`).
  const pacedIn = (fiber: Fiber.Fiber<unknown, unknown>, operation: Errors.Operation): Effect.Effect<void, WebhooksError> => {
    if (pacer.idle()) return Effect.void
    const take = Effect.mapError(pacer.take, (error) => Errors.store(operation, error, context))
    const meter = fiber.getRef(GateWaits)
    if (meter === undefined) return take
    const clock = fiber.getRef(Clock.Clock)
    const queuedAt = clock.currentTimeMillisUnsafe()
    return Effect.map(take, () => {
      meter.millis += clock.currentTimeMillisUnsafe() - queuedAt
    })
  }
  const paced = (operation: Errors.Operation): Effect.Effect<void, WebhooksError> =>
    Effect.withFiber((fiber) => pacedIn(fiber, operation))

  /**
   * The retries after a first failed attempt, which took `firstMillis`. Time counted against `maxElapsed`: attempts,
   * the waits chosen between them and recovery lookups, but not time queued behind the limiter (that is the rate
   * limit working, not Exa failing), neither this call's own nor that of the recovery's requests.
   */
  const retryAfter = <A>(
    operation: Errors.Operation,
    run: Effect.Effect<A, Errors.Failure>,
    beforeResend: ((failure: Errors.Failure, attempts: number) => Effect.Effect<Option.Option<A>, WebhooksError>) | undefined,
    firstFailure: Errors.Failure,
    firstMillis: number
  ): Effect.Effect<A, WebhooksError> =>
    Effect.suspend(() => {
      const budget: RetrySchedule.Budget = { usedMillis: firstMillis }
      const timed = <X, E>(effect: Effect.Effect<X, E>) =>
        Effect.flatMap(Clock.currentTimeMillis, (startedAt) =>
          Effect.onExit(effect, () =>
            Effect.map(Clock.currentTimeMillis, (now) => {
              budget.usedMillis += now - startedAt
            })))
      let attempts = 1
      let last: { readonly failure: Errors.Failure; readonly error: WebhooksError } | undefined

      const recover = (previous: NonNullable<typeof last>) =>
        Effect.gen(function*() {
          const queued = { millis: 0 }
          const recovered = yield* timed(Effect.provideService(beforeResend!(previous.failure, attempts), GateWaits, queued)).pipe(
            Effect.mapError((error) => new RetrySchedule.Stop(error))
          )
          budget.usedMillis -= queued.millis
          // The recovery's own requests count against the budget too: no attempt starts past it.
          if (Option.isNone(recovered) && budget.usedMillis > policy.maxElapsedMillis) {
            return yield* Effect.fail(new RetrySchedule.Stop(previous.error))
          }
          return recovered
        })

      const failed = (failure: Errors.Failure): Effect.Effect<never, WebhooksError | RetrySchedule.Stop> =>
        Effect.suspend((): Effect.Effect<never, WebhooksError | RetrySchedule.Stop> => {
          const error = failure.toError(attempts)
          last = { failure, error }
          if (error._tag !== "RateLimitError") return Effect.fail(error)
          // Everyone waits, not only this request: the key's budget is spent for every fiber (and every process
          // sharing the store), even when this request itself gives up. A retry waits in the queue, behind the pause.
          return pacer.pause(RetrySchedule.pauseMillis(policy, error)).pipe(
            Effect.mapError(storeFailed(operation)),
            Effect.andThen(Effect.fail(error))
          )
        })

      const once: Effect.Effect<A, WebhooksError | RetrySchedule.Stop> = Effect.gen(function*() {
        if (last !== undefined && beforeResend !== undefined) {
          const recovered = yield* recover(last)
          if (Option.isSome(recovered)) return recovered.value
        }
        attempts++
        // The limiter's store failing ends the call: the request was not sent.
        yield* Effect.mapError(paced(operation), (error) => new RetrySchedule.Stop(error))
        const result = yield* timed(Effect.result(run))
        if (Result.isSuccess(result)) return result.success
        return yield* failed(result.failure)
      })

      const schedule = RetrySchedule.make(policy, budget, (error, delayMillis) =>
        Effect.logDebug(
          `exa-webhooks: retrying ${operation.method} ${operation.path} after ${
            "status" in error ? `status ${error.status}` : "a failure without response"
          } (attempt ${attempts} of ${policy.maxRetries + 1}) in ${delayMillis} ms`
        ).pipe(
          Effect.annotateLogs({
            method: operation.method,
            path: operation.path,
            status: "status" in error ? error.status : "none",
            attempt: attempts,
            delayMillis
          })
        ))

      // The first failure is handled here and then replayed as the schedule's first input, so the schedule sees the
      // same inputs and attempts as with `Effect.retry(once, schedule)`.
      return Effect.catch(failed(firstFailure), (first) => {
        if (first instanceof RetrySchedule.Stop) return Effect.fail(first.error)
        let replayed = false
        const again = Effect.suspend(() => {
          if (replayed) return once
          replayed = true
          return Effect.fail(first)
        })
        return again.pipe(
          Effect.retry(schedule),
          Effect.mapError((error) => (error instanceof RetrySchedule.Stop ? error.error : error))
        )
      })
    })

  /**
   * Runs `run` paced, and on a failure hands over to `retryAfter`. Most calls succeed at once, so that path is one
   * turn at the limiter, two clock reads and the attempt: the retry state and its `Schedule` are built only after a
   * failure (building them for every call was a third of a successful request's CPU in the client).
   */
  const retrying = <A>(
    operation: Errors.Operation,
    run: Effect.Effect<A, Errors.Failure>,
    beforeResend?: (failure: Errors.Failure, attempts: number) => Effect.Effect<Option.Option<A>, WebhooksError>
  ): Effect.Effect<A, WebhooksError> =>
    Effect.withFiber((fiber) => {
      const clock = fiber.getRef(Clock.Clock)
      return Effect.flatMap(pacedIn(fiber, operation), () => {
        const startedAt = clock.currentTimeMillisUnsafe()
        return Effect.catch(run, (failure) =>
          retryAfter(operation, run, beforeResend, failure, clock.currentTimeMillisUnsafe() - startedAt))
      })
    })

  const request = <A>(call: Call, success: Schema.Decoder<A>, quick?: (input: unknown) => A | undefined) =>
    retrying(call, attempt(call, success, quick))

  return { attempt, retrying, request }
}
