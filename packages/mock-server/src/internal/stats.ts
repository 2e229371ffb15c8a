/**
 * The counters the mock keeps, as `GET /_mock/stats` returns them and `MockServer.stats` yields them: what a test or
 * benchmark asserts on ("exactly 1,000 webhooks", "at least one 429 was served").
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const Count = Schema.Int

/**
 * The counters. All start at 0 and return to 0 on `POST /_mock/reset`; `webhooks` is a gauge (stored now), the rest
 * only grow.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Stats = Schema.Struct({
  /** API requests received (everything outside `/_mock/`), whatever their outcome. */
  requests: Count,
  /** 429 responses served. */
  rateLimited: Count,
  /** Faults injected: `--fault-rate` responses plus `--ambiguous-fault-rate` failures. */
  faults: Count,
  /** The part of `faults` that came after the change was committed (a 500 or a dropped connection). */
  ambiguousFaults: Count,
  /** The part of `ambiguousFaults` answered by closing the connection without a response. */
  droppedConnections: Count,
  /** Webhooks stored now. */
  webhooks: Count,
  /** Creates committed, including those whose response was then replaced by an ambiguous fault. */
  creates: Count,
  /** Updates committed. */
  updates: Count,
  /** Deletes committed. */
  deletes: Count,
  /** Events created, by `POST /_mock/events` and by simulated activity (`simulate`). */
  events: Count,
  /** Delivery attempts made (each one is a `WebhookAttempt`). */
  deliveryAttempts: Count,
  /** API responses by status code, e.g. `{ "200": 12, "429": 3 }` (dropped connections are not responses). */
  responses: Schema.Record(Schema.String, Count)
})

/**
 * @category schemas
 * @since 0.1.0
 */
export type Stats = typeof Stats.Type

/**
 * All counters at zero.
 *
 * @category constructors
 * @since 0.1.0
 */
export const zero = (): { -readonly [K in keyof Stats]: K extends "responses" ? Record<string, number> : number } => ({
  requests: 0,
  rateLimited: 0,
  faults: 0,
  ambiguousFaults: 0,
  droppedConnections: 0,
  webhooks: 0,
  creates: 0,
  updates: 0,
  deletes: 0,
  events: 0,
  deliveryAttempts: 0,
  responses: {}
})
