/**
 * A local, stateful server that behaves like Exa's Websets webhook API, including the ways the real one fails (rate
 * limits, 5xx, changes applied and then failed), and delivers signed events to your webhook URLs.
 *
 * Start it in-process as a Layer (tests), from plain async code with {@link start}, or standalone with
 * `bin/exa-webhooks-mock`.
 *
 * Its time is always the real time: the server runs on the live `Clock` and its own scheduler even when the effect
 * that starts it runs under a `TestClock` (as every `@effect/vitest` test does), so rate-limit windows, latency,
 * timestamps and delivery retries move while a test's clock stands still.
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Clock, Context, DateTime, Effect, Exit, Layer, Option, Redacted, Scheduler, Schema, Scope, Semaphore } from "effect"
import { FetchHttpClient, HttpClient, HttpRouter } from "effect/http"
import { randomInt } from "node:crypto"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { type EventType, Validation } from "@exa-webhooks/schema"
import * as Failures from "./internal/failures.ts"
import * as RequestPipeline from "./internal/requestPipeline.ts"
import * as ControlRoutes from "./internal/controlRoutes.ts"
import * as WebhookHandlers from "./internal/webhookHandlers.ts"
import * as Delivery from "./internal/delivery.ts"
import * as FaultInjection from "./internal/faultInjection.ts"
import * as RateLimitHeaders from "./internal/rateLimitHeaders.ts"
import * as Samples from "./internal/samples.ts"
import * as Simulation from "./internal/simulation.ts"
import * as TokenBucket from "./internal/tokenBucket.ts"
import * as StatsModule from "./internal/stats.ts"
import * as Store from "./internal/store.ts"

/**
 * How to run the server. Everything is optional; the defaults give a well-behaved server on `127.0.0.1`, a free
 * port, that accepts any non-empty API key.
 *
 * @example
 * ```ts
 * MockServer.layer({ rateLimit: 5, faultRate: 0.1, ambiguousFaultRate: 0.1, seed: 42 })
 * ```
 * @category options
 * @since 0.1.0
 */
export interface Options {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number | undefined
  /** Address to listen on (default `127.0.0.1`). */
  readonly host?: string | undefined
  /** The only API key accepted; by default any non-empty key is. */
  readonly apiKey?: string | Redacted.Redacted<string> | undefined
  /** Requests per second allowed per API key; excess gets 429. Off by default. */
  readonly rateLimit?: number | undefined
  /** Whether 429s carry `Retry-After` (seconds); default true. Exa does not document sending it. */
  readonly retryAfter?: boolean | undefined
  /**
   * Rate-limit headers to send with every response to a request with a valid key (needs `rateLimit`): any of
   * `"ratelimit"` (`RateLimit-Limit/-Remaining/-Reset`), `"ratelimit-policy"` (`RateLimit-Policy` and `RateLimit`),
   * `"x-ratelimit"` (`X-RateLimit-Limit/-Remaining/-Reset`, the reset as a Unix time). None by default: Exa
   * documents none.
   */
  readonly rateLimitHeaders?: ReadonlyArray<RateLimitHeaders.Style> | undefined
  /** Milliseconds added to every API response (default 0). */
  readonly latencyMillis?: number | undefined
  /** Fraction (0..1) of API requests answered 500/502/503 before anything changes (default 0). */
  readonly faultRate?: number | undefined
  /** Fraction (0..1) of successful mutating requests that are applied and then fail (default 0). */
  readonly ambiguousFaultRate?: number | undefined
  /** Seed of the fault sequence; the same seed gives the same faults. Random by default (see `seed` on the service). */
  readonly seed?: number | undefined
  /** Deliver events to non-loopback addresses too (default false). */
  readonly allowRemoteDelivery?: boolean | undefined
  /** Webhooks stored at once (default 10,000); a create beyond it gets 409. */
  readonly maxWebhooks?: number | undefined
  /** Delivery attempts kept across all webhooks (default 10,000); the oldest are forgotten first. */
  readonly maxAttempts?: number | undefined
  /** Events kept for the Events API (default 10,000); the oldest are forgotten first. */
  readonly maxEvents?: number | undefined
  /**
   * Simulated Webset activity: `rate` events per second of mixed types (or of `types`), `count` in all (no end by
   * default), stored, served by `GET /v0/events` and delivered like published ones. Off by default.
   */
  readonly simulate?: {
    readonly rate: number
    readonly types?: ReadonlyArray<EventType.EventType> | undefined
    readonly count?: number | undefined
  } | undefined
  /** Tries per webhook and event, the first included (default 3). */
  readonly deliveryAttempts?: number | undefined
  /** Wait before the second try, doubled for each later one (default 500 ms). */
  readonly deliveryRetryDelayMillis?: number | undefined
  /** How long a delivery waits for the receiver's response (default 5,000 ms). */
  readonly deliveryTimeoutMillis?: number | undefined
}

