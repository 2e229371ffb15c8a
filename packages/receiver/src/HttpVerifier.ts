/**
 * The verifier for `effect/http` servers: {@link event} verifies the current request, {@link handler} is a ready
 * route handler that answers 4xx (with the reason) for a refused delivery and hands verified events to your code,
 * and {@link handlerOnce} does the same through the `Inbox`, so that each event reaches your code once. They read the
 * `Verifier` service (`Verifier.layer` / `Verifier.layerConfig`) and, for `handlerOnce`, the `Inbox` service
 * (`Inbox.layerMemory` / `Inbox.layerRedis`).
 *
 * @example
 * ```ts
 * const route = HttpRouter.add("POST", "/hooks/exa", HttpVerifier.handler((event) => Console.log(event.type)))
 * ```
 * @since 0.1.0
 */
import type { Event } from "@exa-webhooks/schema"
import { Effect } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { HttpServerError } from "effect/http"
import { Inbox, InboxStoreError } from "./Inbox.ts"
import * as Protocol from "./internal/inbox.ts"
import * as Signature from "./Signature.ts"
import { Verifier } from "./Verifier.ts"
import * as VerifyError from "./VerifyError.ts"

/**
 * The current request's event, verified: reads the raw body (never a parsed one) and the `Exa-Signature` header.
 *
 * @category accessors
 * @since 0.1.0
 */
export const event: Effect.Effect<
  Event.Event,
  VerifyError.VerifyError | HttpServerError.HttpServerError,
  HttpServerRequest.HttpServerRequest | Verifier
> = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const verifier = yield* Verifier
  const body = new Uint8Array(yield* request.arrayBuffer)
  return yield* verifier.verify({ body, signature: request.headers[Signature.HEADER.toLowerCase()] })
})

/**
 * The answer to a refused delivery: its status (400 or 401) and `{"error": {"type", "message"}}`.
 *
 * @category handlers
 * @since 0.1.0
 */
export const rejection = (error: VerifyError.VerifyError): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe(VerifyError.toJson(error), { status: error.status })

/**
 * A route handler: verifies the request, runs `onEvent` with the event and answers 204 (or the response `onEvent`
 * returns); a refused delivery gets {@link rejection} and never reaches `onEvent`. Errors of `onEvent` are yours to
 * answer (a 5xx makes Exa retry the delivery).
 *
 * @category handlers
 * @since 0.1.0
 */
export const handler = <A, E, R>(
  onEvent: (event: Event.Event) => Effect.Effect<A, E, R>
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  E | HttpServerError.HttpServerError,
  R | HttpServerRequest.HttpServerRequest | Verifier
> =>
  event.pipe(
    Effect.matchEffect({
      onFailure: (error) => VerifyError.isVerifyError(error) ? Effect.succeed(rejection(error)) : Effect.fail(error),
      onSuccess: (verified) =>
        Effect.map(onEvent(verified), (result) =>
          HttpServerResponse.isHttpServerResponse(result) ? result : HttpServerResponse.empty({ status: 204 }))
    })
  )

/**
 * {@link handler}, each event once: `onEvent` runs through the `Inbox`, so a retried or replayed delivery of an event
 * already processed is answered 200 `{"duplicate": true, "id"}` without reaching it, and one whose event is being
 * processed right now 409 with `Retry-After`. When `onEvent` fails the event is released (a retry processes it) and
 * the failure is yours to answer, as with {@link handler}; a store that cannot be reached is answered 503.
 *
 * @example
 * ```ts
 * HttpRouter.add("POST", "/hooks/exa", HttpVerifier.handlerOnce((event) => saveToDatabase(event)))
 * ```
 * @category handlers
 * @since 0.3.0
 */
export const handlerOnce = <A, E, R>(
  onEvent: (event: Event.Event) => Effect.Effect<A, E, R>
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  E | HttpServerError.HttpServerError,
  R | HttpServerRequest.HttpServerRequest | Verifier | Inbox
> =>
  Effect.gen(function*() {
    const inbox = yield* Inbox
    return yield* handler((verified) =>
      inbox.process(verified.id, onEvent(verified)).pipe(
        Effect.map((outcome) => {
          if (outcome._tag === "Processed" && HttpServerResponse.isHttpServerResponse(outcome.value)) return outcome.value
          const { body, headers: { "content-type": contentType, ...headers }, status } = Protocol.answer(outcome, inbox.leaseMillis)
          return body === undefined
            ? HttpServerResponse.empty({ status, headers })
            : HttpServerResponse.text(body, { status, headers, ...(contentType && { contentType }) })
        }),
        Effect.catchIf((error): error is InboxStoreError => error instanceof InboxStoreError, (error) =>
          Effect.succeed(
            HttpServerResponse.jsonUnsafe({ error: { type: error._tag, message: error.message } }, { status: error.status })
          )
        )
      )
    )
  })
