/**
 * The rule of an id that becomes one path segment (`/webhooks/{id}`, `/events/{id}`): not empty or blank, not `.` or
 * `..` (percent-encoding leaves them as they are and URL normalisation then resolves them: `DELETE .../webhooks/..`
 * would become `DELETE .../v0/`), no control characters. One rule, one set of messages, for every kind of id.
 *
 * @since 0.4.0
 */
import { Schema, SchemaGetter } from "effect"
import { hasControlCharacter, quote } from "../Validation.ts"

/**
 * What kind of id, for messages: `{ article: "a", noun: "webhook id", example: "webhook_01j..." }`.
 *
 * @category models
 * @since 0.4.0
 */
export interface Kind {
  readonly article: "a" | "an"
  readonly noun: string
  readonly example: string
}

/**
 * Why `id` is not a usable id of `kind`, or `undefined` when it is.
 *
 * @category validation
 * @since 0.4.0
 */
export const problem = (kind: Kind) => (id: string): string | undefined => {
  const required = `${kind.article} ${kind.noun} is required, such as ${JSON.stringify(kind.example)}`
  if (id.length === 0) return `${required}; got an empty string`
  if (id.trim().length === 0) return `${required}; got only blanks (${quote(id)})`
  if (id === "." || id === "..") {
    return `${quote(id)} is not ${kind.article} ${kind.noun} (it would address another path); pass an id such as ${
      JSON.stringify(kind.example)
    }`
  }
  if (hasControlCharacter(id)) {
    return `${kind.article} ${kind.noun} has no control characters (line breaks, tabs, NUL); got ${quote(id)}`
  }
  return undefined
}

/**
 * The id of `kind` as a schema: the rule of {@link problem}.
 *
 * @category schemas
 * @since 0.4.0
 */
export const schema = (kind: Kind) => {
  const check = problem(kind)
  return Schema.String.check(
    Schema.makeFilter((id: string) => check(id) ?? true, { expected: `${kind.article} ${kind.noun}` })
  )
}

/**
 * The id as a person types it (a CLI argument): blanks around it are dropped (a pasted id often carries them), then
 * `id` applies. An id of blanks only is reported as such.
 *
 * @category schemas
 * @since 0.4.0
 */
export const typed = <S extends Schema.Codec<string, string>>(id: S) =>
  Schema.String.pipe(
    Schema.decodeTo(id, {
      decode: SchemaGetter.transform((text: string) => (text.trim() === "" ? text : text.trim())),
      encode: SchemaGetter.transform((text: string) => text)
    })
  )
