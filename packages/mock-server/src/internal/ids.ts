/**
 * Identifiers and secrets, from `node:crypto`: unguessable, so an id from before a `POST /_mock/reset` never names a
 * webhook created after it.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"

const randomString = (length: number, alphabet: string): string => {
  const bytes = randomBytes(length)
  let out = ""
  // 256 is not a multiple of 36 or 62, so the first characters are very slightly likelier; irrelevant for ids.
  for (const byte of bytes) out += alphabet[byte % alphabet.length]
  return out
}

/**
 * A resource id such as `webhook_0k3f...` (24 random characters after the prefix).
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (prefix: string): string => `${prefix}_${randomString(24, ALPHABET)}`

/**
 * A request id in the form of the spec's example, `req_N6SsgoiaOQOPqsYKKiw5`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const requestId = (): string =>
  `req_${randomString(20, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")}`

/**
 * A webhook signing secret: 32 random bytes, hex (`whsec_` + 64 characters).
 *
 * @category constructors
 * @since 0.1.0
 */
export const secret = (): string => `whsec_${randomBytes(32).toString("hex")}`
