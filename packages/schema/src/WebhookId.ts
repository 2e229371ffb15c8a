/**
 * A webhook id as a caller passes it to `get`, `update`, `delete` and `attempts`. It becomes one path segment, so an id
 * that URL normalisation would move elsewhere (`.` and `..` are left unchanged by percent-encoding and then resolved:
 * `DELETE /websets/v0/webhooks/..` would become `DELETE /websets/v0/`) is refused before anything is sent, with empty
 * and blank ids and ids carrying control characters.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(WebhookId.WebhookId)("webhook_01j...") // ok
 * Schema.decodeUnknownSync(WebhookId.WebhookId)("..")             // throws: not a webhook id
 * ```
 * @since 0.2.0
 */
import { Schema, SchemaGetter } from "effect"
import { hasControlCharacter, quote } from "./Validation.ts"

/**
 * Why `id` is not a usable webhook id, or `undefined` when it is.
 *
 * @category validation
 * @since 0.2.0
 */
export const problem = (id: string): string | undefined => {
  if (id.length === 0) return "a webhook id is required, such as \"webhook_01j...\"; got an empty string"
  if (id.trim().length === 0) return `a webhook id is required, such as "webhook_01j..."; got only blanks (${quote(id)})`
  if (id === "." || id === "..") {
    return `${quote(id)} is not a webhook id (it would address another path); pass an id such as "webhook_01j..."`
  }
  if (hasControlCharacter(id)) return `a webhook id has no control characters (line breaks, tabs, NUL); got ${quote(id)}`
  return undefined
}

/**
 * The rule: not empty or blank, not `.` or `..`, no control characters.
 *
 * @category schemas
 * @since 0.2.0
 */
export const WebhookId = Schema.String.check(
  Schema.makeFilter((id: string) => problem(id) ?? true, { expected: "a webhook id" })
)

/**
 * A webhook id as a person types it (the CLI's `ID` argument): blanks around it are dropped (a pasted id often
 * carries them), then {@link WebhookId} applies. An id of blanks only is reported as such.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(WebhookId.Typed)(" webhook_01j ") // "webhook_01j"
 * ```
 * @category schemas
 * @since 0.2.0
 */
export const Typed = Schema.String.pipe(
  Schema.decodeTo(WebhookId, {
    decode: SchemaGetter.transform((id: string) => (id.trim() === "" ? id : id.trim())),
    encode: SchemaGetter.transform((id: string) => id)
  })
)
