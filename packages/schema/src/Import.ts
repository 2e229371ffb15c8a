/**
 * An Import (the spec's `Import`): a CSV file or a Webset loaded for Websets to search within or exclude; the `data`
 * of the `import.*` events, and an element of `Webset.imports`.
 *
 * @since 0.4.0
 */
import { Schema } from "effect"
import * as Entity from "./Entity.ts"
import { Metadata, NullableString, NullableTimestamp, Num, open, Timestamp } from "./internal/resource.ts"

/**
 * The statuses of an Import.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Status = Schema.Literals(["pending", "processing", "completed", "failed"])

/**
 * Why an Import failed.
 *
 * @category schemas
 * @since 0.4.0
 */
export const FailedReason = Schema.Literals(["invalid_format", "invalid_file_content", "missing_identifier"])

/**
 * An Import.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Import = open({
  id: Schema.String,
  object: Schema.Literal("import"),
  status: Status,
  format: Schema.Literals(["csv", "webset"]),
  entity: Schema.NullOr(Entity.Entity),
  title: Schema.String,
  count: Num,
  metadata: Metadata,
  failedReason: Schema.NullOr(FailedReason),
  failedAt: NullableTimestamp,
  failedMessage: NullableString,
  createdAt: Timestamp,
  updatedAt: Timestamp
})

/**
 * @category models
 * @since 0.4.0
 */
export type Import = typeof Import.Type
