/**
 * Webhook signatures as Exa makes them: `Exa-Signature: t=<unix seconds>,v1=<hex>`, where `<hex>` is HMAC-SHA256
 * keyed with the webhook's secret (its UTF-8 bytes) over `<t>.<raw body>`.
 *
 * @since 0.1.0
 */
import { Redacted } from "effect"
import { createHmac } from "node:crypto"

/**
 * The header that carries the signature.
 *
 * @category constants
 * @since 0.1.0
 */
export const HEADER = "Exa-Signature"

/**
 * The header value for `body` sent at `timestampSeconds`.
 *
 * @example
 * ```ts
 * Signature.sign(Redacted.make("whsec_..."), 1700000000, "{\"id\":\"event_1\"}")
 * // "t=1700000000,v1=5d1c..."
 * ```
 * @category signing
 * @since 0.1.0
 */
export const sign = (secret: Redacted.Redacted<string>, timestampSeconds: number, body: string): string => {
  const hex = createHmac("sha256", Buffer.from(Redacted.value(secret), "utf8"))
    .update(`${timestampSeconds}.${body}`, "utf8")
    .digest("hex")
  return `t=${timestampSeconds},v1=${hex}`
}
