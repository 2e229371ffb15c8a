/**
 * Building blocks of the Websets resources an event carries in its `data` (Webset, WebsetItem, WebsetSearch, Import,
 * Monitor, MonitorRun). They are received, never sent, so they follow the spec's shapes (fields, which are required,
 * which may be `null`, enum values, timestamps) and nothing stricter: the spec's request rules (lengths, ranges) are
 * Exa's to enforce on its own input.
 *
 * Every object is open: a field the spec does not define is kept as received, on decode and on encode. The spec sets
 * no `additionalProperties: false`, and a tool that forwards or stores events must not drop what Exa adds.
 *
 * @since 0.4.0
 */
import { Schema } from "effect"
import { Timestamp } from "../Webhook.ts"

/**
 * An object with the spec's `fields` that keeps any other field as received.
 *
 * @category constructors
 * @since 0.4.0
 */
export const open = <const Fields extends Schema.Struct.Fields>(fields: Fields) =>
  Schema.StructWithRest(Schema.Struct(fields), [Schema.Record(Schema.String, Schema.Unknown)])

/**
 * A JSON number (the spec's `type: number`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const Num = Schema.Finite

/**
 * `type: [string, "null"]`.
 *
 * @category schemas
 * @since 0.4.0
 */
export const NullableString = Schema.NullOr(Schema.String)

/**
 * `type: [string, "null"], format: date-time`.
 *
 * @category schemas
 * @since 0.4.0
 */
export const NullableTimestamp = Schema.NullOr(Timestamp)

/**
 * The `metadata` of a resource: string values.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Metadata = Schema.Record(Schema.String, Schema.String)

/**
 * A reference to an Import or a Webset (`exclude`, `scope`, `excludes`, `import`): `{ source, id }`.
 *
 * @category schemas
 * @since 0.4.0
 */
export const SourceRef = open({ source: Schema.Literals(["import", "webset"]), id: Schema.String })

export {
  /**
   * @category schemas
   * @since 0.4.0
   */
  Timestamp
}
