/**
 * Where the client's rate budget lives. By default in the process (effect's in-memory `RateLimiter` store): each
 * process paces itself to the whole limit. Exa's limit is per team, so several processes using one API key (CI jobs
 * applying manifests at once, service replicas) should share one budget: {@link layerRedis} keeps it in Redis, with
 * effect's Redis `RateLimiter` store, and every process that uses the same key and the same store draws on it. With
 * `rateLimit: "auto"` they also share what they learn ({@link LearnedRateStore}): one rate for all of them.
 *
 * Turn it on with `EXA_RATE_LIMIT_STORE=redis://host:6379/0` (read by {@link layerConfig}, and so by
 * `WebhooksClient.layerConfig` and both bins), or compose it yourself:
 *
 * @example
 * ```ts
 * import { RateLimitStore, WebhooksClient } from "@exa-webhooks/client"
 * import { FetchHttpClient } from "effect/http"
 *
 * const Webhooks = WebhooksClient.layerFromStore({ apiKey }).pipe(
 *   Layer.provide(RateLimitStore.layerRedis({ url: Redacted.make("redis://cache:6379/0") })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * When the store fails:
 * - At start (unreachable, wrong password, unknown database, or no answer within `connectTimeout`: a server that
 *   accepts connections but never answers, stopped or behind a half-open path): building the layer fails with
 *   {@link RateLimitStoreUnavailableError}, naming the store as `redis://host:port/db` (never the password); nothing
 *   has been sent.
 * - Mid-run: a request about to be sent waits for the store up to `outageWait` (default 5 s, enough for Redis to
 *   restart or fail over; every waiting request shares one deadline, counted from the first failure), then fails
 *   without being sent. A store call that gets no answer counts as a failure after at most 2 s, so a store that stops
 *   answering fails requests exactly like one that went away. A request that was not sent is safe to fail: a duplicate-safe create never re-sends blindly,
 *   and re-running the job (a batch apply) picks up what was left. It does not fall back to a budget of its own:
 *   every process would then pace itself to the whole limit at once, the 429 storm this store exists to prevent,
 *   and a process cannot know how many others there are to divide the limit by.
 *
 * Closing the layer (the end of a run, Ctrl-C) destroys the connection at once, whatever the store is doing.
 *
 * The connection uses `redis` (node-redis), loaded only when a Redis store is asked for: an optional peer dependency,
 * so the rest of the package stays platform-neutral.
 *
 * @since 0.3.0
 */
import { Config, Context, Duration, Effect, Layer, Option, Redacted, Schedule, Schema } from "effect"
import type { Scope } from "effect"
import { RateLimiter, Redis } from "effect/persistence"
import * as RedisUrl from "./RedisUrl.ts"

/**
 * The environment variable {@link layerConfig} reads: the store's address, e.g. `redis://127.0.0.1:6379/0`.
 *
 * @since 0.3.0
 */
export const ENV = "EXA_RATE_LIMIT_STORE"

/**
 * The defaults, and why:
 * - `outageWait: 5 s`: long enough for a Redis restart or a fail-over, short enough that a CI job notices.
 * - `connectTimeout: 5 s`: a store that does not answer at start is reported rather than waited for.
 * - `prefix: "exa-webhooks:"`: the Redis keys this client writes (under it: effect's limiter's keys).
 * - `learnedFor: 1 hour`: how long Redis keeps what `rateLimit: "auto"` learned after its last answer, so that the
 *   next run within the hour (a CI job, a restarted service) starts at the rate the last one found rather than
 *   finding it again with 429s; after an hour the limit may have changed, and learning again costs seconds.
 *
 * @since 0.3.0
 */
export const defaults = {
  outageWait: Duration.seconds(5),
  connectTimeout: Duration.seconds(5),
  prefix: "exa-webhooks:",
  learnedFor: Duration.hours(1)
} as const

