import { assert, describe, it } from "@effect/vitest"
import { Printable } from "../src/index.ts"

const hostile = "team\u001b[2J\u001b[H0 to create\r\u202egnp.exe\u2066x\u2069\u0085\u007f\u200b\ufeff\u2028\n\t"

describe("Printable", () => {
  it("shows every control and invisible format character as an escape", () => {
    assert.strictEqual(
      Printable.escape(hostile),
      "team\\u001b[2J\\u001b[H0 to create\\r\\u202egnp.exe\\u2066x\\u2069\\u0085\\u007f\\u200b\\ufeff\\u2028\\n\\t"
    )
    assert.strictEqual(Printable.escape("\u{e0001}tag"), "\\u{e0001}tag")
    assert.isFalse(Printable.isPrintable(hostile))
  })

  it("leaves ordinary text, non-ASCII letters and joined emoji as they are", () => {
    for (const text of ["https://example.com/hooks/exa", "équipe croissance", "東京", "👩‍👩‍👧 family", "می‌خواهم", "a\\u001b literal"]) {
      assert.strictEqual(Printable.escape(text), text)
      assert.isTrue(Printable.isPrintable(text))
    }
  })

  it("escapeLines keeps the line breaks a program laid out and escapes the rest", () => {
    assert.strictEqual(Printable.escapeLines("a\u001b\nb\rc"), "a\\u001b\nb\\rc")
  })

  it("escapeJson writes what JSON.stringify leaves raw as \\u escapes: the same values, nothing a terminal acts on", () => {
    const document = { note: hostile, tag: "\u{e0001}", ok: "é👩‍👩‍👧" }
    const text = Printable.escapeJson(JSON.stringify(document, null, 2))
    assert.deepStrictEqual(JSON.parse(text), document)
    assert.isTrue(/^[\n\x20-\x7e\u00a0-\u2027\u2030-\uffff]*$/u.test(text.replace(/[\u{10000}-\u{10ffff}]/gu, "")))
    assert.notMatch(text, /[\u0080-\u009f\u200b\u202a-\u202e\u2066-\u2069\ufeff\u2028\u2029\u007f]/)
    assert.include(text, "\\u202e")
  })
})
