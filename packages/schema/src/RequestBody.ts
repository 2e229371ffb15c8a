/**
 * The size of a request's JSON body. Exa's spec bounds each metadata value (1,000 characters) and the events (19),
 * but neither how many metadata keys a webhook has nor how large a request body may be; a server does (the mock
 * answers 413 above {@link MAX_BYTES}, as API gateways do at some size). Input that passes every field's rule can
 * still be a body no server takes (10,000 metadata keys validated, then failed with 413), so tools that check input
 * before sending judge the encoded body too, against this one bound.
 *
 * @example
 * ```ts
 * RequestBody.problem({ url: "https://example.com/hooks", events: ["webset.created"] }) // undefined
 * RequestBody.byteLength({ a: "é" }) // 10: {"a":"é"} in UTF-8
 * ```
 * @since 0.4.0
 */

/**
 * Largest JSON body a request may carry, in bytes (64 KiB): what the mock accepts. A webhook with 19 events, a URL of
 * the longest kind and fifty metadata values of 1,000 characters fits.
 *
 * @category limits
 * @since 0.4.0
 */
export const MAX_BYTES = 64 * 1024

const encoder = new TextEncoder()

/**
 * The size in bytes of `body` encoded as a request sends it (`JSON.stringify`, UTF-8).
 *
 * @category size
 * @since 0.4.0
 */
export const byteLength = (body: unknown): number => encoder.encode(JSON.stringify(body)).byteLength

// At most the encoded size: every UTF-16 unit of a string takes at most 6 bytes (`\u001f`), every other token a few.
const upperBound = (value: unknown): number => {
  if (typeof value === "string") return 6 * value.length + 2
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + upperBound(item) + 1, 2)
  if (value !== null && typeof value === "object") {
    let sum = 2
    for (const [key, item] of Object.entries(value)) sum += upperBound(key) + upperBound(item) + 2
    return sum
  }
  return 24
}

/**
 * Why `body` is too large to send, or `undefined` when it fits in {@link MAX_BYTES}.
 *
 * @category validation
 * @since 0.4.0
 */
export const problem = (body: unknown): string | undefined => {
  // Almost every body is far below the bound: measured only when its rough size could exceed it.
  if (upperBound(body) <= MAX_BYTES) return undefined
  const size = byteLength(body)
  return size <= MAX_BYTES
    ? undefined
    : `the request would be ${size.toLocaleString("en")} bytes of JSON; at most ${MAX_BYTES.toLocaleString("en")} ` +
      `(64 KiB) are accepted: use fewer or shorter metadata values`
}