/**
 * The defaults of {@link Options}.
 *
 * @category options
 * @since 0.1.0
 */
export const defaults = {
  port: 0,
  host: "127.0.0.1",
  retryAfter: true,
  latencyMillis: 0,
  faultRate: 0,
  ambiguousFaultRate: 0,
  allowRemoteDelivery: false,
  maxWebhooks: 10_000,
  maxAttempts: 10_000,
  maxEvents: 10_000,
  deliveryAttempts: 3,
  deliveryRetryDelayMillis: 500,
  deliveryTimeoutMillis: 5_000
} as const

const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const Fraction = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))

// Checks the numbers of `Options`; the key is checked on its own since it may be `Redacted`.
const OptionsSchema = Schema.Struct({
  port: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))),
  host: Schema.optional(Schema.String.check(Schema.isMinLength(1))),
  rateLimit: Schema.optional(Schema.Finite.check(Schema.isGreaterThan(0))),
  retryAfter: Schema.optional(Schema.Boolean),
  rateLimitHeaders: Schema.optional(Schema.Array(Schema.Literals(RateLimitHeaders.STYLES))),
  latencyMillis: Schema.optional(NonNegativeInt),
  faultRate: Schema.optional(Fraction),
  ambiguousFaultRate: Schema.optional(Fraction),
  seed: Schema.optional(Schema.Int),
  allowRemoteDelivery: Schema.optional(Schema.Boolean),
  maxWebhooks: Schema.optional(PositiveInt),
  maxAttempts: Schema.optional(PositiveInt),
  maxEvents: Schema.optional(PositiveInt),
  simulate: Schema.optional(Simulation.Options),
  deliveryAttempts: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 10 }))),
  deliveryRetryDelayMillis: Schema.optional(NonNegativeInt),
  deliveryTimeoutMillis: Schema.optional(PositiveInt)
}).check(Schema.makeFilter((options) =>
  (options.rateLimitHeaders ?? []).length === 0 || options.rateLimit !== undefined || {
    path: ["rateLimitHeaders"],
    issue: "rate-limit headers describe the rate limit, and none is set; give rateLimit (--rate-limit) too"
  }
))

/**
 * The options were out of range, e.g. a `faultRate` above 1.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidOptions extends Schema.TaggedError<InvalidOptions>()("InvalidOptions", {
  message: Schema.String
}) {}

/**
 * The server could not listen, e.g. because the port is taken.
 *
 * @category errors
 * @since 0.1.0
 */
export class ListenError extends Schema.TaggedError<ListenError>()("ListenError", {
  host: Schema.String,
  port: Schema.Number,
  message: Schema.String
}) {}

/**
 * The counters of `GET /_mock/stats`.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Stats = StatsModule.Stats

/**
 * @category schemas
 * @since 0.1.0
 */
export type Stats = StatsModule.Stats

/**
 * A running server.
 *
 * @category models
 * @since 0.1.0
 */
