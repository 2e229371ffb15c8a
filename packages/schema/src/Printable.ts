/**
 * Text from outside (a webhook's URL or metadata as Exa returns it, an event from a delivery, a value in an error)
 * made safe to print on a terminal. A control character (ESC starting a terminal escape sequence, CR returning to the
 * start of the line, a line break) or an invisible format character (a bidi override reversing what follows, a
 * zero-width space) could otherwise clear the screen, overwrite a line with a fake "0 to create", or disguise what a
 * value holds. Human output shows each as an escape (`\u001b`, `\r`, `\u202e`); JSON output keeps them as JSON
 * escapes, so a program reading it gets the same value.
 *
 * Zero-width joiner and non-joiner (U+200D, U+200C) are left as they are: they join emoji and the letters of some
 * scripts, and cannot move or hide anything.
 *
 * @example
 * ```ts
 * Printable.escape("team\u001b[2J\rgrowth") // "team\\u001b[2J\\rgrowth"
 * ```
 * @since 0.4.0
 */

// C0, DEL and C1 controls (Cc), format characters (Cf: bidi embeddings, overrides and isolates, zero-width spaces,
// the byte order mark, ...), and the line and paragraph separators.
const UNSAFE = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu
const UNSAFE_ONE = new RegExp(UNSAFE.source, "u")
// The same, without the C0 controls, which `JSON.stringify` already escapes (and whose line breaks lay out JSON).
const UNSAFE_IN_JSON = /(?![\u200c\u200d])[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }

const hex4 = (unit: number) => `\\u${unit.toString(16).padStart(4, "0")}`

// `\uXXXX` per UTF-16 unit: the escape JSON (and YAML's double-quoted style) reads back as the same character.
const unitEscapes = (character: string) => Array.from({ length: character.length }, (_, i) => hex4(character.charCodeAt(i))).join("")

/**
 * Whether `text` holds a character {@link escape} would replace.
 *
 * @category predicates
 * @since 0.4.0
 */
export const isPrintable = (text: string): boolean => !UNSAFE_ONE.test(text)

/**
 * `text` with every control and invisible format character shown as an escape: `\n`, `\r`, `\t`, else `\uXXXX`
 * (`\u{XXXXX}` above U+FFFF). For one value in human output (a table cell, a field); text without such characters
 * comes back unchanged.
 *
 * @category escaping
 * @since 0.4.0
 */
export const escape = (text: string): string =>
  text.replace(UNSAFE, (character) => {
    const code = character.codePointAt(0)!
    return NAMED[character] ?? (code > 0xffff ? `\\u{${code.toString(16)}}` : hex4(code))
  })

/**
 * {@link escape} for text of several lines that the program laid out itself: every line escaped, the line breaks
 * between them kept.
 *
 * @category escaping
 * @since 0.4.0
 */
export const escapeLines = (text: string): string => text.split("\n").map(escape).join("\n")

/**
 * Text made by `JSON.stringify` (or a YAML double-quoted scalar) with the characters it leaves as they are (DEL, C1
 * controls, format characters, line and paragraph separators) written as `\uXXXX` escapes: the same document, read
 * back to the same values, but nothing in it acts on a terminal that shows it.
 *
 * @example
 * ```ts
 * Printable.escapeJson(JSON.stringify({ note: "a\u202eb" })) // '{"note":"a\\u202eb"}'
 * ```
 * @category escaping
 * @since 0.4.0
 */
export const escapeJson = (json: string): string => json.replace(UNSAFE_IN_JSON, unitEscapes)
