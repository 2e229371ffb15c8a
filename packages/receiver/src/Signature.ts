/**
 * Exa's signature scheme, and nothing else: reading the header, making a signature, checking one.
 *
 * `Exa-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where each `v1` is the lowercase hex of HMAC-SHA256,
 * keyed with the secret's UTF-8 bytes, over the bytes of `<t>.` followed by the raw body. A delivery is genuine when
 * any `v1` matches under any of the secrets (several `v1`s and several secrets let a secret be rotated without
 * refusing deliveries in between).
 *
 * Everything here runs on Web Crypto (`crypto.subtle`, read through effect's `WebCrypto` reference, so another
 * `Crypto` object can be provided), so the same code serves Node, Bun, Deno and edge runtimes. Tags are compared in
 * constant time after both are decoded to 32 bytes. The rules of the header (every one has a test): parts separated
 * by `,`, whitespace around parts, keys and values ignored; exactly one `t` of at most {@link MAX_TIMESTAMP_DIGITS}
 * digits; at least one `v1` of 64 lowercase hex digits (uppercase is refused rather than folded, so one signature
 * has one spelling); other keys ignored; a header longer than {@link MAX_HEADER_LENGTH} refused before it is split.
 *
 * These are effects over the implementation that the dependency-free `Web` form runs too.
 *
 * @since 0.1.0
 */
import { Effect, Redacted, Result } from "effect"
import { WebCrypto } from "effect/crypto"
import * as Scheme from "./internal/scheme.ts"
import { fromFailure, type MalformedSignature } from "./VerifyError.ts"

/**
 * The header that carries the signature (HTTP header names are case-insensitive; Node lowercases them).
 *
 * @category constants
 * @since 0.1.0
 */
export const HEADER: string = Scheme.HEADER

/**
 * Longest header read, in characters: room for a timestamp and about a hundred signatures. Anything longer is
 * refused without being split, so a megabyte of header costs nothing.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_HEADER_LENGTH: number = Scheme.MAX_HEADER_LENGTH

/**
 * Most digits of `t`. Ten digits last until the year 2286; more are refused as malformed rather than parsed into a
 * number that loses precision.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_TIMESTAMP_DIGITS: number = Scheme.MAX_TIMESTAMP_DIGITS

/**
 * A raw request body: exactly the bytes that arrived (a string is taken as its UTF-8 bytes). Never a re-serialised
 * object: `JSON.stringify(JSON.parse(body))` is not the body that was signed.
 *
 * @category models
 * @since 0.1.0
 */
export type Body = Scheme.Body

/**
 * A secret as given: a string, or a `Redacted` one (which keeps it out of logs).
 *
 * @category models
 * @since 0.1.0
 */
export type Secret = string | Redacted.Redacted<string>

/**
 * A header that follows the scheme: `timestamp` (seconds), `timestampText` (`t` exactly as sent, which the signed
 * payload starts with) and every `v1`, decoded to 32 bytes.
 *
 * @category models
 * @since 0.1.0
 */
export type Parsed = Scheme.Parsed

/**
 * An imported secret (a Web Crypto `CryptoKey`).
 *
 * @category models
 * @since 0.1.0
 */
export type Key = Scheme.Key

/**
 * Reads a header value. Pure and synchronous; fails with a {@link MalformedSignature} whose `reason` names the rule
 * broken: `too-long`, `empty`, `empty-part`, `not-key-value`, `missing-t`, `duplicate-t`, `t-not-a-number`,
 * `t-out-of-range`, `missing-v1`, `v1-not-hex`, `v1-wrong-length`, `v1-uppercase`.
 *
 * @example
 * ```ts
 * const parsed = Signature.parse("t=1700000000,v1=5d1c...")
 * if (Result.isSuccess(parsed)) parsed.success.timestamp // 1700000000
 * ```
 * @category parsing
 * @since 0.1.0
 */
export const parse = (header: string): Result.Result<Parsed, MalformedSignature> => {
  const parsed = Scheme.parse(header)
  return "_tag" in parsed ? Result.fail(fromFailure(parsed) as MalformedSignature) : Result.succeed(parsed)
}

/**
 * The bytes that are signed: `<t>.` followed by the body's bytes.
 *
 * @category signing
 * @since 0.1.0
 */
export const payload: (timestampText: string, body: Body) => Uint8Array<ArrayBuffer> = Scheme.payload

/**
 * The secret's value.
 *
 * @category signing
 * @since 0.1.0
 */
export const secretValue = (secret: Secret): string => (typeof secret === "string" ? secret : Redacted.value(secret))

const currentSubtle = Effect.map(WebCrypto.WebCrypto, (crypto: typeof globalThis.crypto) => crypto.subtle)

/**
 * Imports a secret as an HMAC-SHA256 key (its UTF-8 bytes), on the `WebCrypto` reference. Dies on an empty secret,
 * which HMAC would accept but which can only be a configuration mistake.
 *
 * @category signing
 * @since 0.1.0
 */
export const importKey = (secret: Secret): Effect.Effect<Key> =>
  Effect.flatMap(currentSubtle, (subtle) => Effect.promise(() => Scheme.importKey(subtle, secretValue(secret))))

/**
 * The HMAC-SHA256 tag of `data` under `key`: 32 bytes.
 *
 * @category signing
 * @since 0.1.0
 */
export const tag = (key: Key, data: Uint8Array<ArrayBuffer>): Effect.Effect<Uint8Array> =>
  Effect.flatMap(currentSubtle, (subtle) => Effect.promise(() => Scheme.tag(subtle, key, data)))

/**
 * The header value for `body` signed with `secret` at `timestampSeconds`, as Exa sends it.
 *
 * @example
 * ```ts
 * const header = yield* Signature.sign(Redacted.make("whsec_..."), 1700000000, body)
 * // "t=1700000000,v1=b73f82df..."
 * ```
 * @category signing
 * @since 0.1.0
 */
export const sign = (secret: Secret, timestampSeconds: number, body: Body): Effect.Effect<string> =>
  Effect.flatMap(currentSubtle, (subtle) => Effect.promise(() => Scheme.sign(subtle, secretValue(secret), timestampSeconds, body)))

/**
 * Whether any signature of `parsed` is the tag of `body` under any of `keys`. Each key's tag is computed once and
 * compared with every signature in constant time.
 *
 * @category signing
 * @since 0.1.0
 */
export const matches = (keys: ReadonlyArray<Key>, parsed: Parsed, body: Body): Effect.Effect<boolean> =>
  Effect.flatMap(currentSubtle, (subtle) => Effect.promise(() => Scheme.matches(subtle, keys, parsed, body)))
