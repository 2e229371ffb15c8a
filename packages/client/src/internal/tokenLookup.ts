/**
 * The duplicate-safe create's lookup, "which webhooks carry this idempotency key?", answered by listing every webhook
 * (Exa has no search by metadata). Concurrent lookups share one listing through Effect's request batching: each is an
 * `Effect.request` of {@link FindByToken}, and the resolver lists once for the whole batch and hands every caller the
 * webhooks with its own key: many ambiguous creates at once cost one or two listings, not one each.
 *
 * Which lookups may share a listing: a lookup must see every webhook created before it was asked for, so it can only
 * join a listing that has not started yet (a newest-first listing already under way can miss a webhook created after
 * it began). The batch window is therefore "until no listing is running": the first lookup lists at once, and the
 * lookups that arrive while that listing runs wait for it to end and then share the next one.
 *
 * A failed listing fails every lookup of its batch with the listing's error. It is never "nothing found": the caller
 * of an ambiguous create would take that as "not applied" and send the create again, making a duplicate.
 */
import { Clock, Context, Effect, Exit, Request, RequestResolver, Semaphore, Stream } from "effect"
import type { Webhook } from "@exa-webhooks/schema"
import type { WebhooksError } from "../WebhooksError.ts"
import { GateWaits } from "./executor.ts"

/** A lookup of the webhooks whose metadata carries `token` under `key`. */
export class FindByToken extends Request.Class<
  {
    readonly token: string
    /** When it was asked for (clock millis): the wait for a shared listing to start is queueing, see `runAll`. */
    readonly requestedAt: number
  },
  ReadonlyArray<Webhook.Webhook>,
  WebhooksError
> {}

/**
 * Every webhook that `select` keeps, once each, decoded: the client's `listAll`, except that an item `select` drops
 * is never decoded.
 */
export type ListSelected = (select: (raw: unknown) => boolean) => Stream.Stream<Webhook.Webhook, WebhooksError>

/**
 * Which listed items a lookup for `tokens` decodes: those that carry one of them, and any whose metadata is not what
 * the schema reads as "no token" or "a token" (not an object, or a non-string under `key`), so that the schema, not
 * this test, judges them: such an item fails the lookup rather than being passed over. Decoding only the matches
 * spares a lookup the decoding of every webhook, most of the CPU of a listing.
 */
export const selectTokens = (key: string, tokens: ReadonlySet<string>) => (raw: unknown): boolean => {
  if (typeof raw !== "object" || raw === null) return true
  const metadata = (raw as { readonly metadata?: unknown }).metadata
  // Missing or null metadata is `{}` (the schema's reading): no token.
  if (metadata === undefined || metadata === null) return false
  if (typeof metadata !== "object" || Array.isArray(metadata)) return true
  const token = (metadata as { readonly [k: string]: unknown })[key]
  return token !== undefined && (typeof token !== "string" || tokens.has(token))
}

/**
 * Builds the lookup for one client instance: `(token) => webhooks carrying it`, coalesced as described above.
 * `key` is the reserved metadata key the token is stored under.
 */
export const make = (listSelected: ListSelected, key: string): Effect.Effect<
  (token: string) => Effect.Effect<ReadonlyArray<Webhook.Webhook>, WebhooksError>
> =>
  Effect.gen(function*() {
    // Held while a listing runs; a batch's window closes when it can take it.
    const running = yield* Semaphore.make(1)
    const resolver = RequestResolver.makeWith<FindByToken>({
      batchKey: () => resolverKey,
      // Lookups made in the same turn join, and so do those that arrive while a listing runs.
      delay: Effect.andThen(Effect.yieldNow, running.withPermits(1)(Effect.void)),
      collectWhile: () => true,
      runAll: (entries) =>
        running.withPermits(1)(
          Effect.gen(function*() {
            const startedAt = yield* Clock.currentTimeMillis
            const found = new Map<string, Array<Webhook.Webhook>>()
            for (const entry of entries) found.set(entry.request.token, [])
            const queued = { millis: 0 }
            const select = selectTokens(key, new Set(found.keys()))
            const listed = yield* Effect.exit(Stream.runForEachArray(listSelected(select), (page) =>
              Effect.sync(() => {
                for (const webhook of page) {
                  const token = webhook.metadata[key]
                  if (token !== undefined) found.get(token)?.push(webhook)
                }
              })).pipe(Effect.provideService(GateWaits, queued)))
            for (const entry of entries) {
              // A create's retry budget leaves out time queued behind the rate limit. For a shared listing that is
              // the listing's own queueing plus this caller's wait for the listing to start (behind the previous
              // listing): waits this caller's own listing would have spent at the gate.
              const meter = Context.get(entry.context, GateWaits)
              if (meter !== undefined) meter.millis += queued.millis + Math.max(0, startedAt - entry.request.requestedAt)
              entry.completeUnsafe(
                Exit.isFailure(listed) ? Exit.failCause(listed.cause) : Exit.succeed(found.get(entry.request.token) ?? [])
              )
            }
          })
        )
    })
    return (token: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (requestedAt) => Effect.request(new FindByToken({ token, requestedAt }), resolver))
  })

const resolverKey = {}