export interface Service {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`; give it to a client as its base URL. */
  readonly url: string
  /** The seed of the fault sequence (the one given, or the random one chosen). */
  readonly seed: number
  /** The counters now. */
  readonly stats: Effect.Effect<Stats>
  /** Forgets all state, as `POST /_mock/reset`. */
  readonly reset: Effect.Effect<void>
}

/**
 * The running server, as a service.
 *
 * @example
 * ```ts
 * layer(MockServer.layer())("client", (it) => {
 *   it.effect("creates", () => Effect.gen(function*() {
 *     const mock = yield* MockServer.MockServer
 *     // point the client at mock.url, then:
 *     const stats = yield* mock.stats
 *   }))
 * })
 * ```
 * @category services
 * @since 0.1.0
 */
export class MockServer extends Context.Service<MockServer, Service>()("@exa-webhooks/mock-server/MockServer") {}

const hostForUrl = (host: string) => {
  if (host === "0.0.0.0") return "127.0.0.1"
  if (host === "::") return "[::1]"
  return host.includes(":") ? `[${host}]` : host
}

const listen = (server: Http.Server, host: string, port: number) =>
  NodeHttpServer.make(() => server, { host, port, backlog: 2048, gracefulShutdownTimeout: "1 second" }).pipe(
    Effect.mapError((error) =>
      new ListenError({
        host,
        port,
        message: `Cannot listen on ${host}:${port} (${
          String((error.cause as { message?: unknown } | undefined)?.message ?? error.cause)
        }); choose another --port, or 0 for a free one`
      })
    )
  )

const build = Effect.fnUntraced(function*(options: Options) {
  const checked = Schema.decodeUnknownExit(OptionsSchema)(options, Validation.parseOptions)
  if (Exit.isFailure(checked)) {
    const error = checked.cause.reasons.find((r) => r._tag === "Fail")?.error
    return yield* new InvalidOptions({
      message: `Invalid mock server options: ${error === undefined ? "unknown problem" : Validation.format(error)}`
    })
  }
  const apiKey = options.apiKey === undefined
    ? Option.none()
    : Option.some(Redacted.isRedacted(options.apiKey) ? options.apiKey : Redacted.make(options.apiKey))
  if (Option.isSome(apiKey) && Redacted.value(apiKey.value).trim() === "") {
    return yield* new InvalidOptions({ message: "Invalid mock server options: apiKey must not be empty" })
  }
  const host = options.host ?? defaults.host
  const seed = options.seed ?? randomInt(0, 2 ** 31)
  const clock = yield* Clock.Clock
  const store = Store.make({
    maxWebhooks: options.maxWebhooks ?? defaults.maxWebhooks,
    maxAttempts: options.maxAttempts ?? defaults.maxAttempts,
    maxEvents: options.maxEvents ?? defaults.maxEvents
  })
  const faults = FaultInjection.make({
    seed,
    faultRate: options.faultRate ?? defaults.faultRate,
    ambiguousFaultRate: options.ambiguousFaultRate ?? defaults.ambiguousFaultRate
  })
  const rateLimit = options.rateLimit === undefined ? undefined : TokenBucket.make(options.rateLimit)
  const deliveryConfig: Delivery.Config = {
    allowRemote: options.allowRemoteDelivery ?? defaults.allowRemoteDelivery,
    attempts: options.deliveryAttempts ?? defaults.deliveryAttempts,
    retryDelayMillis: options.deliveryRetryDelayMillis ?? defaults.deliveryRetryDelayMillis,
    timeoutMillis: options.deliveryTimeoutMillis ?? defaults.deliveryTimeoutMillis
  }
  const client = yield* Effect.provide(
    Effect.gen(function*() {
      return yield* HttpClient.HttpClient
    }),
    FetchHttpClient.layer
  )
  const scope = yield* Effect.scope
  // One slot per event delivered in the background; held until its deliveries end.
  const backlog = Semaphore.makeUnsafe(ControlRoutes.MAX_BACKGROUND_EVENTS)
  const reset = () => {
    store.reset()
    faults.reset()
    rateLimit?.reset()
  }

  const nowMillis = () => clock.currentTimeMillisUnsafe()
  const now = () => DateTime.makeUnsafe(nowMillis())
  const settings = {
    apiKey,
    rateLimit: options.rateLimit,
    retryAfter: options.retryAfter ?? defaults.retryAfter,
    rateLimitHeaders: options.rateLimitHeaders ?? [],
    latencyMillis: options.latencyMillis ?? defaults.latencyMillis
  }
  // Creates the event, its data made for its time, and the effect that delivers it.
  const publish = (type: EventType.EventType, data: (createdAt: string) => Record<string, unknown>) =>
    Effect.sync((): ControlRoutes.Published => {
      const event = store.addEvent(type, (createdAt) => data(DateTime.formatIso(createdAt)), now())
      const subscribers = store.subscribers(type)
      return {
        event,
        subscribers: subscribers.length,
        deliver: Delivery.deliver(store, client, deliveryConfig, event, subscribers)
      }
    })
  // Delivers in the server's scope, holding a slot taken by the caller until the deliveries end. Counting and forking
  // are one uninterruptible step, so a slot is released exactly once: when the delivery ends, or at once if `created`
  // fails. (The forked delivery itself stays interruptible.)
  const inBackground = (created: Effect.Effect<ControlRoutes.Published>) =>
    created.pipe(
      Effect.tap(({ deliver }) => Effect.forkIn(Effect.ensuring(deliver, backlog.release(1)), scope)),
      Effect.onError(() => backlog.release(1))
    )
  const control: ControlRoutes.Deps = {
    stats: store.stats,
    reset,
    publish: ({ data, type }) =>
      publish(type, (createdAt) => data ?? Samples.sample(type, Math.random, createdAt)),
    background: (created) =>
      Effect.uninterruptible(Effect.gen(function*() {
        if (!(yield* backlog.takeIfAvailable(1))) {
          return yield* new Failures.DeliveryBacklogFull({
            limit: ControlRoutes.MAX_BACKGROUND_EVENTS,
            message: `${ControlRoutes.MAX_BACKGROUND_EVENTS} events are already being delivered in the background, ` +
              "the most at once; no event was created. Retry once one finishes, or publish without ?wait=false " +
              "to wait for the deliveries"
          })
        }
        return yield* inBackground(created)
      }))
  }
  // Both APIs, served by HttpApiBuilder: the webhook API (WebhooksApi) and the mock's controls.
  const routes = yield* HttpRouter.toHttpEffect(
    Layer.mergeAll(
      WebhookHandlers.layer({ store, now, settings, rateLimit, nowMillis }),
      ControlRoutes.layer(control)
    ).pipe(Layer.provide(NodeHttpServer.layerHttpServices))
  ).pipe(
    // Exa's paths are exact: "/webhooks/" and "//webhooks" are not "/webhooks"; an id of any length is an id.
    Effect.provideService(HttpRouter.RouterConfig, {
      ignoreTrailingSlash: false,
      ignoreDuplicateSlashes: false,
      maxParamLength: 16 * 1024
    })
  )

  const server = Http.createServer({ keepAliveTimeout: 5_000, requestTimeout: 60_000 })
  const http = yield* listen(server, host, options.port ?? defaults.port)
  yield* http.serve(RequestPipeline.make({ settings, store, faults, routes: routes as RequestPipeline.Deps["routes"] }))
  // Started once the server listens, so no event is emitted before its URL is known.
  if (options.simulate !== undefined) {
    // Waits for a slot (interruptibly) instead of failing: simulated activity slows down rather than piles up.
    const emit = (type: EventType.EventType, data: (createdAt: string) => Record<string, unknown>) =>
      Effect.uninterruptibleMask((restore) =>
        restore(backlog.take(1)).pipe(Effect.andThen(inBackground(publish(type, data))), Effect.asVoid)
      )
    yield* Effect.forkIn(Simulation.run(options.simulate, seed, emit), scope)
  }
  // Runs first on close: ends every connection, idle keep-alive ones included, so that stopping takes milliseconds
  // instead of waiting for clients to hang up. A request still in flight at that moment gets no answer.
  yield* Effect.addFinalizer(() => Effect.sync(() => server.closeAllConnections()))
  const port = (server.address() as AddressInfo).port
  return MockServer.of({
    url: `http://${hostForUrl(host)}:${port}`,
    seed,
    stats: Effect.sync(store.stats),
    reset: Effect.sync(reset)
  })
})

