/**
 * A Webset (the spec's `Webset`) with its searches, imports, enrichments and monitors: the `data` of the `webset.created`,
 * `webset.deleted`, `webset.paused` and `webset.idle` events.
 *
 * @since 0.4.0
 */
import { Schema } from "effect"
import * as Import from "./Import.ts"
import { Metadata, NullableString, open, SourceRef, Timestamp } from "./internal/resource.ts"
import * as Monitor from "./Monitor.ts"
import * as WebsetSearch from "./WebsetSearch.ts"

/**
 * The statuses of a Webset (`WebsetStatus`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const Status = Schema.Literals(["idle", "pending", "running", "paused"])

/**
 * The formats of an enrichment's result (`WebsetEnrichmentFormat`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const EnrichmentFormat = Schema.Literals(["text", "date", "number", "options", "email", "phone", "url"])

/**
 * An enrichment of a Webset (`WebsetEnrichment`): what to extract from each of its items.
 *
 * @category schemas
 * @since 0.4.0
 */
export const WebsetEnrichment = open({
  id: Schema.String,
  object: Schema.Literal("webset_enrichment"),
  status: Schema.Literals(["pending", "canceled", "completed"]),
  websetId: Schema.String,
  title: NullableString,
  description: Schema.String,
  format: Schema.NullOr(EnrichmentFormat),
  options: Schema.NullOr(Schema.Array(open({ label: Schema.String }))),
  instructions: NullableString,
  metadata: Schema.optionalKey(Metadata),
  createdAt: Timestamp,
  updatedAt: Timestamp
})

/**
 * @category models
 * @since 0.4.0
 */
export type WebsetEnrichment = typeof WebsetEnrichment.Type

/**
 * A Webset.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Webset = open({
  id: Schema.String,
  object: Schema.Literal("webset"),
  status: Status,
  externalId: NullableString,
  title: NullableString,
  searches: Schema.Array(WebsetSearch.WebsetSearch),
  imports: Schema.Array(Import.Import),
  enrichments: Schema.Array(WebsetEnrichment),
  monitors: Schema.Array(Monitor.Monitor),
  excludes: Schema.optionalKey(Schema.Array(SourceRef)),
  metadata: Schema.optionalKey(Metadata),
  createdAt: Timestamp,
  updatedAt: Timestamp
})

/**
 * @category models
 * @since 0.4.0
 */
export type Webset = typeof Webset.Type
