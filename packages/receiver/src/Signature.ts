/**
 * Exa's signature scheme, and nothing else: reading the header, making a signature, checking one.
 *
 * `Exa-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where each `v1` is the lowercase hex of HMAC-SHA256,
 * keyed with the secret's UTF-8 bytes, over the bytes of `<t>.` followed by the raw body. A delivery is genuine when
 * any `v1` matches under any of the secrets (several `v1`s and several secrets let a secret be rotated without
 * refusing deliveries in between).
 *
 * Everything here runs on Web Crypto (`crypto.subtle`, read through effect's `WebCrypto` reference, so another
 * `Crypto` object can be provided), so the same code serves Node, Bun, Deno and edge runtimes. Tags are compared with
 * `Mac.timingSafeEqual` after both are decoded to 32 bytes, so the comparison takes the same time wherever they
 * differ.
 *
 * How the header is read (every rule has a test):
 * - parts are separated by `,`; whitespace around a part, a key or a value is ignored;
 * - exactly one `t`: digits only, at most {@link MAX_TIMESTAMP_DIGITS} of them (none, two, a sign, a fraction or
 *   more digits is malformed); the digits are signed exactly as sent;
 * - at least one `v1`, each exactly 64 lowercase hex digits. Uppercase is refused rather than folded: Exa sends
 *   lowercase, and accepting other spellings would let one genuine signature appear in 2^64 forms (which defeats
 *   de-duplication by signature);
 * - parts with other keys (`v0=`, a future `v2=`) are ignored;
 * - a header longer than {@link MAX_HEADER_LENGTH} characters is refused before it is split.
 *
 * @since 0.1.0
 */
import { Effect, Redacted, Result } from "effect"
import { Mac, WebCrypto } from "effect/crypto"
import { MalformedSignature } from "./VerifyError.ts"

/**
 * The header that carries the signature (HTTP header names are case-insensitive; Node lowercases them).
 *
 * @category constants
 * @since 0.1.0
 */
export const HEADER = "Exa-Signature"

/**
 * Longest header read, in characters: room for a timestamp and about a hundred signatures. Anything longer is
 * refused without being split, so a megabyte of header costs nothing.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_HEADER_LENGTH = 8192

/**
 * Most digits of `t`. Ten digits last until the year 2286; more are refused as malformed rather than parsed into a
 * number that loses precision.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_TIMESTAMP_DIGITS = 12

/**
 * A raw request body: exactly the bytes that arrived (a string is taken as its UTF-8 bytes). Never a re-serialised
 * object: `JSON.stringify(JSON.parse(body))` is not the body that was signed.
 *
 * @category models
 * @since 0.1.0
 */
export type Body = string | Uint8Array | ArrayBuffer

/**
 * A secret as given: a string, or a `Redacted` one (which keeps it out of logs).
 *
 * @category models
 * @since 0.1.0
 */
export type Secret = string | Redacted.Redacted<string>

/**
 * A header that follows the scheme.
 *
 * @category models
 * @since 0.1.0
 */
export interface Parsed {
  /** `t`, in seconds since the epoch. */
  readonly timestamp: number
  /** `t` exactly as sent: the signed payload starts with these characters. */
  readonly timestampText: string
  /** Every `v1`, decoded: 32 bytes each. */
  readonly signatures: ReadonlyArray<Uint8Array>
}

/**
 * An imported secret (a Web Crypto `CryptoKey`).
 *
 * @category models
 * @since 0.1.0
 */
export type Key = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>

const TAG_HEX = /^[0-9a-f]{64}$/
const HEX = /^[0-9a-fA-F]*$/
const DIGITS = /^[0-9]+$/

// What a message may quote of what a sender wrote: a bounded, escaped excerpt.
const quote = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text)

const malformed = (reason: string, detail: string) =>
  Result.fail(new MalformedSignature({ reason, message: `malformed ${HEADER} header: ${detail}` }))

