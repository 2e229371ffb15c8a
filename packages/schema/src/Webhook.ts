/**
 * The webhook resource and the parameters that create, change and list it.
 *
 * Request shapes ({@link CreateWebhookParameters}, {@link UpdateWebhookParameters}, {@link ListWebhooksQuery}) are
 * strict: they are checked before anything is sent and by the mock server when a request arrives. Response shapes
 * ({@link Webhook}, {@link ListWebhooksResponse}) are tolerant of event types this version does not know and of
 * fields Exa adds, and decode timestamps to `DateTime.Utc` (encoded back as ISO-8601).
 *
 * @since 0.1.0
 */
import { DateTime, Option, Schema, SchemaGetter } from "effect"
import * as EventType from "./EventType.ts"
import * as PageModule from "./Page.ts"
import { maskValue } from "./UrlCredentials.ts"
import * as Validation from "./Validation.ts"

// A URL as given, for a message: never its password.
const quote = (value: string) => Validation.quote(maskValue(value))

/**
 * Largest number of events one webhook can subscribe to (the spec's `maxItems`).
 *
 * @category limits
 * @since 0.1.0
 */
export const MAX_EVENTS = 19

/**
 * Longest metadata value, in characters (the spec's `maxLength`).
 *
 * @category limits
 * @since 0.1.0
 */
export const MAX_METADATA_VALUE_LENGTH = 1000

/**
 * Status of a webhook. Exa creates webhooks `active`; an update keeps the status.
 *
 * @category schemas
 * @since 0.1.0
 */
export const WebhookStatus = Schema.Literals(["active", "inactive"])

/**
 * @category models
 * @since 0.1.0
 */
export type WebhookStatus = typeof WebhookStatus.Type

/**
 * Longest webhook URL accepted, in characters. The spec sets no limit; 2,048 is what browsers, proxies and most
 * servers handle everywhere, and a longer URL is a mistake (a pasted file) rather than an endpoint.
 *
 * @category limits
 * @since 0.2.0
 */
export const MAX_URL_LENGTH = 2048

// RFC 3986 (the spec's `format: uri`): only these characters, and `%` only as the start of an escape.
const URI_CHARACTERS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/

