import { assert, describe, it } from "@effect/vitest"
import { RequestBody } from "../src/index.ts"

const body = (metadata: Record<string, string>) => ({ url: "https://example.com/hooks", events: ["webset.created"], metadata })
// `size` bytes in all, from one metadata value of ASCII text.
const sized = (size: number) => body({ note: "x".repeat(size - RequestBody.byteLength(body({ note: "" }))) })

describe("RequestBody", () => {
  it("measures the body as sent: JSON, UTF-8", () => {
    assert.strictEqual(RequestBody.byteLength({ a: "é" }), 10)
    assert.strictEqual(RequestBody.byteLength({ a: "\u0001" }), 14)
    assert.strictEqual(RequestBody.byteLength(sized(1000)), 1000)
  })

  it("accepts a body of exactly MAX_BYTES and refuses one byte more, saying how large and what to do", () => {
    assert.isUndefined(RequestBody.problem(sized(RequestBody.MAX_BYTES)))
    assert.strictEqual(
      RequestBody.problem(sized(RequestBody.MAX_BYTES + 1)),
      "the request would be 65,537 bytes of JSON; at most 65,536 (64 KiB) are accepted: use fewer or shorter metadata values"
    )
  })

  it("counts many small keys, multi-byte characters and escapes (where a character count would be wrong)", () => {
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, "v"]))
    assert.include(RequestBody.problem(body(many)), "bytes of JSON")
    // 30,000 characters, 90,000 bytes in UTF-8.
    assert.include(RequestBody.problem(body({ a: "€".repeat(30_000) })), "bytes of JSON")
    // 12,000 characters, 72,000 bytes once escaped.
    assert.include(RequestBody.problem(body({ a: "\u0001".repeat(12_000) })), "bytes of JSON")
    assert.isUndefined(RequestBody.problem(body({ a: "€".repeat(20_000) })))
  })
})
