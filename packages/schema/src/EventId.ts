/**
 * An event id as a caller passes it to `events.get` (`GET /v0/events/{id}`) or `replay --event`. It becomes one path
 * segment, so the rule is the one of `WebhookId`: not empty or blank, not `.` or `..`, no control characters.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(EventId.EventId)("event_01j...") // ok
 * Schema.decodeUnknownSync(EventId.Typed)(" event_01j ")    // "event_01j"
 * ```
 * @since 0.4.0
 */
import * as ResourceId from "./internal/resourceId.ts"

const kind: ResourceId.Kind = { article: "an", noun: "event id", example: "event_01j..." }

/**
 * Why `id` is not a usable event id, or `undefined` when it is.
 *
 * @category validation
 * @since 0.4.0
 */
export const problem: (id: string) => string | undefined = ResourceId.problem(kind)

/**
 * The rule: not empty or blank, not `.` or `..`, no control characters.
 *
 * @category schemas
 * @since 0.4.0
 */
export const EventId = ResourceId.schema(kind)

/**
 * An event id as a person types it: blanks around it are dropped, then {@link EventId} applies.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Typed = ResourceId.typed(EventId)