// The host as written: the authority (after `//`, up to the path, query or fragment) without its userinfo and port.
// WHATWG's parser finds a host in `https:///a` (it skips the extra slashes, making it `https://a/`), so the text we
// send, which is what Exa reads, is checked itself.
const writtenHost = (value: string): string => {
  const authority = /^[a-z][a-z\d+.-]*:\/\/([^/?#]*)/i.exec(value)?.[1] ?? ""
  const host = authority.slice(authority.lastIndexOf("@") + 1)
  return host.startsWith("[") ? host : host.replace(/:\d*$/, "")
}

/**
 * An absolute `http:` or `https:` URL with a host, the only kind Exa can deliver to: a URI as the spec's
 * `format: uri` says (RFC 3986: no spaces, control characters or other unescaped characters), at most
 * {@link MAX_URL_LENGTH} characters. Messages about a refused URL never quote its password.
 *
 * @category schemas
 * @since 0.1.0
 */
export const WebhookUrl = Schema.String.check(
  Schema.makeFilter((value: string) => {
    if (value.length > MAX_URL_LENGTH) {
      return `a URL is at most ${MAX_URL_LENGTH} characters; got ${value.length} (${quote(value)})`
    }
    // Parsed once, for both the absolute form and the scheme. The parser also accepts "https:/host" and "http:host"
    // (fixing them up); the text we send must be absolute.
    const url = URL.parse(value)
    if (url === null || !/^[a-z][a-z\d+.-]*:\/\//i.test(value)) {
      return `expected an absolute http(s) URL such as "https://example.com/hooks/exa", got ${quote(value)}`
    }
    if (Validation.hasControlCharacter(value) || /\s/.test(value)) {
      return `a URL has no spaces, line breaks, tabs or other control characters (percent-encode them); got ${quote(value)}`
    }
    const protocol = url.protocol
    if (protocol !== "http:" && protocol !== "https:") {
      return `expected an http: or https: URL, got the scheme "${protocol}" in ${quote(value)}`
    }
    if (writtenHost(value) === "") {
      return `a webhook URL needs a host, such as "https://example.com/hooks/exa"; got ${quote(value)}`
    }
    return URI_CHARACTERS.test(value) ||
      `expected a URI (RFC 3986): characters outside it, such as non-ASCII letters, must be percent-encoded; got ${
        quote(value)
      }`
  }, { expected: "an absolute http(s) URL", toJsonSchema: () => ({ format: "uri" }) })
)

/**
 * Free-form key/value pairs attached to a webhook; each value at most {@link MAX_METADATA_VALUE_LENGTH} characters.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Metadata = Schema.Record(
  Schema.String,
  Schema.String.check(
    Schema.makeFilter((value: string) =>
      value.length <= MAX_METADATA_VALUE_LENGTH ||
      `metadata values are at most ${MAX_METADATA_VALUE_LENGTH} characters; this one has ${value.length}`, {
      expected: `a string of at most ${MAX_METADATA_VALUE_LENGTH} characters`,
      toJsonSchema: () => ({ maxLength: MAX_METADATA_VALUE_LENGTH })
    })
  )
)

/**
 * @category models
 * @since 0.1.0
 */
export type Metadata = typeof Metadata.Type

/**
 * {@link Metadata} as a request sends it. The key `__proto__` is refused: JavaScript code that copies a record with
 * `copy[key] = value` drops it silently or sets the copy's prototype with it, so it would not survive the round trip
 * through every program that handles webhooks.
 *
 * @category schemas
 * @since 0.2.0
 */
export const MetadataInput = Metadata.check(
  Schema.makeFilter((metadata: { readonly [key: string]: string }) =>
    !Object.hasOwn(metadata, "__proto__") ||
    "the metadata key \"__proto__\" cannot be stored safely (JavaScript code that copies records with obj[key] = value drops it or sets the prototype with it); choose another key", {
    expected: "metadata without the key __proto__"
  })
)

/**
 * The events of a create or update request: 1 to {@link MAX_EVENTS} known event types, none twice.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Events = Schema.Array(EventType.EventType).check(
  Schema.makeFilter((events: ReadonlyArray<string>) => {
    if (events.length === 0) return `at least one event is required (valid: ${EventType.values.join(", ")})`
    if (events.length > MAX_EVENTS) return `at most ${MAX_EVENTS} events are allowed; got ${events.length}`
    const twice = events.find((event, i) => events.indexOf(event) !== i)
    return twice === undefined || `"${twice}" is listed more than once`
  }, { expected: `1 to ${MAX_EVENTS} distinct event types`, toJsonSchema: () => ({ minItems: 1, maxItems: MAX_EVENTS }) })
)

/**
 * Body of `POST /v0/webhooks`.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(Webhook.CreateWebhookParameters)({
 *   url: "https://example.com/hooks/exa",
 *   events: ["webset.created", "webset.item.enriched"],
 *   metadata: { team: "growth" }
 * })
 * ```
 * @category schemas
 * @since 0.1.0
 */
export const CreateWebhookParameters = Schema.Struct({
  events: Events,
  url: WebhookUrl,
  metadata: Schema.optionalKey(MetadataInput)
})

/**
 * @category models
 * @since 0.1.0
 */
export type CreateWebhookParameters = typeof CreateWebhookParameters.Type

/**
 * Body of `PATCH /v0/webhooks/{id}`: every field optional, omitted fields stay as they are.
 *
 * @category schemas
 * @since 0.1.0
 */
export const UpdateWebhookParameters = Schema.Struct({
  events: Schema.optionalKey(Events),
  url: Schema.optionalKey(WebhookUrl),
  metadata: Schema.optionalKey(MetadataInput)
})

/**
 * An update that changes something: {@link UpdateWebhookParameters} with at least one field (an empty one would cost
 * a request to learn nothing).
 *
 * @category schemas
 * @since 0.2.0
 */
export const UpdateWebhookChanges = UpdateWebhookParameters.check(
  Schema.makeFilter((params: { readonly [key: string]: unknown }) =>
    Object.keys(params).length > 0 || "nothing to change: give at least one of url, events or metadata", {
    expected: "at least one of url, events or metadata"
  })
)

/**
 * @category models
 * @since 0.1.0
 */
export type UpdateWebhookParameters = typeof UpdateWebhookParameters.Type

// RFC 3339's `date-time` (the spec's `format: date-time`): date, `T`, time with seconds, optional fraction, and `Z` or
// an offset. `T` and `Z` may be lower case (RFC 3339 §5.6).
const DATE_TIME =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[Tt](?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/

/**
 * The instant `value` names, in epoch milliseconds, when it is an RFC 3339 `date-time` (the spec's
 * `format: date-time`, e.g. `"2023-11-07T05:31:56Z"` or `"2023-11-07T07:31:56.5+02:00"`); `undefined` otherwise.
 * This is the one rule of {@link Timestamp}.
 *
 * @example
 * ```ts
 * Webhook.parseTimestamp("2023-11-07T05:31:56Z") // 1699335116000
 * Webhook.parseTimestamp("yesterday") // undefined
 * ```
 * @category parsing
 * @since 0.3.0
 */
export const parseTimestamp = (value: string): number | undefined => {
  if (!DATE_TIME.test(value)) return undefined
  const millis = Date.parse(value)
  // A leap second (":60") matches the grammar but names no instant JavaScript can hold.
  return Number.isNaN(millis) ? undefined : millis
}

/**
 * An RFC 3339 timestamp on the wire (the spec's `format: date-time`), a comparable `DateTime.Utc` in code; encoded
 * back as ISO-8601 in UTC.
 *
 * A filter and a plain transformation rather than `Schema.DateTimeUtcFromString` (whose effectful transformation
 * accepts whatever `Date` parses): checked once with a regular expression and parsed once, a listing of 10,000
 * webhooks decodes its 20,000 timestamps in a fraction of the time.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Timestamp = Schema.String.check(
  Schema.makeFilter((value: string) =>
    parseTimestamp(value) !== undefined ||
    `expected an RFC 3339 date-time such as "2023-11-07T05:31:56Z", got ${quote(value)}`, {
    expected: "an RFC 3339 date-time",
    toJsonSchema: () => ({ format: "date-time" })
  })
).pipe(
  Schema.decodeTo(Schema.DateTimeUtc, {
    // The filter has checked the value and found the instant it names: only that instant is read here.
    decode: SchemaGetter.transform((value: string) => DateTime.makeUnsafe(Date.parse(value))),
    encode: SchemaGetter.transform(DateTime.formatIso)
  })
)

// The decoded side of a webhook's metadata: what `Metadata` (checked on the wire side) produced, or `{}`. A guard, not
// `Schema.toType(Metadata)`, which would walk and check every value a second time: that second walk was a fifth of
// the time a client spends decoding a listing of 10,000 webhooks.
const DecodedMetadata = Schema.declare(
  (u: unknown): u is Metadata => typeof u === "object" && u !== null && !Array.isArray(u),
  { expected: "a metadata record" }
)

/**
 * A webhook as Exa returns it. `secret` is a string only in the response to create; everywhere else it is `null`.
 * A missing or `null` `metadata` decodes to `{}` (the spec's default).
 *
 * @category schemas
 * @since 0.1.0
 */
export class Webhook extends Schema.Class<Webhook>("@exa-webhooks/schema/Webhook")({
  id: Schema.String,
  object: Schema.Literal("webhook"),
  status: WebhookStatus,
  events: Schema.Array(EventType.ReceivedEventType),
  url: Schema.String,
  secret: Schema.NullOr(Schema.String),
  metadata: Schema.optionalKey(Schema.NullOr(Metadata)).pipe(
    Schema.decodeTo(DecodedMetadata, {
      decode: SchemaGetter.transformOptional((value) => Option.some(Option.getOrNull(value) ?? {})),
      encode: SchemaGetter.passthroughSupertype()
    })
  ),
  createdAt: Timestamp,
  updatedAt: Timestamp
}) {}

/**
 * Query of `GET /v0/webhooks`. `limit` is 1..200 (Exa's default is 25); `cursor` is the previous page's
 * `nextCursor`.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ListWebhooksQuery = Schema.Struct({ ...PageModule.PageQuery })

/**
 * @category models
 * @since 0.1.0
 */
export type ListWebhooksQuery = typeof ListWebhooksQuery.Type

/**
 * One page of `GET /v0/webhooks`.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ListWebhooksResponse = PageModule.Page(Webhook)

/**
 * @category models
 * @since 0.1.0
 */
export type ListWebhooksResponse = typeof ListWebhooksResponse.Type
