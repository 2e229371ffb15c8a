/**
 * Each event processed once. Exa retries a delivery that was not answered 2xx in time, `exa-webhooks replay` re-sends
 * deliveries, and a captured delivery can be replayed as is within the signature's tolerance: every one of them
 * passes verification and carries the id of an event already seen. The `Inbox` service remembers the ids of the
 * events it processed, in memory ({@link layerMemory}) or in Redis ({@link layerRedis}, through effect's `Redis`
 * service, e.g. `NodeRedis.layer` of `@effect/platform-node`, the store the client's shared rate budget uses).
 *
 * Semantics, chosen so that an event is never lost and processed once as far as the store can tell:
 * - the event id is claimed before the handler runs (one atomic step, so two replicas never both run it) and marked
 *   done once the handler succeeds; it is remembered for `ttl` (default a day, never less than the 300 s
 *   signature tolerance);
 * - a delivery of an event that is done is a `Duplicate` (answered 200: the sender stops retrying); one whose event is
 *   being handled right now is `InProgress` (answered 409: the sender retries later);
 * - a handler that fails (or is interrupted) releases its claim and its error propagates (answer 5xx): the retry
 *   processes the event. A process that dies while handling loses its claim after `lease` (default 60 s);
 * - a store that cannot be reached fails with {@link InboxStoreError} before the handler runs (answered 503); one
 *   that fails after the handler succeeded is logged as a warning and the event counts as processed, since failing
 *   would make the sender retry and the retry process it again.
 *
 * The dependency-free `WebInbox` module is the same inbox for promises; both run one protocol (the same keys, values
 * and Redis commands), so they can share a Redis.
 *
 * @example
 * ```ts
 * const route = HttpRouter.add("POST", "/hooks/exa", HttpVerifier.handlerOnce((event) => processEvent(event)))
 * // provide Verifier.layerConfig() and Inbox.layerMemory() (or Inbox.layerRedis() with NodeRedis.layer)
 * ```
 * @since 0.3.0
 */
import { Clock, Context, Duration, Effect, Exit, Layer, Schema } from "effect"
import { Redis } from "effect/persistence"
import * as Protocol from "./internal/inbox.ts"

/**
 * What the inbox did with a delivery: `Processed` (with the handler's value), `Duplicate` or `InProgress` (with the
 * event's id).
 *
 * @category models
 * @since 0.3.0
 */
export type Outcome<A> = Protocol.Outcome<A>

/**
 * The inbox's store did not answer, so the handler did not run: answer 503 and the sender retries.
 *
 * @category errors
 * @since 0.3.0
 */
export class InboxStoreError extends Schema.TaggedError<InboxStoreError>()("InboxStoreError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {
  /** @since 0.3.0 */
  readonly status = 503
}

/**
 * @category models
 * @since 0.3.0
 */
export interface Service {
  /**
   * Runs `handler` unless the event was processed already (`Duplicate`) or is being processed by another delivery
   * (`InProgress`); see the module's semantics for failures.
   */
  readonly process: <A, E, R>(
    eventId: string,
    handler: Effect.Effect<A, E, R>
  ) => Effect.Effect<Outcome<A>, E | InboxStoreError, R>
  /** How long a claim lasts, in milliseconds: the `Retry-After` of an `InProgress` answer. */
  readonly leaseMillis: number
}

/**
 * The inbox service.
 *
 * @example
 * ```ts
 * const outcome = yield* Inbox.Inbox.use((inbox) => inbox.process(event.id, processEvent(event)))
 * ```
 * @category services
 * @since 0.3.0
 */
export class Inbox extends Context.Service<Inbox, Service>()("@exa-webhooks/receiver/Inbox") {}

/**
 * @category models
 * @since 0.3.0
 */
export interface Options {
  /** How long an event id is remembered: at least 5 minutes (the signature tolerance); default 1 day. */
  readonly ttl?: Duration.Input | undefined
  /** How long a claim lasts while a handler runs (default 1 minute): a crashed process holds it no longer. */
  readonly lease?: Duration.Input | undefined
  /** How long a store call may take before it counts as failed (default 5 seconds). */
  readonly timeout?: Duration.Input | undefined
}

