/**
 * The events a webhook can subscribe to.
 *
 * Two schemas, one per direction:
 * - {@link EventType} is strict: it is what we send, so an unknown or misspelled value fails with a message that
 *   names the closest valid events.
 * - {@link ReceivedEventType} is tolerant: Exa adds event types over time, and a list response that carries one this
 *   version does not know must still decode. Such a value is kept as its raw string, branded {@link UnknownEventType},
 *   so code that switches over {@link EventType} stays exhaustive and {@link isEventType} tells the two apart.
 *
 * @since 0.1.0
 */
import { Brand, Schema, SchemaGetter } from "effect"

/**
 * Every event type of the official spec (`components.schemas.EventType`), in the spec's order.
 *
 * @category constants
 * @since 0.1.0
 */
export const values = [
  "webset.created",
  "webset.deleted",
  "webset.paused",
  "webset.idle",
  "webset.search.created",
  "webset.search.canceled",
  "webset.search.completed",
  "webset.search.updated",
  "import.created",
  "import.completed",
  "webset.item.created",
  "webset.item.enriched",
  "monitor.created",
  "monitor.updated",
  "monitor.deleted",
  "monitor.run.created",
  "monitor.run.completed",
  "webset.export.created",
  "webset.export.completed"
] as const

/**
 * A known event type.
 *
 * @category models
 * @since 0.1.0
 */
export type EventType = (typeof values)[number]

const known: ReadonlySet<string> = new Set(values)

/**
 * True when `value` is an event type this version knows.
 *
 * @example
 * ```ts
 * EventType.isEventType("webset.created") // true
 * EventType.isEventType("webset.completed") // false
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isEventType = (value: unknown): value is EventType => typeof value === "string" && known.has(value)

// Names people reach for that do not exist. The official docs' own code sample subscribes to the first two.
const knownMistakes: Readonly<Record<string, ReadonlyArray<EventType>>> = {
  "webset.completed": ["webset.idle", "webset.search.completed"],
  "enrichment.completed": ["webset.item.enriched"],
  "webset.enriched": ["webset.item.enriched"],
  "item.created": ["webset.item.created"],
  "item.enriched": ["webset.item.enriched"],
  "search.completed": ["webset.search.completed"],
  "export.completed": ["webset.export.completed"]
}

const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

/**
 * The valid event types closest to `input` (at most `max`), best first: known mistakes, then the same last segment
 * (`*.completed`), then edit distance.
 *
 * @example
 * ```ts
 * EventType.suggest("webset.item.enrich") // ["webset.item.enriched", ...]
 * ```
 * @category messages
 * @since 0.1.0
 */
export const suggest = (input: string, max = 3): ReadonlyArray<EventType> => {
  const normalized = input.trim().toLowerCase()
  const mistake = knownMistakes[normalized] ?? []
  const last = normalized.split(".").pop() ?? ""
  const ranked = values
    .map((value) => ({
      value,
      score: distance(normalized, value) - (value.endsWith(`.${last}`) && last.length > 2 ? 4 : 0)
    }))
    .filter(({ score, value }) => score <= Math.max(4, Math.floor(value.length / 2)))
    .toSorted((a, b) => a.score - b.score)
    .map(({ value }) => value)
  return [...new Set([...mistake, ...ranked])].slice(0, max)
}

/**
 * The message for a value that is not a known event type: says what was given, suggests the closest ones, and
 * points at the full list.
 *
 * @category messages
 * @since 0.1.0
 */
export const unknownMessage = (input: unknown): string => {
  if (typeof input !== "string") return `expected an event type string, got ${JSON.stringify(input) ?? String(input)}`
  if (input.includes(",")) {
    return `unknown event type "${input}": that is several in one value; give each event type as a value of its own ` +
      `(in a query, repeat the parameter: types=webset.created&types=webset.idle)`
  }
  const suggestions = suggest(input)
  const hint = suggestions.length > 0 ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?` : ""
  return `unknown event type "${input}"${hint} (valid: ${values.join(", ")})`
}

/**
 * Strict schema for an event type we send: anything else fails with {@link unknownMessage}.
 *
 * @category schemas
 * @since 0.1.0
 */
export const EventType = Schema.String.check(
  // abort: the refinement below only narrows the type; its generic message would repeat this one.
  Schema.makeFilter((value: string) => isEventType(value) || unknownMessage(value), {
    toJsonSchema: () => ({ enum: [...values] })
  }, true)
).pipe(Schema.refine(isEventType, { expected: "a known event type", identifier: "EventType" }))

/**
 * An event type this version does not know, kept as received.
 *
 * @category models
 * @since 0.1.0
 */
export type UnknownEventType = string & Brand.Brand<"UnknownEventType">

/**
 * Tolerant schema for an event type we receive: a known value decodes to {@link EventType}, any other string to
 * {@link UnknownEventType}.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ReceivedEventType = Schema.Union([
  Schema.Literals(values),
  Schema.String.pipe(Schema.brand("UnknownEventType"))
])

/**
 * @category models
 * @since 0.1.0
 */
export type ReceivedEventType = EventType | UnknownEventType

/**
 * Event types as a person types them on a command line (`--event webset.created,webset.idle`): a comma-separated
 * list, blanks around each name ignored, empty pieces dropped; every name must be known (one unknown name is reported
 * with {@link unknownMessage}, several are all named at once). Decodes to the list. How many, and repeats, are the rule of the request
 * (`Webhook.Events`), checked once every `--event` is in.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(EventType.EventList)("webset.created, webset.idle") // ["webset.created", "webset.idle"]
 * ```
 * @category schemas
 * @since 0.2.0
 */
export const EventList = Schema.String.check(
  Schema.makeFilter((text: string) => {
    const unknown = [...new Set(split(text).filter((name) => !isEventType(name)))]
    if (unknown.length === 0) return true
    return unknown.length === 1
      ? unknownMessage(unknown[0])
      : `unknown event types ${unknown.map((name) => JSON.stringify(name)).join(", ")} (valid: ${values.join(", ")})`
  }, { expected: "a comma-separated list of event types" })
).pipe(
  Schema.decodeTo(Schema.Array(EventType), {
    decode: SchemaGetter.transform(split),
    encode: SchemaGetter.transform((names: ReadonlyArray<string>) => names.join(","))
  })
)

function split(text: string): Array<string> {
  return text.split(",").map((name) => name.trim()).filter((name) => name.length > 0)
}
