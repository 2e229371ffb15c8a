/**
 * A Monitor (the spec's `Monitor`), which runs a search of its Webset on a schedule, and its runs (`MonitorRun`): the
 * `data` of the `monitor.*` and `monitor.run.*` events; monitors are also an element of `Webset.monitors`.
 *
 * @since 0.4.0
 */
import { Schema } from "effect"
import * as Entity from "./Entity.ts"
import { Metadata, NullableString, NullableTimestamp, Num, open, Timestamp } from "./internal/resource.ts"

/**
 * One run of a Monitor.
 *
 * @category schemas
 * @since 0.4.0
 */
export const MonitorRun = open({
  id: Schema.String,
  object: Schema.Literal("monitor_run"),
  status: Schema.Literals(["created", "running", "completed", "canceled", "failed"]),
  monitorId: Schema.String,
  type: Schema.Literals(["search", "refresh"]),
  completedAt: NullableTimestamp,
  failedAt: NullableTimestamp,
  failedReason: NullableString,
  canceledAt: NullableTimestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp
})

/**
 * @category models
 * @since 0.4.0
 */
export type MonitorRun = typeof MonitorRun.Type

/**
 * When a Monitor runs (`MonitorCadence`): a 5-field Unix cron expression and an IANA time zone.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Cadence = open({ cron: Schema.String, timezone: Schema.optionalKey(Schema.String) })

/**
 * What a Monitor does when it runs (`MonitorBehavior`): a search with these parameters.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Behavior = open({
  type: Schema.Literal("search"),
  config: open({
    query: Schema.optionalKey(Schema.String),
    criteria: Schema.optionalKey(Schema.Array(open({ description: Schema.String }))),
    entity: Schema.optionalKey(Entity.Entity),
    count: Num,
    behavior: Schema.optionalKey(Schema.Literals(["override", "append"]))
  })
})

/**
 * A Monitor.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Monitor = open({
  id: Schema.String,
  object: Schema.Literal("monitor"),
  status: Schema.Literals(["enabled", "disabled"]),
  websetId: Schema.String,
  cadence: Cadence,
  behavior: Behavior,
  lastRun: Schema.NullOr(MonitorRun),
  nextRunAt: NullableTimestamp,
  metadata: Metadata,
  createdAt: Timestamp,
  updatedAt: Timestamp
})

/**
 * @category models
 * @since 0.4.0
 */
export type Monitor = typeof Monitor.Type
