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
 * One entry of the journal: a webhook's signing secret, in the clear (`secret`) or encrypted to the journal's age
 * recipients (`sealed`: the ASCII-armored age file, which `age -d` reads as it is). `replaces` is the webhook a
 * rotation replaced: the next apply may delete it as a duplicate, since this manifest chose to replace it.
 *
 * @since 0.1.0
 */
export const Entry = Schema.Struct({
  namespace: Schema.String,
  key: Schema.String,
  id: Schema.String,
  url: Schema.String,
  secret: Schema.optionalKey(Schema.String),
  sealed: Schema.optionalKey(Schema.String),
  createdAt: Schema.String,
  replaces: Schema.optionalKey(Schema.String)
}).check(
  Schema.makeFilter((entry) =>
    (entry.secret === undefined) !== (entry.sealed === undefined) || "an entry holds either secret or sealed"
  )
)

/**
 * @since 0.1.0
 */
export type Entry = typeof Entry.Type

/**
 * A secret sink's acknowledgement of an entry: the sink command (`sink`, a fingerprint of its text) exited 0 after
 * reading the secret of webhook `id`. The next apply with the same sink hands over only what it has not acknowledged.
 *
 * @since 0.4.0
 */
export const Acknowledgement = Schema.Struct({
  namespace: Schema.String,
  key: Schema.String,
  id: Schema.String,
  sink: Schema.String,
  acknowledgedAt: Schema.String
})

/**
 * @since 0.4.0
 */
export type Acknowledgement = typeof Acknowledgement.Type

/**
 * A line of the journal: an entry or an acknowledgement.
 *
 * @since 0.4.0
 */
export type Record = Entry | Acknowledgement

const decodeEntry = Schema.decodeUnknownOption(Schema.fromJsonString(Entry))
const decodeAcknowledgement = Schema.decodeUnknownOption(Schema.fromJsonString(Acknowledgement))

const decodeRecord = (line: string): Record | undefined => {
  const entry = decodeEntry(line)
  if (entry._tag === "Some") return entry.value
  const ack = decodeAcknowledgement(line)
  return ack._tag === "Some" ? ack.value : undefined
}

/**
 * Whether a record is an entry (rather than an acknowledgement).
 *
 * @since 0.4.0
 */
export const isEntry = (record: Record): record is Entry => !("sink" in record)

/** How every line starts: `JSON.stringify` keeps the field order of {@link Entry} and {@link Acknowledgement}, namespace
 * first. */
export const LINE_START = "{\"namespace\":"

/** A line's record; a line that holds the start of a cut entry followed by a whole one (the tail of an older
 * version's append onto a cut line) gives that whole one. */
const recordOf = (line: string): Record | undefined => {
  const whole = decodeRecord(line)
  if (whole !== undefined) return whole
  const inner = line.lastIndexOf(LINE_START)
  if (inner <= 0) return undefined
  return decodeRecord(line.slice(inner))
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
  readonly acknowledgements: ReadonlyArray<Acknowledgement>
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
  const acknowledgements: Array<Acknowledgement> = []
  const add = (record: Record) => (isEntry(record) ? entries.push(record) : acknowledgements.push(record))
  const unreadable: Array<Unreadable> = []
  const terminated = text.length === 0 || text.endsWith("\n")
  const lastBreak = text.lastIndexOf("\n")
  const body = terminated ? text : text.slice(0, lastBreak + 1)
  let number = 0
  for (const line of body.split("\n")) {
    number++
    if (line.trim() === "") continue
    const record = recordOf(line)
    if (record === undefined) unreadable.push({ line: number, text: line })
    else add(record)
  }
  if (terminated) return { entries, acknowledgements, unreadable, cut: undefined, unterminated: false }
  const last = text.slice(lastBreak + 1)
  const record = recordOf(last)
  if (record !== undefined) {
    add(record)
    return { entries, acknowledgements, unreadable, cut: undefined, unterminated: true }
  }
  return { entries, acknowledgements, unreadable, cut: { line: number, text: last }, unterminated: false }
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
  const record = recordOf(first)
  if (record !== undefined && isEntry(record)) return true
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
      ...(entry.secret === undefined ? {} : { secret: entry.secret }),
      ...(entry.sealed === undefined ? {} : { sealed: entry.sealed }),
      createdAt: entry.createdAt,
      ...(entry.replaces === undefined ? {} : { replaces: entry.replaces })
    })
  }\n`

/**
 * One journal line for `ack`, with its line break.
 *
 * @since 0.4.0
 */
export const acknowledgementLine = (ack: Acknowledgement): string =>
  `${
    JSON.stringify({
      namespace: ack.namespace,
      key: ack.key,
      id: ack.id,
      sink: ack.sink,
      acknowledgedAt: ack.acknowledgedAt
    })
  }\n`
