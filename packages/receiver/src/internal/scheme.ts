/**
 * Exa's signature scheme and the checks of a delivery, in plain TypeScript on Web Crypto: no import at all, so the
 * dependency-free `Web` entry and the Effect API run this one implementation (the Effect modules wrap it in effects
 * and tagged errors). Everything a rule says is here once: the header grammar, the reasons, the messages, the order of
 * the checks, the statuses, the event envelope.
 *
 * How the header is read (every rule has a test):
 * - parts are separated by `,`; whitespace around a part, a key or a value is ignored;
 * - exactly one `t`: digits only, at most {@link MAX_TIMESTAMP_DIGITS} of them (none, two, a sign, a fraction or
 *   more digits is malformed); the digits are signed exactly as sent;
 * - at least one `v1`, each exactly 64 lowercase hex digits. Uppercase is refused rather than folded: Exa sends
 *   lowercase, and accepting other spellings would let one genuine signature appear in 2^64 forms (which defeats
 *   de-duplication by signature);
 * - parts with other keys (`v0=`, a future `v2=`) are ignored;
 * - a header longer than {@link MAX_HEADER_LENGTH} characters is refused before it is split.
 *
 * The checks run in order and stop at the first failure: header present, header well-formed, `t` within the
 * tolerance of now (it costs nothing, and gives a replayed genuine delivery its own answer), a `v1` matching under
 * one of the secrets (compared in constant time), and only then the body: UTF-8 JSON of the event envelope.
 */

/** The header that carries the signature (HTTP header names are case-insensitive; Node lowercases them). */
export const HEADER = "Exa-Signature"

/**
 * Longest header read, in characters: room for a timestamp and about a hundred signatures. Anything longer is
 * refused without being split, so a megabyte of header costs nothing.
 */
export const MAX_HEADER_LENGTH = 8192

/**
 * Most digits of `t`. Ten digits last until the year 2286; more are refused as malformed rather than parsed into a
 * number that loses precision.
 */
export const MAX_TIMESTAMP_DIGITS = 12

/** The default tolerance: 300 s either side of now. */
export const DEFAULT_TOLERANCE_SECONDS = 300

/**
 * A raw request body: exactly the bytes that arrived (a string is taken as its UTF-8 bytes). Never a re-serialised
 * object: `JSON.stringify(JSON.parse(body))` is not the body that was signed.
 */
export type Body = string | Uint8Array | ArrayBuffer

/** Web Crypto's `SubtleCrypto`, named without the DOM library. */
export type Subtle = typeof globalThis.crypto.subtle

/** An imported secret (a Web Crypto `CryptoKey`). */
export type Key = Awaited<ReturnType<Subtle["importKey"]>>

/** A header that follows the scheme. */
export interface Parsed {
  /** `t`, in seconds since the epoch. */
  readonly timestamp: number
  /** `t` exactly as sent: the signed payload starts with these characters. */
  readonly timestampText: string
  /** Every `v1`, decoded: 32 bytes each. */
  readonly signatures: ReadonlyArray<Uint8Array>
}

/** Every rule of the header, as `MalformedSignature.reason` names it. */
export const MALFORMED_REASONS = [
  "too-long",
  "empty",
  "empty-part",
  "not-key-value",
  "missing-t",
  "duplicate-t",
  "t-not-a-number",
  "t-out-of-range",
  "missing-v1",
  "v1-not-hex",
  "v1-wrong-length",
  "v1-uppercase"
] as const

/** What the header of a {@link MalformedSignature} breaks. */
export type MalformedReason = (typeof MALFORMED_REASONS)[number]

/** Why a genuine body is refused. */
export const BODY_REASONS = ["not-json", "not-an-event"] as const

/** No `Exa-Signature` header. */
export interface MissingSignature {
  readonly _tag: "MissingSignature"
  readonly status: 400
  readonly message: string
}

/** The header does not follow the scheme; `reason` says which rule it breaks. */
export interface MalformedSignature {
  readonly _tag: "MalformedSignature"
  readonly status: 400
  readonly reason: MalformedReason
  readonly message: string
}

/** `t` is further than the tolerance from now: `"past"` for a replay or a held-up delivery, `"future"` for a clock. */
export interface TimestampOutOfTolerance {
  readonly _tag: "TimestampOutOfTolerance"
  readonly status: 401
  readonly timestamp: number
  readonly now: number
  readonly toleranceSeconds: number
  readonly direction: "past" | "future"
  readonly message: string
}

