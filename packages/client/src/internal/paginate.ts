/**
 * Every item of every page of a list endpoint, following `nextCursor`, each id at most once.
 *
 * Pages are fetched one ahead of the consumer: a page's envelope (`data` left undecoded, `hasMore`, `nextCursor`) is
 * all the next request needs, so the next request is sent (in a fiber of its own) before this page's items are
 * decoded, and the server prepares it while the client decodes. Items are decoded
 * by {@link itemsDecoder}: a plain-code route from the schema package first, the schema for any item it cannot tell.
 *
 * Two answers would otherwise page forever or stop early, and fail instead: `hasMore: true` without a cursor, and a
 * cursor given a second time.
 */
import { Page } from "@exa-webhooks/schema"
import type { Array as Arr } from "effect"
import { Effect, Fiber, Option, Schema, Stream } from "effect"
import { UnexpectedResponseError } from "../WebhooksError.ts"
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
}

/**
 * The decoder of a page's items: each item by `quick` (an item decoder in plain code from the schema package, such as
 * `Webhook.fromWire`), and the whole page by `item`'s schema as soon as `quick` cannot tell, so a page with a bad item
 * fails as the schema says (naming the item and field), and the schema stays the judge of every item `quick` leaves.
 *
 * Decoding 10,000 webhooks with the schema alone cost a fresh process about 250 ms of CPU (the schema interpreter runs
 * cold for most of a listing); with `Webhook.fromWire` it costs a small part of it.
 *
 * @example
 * ```ts
 * const decode = Paginate.itemsDecoder(Webhook.Webhook, Webhook.fromWire)
 * ```
 */
export const itemsDecoder = <A>(
  item: Schema.Decoder<A>,
  quick?: (input: unknown) => A | undefined
): (data: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<A>, Schema.SchemaError> => {
  const bySchema = Schema.decodeUnknownEffect(Schema.Array(item))
  if (quick === undefined) return bySchema
  return (data) =>
    Effect.suspend(() => {
      const out: Array<A> = []
      for (const raw of data) {
        const decoded = quick(raw)
        if (decoded === undefined) return bySchema(data)
        out.push(decoded)
      }
      return Effect.succeed(out)
    })
}

const broken = (path: string, snippet: string, what: string) =>
  new UnexpectedResponseError({
    method: "GET",
    path,
    status: 200,
    snippet,
    message: `GET ${path}: Exa ${what}. Report it with the snippet.`
  })

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
          return Effect.fail(broken(
            options.path,
            JSON.stringify({ hasMore: true, nextCursor: null }),
            "said more pages follow but gave no cursor, so the rest cannot be listed"
          ))
        }
        const next = page.hasMore ? page.nextCursor ?? undefined : undefined
        if (next !== undefined) {
          if (cursors.has(next)) {
            return Effect.fail(broken(
              options.path,
              next,
              `returned the cursor ${JSON.stringify(next)} a second time, so paging would never end`
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