interface Store {
  readonly claim: (key: string, value: string, leaseMillis: number) => Effect.Effect<unknown, InboxStoreError>
  readonly complete: (key: string, ttlMillis: number) => Effect.Effect<unknown, InboxStoreError>
  readonly release: (key: string, value: string) => Effect.Effect<unknown, InboxStoreError>
}

const seconds = (input: Duration.Input | undefined): number | undefined =>
  input === undefined ? undefined : Duration.toMillis(Duration.fromInputUnsafe(input)) / 1000

const make = (store: Store, options: Options, prefix: string): Effect.Effect<Service> =>
  Effect.sync(() => {
    const { lease, ttl } = Protocol.windows(seconds(options.ttl), seconds(options.lease))
    const timeout = Duration.fromInputUnsafe(options.timeout ?? "5 seconds")
    const bounded = <A>(call: Effect.Effect<A, InboxStoreError>) =>
      call.pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () => Effect.fail(new InboxStoreError({ message: `the inbox's store did not answer within ${Duration.format(timeout)}` }))
        })
      )
    const process = <A, E, R>(eventId: string, handler: Effect.Effect<A, E, R>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const key = prefix + eventId
          const claim = Protocol.processing(Protocol.token())
          const found = Protocol.claimed(yield* restore(bounded(store.claim(key, claim, lease))))
          if (found !== "claimed") return { _tag: found, eventId } as Outcome<A>
          const exit = yield* Effect.exit(restore(handler))
          if (Exit.isFailure(exit)) {
            // Released so that a retry processes the event; should the store fail here too, the claim ends with its
            // lease. The handler's failure is the one that matters.
            yield* Effect.ignore(bounded(store.release(key, claim)))
            return yield* Effect.failCause(exit.cause)
          }
          yield* bounded(store.complete(key, ttl)).pipe(
            Effect.catch((error) =>
              Effect.logWarning(`event ${eventId} was processed but the inbox could not record it: ${error.message}`)
            )
          )
          return { _tag: "Processed", value: exit.value } as Outcome<A>
        })
      )
    return Inbox.of({ process, leaseMillis: lease })
  })

/**
 * An inbox in this process's memory, at the `Clock`'s time (`TestClock` in tests): one process sees each event once.
 * Dies on a `ttl` under 5 minutes or a `lease` longer than the `ttl` (configuration mistakes).
 *
 * @category layers
 * @since 0.3.0
 */
export const layerMemory = (options: Options = {}): Layer.Layer<Inbox> =>
  Layer.effect(
    Inbox,
    Effect.suspend(() => {
      const memory = Protocol.memory()
      return make({
        claim: (key, value, lease) => Effect.map(Clock.currentTimeMillis, (now) => memory.claim(key, value, lease, now)),
        complete: (key, ttl) => Effect.map(Clock.currentTimeMillis, (now) => memory.complete(key, ttl, now)),
        release: (key, value) => Effect.sync(() => memory.release(key, value))
      }, options, "")
    })
  )

/**
 * An inbox in Redis, shared by every process and replica that uses the same Redis and prefix (default
 * `"exa-webhooks:inbox:"`). Needs effect's `Redis` service, e.g. `NodeRedis.layer({ url })` of
 * `@effect/platform-node` (with the `redis` package).
 *
 * @example
 * ```ts
 * const InboxLive = Inbox.layerRedis().pipe(Layer.provide(NodeRedis.layer({ url: "redis://127.0.0.1:6379/0" })))
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layerRedis = (
  options: Options & { readonly prefix?: string | undefined } = {}
): Layer.Layer<Inbox, never, Redis.Redis> =>
  Layer.effect(
    Inbox,
    Effect.gen(function*() {
      const redis = yield* Redis.Redis
      const send = ([command, ...args]: Array<string>) =>
        redis.send(command!, ...args).pipe(
          Effect.mapError((error) =>
            new InboxStoreError({
              message: `the inbox's Redis failed: ${String((error.cause as Error | undefined)?.message ?? error.cause).split("\n")[0]}`,
              cause: error
            })
          )
        )
      return yield* make({
        claim: (key, value, lease) => send(Protocol.redis.claim(key, value, lease)),
        complete: (key, ttl) => send(Protocol.redis.complete(key, ttl)),
        release: (key, value) => send(Protocol.redis.release(key, value))
      }, options, options.prefix ?? Protocol.DEFAULT_PREFIX)
    })
  )
