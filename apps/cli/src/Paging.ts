/**
 * The paging flags of every listing (`list`, `attempts`, `events list`): `--limit`, `--all`, `--cursor`, and the hint
 * printed when more pages exist.
 *
 * @since 0.4.0
 */
import { Page } from "@exa-webhooks/schema"
import { Effect, Option } from "effect"
import { Flag } from "effect/cli"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

/**
 * `--limit N`, checked by the schema's page-size rule.
 *
 * @since 0.4.0
 */
export const limit = Flag.String("limit").pipe(
  Flag.withDescription(
    `page size, ${Page.PAGE_LIMIT.minimum} to ${Page.PAGE_LIMIT.maximum} (default ${Page.PAGE_LIMIT.default}; with --all, per request)`
  ),
  Flag.withMetavar("N"),
  Flag.withSchema(Page.PageLimit),
  Flag.optional
)

/**
 * `--all`.
 *
 * @since 0.4.0
 */
export const all = Flag.Boolean("all").pipe(
  Flag.withDescription("follow every page and print everything"),
  Flag.withDefault(false)
)

/**
 * `--cursor C`.
 *
 * @since 0.4.0
 */
export const cursor = Flag.String("cursor").pipe(
  Flag.withDescription("start at this page (the nextCursor of a previous page)"),
  Flag.withMetavar("CURSOR"),
  Flag.withSchema(Page.Cursor),
  Flag.optional
)

/**
 * The cursor to start at; `--cursor` with `--all` is a usage error.
 *
 * @since 0.4.0
 */
export const cursorOf = Effect.fn("Paging.cursor")(function*(value: Option.Option<string>, everyPage: boolean) {
  if (Option.isNone(value)) return undefined
  if (everyPage) return yield* new UsageError({ message: "--cursor and --all cannot be combined: --all starts at the first page" })
  return value.value
})

/**
 * What to say when a page says more follow.
 *
 * @since 0.4.0
 */
export const moreHint = (page: Page.Envelope<unknown>, what: string) =>
  page.hasMore
    ? `more ${what} exist: pass --all to print every page${
      page.nextCursor === null ? "" : `, or --cursor ${page.nextCursor} for the next one`
    }`
    : undefined