/** No `v1` is the HMAC of `<t>.<body>` under any of the secrets. */
export interface NoMatchingSignature {
  readonly _tag: "NoMatchingSignature"
  readonly status: 401
  readonly signatures: number
  readonly secrets: number
  readonly message: string
}

/** The signature is genuine but the body is not UTF-8 JSON (`not-json`) or not the event envelope (`not-an-event`). */
export interface InvalidEventBody {
  readonly _tag: "InvalidEventBody"
  readonly status: 400
  readonly reason: (typeof BODY_REASONS)[number]
  readonly message: string
}

/**
 * Why a delivery was refused, as plain data: what both forms' errors carry (the `Web` form's `VerifyError`, the
 * Effect form's tagged errors), field for field.
 */
export type Failure =
  | MissingSignature
  | MalformedSignature
  | TimestampOutOfTolerance
  | NoMatchingSignature
  | InvalidEventBody

/**
 * The status a receiver answers: 400 for a request that is not a signed delivery at all, 401 for one whose
 * authenticity could not be established.
 */
export const STATUS = {
  MissingSignature: 400,
  MalformedSignature: 400,
  TimestampOutOfTolerance: 401,
  NoMatchingSignature: 401,
  InvalidEventBody: 400
} as const

/** Every tag of a {@link Failure}. */
export const TAGS = Object.keys(STATUS) as ReadonlyArray<Failure["_tag"]>

// A failure of `tag` with its status: the one place a status is attached.
const fail = <F extends Failure>(tag: F["_tag"], fields: Omit<F, "_tag" | "status">): F =>
  ({ _tag: tag, status: STATUS[tag], ...fields }) as F

/** Whether `u` carries a {@link Failure}'s tag: an error of either form. */
export const isFailure = (u: unknown): u is Failure =>
  (TAGS as ReadonlyArray<unknown>).includes((u as { readonly _tag?: unknown } | null | undefined)?._tag)

/**
 * The JSON body a receiver answers a refused delivery with: `{"error": {"type", "message"}}`. It says which check
 * failed, and nothing a sender could use to forge a signature.
 */
export const toJson = (failure: Failure): { readonly error: { readonly type: string; readonly message: string } } => ({
  error: { type: failure._tag, message: failure.message }
})

/** A delivered event's envelope, as the `Web` form returns it (the JSON object itself, extra fields included). */
export interface WebhookEvent {
  readonly id: string
  readonly object: "event"
  /** A known event type such as `"webset.created"`, or one Exa added after this version. */
  readonly type: string
  readonly data: { readonly [key: string]: unknown }
  /** RFC 3339, e.g. `"2023-11-07T05:31:56Z"`. */
  readonly createdAt: string
}

/** The result of the checks: the event, or the first failure. */
export type Checked = { readonly event: WebhookEvent } | Failure

