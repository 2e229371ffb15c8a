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
 * lost because its webhook is no longer listed.
 */
import { Webhook } from "@exa-webhooks/schema"
import { DateTime, Effect, Option } from "effect"
import { IdempotencyConflictError } from "../WebhooksError.ts"
import type { WebhooksError } from "../WebhooksError.ts"
import type * as Errors from "./errors.ts"
import type { Call, Executor } from "./executor.ts"
import * as Route from "./route.ts"

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

    let uncertain = false
    const attempt = deps.executor.attempt(call, Route.create.success, Webhook.fromWire).pipe(
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
      return created
    }
    if (!request.raceCheck) return created
    // Every other webhook with the token was made by another call (this one sent nothing else that could have been
    // applied): a concurrent caller with the same key, unless it is an old one that lookupFirst was not asked to find.
    const found = yield* deps.findByToken(request.token).pipe(
      Effect.tapError((error) =>
        Effect.logWarning("exa-webhooks: could not check for a concurrent create with the same key", error.message)
      ),
      Effect.orElseSucceed(() => [created])
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
      message: `POST ${path}: another create with the idempotency key ${JSON.stringify(request.token)} ran at the same ` +
        `time${winner === undefined ? "" : ` and keeps webhook ${winner.id}`}; the webhook this call created ` +
        `(${created.id}) was deleted again so that the key names one webhook. Its signing secret belongs to the other ` +
        `caller; to get a new one, replace the webhook deliberately (it invalidates the other caller's secret).`
    })
  })
