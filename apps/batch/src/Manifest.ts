/**
 * The manifest: the YAML file in which a team declares its webhooks. Its shape is an Effect Schema built from the
 * schema package's pieces (event types, URLs, metadata, ownership names), so every rule is the API's own; the JSON
 * Schema that editors use (`manifest.schema.json`) is generated from it.
 *
 * ```yaml
 * version: 1
 * namespace: growth-team          # owner; stored on every webhook this manifest manages
 * defaults: { events: [webset.item.created], metadata: { team: growth } }
 * webhooks:
 *   - key: crm-sync               # unique, stable identity within the namespace
 *     url: https://hooks.example.com/exa/crm
 *     events: [webset.item.created, webset.item.enriched]
 *     metadata: { owner: sales }
 * ```
 *
 * Merging: a webhook's events are the defaults' events plus its own (each once, defaults first); its metadata is the
 * defaults' metadata overridden key by key by its own, plus the ownership tags.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { type EventType, Ownership, ReservedMetadata, Webhook } from "@exa-webhooks/schema"
import { Schema } from "effect"

/**
 * The only version of the format.
 *
 * @since 0.1.0
 */
export const VERSION = 1

// The API's own rule for an event list (1 to 19 known events, none twice) applies to each list as written, and again
// to the merged list a webhook is created with.
const events = Webhook.Events.annotate({
  description: "event types to subscribe to (merged with the defaults' events)"
})

/**
 * Values every webhook of the manifest starts from.
 *
 * @since 0.1.0
 */
export const Defaults = Schema.Struct({
  events: Schema.optionalKey(events),
  metadata: Schema.optionalKey(Ownership.UserMetadata.annotate({ description: "metadata every webhook carries" }))
}).annotate({ description: "values every webhook starts from" })

/**
 * One webhook the manifest manages.
 *
 * @since 0.1.0
 */
export const Entry = Schema.Struct({
  key: Ownership.Key.annotate({ description: "unique, stable identity of this webhook within the namespace" }),
  url: Webhook.WebhookUrl.annotate({ description: "where Exa POSTs the events: an absolute http(s) URL" }),
  events: Schema.optionalKey(events),
  metadata: Schema.optionalKey(
    Ownership.UserMetadata.annotate({ description: "key/value pairs; override the defaults' metadata key by key" })
  )
})

/**
 * @since 0.1.0
 */
export type Entry = typeof Entry.Type

/**
 * The whole file.
 *
 * @since 0.1.0
 */
export const Manifest = Schema.Struct({
  version: Schema.Literal(VERSION).annotate({ description: "format version; always 1" }),
  namespace: Ownership.Namespace.annotate({
    description: "the owner of these webhooks; stored on every webhook this manifest manages"
  }),
  name: Schema.optionalKey(Ownership.ManifestName.annotate({
    description: "this manifest's name, stored on every webhook it creates (default: its path in its git repository, " +
      "or its file name outside one); a namespace belongs to one manifest"
  })),
  defaults: Schema.optionalKey(Defaults),
  webhooks: Schema.Array(Entry).annotate({ description: "the webhooks of this namespace" })
}).annotate({
  title: "exa-webhooks-batch manifest",
  description: "Exa Websets webhooks managed by exa-webhooks-batch. ${VAR} in a string value reads the environment."
})

/**
 * @since 0.1.0
 */
export type Manifest = typeof Manifest.Type

/**
 * Decode options: every problem at once, unknown fields refused.
 *
 * @since 0.1.0
 */
export const parseOptions = { errors: "all", onExcessProperty: "error" } as const

/**
 * A webhook as the manifest wants it: what `create` is sent (metadata with the ownership tags).
 *
 * @since 0.1.0
 */
export interface Desired {
  readonly key: string
  /** Index in `webhooks`, for messages. */
  readonly index: number
  readonly url: string
  readonly events: ReadonlyArray<EventType.EventType>
  /** The user's metadata (defaults merged), without the tags. */
  readonly metadata: Readonly<Record<string, string>>
}

/**
 * The merged webhook of `entry`.
 *
 * @since 0.1.0
 */
export const desired = (manifest: Manifest, entry: Entry, index: number): Desired => ({
  key: entry.key,
  index,
  url: entry.url,
  events: [...new Set([...(manifest.defaults?.events ?? []), ...(entry.events ?? [])])],
  metadata: { ...manifest.defaults?.metadata, ...entry.metadata }
})

/**
 * The body of the create for `webhook` in `namespace`, by the manifest named `manifest`: the user's metadata plus the
 * ownership tags.
 *
 * @since 0.1.0
 */
export const createBody = (namespace: string, manifest: string, webhook: Desired): Webhook.CreateWebhookParameters => ({
  url: webhook.url,
  events: webhook.events,
  metadata: { ...webhook.metadata, ...Ownership.tags(namespace, webhook.key, manifest) }
})

const digest = (...parts: ReadonlyArray<string>) => createHash("sha256").update(parts.join("\n")).digest("hex")

/**
 * The idempotency key of the create of `key` in `namespace`: the same in every apply, on every machine, so that two
 * applies creating one key at once converge on one webhook (the client's race check keeps the oldest and the other
 * apply gets it, without its secret). `replacing` is the webhook a rotation replaces: a rotation has a key of its own
 * (the replaced webhook still carries the create's), shared by every apply rotating that same webhook.
 *
 * @since 0.4.0
 */
export const idempotencyKey = (namespace: string, key: string, replacing?: string): string =>
  `exa-webhooks-batch:${digest(namespace, key, ...(replacing === undefined ? [] : ["rotate", replacing]))}`

// Each run's id is a random UUID (36 characters, a metadata value).
const RUN_SHAPE = "00000000-0000-0000-0000-000000000000"

/**
 * The body of the create request for `webhook` as it is sent: {@link createBody} plus the run's id and the
 * idempotency key the client stores in the metadata. Its encoded size is what the API's body limit judges.
 *
 * @since 0.4.0
 */
export const sentBody = (
  namespace: string,
  manifest: string,
  webhook: Desired,
  run: string = RUN_SHAPE
): Webhook.CreateWebhookParameters => {
  const body = createBody(namespace, manifest, webhook)
  return {
    ...body,
    metadata: {
      ...body.metadata,
      [ReservedMetadata.APPLY_RUN]: run,
      [ReservedMetadata.IDEMPOTENCY_KEY]: idempotencyKey(namespace, webhook.key)
    }
  }
}

/**
 * The JSON Schema (draft 2020-12) of the manifest, as committed in `manifest.schema.json`.
 *
 * @since 0.1.0
 */
export const jsonSchema = (): unknown => {
  const document = Schema.toJsonSchemaDocument(Manifest, { onExcessProperty: "error" })
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://github.com/exa-webhooks/exa-webhooks/apps/batch/manifest.schema.json",
    ...document.schema,
    ...(Object.keys(document.definitions).length > 0 ? { $defs: document.definitions } : {})
  }
}
