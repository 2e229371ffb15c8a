/**
 * A small seeded pseudo-random number generator. Fault injection draws from it so that `--seed N` replays the same
 * sequence of faults; it is not for secrets (ids and secrets come from `node:crypto`).
 *
 * @since 0.1.0
 */

/**
 * A stream of numbers in `[0, 1)`, fully determined by its seed.
 *
 * @category models
 * @since 0.1.0
 */
export interface Prng {
  readonly next: () => number
}

/**
 * A generator for a 32-bit seed: a Weyl sequence (add a fixed odd constant) passed through an avalanche mix, which is
 * enough for even, independent-looking fractions and costs a few integer operations per draw.
 *
 * @example
 * ```ts
 * const a = Prng.make(42), b = Prng.make(42)
 * a.next() === b.next() // true
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (seed: number): Prng => {
  let state = seed >>> 0
  return {
    next: () => {
      state = (state + 0x9e3779b9) >>> 0
      let z = state
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      z = (z ^ (z >>> 16)) >>> 0
      return z / 0x1_0000_0000
    }
  }
}