/**
 * Where `rateLimit: "auto"` keeps what it learned, shared by every client of the store: each client folds the answers
 * it receives into one state there, so that all of them pace by one rate, learned from what the server let through to
 * all of them together (a rate learned by each alone would count a third of the traffic when three share the key, and
 * slow all of them down to a third). {@link layerRedis} provides it beside the budget, in the same Redis under the
 * same prefix, for processes; {@link layerMemory} for clients in one process. With a store that does not provide it
 * (effect's own `RateLimiter.layerStoreMemory` or `makeStoreRedis`), each client learns alone.
 *
 * @category services
 * @since 0.4.0
 */
export class LearnedRateStore extends Context.Service<LearnedRateStore, {
  /**
   * Replaces the value under `key` with `f(current, now)` and returns it, atomically with respect to every client of
   * the store: `current` is what is stored (`undefined` when nothing is), `now` the store's clock in milliseconds
   * (one clock for every client, whatever their machines' clocks say). `f` may run more than once, when another
   * client changed the value in between: it must not do anything else. Values are plain data (JSON in Redis).
   */
  readonly modify: <A>(
    key: string,
    f: (current: unknown, now: number) => A
  ) => Effect.Effect<A, RateLimiter.RateLimiterError>
}>()("@exa-webhooks/client/RateLimitStore/LearnedRateStore") {}

/**
 * The budget and the learned rate in this process's memory, for several clients in one process that share both
 * (effect's in-memory `RateLimiterStore`, and a {@link LearnedRateStore} in a map). `WebhooksClient.layer` keeps each
 * client's own.
 *
 * @example
 * ```ts
 * const Shared = RateLimitStore.layerMemory
 * const A = WebhooksClient.layerFromStore({ apiKey, rateLimit: "auto" }).pipe(Layer.provide(Shared))
 * ```
 * @category layers
 * @since 0.4.0
 */
export const layerMemory: Layer.Layer<RateLimiter.RateLimiterStore | LearnedRateStore> = Layer.merge(
  RateLimiter.layerStoreMemory,
  Layer.sync(LearnedRateStore, () => {
    const values = new Map<string, unknown>()
    return LearnedRateStore.of({
      modify: (key, f) =>
        Effect.clockWith((clock) =>
          Effect.sync(() => {
            const next = f(values.get(key), clock.currentTimeMillisUnsafe())
            values.set(key, next)
            return next
          })
        )
    })
  })
)

/**
 * The store could not be used when the layer was built: unreachable, refused the password, no such database, an
 * invalid address, or the optional peer dependencies are missing. Nothing was sent. `store` is
 * `redis://host:port/db`, never with the password.
 *
 * @since 0.3.0
 */
export class RateLimitStoreUnavailableError extends Schema.TaggedError<RateLimitStoreUnavailableError>()(
  "RateLimitStoreUnavailableError",
  {
    store: Schema.String,
    reason: Schema.String,
    message: Schema.String
  }
) {}

const unavailable = (store: string, reason: string) =>
  new RateLimitStoreUnavailableError({
    store,
    reason,
    message: `cannot use the rate-limit store ${store}: ${reason}`
  })

/**
 * Options of {@link layerRedis}.
 *
 * @since 0.3.0
 */
export interface RedisOptions {
  /** The store's address: `redis://[user:password@]host[:port][/db]` or `rediss://` (TLS); see the schema's `RedisUrl`. */
  readonly url: Redacted.Redacted<string> | RedisUrl.RedisUrl
  /** How long a request waits for a store that stopped answering before it fails unsent. Default 5 s. */
  readonly outageWait?: Duration.Input | undefined
  /** How long to wait for the first connection, its handshake included. Default 5 s. */
  readonly connectTimeout?: Duration.Input | undefined
  /** Prefix of the Redis keys. Default `"exa-webhooks:"`. */
  readonly prefix?: string | undefined
}

const parsed = (url: Redacted.Redacted<string> | RedisUrl.RedisUrl) =>
  Effect.suspend(() => {
    if (!Redacted.isRedacted(url)) return Effect.succeed(url)
    const text = Redacted.value(url).trim()
    const problem = RedisUrl.problem(text)
    return problem === undefined
      ? Effect.succeed(RedisUrl.parse(text)!)
      : Effect.fail(unavailable("(invalid address)", problem))
  })

