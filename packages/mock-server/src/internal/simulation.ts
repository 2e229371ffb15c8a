/**
 * Simulated Webset activity (`simulate`, `--simulate RATE`): events of mixed types emitted at a steady rate, as the
 * Websets of a busy account would produce them (see `samples`: stories of Websets created, searched, enriched,
 * monitored, exported, paused and deleted, with consistent ids). Each event is stored, served by the Events API and
 * delivered to the webhooks subscribed to its type, exactly as one published with `POST /_mock/events?wait=false`.
 *
 * The rate is kept with a fixed schedule (an event every `1 / rate` seconds, the first at once); when deliveries
 * cannot keep up (every background slot taken by slow receivers), the next event waits for a slot rather than
 * piling up, so memory stays bounded and the rate drops.
 *
 * @since 0.4.0
 */
import { EventType } from "@exa-webhooks/schema"
import { Clock, Duration, Effect, Schedule, Schema } from "effect"
import * as Prng from "./prng.ts"
import * as Samples from "./samples.ts"

/**
 * Highest rate, in events per second: a demo or a test needs a few, a stress test some hundreds; beyond this, the
 * background deliveries (64 events at a time) are the limit anyway.
 *
 * @category constants
 * @since 0.4.0
 */
export const MAX_RATE = 1000

/**
 * What to simulate: `rate` events per second (at most {@link MAX_RATE}), of the event types `types` (all by
 * default), `count` events in all (no end by default).
 *
 * @category schemas
 * @since 0.4.0
 */
export const Options = Schema.Struct({
  rate: Schema.Finite.check(Schema.makeFilter((rate: number) =>
    (rate > 0 && rate <= MAX_RATE) || `the rate is events per second, more than 0 and at most ${MAX_RATE}; got ${rate}`
  )),
  types: Schema.optional(Schema.Array(EventType.EventType).check(Schema.isMinLength(1))),
  count: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)))
})

/**
 * @category models
 * @since 0.4.0
 */
export type Options = typeof Options.Type

/**
 * Emits events as `options` says, with `emit` (which stores one, its data made for its time, and delivers it), until
 * `count` events were emitted or the fiber is interrupted. `seed` fixes the sequence of events (their types and sample contents, not their ids).
 *
 * @category simulation
 * @since 0.4.0
 */
export const run = (
  options: Options,
  seed: number,
  emit: (type: EventType.EventType, data: (createdAt: string) => Record<string, unknown>) => Effect.Effect<void>
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const clock = yield* Clock.Clock
    const iso = () => new Date(clock.currentTimeMillisUnsafe()).toISOString()
    const steps = Samples.stories(Prng.make(seed).next, iso)
    const wanted: ReadonlySet<string> | undefined = options.types === undefined ? undefined : new Set(options.types)
    const next = (): Samples.Step => {
      for (;;) {
        const step = steps.next().value as Samples.Step
        if (wanted === undefined || wanted.has(step.type)) return step
      }
    }
    const one = Effect.suspend(() => {
      const step = next()
      return emit(step.type, step.data)
    })
    const schedule = Schedule.fixed(Duration.millis(1000 / options.rate))
    yield* options.count === undefined
      ? Effect.repeat(one, schedule)
      : Effect.repeat(one, { schedule, times: options.count - 1 })
  })
