/**
 * Sends the client's requests: one attempt (paced by the gate, authenticated, timed out, body read and decoded),
 * and the retry loop around attempts. Knows nothing about webhooks beyond the schemas it is handed.
 */
import { Clock, Effect, Option, Redacted, Result, Schema } from "effect"
import { Headers, HttpClient, HttpClientRequest } from "effect/http"
import type { RateGate } from "../RateGate.ts"
import * as RetryPolicy from "../RetryPolicy.ts"
import type { WebhooksError } from "../WebhooksError.ts"
import * as Errors from "./errors.ts"
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
   * fails with a classified `Failure`.
   */
  readonly attempt: <A>(call: Call, success: Schema.Decoder<A>) => Effect.Effect<A, Errors.Failure>
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
  readonly request: <A>(call: Call, success: Schema.Decoder<A>) => Effect.Effect<A, WebhooksError>
}

/** What the executor needs: everything is resolved and validated by the caller. */
export interface Settings {
  readonly client: HttpClient.HttpClient
  /** Applied to the client after the base URL and headers are set, as in Effect's own API clients. */
  readonly transformClient: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly timeoutMillis: number
  readonly policy: RetryPolicy.RetryPolicy
  readonly gate: RateGate
}

const decodeJson = Schema.decodeUnknownResult(Schema.fromJsonString(Schema.Unknown))

const toRequest = (call: Call) => {
  const request = HttpClientRequest.make(call.method)(
    call.path,
    call.urlParams === undefined ? undefined : { urlParams: call.urlParams }
  )
  return call.body === undefined ? request : HttpClientRequest.bodyJsonUnsafe(request, call.body)
}

/** Builds the executor for one client instance. */
export const make = (settings: Settings): Executor => {
  const { gate, policy } = settings
  const secret = Redacted.value(settings.apiKey)
  const origin = new URL(settings.baseUrl).origin
  const client = settings.client.pipe(
    HttpClient.mapRequest((request) =>
      request.pipe(
        HttpClientRequest.prependUrl(settings.baseUrl),
        HttpClientRequest.setHeader("x-api-key", secret),
        HttpClientRequest.setHeader("user-agent", USER_AGENT),
        HttpClientRequest.acceptJson
      )
    ),
    (configured) => (settings.transformClient === undefined ? configured : settings.transformClient(configured))
  )

  // HttpClient records request headers on its spans; make sure the key's header is always among the redacted ones,
  // even when an application has replaced the default list.
  const redactKeyHeader = Effect.updateService(
    Headers.CurrentRedactedNames,
    (names) => (names.some((name) => typeof name === "string" && name.toLowerCase() === "x-api-key") ? names : [...names, "x-api-key"])
  )

  const attempt = <A>(call: Call, success: Schema.Decoder<A>): Effect.Effect<A, Errors.Failure> =>
    Effect.gen(function*() {
      const operation: Errors.Operation = call
      const exchange = yield* client.execute(toRequest(call)).pipe(
        Effect.flatMap((response) => Effect.map(response.text, (text) => ({ response, text }))),
        Effect.mapError((cause): Errors.Failure => Errors.transport(operation, { cause, origin, secret })),
        Effect.timeoutOrElse({
          duration: settings.timeoutMillis,
          orElse: () => Effect.fail(Errors.timeout(operation, settings.timeoutMillis))
        }),
        redactKeyHeader
      )
      const { response } = exchange
      const body = Errors.scrub(exchange.text, secret)
      if (response.status < 200 || response.status >= 300) {
        const now = yield* Clock.currentTimeMillis
        return yield* Effect.fail(Errors.fromResponse(operation, {
          status: response.status,
          headers: response.headers,
          body,
          retryAfterMillis: Errors.retryAfterMillis(response.headers, now)
        }))
      }
      const json = decodeJson(body)
      const decoded = Result.isSuccess(json)
        ? Schema.decodeUnknownResult(success)(json.success)
        : Result.fail(json.failure)
      if (Result.isFailure(decoded)) {
        return yield* Effect.fail(Errors.unexpected(operation, {
          status: response.status,
          headers: response.headers,
          body,
          issue: decoded.failure.issue
        }))
      }
      return decoded.success
    })

  const retrying = <A>(
    operation: Errors.Operation,
    run: Effect.Effect<A, Errors.Failure>,
    beforeResend?: (failure: Errors.Failure, attempts: number) => Effect.Effect<Option.Option<A>, WebhooksError>
  ): Effect.Effect<A, WebhooksError> =>
    Effect.gen(function*() {
      // Time counted against `maxElapsed`: attempts, the waits chosen between them and recovery lookups, but not
      // time queued behind other requests at the gate (that is the rate limit working, not Exa failing).
      let usedMillis = 0
      const timed = <X, E>(effect: Effect.Effect<X, E>) =>
        Effect.gen(function*() {
          const startedAt = yield* Clock.currentTimeMillis
          const exit = yield* Effect.exit(effect)
          usedMillis += (yield* Clock.currentTimeMillis) - startedAt
          return yield* exit
        })
      let attempts = 0
      while (true) {
        attempts++
        yield* gate.take
        const result = yield* timed(Effect.result(run))
        if (Result.isSuccess(result)) return result.success
        const failure = result.failure
        const decision = yield* RetryPolicy.decide(policy, {
          transient: failure.transient,
          retryAfterMillis: failure.retryAfterMillis,
          attempts,
          elapsedMillis: usedMillis
        })
        if (failure.status === 429) {
          // Everyone waits, not only this request: the key's budget is spent for every fiber using this layer, even
          // when this request itself gives up. A retrying request waits at the gate, behind the pause.
          yield* gate.pause(
            decision._tag === "Retry"
              ? decision.delayMillis
              : Math.min(
                failure.retryAfterMillis ?? (yield* RetryPolicy.backoffMillis(policy, attempts)),
                policy.retryAfterCapMillis
              )
          )
        }
        if (decision._tag === "Stop") return yield* Effect.fail(failure.toError(attempts))
        yield* Effect.logDebug("exa-webhooks: retrying").pipe(
          Effect.annotateLogs({
            method: operation.method,
            path: operation.path,
            status: failure.status ?? "none",
            attempt: attempts,
            delayMillis: decision.delayMillis
          })
        )
        usedMillis += decision.delayMillis
        if (failure.status !== 429) yield* Effect.sleep(decision.delayMillis)
        if (beforeResend !== undefined) {
          const recovered = yield* timed(beforeResend(failure, attempts))
          if (Option.isSome(recovered)) return recovered.value
          // The recovery's own requests count against the budget too: no attempt starts past it.
          if (usedMillis > policy.maxElapsedMillis) return yield* Effect.fail(failure.toError(attempts))
        }
      }
    })

  const request = <A>(call: Call, success: Schema.Decoder<A>) => retrying(call, attempt(call, success))

  return { attempt, retrying, request }
}