// Error text from the driver, for a message: the first line, without the password should a driver ever echo it.
const describe = (cause: unknown, password: Redacted.Redacted<string> | undefined): string => {
  const error = cause as { readonly code?: unknown; readonly message?: unknown; readonly errors?: unknown }
  // Node reports a refused dual-stack connect as an AggregateError whose own message is empty.
  const inner = Array.isArray(error?.errors) && error.errors.length > 0 ? error.errors[0] as typeof error : undefined
  const first = String(error?.message || inner?.message || error?.code || cause).split("\n")[0]!
  // node-redis's words for a dropped connection while it reconnects, or after it gave up.
  const raw = /^The client is (offline|closed)/.test(first) ? "the connection to it is down" : first
  const secret = password === undefined ? "" : Redacted.value(password)
  return secret.length >= 4 ? raw.split(secret).join("****") : raw
}

const storeFailure = (message: string, cause?: unknown) =>
  new RateLimiter.RateLimiterError({ reason: new RateLimiter.RateLimitStoreError({ message, cause }) })

const isStoreFailure = (error: RateLimiter.RateLimiterError) => error.reason._tag === "RateLimitStoreError"

// How long one store call may take: a command the server never answers (a stopped process, a black-holed network)
// counts as a failure, retried until `outageWait` has passed.
const callTimeoutOf = (outageWait: Duration.Duration) =>
  Duration.millis(Math.max(250, Math.min(Duration.toMillis(outageWait), 2_000)))

/**
 * Wraps a store so that an outage is ridden out for `outageWait` and then reported with the store's name. An outage
 * starts with the first call that failed (for a store that does not answer, when that call was made); every call
 * during it shares its deadline, so a long queue of requests fails together rather than one `outageWait` after
 * another, and past the deadline calls fail at once, as with a store that refuses connections, while one call at a
 * time (at most one a second) checks whether the store is back.
 */
const withOutageWait = (
  store: RateLimiter.RateLimiterStore["Service"],
  options: { readonly name: string; readonly outageWait: Duration.Duration; readonly password: Redacted.Redacted<string> | undefined }
): RateLimiter.RateLimiterStore["Service"] => {
  const waitMillis = Duration.toMillis(options.outageWait)
  const callMillis = Duration.toMillis(callTimeoutOf(options.outageWait))
  const now = Effect.clockWith((clock) => clock.currentTimeMillis)
  // The outage: when it started, the failure that ended the wait (once it is past its deadline), whether a call is
  // checking on the store, and when the next one may.
  let downSince: number | undefined
  let lastFailure: RateLimiter.RateLimiterError | undefined
  let probing = false
  let nextProbe = 0

  const gaveUp = (error: RateLimiter.RateLimiterError) =>
    isStoreFailure(error)
      ? storeFailure(
        `the rate-limit store ${options.name} has not answered for ${Duration.format(options.outageWait)} ` +
          `(${reasonOf(error)})`,
        error
      )
      : error

  const guard = <A>(call: Effect.Effect<A, RateLimiter.RateLimiterError>): Effect.Effect<A, RateLimiter.RateLimiterError> => {
    const once = Effect.gen(function*() {
      const started = yield* now
      // Never past the outage's deadline: a store that does not answer fails the wait on time.
      const budget = downSince === undefined
        ? callMillis
        : Math.max(100, Math.min(callMillis, downSince + waitMillis - started))
      return yield* call.pipe(
        Effect.timeoutOrElse({
          duration: Duration.millis(budget),
          orElse: () => Effect.fail(storeFailure(`no answer within ${Duration.format(Duration.millis(budget))}`))
        }),
        Effect.tap(() =>
          downSince === undefined ? Effect.void : Effect.suspend(() => {
            downSince = undefined
            lastFailure = undefined
            return Effect.logInfo(`the rate-limit store ${options.name} answers again`)
          })
        ),
        Effect.tapError((error) => {
          if (!isStoreFailure(error)) return Effect.void
          lastFailure = error
          if (downSince !== undefined) return Effect.void
          downSince = started
          return Effect.logWarning(
            `the rate-limit store ${options.name} is not answering (${reasonOf(error)}); requests wait up to ` +
              `${Duration.format(options.outageWait)} for it`
          )
        })
      )
    })
    const waiting = once.pipe(
      Effect.retry({
        schedule: Schedule.spaced("100 millis"),
        while: (error) =>
          Effect.map(now, (at) => isStoreFailure(error) && downSince !== undefined && at - downSince < waitMillis)
      }),
      Effect.mapError(gaveUp)
    )
    return Effect.gen(function*() {
      const at = yield* now
      if (downSince === undefined || at - downSince < waitMillis || lastFailure === undefined) return yield* waiting
      if (probing || at < nextProbe) return yield* Effect.fail(gaveUp(lastFailure))
      probing = true
      return yield* once.pipe(
        Effect.mapError(gaveUp),
        Effect.ensuring(Effect.map(now, (end) => {
          probing = false
          nextProbe = end + 1_000
        }))
      )
    })
  }
  const reasonOf = (error: RateLimiter.RateLimiterError) => {
    const reason = error.reason as RateLimiter.RateLimitStoreError
    return reason.cause === undefined ? reason.message : describe(reason.cause, options.password)
  }

  return RateLimiter.RateLimiterStore.of({
    fixedWindow: (o) => guard(store.fixedWindow(o)),
    tokenBucket: (o) => guard(store.tokenBucket(o)),
    adaptiveConsume: (o) => guard(store.adaptiveConsume(o)),
    adaptiveFeedback: (o) => guard(store.adaptiveFeedback(o))
  })
}

