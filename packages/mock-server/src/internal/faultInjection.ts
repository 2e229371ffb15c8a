/**
 * Decides, per API request, which injected failure (if any) it gets. Every API request takes exactly four draws from
 * one seeded generator, in arrival order, whatever the flags and whatever happens to the request later; so with the
 * same `--seed` the n-th request always meets the same fate, and changing one rate does not shift the other's
 * sequence.
 *
 * @since 0.1.0
 */
import * as Prng from "./prng.ts"

/**
 * Statuses of a fault injected before the request is handled.
 *
 * @category constants
 * @since 0.1.0
 */
export const FAULT_STATUSES = [500, 502, 503] as const

/**
 * @category models
 * @since 0.1.0
 */
export type FaultStatus = (typeof FAULT_STATUSES)[number]

/**
 * How an ambiguous fault fails after the change is committed: a `500` response, or the connection closed with no
 * response at all.
 *
 * @category models
 * @since 0.1.0
 */
export type AmbiguousKind = "status" | "drop"

/**
 * The fate of one request.
 *
 * @category models
 * @since 0.1.0
 */
export interface Fate {
  /** Answer with this status before anything changes. */
  readonly fault: FaultStatus | undefined
  /** For a mutating request that succeeds: commit it, then fail this way. */
  readonly ambiguous: AmbiguousKind | undefined
}

/**
 * The rates and the seed.
 *
 * @category models
 * @since 0.1.0
 */
export interface Config {
  readonly seed: number
  readonly faultRate: number
  readonly ambiguousFaultRate: number
}

/**
 * A fate generator; `reset` rewinds it to the start of its sequence.
 *
 * @category models
 * @since 0.1.0
 */
export interface Faults {
  readonly draw: () => Fate
  readonly reset: () => void
}

/**
 * @category constructors
 * @since 0.1.0
 */
export const make = (config: Config): Faults => {
  let prng = Prng.make(config.seed)
  return {
    draw: () => {
      const faultRoll = prng.next()
      const statusRoll = prng.next()
      const ambiguousRoll = prng.next()
      const kindRoll = prng.next()
      return {
        fault: faultRoll < config.faultRate
          ? FAULT_STATUSES[Math.floor(statusRoll * FAULT_STATUSES.length)]
          : undefined,
        ambiguous: ambiguousRoll < config.ambiguousFaultRate ? (kindRoll < 0.5 ? "status" : "drop") : undefined
      }
    },
    reset: () => {
      prng = Prng.make(config.seed)
    }
  }
}
