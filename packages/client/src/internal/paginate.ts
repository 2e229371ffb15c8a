/**
 * Every item of every page of a list endpoint, following `nextCursor`, each id at most once.
 *
 * Pages are fetched one ahead of the consumer: a page's envelope (`data` left undecoded, `hasMore`, `nextCursor`) is
 * all the next request needs, so the next request is sent (in a fiber of its own) before this page's items are
 * decoded, and the server prepares it while the client decodes. Items are decoded by the caller's `decode` (the item
 * schema).
 *
 * Two answers would otherwise page forever or stop early, and fail instead: `hasMore: true` without a cursor, and a
 * cursor given a second time.
 */
import { Page } from "@exa-webhooks/schema"
import type { Array as Arr } from "effect"
import { Effect, Fiber, Option, Schema, Stream } from "effect"
import type { WebhooksError } from "../WebhooksError.ts"

/**
 * The page envelope of every list endpoint with its items left as received: what is needed to ask for the next page.
 * The items are decoded by the caller's `decode`.
 */
export const Envelope = Page.Page(Schema.Unknown)

/** A page as {@link Envelope} decodes it. */
export type Envelope = typeof Envelope.Type

/** What {@link make} needs from an operation. */
export interface Options<A> {
  /** The full path, for errors. */
  readonly path: string
  /** One page, its envelope decoded. */
  readonly page: (cursor: string | undefined) => Effect.Effect<Envelope, WebhooksError>
  /** The items of one page. */
  readonly decode: (data: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<A>, WebhooksError>
  /** The error of a page that breaks the paging rules: `problem` says how, `body` is what to show of the page. */
  readonly broken: (problem: string, body: string) => WebhooksError
}

/**
 * The stream of every item.
 *
 * @example
 * ```ts
 * Paginate.make({ path, page: (cursor) => executor.request(call(cursor), Paginate.Envelope), decode })
 * ```
 */
export const make = <A extends { readonly id: string }>(options: Options<A>): Stream.Stream<A, WebhooksError> =>
  Stream.suspend(() => {
    // Ids already emitted: a webhook added while we page can shift others onto the next page a second time.
    const seen = new Set<string>()
    const cursors = new Set<string>()
    // The page's items and the cursor of the next page, or a failure for an answer that would page forever or stop
    // early.
    const checked = (cursor: string | undefined) =>
      Effect.flatMap(options.page(cursor), (page) => {
        if (page.hasMore && page.nextCursor === null) {
          // Ending here would silently drop the remaining pages (and a create's lookup would miss its webhook).
          return Effect.fail(options.broken(
            "it said more pages follow but gave no cursor, so the rest cannot be listed",
            JSON.stringify({ hasMore: true, nextCursor: null })
          ))
        }
        const next = page.hasMore ? page.nextCursor ?? undefined : undefined
        if (next !== undefined) {
          if (cursors.has(next)) {
            return Effect.fail(options.broken(
              `it returned the cursor ${JSON.stringify(next)} a second time, so paging would never end`,
              next
            ))
          }
          cursors.add(next)
        }
        return Effect.succeed({ data: page.data, next })
      })
    // The request of a page, started at once (up to its write to the socket) in a fiber of its own.
    const ahead = (cursor: string | undefined) => Effect.forkChild(checked(cursor), { startImmediately: true })
    // The page being fetched while the consumer works on the previous one; interrupted if the stream ends first.
    let inFlight: Fiber.Fiber<{ readonly data: ReadonlyArray<unknown>; readonly next: string | undefined }, WebhooksError> | undefined
    const pages = Stream.paginate(undefined as string | undefined, (cursor) =>
      Effect.gen(function*() {
        const fiber = inFlight ?? (yield* ahead(cursor))
        inFlight = undefined
        const { data, next } = yield* Fiber.join(fiber)
        // One page ahead: the next request leaves before this page's items are decoded.
        if (next !== undefined) {
          inFlight = yield* ahead(next)
          // A transport may write the request in a task of its own (effect's node:http client does): let it run
          // before this fiber decodes, so the server prepares the next page meanwhile.
          yield* Effect.yieldNow
        }
        return [[data], Option.fromUndefinedOr(next)] as const
      }))
    return pages.pipe(
      Stream.ensuring(Effect.suspend(() => (inFlight === undefined ? Effect.void : Fiber.interrupt(inFlight)))),
      Stream.mapEffect(options.decode),
      Stream.map((items): ReadonlyArray<A> =>
        items.filter((item) => {
          if (seen.has(item.id)) return false
          seen.add(item.id)
          return true
        })
      ),
      // Each page's items stay one chunk downstream.
      Stream.filter((items): items is Arr.NonEmptyReadonlyArray<A> => items.length > 0),
      Stream.flattenArray
    )
  })
