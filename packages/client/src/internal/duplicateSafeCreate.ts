/**
 * `POST /webhooks` is not idempotent and Exa takes no idempotency key, so the client brings its own: a token stored
 * in the webhook's metadata. A create whose outcome is unknown (5xx, timeout, dropped connection) is never re-sent
 * before the client has looked for a webhook carrying the token:
 * - found: the create happened, but its secret (returned only by that response) is lost. With `"recreate"` the
 *   webhook is deleted and created again under the same token, so the caller gets exactly one webhook and its
 *   secret; with `"return"` it is returned as found (`secret: null`).
 * - not found: nothing was applied, so sending again is safe.
 * A 4xx (429 and 408 included) means the request was refused, so it is re-sent without a lookup. After a success
 * that followed an unknown outcome, one more lookup deletes any other webhook with the token (a request the server
 * applied after the lookup had looked).
 */
import { Endpoints, Webhook } from "@exa-webhooks/schema"
import { Effect, Option } from "effect"
import type { WebhooksError } from "../WebhooksError.ts"
import type * as Errors from "./errors.ts"
import type { Call, Executor } from "./executor.ts"

/** What to do with a webhook that an earlier attempt (or an earlier call, with `lookupFirst`) created. */
export type OnRecovered = "recreate" | "return"

/** The client operations this module builds on. */
export interface Dependencies {
  readonly executor: Executor
  /** Every webhook whose metadata carries `token` under the reserved key. */
  readonly findByToken: (token: string) => Effect.Effect<ReadonlyArray<Webhook.Webhook>, WebhooksError>
  readonly remove: (id: string) => Effect.Effect<unknown, WebhooksError>
}

/** One logical create. `body` already carries `token` in its metadata. */
export interface Request {
  readonly body: unknown
  readonly token: string
  readonly onRecovered: OnRecovered
  readonly lookupFirst: boolean
}

const removeQuietly = (deps: Dependencies, id: string) =>
  deps.remove(id).pipe(Effect.catchTag("NotFoundError", () => Effect.void))

/**
 * Applies `onRecovered` to the webhooks found with the token: `Some(webhook)` when the caller should get it as is,
 * `None` when a create should (still) be sent. Extra matches beyond the first are duplicates and always go.
 */
const settle = Effect.fnUntraced(function*(
  deps: Dependencies,
  found: ReadonlyArray<Webhook.Webhook>,
  onRecovered: OnRecovered
) {
  const [first, ...extra] = found
  if (first === undefined) return Option.none<Webhook.Webhook>()
  yield* Effect.forEach(extra, (webhook) => removeQuietly(deps, webhook.id), { discard: true })
  if (onRecovered === "return") return Option.some(first)
  yield* removeQuietly(deps, first.id)
  return Option.none<Webhook.Webhook>()
})

/** Runs one duplicate-safe create. */
export const run = (deps: Dependencies, request: Request): Effect.Effect<Webhook.Webhook, WebhooksError> =>
  Effect.gen(function*() {
    const path = Endpoints.pathOf(Endpoints.create)
    const call: Call = {
      method: "POST",
      path,
      body: request.body,
      idempotencyKey: request.token
    }

    if (request.lookupFirst) {
      const earlier = yield* settle(deps, yield* deps.findByToken(request.token), request.onRecovered)
      if (Option.isSome(earlier)) return earlier.value
    }

    let uncertain = false
    const attempt = deps.executor.attempt(call, Webhook.Webhook).pipe(
      Effect.tapError((failure) =>
        Effect.sync(() => {
          if (failure.ambiguous) uncertain = true
        })
      )
    )

    const beforeResend = (failure: Errors.Failure, attempts: number) =>
      failure.ambiguous
        ? deps.findByToken(request.token).pipe(
          Effect.flatMap((found) => settle(deps, found, request.onRecovered)),
          // Without knowing whether the create happened, sending it again could duplicate it: stop with the
          // create's own error, whose message says how to recover.
          Effect.tapError((error) => Effect.logWarning("exa-webhooks: could not check an ambiguous create", error.message)),
          Effect.mapError(() => failure.toError(attempts))
        )
        : Effect.succeedNone

    const created = yield* deps.executor.retrying(call, attempt, beforeResend)

    if (uncertain && created.secret !== null) {
      // A create the server applied after our lookup would otherwise survive as a second webhook with this token.
      yield* deps.findByToken(request.token).pipe(
        Effect.flatMap((found) =>
          Effect.forEach(found.filter((webhook) => webhook.id !== created.id), (webhook) => removeQuietly(deps, webhook.id), {
            discard: true
          })
        ),
        Effect.catch((error) => Effect.logWarning("exa-webhooks: could not sweep duplicates of a create", error.message))
      )
    }
    return created
  })