// The connection to Redis: node-redis driven directly rather than through `@effect/platform-node`'s `NodeRedis`, whose
// connect waits without end for a handshake that a server which accepts connections but never answers (stopped with
// SIGSTOP, a half-open network path) never completes, and whose close then waits for that handshake's replies: a
// command hung on such a store forever and ignored Ctrl-C. Here the connect has a deadline and closing destroys the
// socket, failing whatever is still waiting, at once.
const connect = (
  url: RedisUrl.RedisUrl,
  options: { readonly name: string; readonly connectTimeout: Duration.Duration; readonly callTimeout: Duration.Duration }
) =>
  Effect.gen(function*() {
    const { createClient } = yield* Effect.tryPromise({
      try: () => import("redis"),
      catch: (cause) =>
        unavailable(
          options.name,
          (cause as { readonly code?: unknown })?.code === "ERR_MODULE_NOT_FOUND"
            ? "a Redis store needs the optional peer dependency redis (npm install redis)"
            : `the Redis client could not be loaded: ${describe(cause, undefined)}`
        )
    })
    const connectMillis = Duration.toMillis(options.connectTimeout)
    const host = url.host.startsWith("[") ? url.host.slice(1, -1) : url.host
    let connected = false
    const client = createClient({
      socket: {
        host,
        port: url.port,
        connectTimeout: connectMillis,
        // Before the first connection: give up at once (reported below). After: reconnect, backing off to 1 s, for
        // as long as the layer lives; requests meanwhile wait out `outageWait` and then fail unsent.
        reconnectStrategy: (retries: number, cause: Error) => connected ? Math.min(50 * 2 ** retries, 1_000) : cause,
        ...(url.tls ? { tls: true as const, servername: host } : {})
      },
      database: url.db,
      ...(url.username === undefined ? {} : { username: url.username }),
      ...(url.password === undefined ? {} : { password: Redacted.value(url.password) }),
      // Commands fail at once while the connection is down, instead of queueing without bound.
      disableOfflineQueue: true
    })
    // node-redis rethrows an `error` event nobody listens to; every failure reaches the caller through its command,
    // and an outage is reported once, with the store's name (`withOutageWait`).
    client.on("error", () => {})
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        try {
          client.destroy()
        } catch {
          // Already closed (an older node-redis throws then): nothing is left to release.
        }
      })
    )
    yield* Effect.tryPromise({
      try: () => client.connect(),
      catch: (cause) => new Redis.RedisError({ cause })
    }).pipe(
      Effect.timeoutOrElse({
        duration: options.connectTimeout,
        orElse: () =>
          Effect.fail(
            new Redis.RedisError({
              cause: new Error(`no answer within ${Duration.format(options.connectTimeout)} (is it stopped or overloaded?)`)
            })
          )
      }),
      Effect.mapError((error) => {
        const reason = describe(error.cause, url.password)
        return unavailable(
          options.name,
          /^(NOAUTH|WRONGPASS)/.test(reason) ? `${reason} (check the user name and password in the address)` : reason
        )
      })
    )
    connected = true
    const callMillis = Duration.toMillis(options.callTimeout)
    const notUsed = Effect.fail(new Redis.RedisError({ cause: new Error("not used by the rate-limit store") }))
    return yield* Redis.make({
      // The signal drops a command still waiting to be written once its caller stopped waiting; the timeout bounds
      // one that was written to a server that never answers.
      send: <A = unknown>(command: string, ...args: ReadonlyArray<string>) =>
        Effect.tryPromise({
          try: (signal) => client.sendCommand([command, ...args], { abortSignal: signal, timeout: callMillis }) as Promise<A>,
          catch: (cause) => new Redis.RedisError({ cause })
        }),
      subscribe: () => notUsed,
      connect: notUsed
    })
  })

