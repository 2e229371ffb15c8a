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
 *
 * Concurrent callers with one token (two processes given the same key) both see "not found" and both create. With
 * `raceCheck`, each lists once more after its create, and all agree on one winner: the oldest webhook with the token
 * (by `createdAt`, then id). The winner deletes the others; a loser deletes its own and gets the winner (`"return"`,
 * without secret) or an `IdempotencyConflictError`. A loser whose webhook was already deleted by the winner knows it
 * lost because its webhook is no longer listed. A check that cannot list fails closed: `UnconfirmedCreateError`,
 * naming the webhook made (and carrying its secret, redacted, for a caller that keeps secrets), never a success that
 * may be a duplicate.
 */
import { Webhook } from "@exa-webhooks/schema"
import { DateTime, Effect, Option, Redacted, Ref } from "effect"
import type { OnRecovered } from "../ClientOptions.ts"
import { IdempotencyConflictError, UnconfirmedCreateError } from "../WebhooksError.ts"
import type { WebhooksError } from "../WebhooksError.ts"
import { recoveryAdvice } from "./errors.ts"
import type { Call, Executor } from "./executor.ts"
import * as Route from "./route.ts"

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
  /** For a webhook made by another call: found by `lookupFirst`, or a concurrent caller's that won the race. */
  readonly onExisting: OnRecovered
  readonly onReplaced: ((replaced: Webhook.Webhook) => Effect.Effect<void>) | undefined
  readonly lookupFirst: boolean
  readonly raceCheck: boolean
}

/** Oldest first (by `createdAt`, then id): every caller that lists the same webhooks picks the same first one. */
const byAge = (a: Webhook.Webhook, b: Webhook.Webhook) => {
  const at = DateTime.toEpochMillis(a.createdAt) - DateTime.toEpochMillis(b.createdAt)
  return at !== 0 ? at : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
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
  onRecovered: OnRecovered,
  onReplaced?: ((replaced: Webhook.Webhook) => Effect.Effect<void>) | undefined
) {
  const [first, ...extra] = found.toSorted(byAge)
  if (first === undefined) return Option.none<Webhook.Webhook>()
  yield* Effect.forEach(extra, (webhook) => removeQuietly(deps, webhook.id), { discard: true })
  if (onRecovered === "return") return Option.some(first)
  if (onReplaced !== undefined) yield* onReplaced(first)
  yield* removeQuietly(deps, first.id)
  return Option.none<Webhook.Webhook>()
})

/** Runs one duplicate-safe create. */
export const run = (deps: Dependencies, request: Request): Effect.Effect<Webhook.Webhook, WebhooksError> =>
  Effect.gen(function*() {
    const path = Route.create.path()
    const call: Call = {
      method: Route.create.method,
      path,
      body: request.body,
      idempotencyKey: request.token
    }

    if (request.lookupFirst) {
      const earlier = yield* settle(deps, yield* deps.findByToken(request.token), request.onExisting, request.onReplaced)
      if (Option.isSome(earlier)) return earlier.value
    }

    // Whether an attempt may have been applied: then a webhook of this call may exist besides the one returned.
    const uncertain = yield* Ref.make(false)
    const recover = (_previous: WebhooksError) =>
      Ref.set(uncertain, true).pipe(
        Effect.andThen(deps.findByToken(request.token)),
        Effect.flatMap((found) => settle(deps, found, request.onRecovered)),
        // Without knowing whether the create happened, sending it again could duplicate it: the executor stops with
        // the create's own error, whose advice says how to recover.
        Effect.tapError((error) => Effect.logWarning("exa-webhooks: could not check an ambiguous create", error.message))
      )

    const created = yield* deps.executor.request(call, Route.create.success, recover)

    if ((yield* Ref.get(uncertain)) && created.secret !== null) {
      // A create the server applied after our lookup would otherwise survive as a second webhook with this token.
      yield* deps.findByToken(request.token).pipe(
        Effect.flatMap((found) =>
          Effect.forEach(found.filter((webhook) => webhook.id !== created.id), (webhook) => removeQuietly(deps, webhook.id), {
            discard: true
          })
        ),
        Effect.catch((error) => Effect.logWarning("exa-webhooks: could not sweep duplicates of a create", error.message))
      )
      return created
    }
    if (!request.raceCheck) return created
    // Every other webhook with the token was made by another call (this one sent nothing else that could have been
    // applied): a concurrent caller with the same key, unless it is an old one that lookupFirst was not asked to find.
    // A check that cannot list fails closed: this webhook may be a duplicate, so the create is not reported as done.
    const found = yield* deps.findByToken(request.token).pipe(
      Effect.mapError((error) =>
        new UnconfirmedCreateError({
          method: call.method,
          path,
          idempotencyKey: request.token,
          webhookId: created.id,
          ...(created.secret === null ? {} : { secret: Redacted.make(created.secret) }),
          detail: error.message,
          advice: recoveryAdvice(request.token)
        })
      )
    )
    const mine = found.some((webhook) => webhook.id === created.id)
    const [winner] = (mine ? found : found.filter((webhook) => webhook.id !== created.id)).toSorted(byAge)
    if (mine && winner?.id === created.id) {
      yield* Effect.forEach(found.filter((webhook) => webhook.id !== created.id), (webhook) => removeQuietly(deps, webhook.id), {
        discard: true
      })
      return created
    }
    yield* removeQuietly(deps, created.id)
    if (request.onExisting === "return" && winner !== undefined) return winner
    return yield* new IdempotencyConflictError({
      method: "POST",
      path,
      idempotencyKey: request.token,
      ...(winner === undefined ? {} : { webhookId: winner.id }),
      deletedId: created.id,
      advice: "To get a new signing secret, replace the webhook deliberately (it invalidates the other caller's secret)."
    })
  })