const TAG_HEX = /^[\da-f]{64}$/
const HEX = /^[\da-f]*$/i
const DIGITS = /^\d+$/
// The schema's RFC 3339 rule (`Webhook.Timestamp` of @exa-webhooks/schema, which this module cannot import without
// importing effect); test/Differential.test.ts keeps the two in agreement.
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])t([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i

// What a message may quote of what a sender wrote: a bounded, escaped excerpt.
const quote = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text)

const malformed = (reason: MalformedReason, detail: string) =>
  fail<MalformedSignature>("MalformedSignature", { reason, message: `malformed ${HEADER} header: ${detail}` })

/** The configuration mistakes (no secret, an empty one, a negative tolerance): thrown, never a refused delivery. */
export const misconfigured = (what: string): TypeError => new TypeError(`exa-webhooks receiver: ${what}`)

/**
 * Reads a header value: the parsed header, or a {@link MalformedSignature} whose `reason` names the rule broken.
 */
export const parse = (header: string): Parsed | MalformedSignature => {
  if (header.length > MAX_HEADER_LENGTH) {
    return malformed("too-long", `${header.length} characters, more than the ${MAX_HEADER_LENGTH} read`)
  }
  if (header.trim() === "") return malformed("empty", "it is empty; expected t=<unix seconds>,v1=<hex>")
  let timestampText: string | undefined
  const hexes: Array<string> = []
  for (const raw of header.split(",")) {
    const part = raw.trim()
    if (part === "") return malformed("empty-part", "it has an empty part (\",,\" or a comma at an end)")
    const equals = part.indexOf("=")
    if (equals <= 0) return malformed("not-key-value", `part ${quote(part)} is not key=value`)
    const key = part.slice(0, equals).trim()
    const value = part.slice(equals + 1).trim()
    if (key === "t") {
      if (timestampText !== undefined) return malformed("duplicate-t", "it has more than one t=")
      timestampText = value
    } else if (key === "v1") {
      hexes.push(value)
    }
    // Any other key is another scheme (or a future one): ignored, so that Exa can add one without breaking receivers.
  }
  if (timestampText === undefined) return malformed("missing-t", "it has no t=<unix seconds>")
  if (!DIGITS.test(timestampText)) {
    return malformed("t-not-a-number", `t=${quote(timestampText)} is not a whole number of seconds`)
  }
  if (timestampText.length > MAX_TIMESTAMP_DIGITS) {
    return malformed("t-out-of-range", `t has more than ${MAX_TIMESTAMP_DIGITS} digits`)
  }
  if (hexes.length === 0) return malformed("missing-v1", "it has no v1=<signature> (other schemes are ignored)")
  const signatures: Array<Uint8Array> = []
  for (const hex of hexes) {
    if (!TAG_HEX.test(hex)) {
      if (!HEX.test(hex)) return malformed("v1-not-hex", `v1=${quote(hex)} is not hexadecimal`)
      if (hex.length !== 64) {
        return malformed("v1-wrong-length", `v1 has ${hex.length} hex digits, not 64`)
      }
      return malformed("v1-uppercase", "v1 is in uppercase hex; Exa signs in lowercase")
    }
    signatures.push(Uint8Array.from(hex.match(/../g)!, (byte) => Number.parseInt(byte, 16)))
  }
  return { timestamp: Number(timestampText), timestampText, signatures }
}

const encoder = new TextEncoder()

/** The bytes that are signed: `<t>.` followed by the body's bytes. */
export const payload = (timestampText: string, body: Body): Uint8Array<ArrayBuffer> => {
  const prefix = encoder.encode(`${timestampText}.`)
  const rest = typeof body === "string" ? encoder.encode(body) : new Uint8Array(body)
  const bytes = new Uint8Array(prefix.length + rest.length)
  bytes.set(prefix, 0)
  bytes.set(rest, prefix.length)
  return bytes
}

/** Imports a secret (its UTF-8 bytes) as an HMAC-SHA256 key; throws on an empty one, a configuration mistake. */
export const importKey = async (subtle: Subtle, secret: string): Promise<Key> => {
  if (secret === "") {
    throw misconfigured("a webhook secret is empty")
  }
  return subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
}

/** The HMAC-SHA256 tag of `data` under `key`: 32 bytes. */
export const tag = async (subtle: Subtle, key: Key, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> =>
  new Uint8Array(await subtle.sign("HMAC", key, data))

/** The header value for `body` signed with `secret` at `timestampSeconds`, as Exa sends it. */
export const sign = async (subtle: Subtle, secret: string, timestampSeconds: number, body: Body): Promise<string> => {
  if (!(timestampSeconds >= 0) || !Number.isFinite(timestampSeconds)) {
    throw misconfigured(`cannot sign at t=${timestampSeconds}; give unix seconds`)
  }
  const t = String(Math.floor(timestampSeconds))
  const bytes = await tag(subtle, await importKey(subtle, secret), payload(t, body))
  return `t=${t},v1=${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`
}

/** Whether two byte strings are equal, in time that depends on their length only. */
export const timingSafeEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  let difference = a.length ^ b.length
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ (b[i] ?? 0)
  return difference === 0
}

/**
 * Whether any signature of `parsed` is the tag of `body` under any of `keys`. Each key's tag is computed once and
 * compared with every signature in constant time.
 */
export const matches = async (subtle: Subtle, keys: ReadonlyArray<Key>, parsed: Parsed, body: Body): Promise<boolean> => {
  const data = payload(parsed.timestampText, body)
  let matched = false
  for (const key of keys) {
    const expected = await tag(subtle, key, data)
    // No early exit: every candidate is compared, so timing says nothing about which one matched.
    for (const candidate of parsed.signatures) matched = timingSafeEqual(expected, candidate) || matched
  }
  return matched
}

/** A tolerance in milliseconds, checked: throws on a negative one (or NaN), a configuration mistake. */
export const checkTolerance = (millis: number): number => {
  if (!(millis >= 0)) throw misconfigured(`tolerance must be zero or more, got ${millis / 1000} s`)
  return millis
}

/** The secrets of a setting such as `EXA_WEBHOOK_SECRET`: several, separated by whitespace, while one is rotated. */
export const splitSecrets = (text: string | undefined): Array<string> =>
  (text ?? "").split(/\s+/).filter(Boolean)

/** What arrived: the raw body and the header's value (`undefined`/`null` when absent; a repeated one as an array). */
export interface Input {
  readonly body: Body
  readonly signature: string | ReadonlyArray<string> | null | undefined
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

// A value as a message shows it: a string quoted, anything else as JSON; at most 40 characters of either.
const shown = (value: unknown): string =>
  typeof value === "string" ? quote(value) : String(JSON.stringify(value)).slice(0, 40)

const isString = (value: unknown): value is string => typeof value === "string"

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const invalidBody = (reason: InvalidEventBody["reason"], message: string) =>
  fail<InvalidEventBody>("InvalidEventBody", { reason, message })

const notAnEvent = (problems: string) => invalidBody("not-an-event", `the body is JSON but not an event: ${problems}`)

/** The body as the event envelope (`id`, `object: "event"`, `type`, `data`, `createdAt`), or why it is not one. */
export const envelope = (body: Body): { readonly event: WebhookEvent } | InvalidEventBody => {
  let value: unknown
  try {
    value = JSON.parse(typeof body === "string" ? body : utf8.decode(body))
  } catch (error) {
    // A SyntaxError from JSON.parse, or a TypeError from the decoder: both say where the body went wrong.
    return invalidBody("not-json", `the body is not UTF-8 JSON (${(error as Error).message})`)
  }
  if (!isObject(value)) return notAnEvent(`expected an object, got ${shown(value)}`)
  const problems: Array<string> = []
  // A missing field is shown as `got undefined`.
  const field = (name: string, ok: (value: unknown) => boolean, expected: string) => {
    if (!ok(value[name])) problems.push(`${name}: expected ${expected}, got ${shown(value[name])}`)
  }
  const aString = "a string"
  field("id", isString, aString)
  field("object", (found) => found === "event", `"event"`)
  field("type", isString, aString)
  field("data", isObject, "an object")
  field(
    "createdAt",
    (found) => isString(found) && DATE_TIME.test(found) && !Number.isNaN(Date.parse(found)),
    "an RFC 3339 date-time"
  )
  return problems.length === 0 ? { event: value as unknown as WebhookEvent } : notAnEvent(problems.join("; "))
}

/**
 * Runs every check of one delivery, in order, against already imported `keys` at `nowMillis`: the event envelope,
 * or the first failure.
 */
export const check = async (
  subtle: Subtle,
  keys: ReadonlyArray<Key>,
  toleranceMillis: number,
  input: Input,
  nowMillis: number
): Promise<Checked> => {
  if (input.signature == null) {
    return fail<MissingSignature>("MissingSignature", {
      message: `no ${HEADER} header: the request was not signed by Exa (or a proxy dropped it)`
    })
  }
  // A header repeated (an array of values) is read as one, joined with `,`.
  const parsed = parse([input.signature].flat().join(","))
  if ("_tag" in parsed) return parsed
  const { timestamp } = parsed
  const now = Math.floor(nowMillis / 1000)
  const toleranceSeconds = toleranceMillis / 1000
  if (Math.abs(now - timestamp) * 1000 > toleranceMillis) {
    const past = timestamp < now
    return fail<TimestampOutOfTolerance>("TimestampOutOfTolerance", {
      timestamp,
      now,
      toleranceSeconds,
      direction: past ? "past" : "future",
      message: `the timestamp t=${timestamp} is ${Math.abs(now - timestamp)} s ` +
        `${past ? "old" : "in the future"}, more than the ${toleranceSeconds} s tolerated: ` +
        (past ? "a replayed or long-delayed delivery" : "check this machine's clock")
    })
  }
  if (!(await matches(subtle, keys, parsed, input.body))) {
    const n = parsed.signatures.length
    return fail<NoMatchingSignature>("NoMatchingSignature", {
      signatures: n,
      secrets: keys.length,
      message: `no v1 signature matches the body under ${keys.length === 1 ? "the secret" : `any of the ${keys.length} secrets`} ` +
        `(${n} checked): the body, timestamp or signature was changed, or the secret is not this webhook's`
    })
  }
  return envelope(input.body)
}

/** Imports every secret once; throws when there is none (or one is empty): a configuration mistake. */
export const importKeys = async (subtle: Subtle, secrets: ReadonlyArray<string>): Promise<Array<Key>> => {
  if (secrets.length === 0) throw misconfigured("no webhook secret given")
  return Promise.all(secrets.map((secret) => importKey(subtle, secret)))
}