// What `learnedRatesInRedis` runs: a read that returns the stored value with Redis's clock, and a write that takes
// effect only when the value is still the one read (compare-and-set), so two processes never overwrite each other's
// answers.
const readLearned = Redis.script((key: string) => [key], {
  numberOfKeys: 1,
  lua: `
local value = redis.call("GET", KEYS[1])
local time = redis.call("TIME")
return { value or "", time[1], time[2] }
`
}).withReturnType<readonly [value: string, seconds: string, microseconds: string]>()

const writeLearned = Redis.script(
  (key: string, expected: string, value: string, ttlMillis: number) => [key, expected, value, ttlMillis],
  {
    numberOfKeys: 1,
    lua: `
if (redis.call("GET", KEYS[1]) or "") ~= ARGV[1] then return 0 end
redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
return 1
`
  }
).withReturnType<number>()

/** Another client wrote between the read and the write: read again. */
class Changed extends Schema.TaggedError<Changed>()("Changed", {}) {}

const parseStored = (text: string): unknown => {
  if (text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const learnedRatesInRedis = (redis: Redis.Redis["Service"], prefix: string): LearnedRateStore["Service"] => {
  const read = redis.eval(readLearned)
  const write = redis.eval(writeLearned)
  const ttlMillis = Duration.toMillis(defaults.learnedFor)
  return LearnedRateStore.of({
    modify: (key, f) =>
      Effect.gen(function*() {
        const [stored, seconds, micros] = yield* read(`${prefix}${key}`)
        const next = f(parseStored(stored), Number(seconds) * 1000 + Math.floor(Number(micros) / 1000))
        const written = yield* write(`${prefix}${key}`, stored, JSON.stringify(next), ttlMillis)
        if (Number(written) !== 1) return yield* new Changed()
        return next
      }).pipe(
        // A handful of clients answered at the same moment: each tries again on what the others wrote.
        Effect.retry({ times: 8, while: (error) => error._tag === "Changed" }),
        Effect.mapError((error) =>
          error._tag === "Changed"
            ? storeFailure("the learned rate kept changing under this client")
            : storeFailure("the learned rate could not be read or written", error.cause)
        )
      )
  })
}

/**
 * The budget in Redis, shared by every process that uses the same API key and store, and with it what
 * `rateLimit: "auto"` learned ({@link LearnedRateStore}, kept {@link defaults}`.learnedFor` after the last answer).
 * Building the layer connects
 * (and fails with {@link RateLimitStoreUnavailableError} when it cannot, or when the store does not answer within
 * `connectTimeout`); closing it disconnects at once, whatever the store is doing. Needs the optional peer dependency
 * `redis` (node-redis).
 *
 * @example
 * ```ts
 * const Store = RateLimitStore.layerRedis({ url: Redacted.make("redis://:secret@cache:6379/0") })
 * const Webhooks = WebhooksClient.layerFromStore({ apiKey }).pipe(Layer.provide(Store), Layer.provide(FetchHttpClient.layer))
 * ```
 * @since 0.3.0
 */
export const layerRedis = (
  options: RedisOptions
): Layer.Layer<RateLimiter.RateLimiterStore | LearnedRateStore, RateLimitStoreUnavailableError> =>
  Layer.effectContext(
    Effect.gen(function*() {
      const url = yield* parsed(options.url)
      const name = RedisUrl.display(url)
      const outageWait = Duration.fromInputUnsafe(options.outageWait ?? defaults.outageWait)
      const redis = yield* connect(url, {
        name,
        connectTimeout: Duration.fromInputUnsafe(options.connectTimeout ?? defaults.connectTimeout),
        callTimeout: callTimeoutOf(outageWait)
      })
      const prefix = options.prefix ?? defaults.prefix
      const store = yield* RateLimiter.makeStoreRedis({ prefix }).pipe(Effect.provideService(Redis.Redis, redis))
      return Context.make(RateLimiter.RateLimiterStore, withOutageWait(store, { name, outageWait, password: url.password })).pipe(
        Context.add(LearnedRateStore, learnedRatesInRedis(redis, prefix))
      )
    })
  )

/**
 * A connection to the store of `options` for the scope, with the same guarantees as {@link layerRedis}'s (a deadline
 * on the connect, every command bounded, closed at once with the scope): for an application that keeps more than the
 * rate budget in the same Redis, such as the batch tool's apply lock. Fails with
 * {@link RateLimitStoreUnavailableError} when the store cannot be used.
 *
 * @example
 * ```ts
 * const redis = yield* RateLimitStore.connectRedis({ url })
 * yield* redis.send("SET", "my-key", "value", "NX", "PX", "30000")
 * ```
 * @since 0.4.0
 */
export const connectRedis = (
  options: RedisOptions
): Effect.Effect<Redis.Redis["Service"], RateLimitStoreUnavailableError, Scope.Scope> =>
  Effect.gen(function*() {
    const url = yield* parsed(options.url)
    const outageWait = Duration.fromInputUnsafe(options.outageWait ?? defaults.outageWait)
    return yield* connect(url, {
      name: RedisUrl.display(url),
      connectTimeout: Duration.fromInputUnsafe(options.connectTimeout ?? defaults.connectTimeout),
      callTimeout: callTimeoutOf(outageWait)
    })
  })

/**
 * {@link ENV}, parsed (`Option.none()` when it is unset or empty). A malformed address is a `ConfigError` naming the
 * variable and never quoting the password.
 *
 * @since 0.3.0
 */
export const config: Config.Config<Option.Option<RedisUrl.RedisUrl>> = Config.option(
  Config.schema(RedisUrl.RedisUrlString, ENV)
).pipe(
  Config.map((value) => Option.flatMap(value, (text) => Option.fromUndefinedOr(RedisUrl.parse(text.trim()))))
)

/**
 * Options of {@link layerConfig}.
 *
 * @since 0.3.0
 */
export interface ConfigOptions extends Omit<RedisOptions, "url"> {
  /** Replaces {@link config} (the environment variable {@link ENV}). */
  readonly url?: Config.Config<Option.Option<RedisUrl.RedisUrl>> | undefined
}

/**
 * The store {@link ENV} names: Redis ({@link layerRedis}) when it is set, else this process's memory
 * ({@link layerMemory}).
 *
 * @since 0.3.0
 */
export const layerConfig = (
  options: ConfigOptions = {}
): Layer.Layer<RateLimiter.RateLimiterStore | LearnedRateStore, Config.ConfigError | RateLimitStoreUnavailableError> =>
  Layer.unwrap(
    Effect.map(
      options.url ?? config,
      Option.match({
        onNone: () => layerMemory,
        onSome: (url) => layerRedis({ ...options, url })
      })
    )
  )
