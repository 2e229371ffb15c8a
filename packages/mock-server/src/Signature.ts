/**
 * Webhook signatures as Exa makes them: `Exa-Signature: t=<unix seconds>,v1=<hex>`, where `<hex>` is HMAC-SHA256
 * keyed with the webhook's secret (its UTF-8 bytes) over `<t>.<raw body>`. The mock signs its deliveries with
 * `@exa-webhooks/receiver`'s `Signature`, the same module that verifies them, so the scheme is written down once;
 * this module re-exports it for users of the mock.
 *
 * @example
 * ```ts
 * import { Signature } from "@exa-webhooks/mock-server"
 *
 * const header = yield* Signature.sign(Redacted.make("whsec_..."), 1700000000, "{\"id\":\"event_1\"}")
 * // "t=1700000000,v1=5d1c..."
 * ```
 * @category signing
 * @since 0.1.0
 */
export { HEADER, sign } from "@exa-webhooks/receiver/Signature"
