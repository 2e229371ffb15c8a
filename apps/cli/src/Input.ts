/**
 * Turns the flags of `create` and `update` into a request body and checks it with the schema package before anything
 * is sent. Every problem is reported against the flag a person typed (`--event`, `--metadata team`), not the wire
 * field, so a message says exactly what to change on the command line. (Single values, `--limit`, `--cursor`,
 * `--event-type`, `--idempotency-key`, ids, each `--event`, are checked by the parser itself, with `Flag.withSchema`.)
 *
 * @since 0.1.0
 */
import { ReservedMetadata, Validation, Webhook } from "@exa-webhooks/schema"
import { Effect, Option, Result, Schema } from "effect"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

/**
 * Parses repeated `--metadata key=value` values. The value is everything after the first `=` (it may contain `=`);
 * a key given twice is an error rather than a silent overwrite, and so is a key under `exa-webhooks.` (those are
 * written by exa-webhooks itself; see `ReservedMetadata`). Every key is kept as typed, `__proto__` included (the
 * schema then refuses that one by name).
 *
 * @since 0.1.0
 */
export const metadata = Effect.fn("Input.metadata")(function*(values: ReadonlyArray<string>) {
  const pairs: Record<string, string> = {}
  for (const value of values) {
    const at = value.indexOf("=")
    if (at === -1) {
      return yield* new UsageError({
        message: `--metadata ${Validation.quote(value)} has no "="; write each pair as key=value, e.g. --metadata team=growth`
      })
    }
    const key = value.slice(0, at).trim()
    if (key.length === 0) {
      return yield* new UsageError({
        message: `--metadata ${Validation.quote(value)} has an empty key; write each pair as key=value, e.g. --metadata team=growth`
      })
    }
    if (Object.hasOwn(pairs, key)) {
      return yield* new UsageError({ message: `--metadata ${Validation.quote(key)} is given more than once; give each key once` })
    }
    // defineProperty, not `pairs[key] =`: an assignment to "__proto__" would set the prototype and drop the pair.
    Object.defineProperty(pairs, key, { value: value.slice(at + 1), enumerable: true, writable: true, configurable: true })
  }
  const reserved = ReservedMetadata.problem(pairs)
  if (reserved !== undefined) return yield* new UsageError({ message: `--metadata: ${reserved}` })
  return pairs
})

// The wire field of a problem, as the flag that set it.
const flagOf = (path: string): string => {
  if (path === "url") return "--url"
  if (path.startsWith("events")) return "--event"
  if (path.startsWith("metadata")) {
    const rest = path.slice("metadata".length)
    const key = rest.startsWith(".") ? rest.slice(1) : rest.startsWith("[") ? String(JSON.parse(rest.slice(1, -1))) : ""
    return key === "" ? "--metadata" : `--metadata ${key}`
  }
  return path === "" ? "input" : path
}

const usage = (issue: Schema.SchemaError["issue"]) =>
  new UsageError({
    message: Validation.problems(issue).map((p) => `${flagOf(p.path)}: ${p.message}`).join("; ")
  })

const decodeCreate = Schema.decodeUnknownResult(Webhook.CreateWebhookParameters)
const decodeUpdate = Schema.decodeUnknownResult(Webhook.UpdateWebhookParameters)

/**
 * What `create` and `update` read from their flags (already split and parsed, not yet checked).
 *
 * @since 0.1.0
 */
export interface WebhookFlags {
  readonly url: Option.Option<string>
  readonly events: ReadonlyArray<string>
  readonly metadata: Readonly<Record<string, string>> | undefined
}

/**
 * The body of a create, checked against `CreateWebhookParameters`; fails with every problem, each named by flag.
 *
 * @since 0.1.0
 */
export const createParameters = Effect.fn("Input.createParameters")(function*(flags: WebhookFlags) {
  const body = {
    url: Option.getOrElse(flags.url, () => ""),
    events: flags.events,
    ...(flags.metadata === undefined ? {} : { metadata: flags.metadata })
  }
  const decoded = decodeCreate(body, Validation.parseOptions)
  if (Result.isFailure(decoded)) return yield* usage(decoded.failure.issue)
  return body as Webhook.CreateWebhookParameters
})

/**
 * The body of an update: only the fields given. An update that changes nothing is a usage error (it would cost a
 * request to learn nothing).
 *
 * @since 0.1.0
 */
export const updateParameters = Effect.fn("Input.updateParameters")(function*(flags: WebhookFlags) {
  const body = {
    ...(Option.isSome(flags.url) ? { url: flags.url.value } : {}),
    ...(flags.events.length > 0 ? { events: flags.events } : {}),
    ...(flags.metadata === undefined ? {} : { metadata: flags.metadata })
  }
  if (Object.keys(body).length === 0) {
    return yield* new UsageError({
      message: "update: nothing to change; pass at least one of --url, --event or --metadata"
    })
  }
  const decoded = decodeUpdate(body, Validation.parseOptions)
  if (Result.isFailure(decoded)) return yield* usage(decoded.failure.issue)
  return body as Webhook.UpdateWebhookParameters
})
