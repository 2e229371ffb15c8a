/**
 * The idempotency key of a create (the client's `idempotencyKey` option, the CLI's `--idempotency-key`). It is stored
 * as a metadata value, so it is 1 to `Webhook.MAX_METADATA_VALUE_LENGTH` characters; it is printed in advice ("run
 * again with --idempotency-key K"), so it has no control characters (a line break would split that advice) and is not
 * blank.
 *
 * @since 0.2.0
 */
import { Schema } from "effect"
import { hasControlCharacter, quote } from "./Validation.ts"
import { MAX_METADATA_VALUE_LENGTH } from "./Webhook.ts"

/**
 * Why `key` is not a usable idempotency key, or `undefined` when it is.
 *
 * @category validation
 * @since 0.2.0
 */
export const problem = (key: string): string | undefined => {
  if (key.trim().length === 0) return "the idempotency key must not be empty or blank"
  if (key.length > MAX_METADATA_VALUE_LENGTH) {
    return `the idempotency key is stored as a metadata value, so it is at most ${MAX_METADATA_VALUE_LENGTH} characters; ` +
      `got ${key.length}`
  }
  if (hasControlCharacter(key)) return `the idempotency key has no control characters (line breaks, tabs, NUL); got ${quote(key)}`
  return undefined
}

/**
 * The rule.
 *
 * @category schemas
 * @since 0.2.0
 */
export const IdempotencyKey = Schema.String.check(
  Schema.makeFilter((key: string) => problem(key) ?? true, { expected: "an idempotency key" })
)
