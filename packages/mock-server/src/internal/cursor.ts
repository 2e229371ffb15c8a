/**
 * Opaque page cursors. A cursor names the position after the last item of a page (its sequence number) within one
 * list (`webhooks`, or the attempts of one webhook), base64url-encoded so that callers treat it as opaque.
 *
 * Positions are sequence numbers, not offsets: items created after a page was served do not shift later pages, and a
 * deleted item does not invalidate a cursor that points past it.
 *
 * @since 0.1.0
 */
import { Option, Result } from "effect"
import { InvalidRequest } from "./failures.ts"

const VERSION = "c1"

/**
 * The cursor for position `seq` in the list `scope`.
 *
 * @example
 * ```ts
 * const cursor = Cursor.encode("webhooks", 42)
 * Cursor.decode("webhooks", cursor) // Option.some(42)
 * Cursor.decode("attempts:webhook_1", cursor) // Option.none()
 * ```
 * @category cursors
 * @since 0.1.0
 */
export const encode = (scope: string, seq: number): string =>
  Buffer.from(`${VERSION}|${scope}|${seq}`, "utf8").toString("base64url")

/**
 * The position in `cursor`, when it is a cursor this server issued for the list `scope`.
 *
 * @category cursors
 * @since 0.1.0
 */
export const decode = (scope: string, cursor: string): Option.Option<number> => {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return Option.none()
  const parts = Buffer.from(cursor, "base64url").toString("utf8").split("|")
  if (parts.length !== 3 || parts[0] !== VERSION || parts[1] !== scope) return Option.none()
  const seq = Number(parts[2])
  return Number.isSafeInteger(seq) && seq > 0 && String(seq) === parts[2] ? Option.some(seq) : Option.none()
}

/**
 * The position a request's `cursor` names in the list `scope` (`undefined` without a cursor: the first page), or
 * the 400 `invalid_cursor` for a cursor this server did not issue for that list; `what` names the list in the message.
 *
 * @category cursors
 * @since 0.4.0
 */
export const position = (
  scope: string,
  cursor: string | undefined,
  what: string
): Result.Result<number | undefined, InvalidRequest> =>
  cursor === undefined
    ? Result.succeed(undefined)
    : Option.match(decode(scope, cursor), {
      onSome: (seq): Result.Result<number | undefined, InvalidRequest> => Result.succeed(seq),
      onNone: () =>
        Result.fail(
          new InvalidRequest({
            code: "invalid_cursor",
            message: `Invalid query: cursor: ${
              JSON.stringify(cursor)
            } is not a cursor this server issued for ${what}; pass the nextCursor of the previous page, or omit ` +
              "cursor to start at the first page",
            problems: [{ path: "cursor", message: `not a cursor this server issued for ${what}` }]
          })
        )
    })