/**
 * Starts a server in the current scope; it stops when the scope closes.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, InvalidOptions | ListenError, Scope.Scope> =>
  build(options).pipe(
    // The server's own time and scheduling, whatever the caller runs on (see the module comment).
    Effect.provideService(Clock.Clock, Clock.Clock.defaultValue()),
    Effect.provideService(Scheduler.Scheduler, new Scheduler.MixedScheduler())
  )

/**
 * The server as a Layer: listens on `127.0.0.1`, a free port unless `options.port` says otherwise, and closes when
 * the layer's scope ends. Invalid options or a taken port are defects (they are programming errors in a test).
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<MockServer> =>
  Layer.effect(MockServer, make(options)).pipe(Layer.orDie)

/**
 * A running server for plain async code (exa-js tests, scripts).
 *
 * @category models
 * @since 0.1.0
 */
export interface Handle {
  readonly url: string
  readonly seed: number
  readonly stats: () => Promise<Stats>
  readonly reset: () => Promise<void>
  readonly close: () => Promise<void>
}

/**
 * Starts a server; `close()` stops it.
 *
 * @example
 * ```ts
 * const mock = await MockServer.start({ apiKey: "test-key" })
 * const exa = new Exa("test-key", mock.url)
 * await exa.websets.webhooks.list()
 * await mock.close()
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const start = async (options: Options = {}): Promise<Handle> => {
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Scope.provide(make(options), scope))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    return Promise.reject(Option.getOrElse(
      Option.map(Exit.findErrorOption(exit), (e): unknown => e),
      () => new Error("The mock server failed to start")
    ))
  }
  const service = exit.value
  return {
    url: service.url,
    seed: service.seed,
    stats: () => Effect.runPromise(service.stats),
    reset: () => Effect.runPromise(service.reset),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
