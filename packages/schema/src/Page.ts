/**
 * Paging, the same for every list endpoint: the `cursor` and `limit` query parameters and the envelope a page comes
 * in (`data`, `hasMore`, `nextCursor`). The list responses of the API (`Webhook.ListWebhooksResponse`,
 * `WebhookAttempt.ListWebhookAttemptsResponse`), the client's pagination and the mock's pages all use these.
 *
 * @example
 * ```ts
 * import { Page, Webhook } from "@exa-webhooks/schema"
 *
 * const WebhookPage = Page.Page(Webhook.Webhook)
 * Schema.decodeUnknownSync(Page.PageLimit)("50") // 50
 * ```
 * @since 0.2.0
 */
import { Schema, SchemaGetter } from "effect"
import { quote } from "./Validation.ts"

/**
 * Default, smallest and largest page size of every list endpoint (the spec's `limit`: `minimum: 1`,
 * `maximum: 200`, `default: 25`).
 *
 * @category limits
 * @since 0.2.0
 */
export const PAGE_LIMIT = { default: 25, minimum: 1, maximum: 200 } as const

/**
 * Why `value` (as typed, or sent as a query parameter) is not a page size, or `undefined` when it is.
 *
 * @example
 * ```ts
 * Page.limitProblem("500") // "limit must be a whole number from 1 to 200, got \"500\""
 * ```
 * @category limits
 * @since 0.2.0
 */
export const limitProblem = (value: string): string | undefined => {
  const n = Number(value)
  return /^\d+$/.test(value) && n >= PAGE_LIMIT.minimum && n <= PAGE_LIMIT.maximum
    ? undefined
    : `limit must be a whole number from ${PAGE_LIMIT.minimum} to ${PAGE_LIMIT.maximum}, got ${quote(value)}`
}

/**
 * The `limit` query parameter (and the CLI's `--limit`): a whole number from 1 to 200, as text; decodes to the
 * number.
 *
 * @category schemas
 * @since 0.2.0
 */
export const PageLimit = Schema.String.check(
  // Checked as text, so the message quotes what was given ("ten", "2.5") rather than a parsed NaN.
  Schema.makeFilter((s: string) => limitProblem(s) ?? true, {
    expected: `a whole number from ${PAGE_LIMIT.minimum} to ${PAGE_LIMIT.maximum}`,
    toJsonSchema: () => ({ pattern: "^\\d+$" })
  })
).pipe(
  Schema.decodeTo(Schema.Int, {
    decode: SchemaGetter.transform((s: string) => Number(s)),
    encode: SchemaGetter.transform((n: number) => String(n))
  })
)

/**
 * The `cursor` query parameter (and the CLI's `--cursor`): the previous page's `nextCursor`, not empty or blank.
 *
 * @category schemas
 * @since 0.2.0
 */
export const Cursor = Schema.String.check(
  Schema.makeFilter((s: string) =>
    s.trim().length > 0 || "cursor must not be empty; pass the previous page's nextCursor", {
    expected: "a cursor (the previous page's nextCursor)"
  })
)

/**
 * The paging part of every list query: `cursor` and `limit`, both optional.
 *
 * @category schemas
 * @since 0.2.0
 */
export const PageQuery = {
  cursor: Schema.optionalKey(Cursor),
  limit: Schema.optionalKey(PageLimit)
} as const

/**
 * One page as code sees it, whatever the item: what {@link Page} decodes to, and what the mock answers with.
 *
 * @category models
 * @since 0.2.0
 */
export interface Envelope<A> {
  readonly data: ReadonlyArray<A>
  /** Whether another page follows; when it does, {@link Envelope.nextCursor} is its cursor. */
  readonly hasMore: boolean
  /** `null` on the last page. */
  readonly nextCursor: string | null
}

/**
 * The page envelope every list endpoint answers with, for items of `item`: `nextCursor` is `null` on the last page.
 *
 * @example
 * ```ts
 * const ListWebhooksResponse = Page.Page(Webhook.Webhook)
 * ```
 * @category schemas
 * @since 0.2.0
 */
export const Page = <Item extends Schema.Top>(item: Item) =>
  Schema.Struct({
    data: Schema.Array(item),
    hasMore: Schema.Boolean,
    nextCursor: Schema.NullOr(Schema.String)
  })
