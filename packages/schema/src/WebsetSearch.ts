/**
 * A search of a Webset (the spec's `WebsetSearch`): the `data` of the `webset.search.*` events, and an element of
 * `Webset.searches`.
 *
 * @since 0.4.0
 */
import { Schema } from "effect"
import * as Entity from "./Entity.ts"
import { Metadata, NullableTimestamp, Num, open, SourceRef, Timestamp } from "./internal/resource.ts"

/**
 * The statuses of a search (`WebsetSearchStatus`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const Status = Schema.Literals(["created", "pending", "running", "completed", "canceled"])

/**
 * How a search adds to its Webset (`WebsetSearchBehavior`): `override` replaces the items, `append` adds to them.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Behavior = Schema.Literals(["override", "append"])

/**
 * Why a search was canceled (`WebsetSearchCanceledReason`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const CanceledReason = Schema.Literals(["webset_deleted", "webset_canceled"])

/**
 * A search of a Webset.
 *
 * @category schemas
 * @since 0.4.0
 */
export const WebsetSearch = open({
  id: Schema.String,
  object: Schema.Literal("webset_search"),
  status: Status,
  websetId: Schema.String,
  query: Schema.String,
  entity: Schema.NullOr(Entity.Entity),
  criteria: Schema.Array(open({ description: Schema.String, successRate: Num })),
  count: Num,
  behavior: Schema.optionalKey(Behavior),
  exclude: Schema.Array(SourceRef),
  scope: Schema.Array(open({
    source: SourceRef.schema.fields.source,
    id: Schema.String,
    relationship: Schema.optionalKey(open({ definition: Schema.String, limit: Num }))
  })),
  progress: open({ found: Num, analyzed: Num, completion: Num, timeLeft: Schema.NullOr(Num) }),
  recall: Schema.NullOr(open({
    expected: open({
      total: Num,
      confidence: Schema.Literals(["high", "medium", "low"]),
      bounds: open({ min: Num, max: Num })
    }),
    reasoning: Schema.String
  })),
  metadata: Schema.optionalKey(Metadata),
  canceledAt: NullableTimestamp,
  canceledReason: Schema.NullOr(CanceledReason),
  createdAt: Timestamp,
  updatedAt: Timestamp
})

/**
 * @category models
 * @since 0.4.0
 */
export type WebsetSearch = typeof WebsetSearch.Type
