/**
 * What the bytes of a secrets journal say, with no I/O: its entries, the lines that are not entries, and whether its
 * last line was cut short (a crash or a full disk in the middle of a write). The journal's file handling
 * (`journalFile.ts`) reads and writes; this module decides. Kept apart so the journal can move to another store
 * without its rules moving with it.
 *
 * @since 0.4.0
 */
import { Schema } from "effect"

/**
 * One line of the journal.
 *
 * @since 0.1.0
 */
export const Entry = Schema.Struct({
  namespace: Schema.String,
  key: Schema.String,
  id: Schema.String,
  url: Schema.String,
  secret: Schema.String,
  createdAt: Schema.String
})

/**
 * @since 0.1.0
 */
export type Entry = typeof Entry.Type

const decodeEntry = Schema.decodeUnknownOption(Schema.fromJsonString(Entry))

/** How every entry line starts: `JSON.stringify` keeps the field order of {@link Entry}, namespace first. */
export const LINE_START = "{\"namespace\":"

/** A line's entry; a line that holds the start of a cut entry followed by a whole one (the tail of an older
 * version's append onto a cut line) gives that whole one. */
const entryOf = (line: string): Entry | undefined => {
  const whole = decodeEntry(line)
  if (whole._tag === "Some") return whole.value
  const inner = line.lastIndexOf(LINE_START)
  if (inner <= 0) return undefined
  const salvaged = decodeEntry(line.slice(inner))
  return salvaged._tag === "Some" ? salvaged.value : undefined
}

/**
 * A line that is not an entry: its number (1-based) and its text.
 *
 * @since 0.4.0
 */
export interface Unreadable {
  readonly line: number
  readonly text: string
}

/**
 * The journal's text, read.
 *
 * `cut` is the last line when it has no line break and is not a whole entry: the tail of a write cut short. Its bytes
 * must be kept aside before anything is appended, or the next entry would be glued onto it. `unterminated` is a last
 * line that is a whole entry missing only its line break: it counts, and a line break must be written before the next
 * entry.
 *
 * @since 0.4.0
 */
export interface Parsed {
  readonly entries: ReadonlyArray<Entry>
  readonly unreadable: ReadonlyArray<Unreadable>
  readonly cut: { readonly line: number; readonly text: string } | undefined
  readonly unterminated: boolean
}

/**
 * Reads a journal's text.
 *
 * @since 0.4.0
 */
export const parse = (text: string): Parsed => {
  const entries: Array<Entry> = []
  const unreadable: Array<Unreadable> = []
  const terminated = text.length === 0 || text.endsWith("\n")
  const lastBreak = text.lastIndexOf("\n")
  const body = terminated ? text : text.slice(0, lastBreak + 1)
  let number = 0
  for (const line of body.split("\n")) {
    number++
    if (line.trim() === "") continue
    const entry = entryOf(line)
    if (entry === undefined) unreadable.push({ line: number, text: line })
    else entries.push(entry)
  }
  if (terminated) return { entries, unreadable, cut: undefined, unterminated: false }
  const last = text.slice(lastBreak + 1)
  const entry = entryOf(last)
  if (entry !== undefined) return { entries: [...entries, entry], unreadable, cut: undefined, unterminated: true }
  return { entries, unreadable, cut: { line: number, text: last }, unterminated: false }
}

/**
 * Whether existing text is a secrets journal, so that entries may be appended to it: empty, or its first line is an
 * entry, or it is a single line cut short while the first entry was written. A manifest, or any other file given
 * by mistake, is not one (its first line is not an entry).
 *
 * @since 0.4.0
 */
export const isJournal = (text: string): boolean => {
  if (text.trim() === "") return true
  const firstBreak = text.indexOf("\n")
  const first = firstBreak === -1 ? text : text.slice(0, firstBreak)
  if (entryOf(first) !== undefined) return true
  // A first entry cut short: the only line, unterminated, and the start of an entry.
  return firstBreak === -1 && (first.startsWith(LINE_START) || LINE_START.startsWith(first))
}

/**
 * One journal line for `entry`, with its line break.
 *
 * @since 0.4.0
 */
export const line = (entry: Entry): string =>
  `${
    JSON.stringify({
      namespace: entry.namespace,
      key: entry.key,
      id: entry.id,
      url: entry.url,
      secret: entry.secret,
      createdAt: entry.createdAt
    })
  }\n`
