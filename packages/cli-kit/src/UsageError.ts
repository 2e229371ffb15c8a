/**
 * The failure of an invocation that cannot be carried out as written: a bad flag value, a missing key, a file that
 * cannot be used. Raised before anything is sent; exits with 2.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * `message` names the flag or variable at fault, says what was wrong and what to do instead.
 *
 * @example
 * ```ts
 * return yield* new UsageError({ message: "--limit must be a whole number from 1 to 200, got 500" })
 * ```
 * @since 0.1.0
 */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  message: Schema.String
}) {}