const hexToBytes = (hex: string): Uint8Array => {
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return bytes
}

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
  if (header.length > MAX_HEADER_LENGTH) {
    return malformed("too-long", `${header.length} characters, more than the ${MAX_HEADER_LENGTH} read`)
  }
  if (header.trim() === "") return malformed("empty", "it is empty; expected t=<unix seconds>,v1=<hex>")
  let timestampText: string | undefined
  const hexes: Array<string> = []
  for (const raw of header.split(",")) {
    const part = raw.trim()
    if (part === "") return malformed("empty-part", "it has an empty part (two commas in a row, or one at an end)")
    const equals = part.indexOf("=")
    if (equals <= 0) return malformed("not-key-value", `part ${quote(part)} is not key=value`)
    const key = part.slice(0, equals).trim()
    const value = part.slice(equals + 1).trim()
    if (key === "t") {
      if (timestampText !== undefined) return malformed("duplicate-t", "it has more than one t=")
      timestampText = value
    } else if (key === "v1") {
      hexes.push(value)
    }
    // Any other key is another scheme (or a future one): ignored, so that Exa can add one without breaking receivers.
  }
  if (timestampText === undefined) return malformed("missing-t", "it has no t=<unix seconds>")
  if (!DIGITS.test(timestampText)) {
    return malformed("t-not-a-number", `t=${quote(timestampText)} is not a whole number of seconds`)
  }
  if (timestampText.length > MAX_TIMESTAMP_DIGITS) {
    return malformed("t-out-of-range", `t has ${timestampText.length} digits, more than the ${MAX_TIMESTAMP_DIGITS} allowed`)
  }
  if (hexes.length === 0) return malformed("missing-v1", "it has no v1=<signature> (other schemes are ignored)")
  const signatures: Array<Uint8Array> = []
  for (const hex of hexes) {
    if (!TAG_HEX.test(hex)) {
      if (!HEX.test(hex)) return malformed("v1-not-hex", `v1=${quote(hex)} is not hexadecimal`)
      if (hex.length !== 64) {
        return malformed("v1-wrong-length", `v1 has ${hex.length} hex digits; an HMAC-SHA256 signature has 64`)
      }
      return malformed("v1-uppercase", "v1 has uppercase hex digits; Exa signs in lowercase hex")
    }
    signatures.push(hexToBytes(hex))
  }
  return Result.succeed({ timestamp: Number(timestampText), timestampText, signatures })
}

const encoder = new TextEncoder()

/**
 * The bytes that are signed: `<t>.` followed by the body's bytes.
 *
 * @category signing
 * @since 0.1.0
 */
export const payload = (timestampText: string, body: Body): Uint8Array<ArrayBuffer> => {
  const prefix = encoder.encode(`${timestampText}.`)
  const rest = typeof body === "string" ? encoder.encode(body) : body instanceof Uint8Array ? body : new Uint8Array(body)
  const bytes = new Uint8Array(prefix.length + rest.length)
  bytes.set(prefix, 0)
  bytes.set(rest, prefix.length)
  return bytes
}

/**
 * The secret's value; dies on an empty one, which HMAC would accept but which can only be a configuration mistake.
 *
 * @category signing
 * @since 0.1.0
 */
export const secretValue = (secret: Secret): string => {
  const value = typeof secret === "string" ? secret : Redacted.value(secret)
  if (value === "") throw new TypeError("exa-webhooks receiver: a webhook secret is empty; pass the secret Exa returned when the webhook was created")
  return value
}

/**
 * Imports a secret as an HMAC-SHA256 key (its UTF-8 bytes), on the `WebCrypto` reference.
 *
 * @category signing
 * @since 0.1.0
 */
export const importKey = (secret: Secret): Effect.Effect<Key> =>
  Effect.gen(function*() {
    const crypto: typeof globalThis.crypto = yield* WebCrypto.WebCrypto
    const bytes = encoder.encode(yield* Effect.sync(() => secretValue(secret)))
    return yield* Effect.promise(() =>
      crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
    )
  })

/**
 * The HMAC-SHA256 tag of `data` under `key`: 32 bytes.
 *
 * @category signing
 * @since 0.1.0
 */
export const tag = (key: Key, data: Uint8Array<ArrayBuffer>): Effect.Effect<Uint8Array> =>
  Effect.gen(function*() {
    const crypto: typeof globalThis.crypto = yield* WebCrypto.WebCrypto
    return yield* Effect.promise(async () => new Uint8Array(await crypto.subtle.sign("HMAC", key, data)))
  })

const toHex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")

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
  Effect.gen(function*() {
    if (!Number.isFinite(timestampSeconds) || timestampSeconds < 0) {
      return yield* Effect.die(new TypeError(`exa-webhooks receiver: cannot sign at t=${timestampSeconds}; give unix seconds`))
    }
    const t = String(Math.floor(timestampSeconds))
    const key = yield* importKey(secret)
    return `t=${t},v1=${toHex(yield* tag(key, payload(t, body)))}`
  })

/**
 * Whether any signature of `parsed` is the tag of `body` under any of `keys`. Each key's tag is computed once and
 * compared with every signature in constant time.
 *
 * @category signing
 * @since 0.1.0
 */
export const matches = (keys: ReadonlyArray<Key>, parsed: Parsed, body: Body): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const data = payload(parsed.timestampText, body)
    let matched = false
    for (const key of keys) {
      const expected = yield* tag(key, data)
      // No early exit: every candidate is compared, so timing says nothing about which one matched.
      for (const candidate of parsed.signatures) matched = Mac.timingSafeEqual(expected, candidate) || matched
    }
    return matched
  })
