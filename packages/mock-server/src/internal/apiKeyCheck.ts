/**
 * API keys as Exa takes them: the `x-api-key` header, or `Authorization: Bearer <key>`. `x-api-key` wins when both are
 * sent. With a configured key only that key passes; without one any non-empty key does.
 *
 * @since 0.1.0
 */
import { Option, Redacted, Result } from "effect"
import type { Headers } from "effect/http"
import { createHash, timingSafeEqual } from "node:crypto"
import { Unauthorized } from "./failures.ts"

/**
 * Where the key came from, for messages.
 *
 * @category authentication
 * @since 0.1.0
 */
export type Source = "x-api-key" | "Authorization"

/**
 * The key the server was started with, if any.
 *
 * @category authentication
 * @since 0.2.0
 */
export type Expected = Option.Option<Redacted.Redacted<string>>

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest()

/**
 * The API key of a request, checked against `expected` when there is one. The key is returned as the rate-limit
 * identity of the caller.
 *
 * @example
 * ```ts
 * Auth.authenticate(request.headers, Option.none()) // Result.succeed("any-key") when x-api-key: any-key
 * ```
 * @category authentication
 * @since 0.1.0
 */
export const authenticate = (
  headers: Headers.Headers,
  expected: Expected
): Result.Result<string, Unauthorized> => {
  const apiKey = headers["x-api-key"]?.trim()
  const bearer = /^Bearer\s+(\S.*)$/i.exec(headers["authorization"]?.trim() ?? "")?.[1]?.trim()
  const [key, source]: [string | undefined, Source] = apiKey !== undefined && apiKey !== ""
    ? [apiKey, "x-api-key"]
    : [bearer, "Authorization"]
  if (key === undefined) {
    return Result.fail(
      new Unauthorized({
        tag: "MISSING_API_KEY",
        message: headers["authorization"] === undefined
          ? "No API key was sent; send it in the x-api-key header (or as Authorization: Bearer <key>)"
          : "The Authorization header is not of the form \"Bearer <key>\"; send the key as Authorization: Bearer " +
            "<key> or in the x-api-key header"
      })
    )
  }
  if (Option.isSome(expected) && !timingSafeEqual(digest(key), digest(Redacted.value(expected.value)))) {
    return Result.fail(
      new Unauthorized({
        tag: "INVALID_API_KEY",
        message: `The API key sent in the ${source} header is not valid for this server; send the key it was ` +
          "started with (--api-key)"
      })
    )
  }
  return Result.succeed(key)
}
