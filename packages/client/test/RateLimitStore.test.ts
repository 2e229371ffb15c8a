import { assert, describe, it } from "@effect/vitest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { MockServer } from "@exa-webhooks/mock-server"
import { Cause, ConfigProvider, Context, Duration, Effect, Exit, Fiber, Layer, Option, Redacted, Scope } from "effect"
import { RateLimiter } from "effect/persistence"
import { RateLimitStore, WebhooksClient } from "../src/index.ts"
import { API_KEY } from "./fixtures/mock.ts"
import { createServer } from "node:net"
import * as RedisServer from "./fixtures/redisServer.ts"

// Budget tests use the live clock: the Redis store keeps time in Redis (fixed-window TTLs), which a TestClock cannot
// move. They measure delays the limiter hands out, not wall time, so a loaded machine does not change the outcome.

const KEY = "exa-webhooks:test-key"

/** The delays (ms) the limiter hands out for `n` requests on `store`: 10 per second, fixed window. */
const delays = (store: Layer.Layer<RateLimiter.RateLimiterStore, unknown>, n: number, key = KEY) =>
  Effect.gen(function*() {
    const limiter = yield* RateLimiter.RateLimiter
    const out: Array<number> = []
    for (let i = 0; i < n; i++) {
      const result = yield* limiter.consume({ key, limit: 10, window: "1 second", onExceeded: "delay" })
      out.push(Duration.toMillis(result.delay))
    }
    return out
  }).pipe(Effect.provide(RateLimiter.layer.pipe(Layer.provide(store))))

const unreachable = (port: number, password = "hunter2-secret") =>
  RateLimitStore.layerRedis({ url: Redacted.make(`redis://ops:${password}@127.0.0.1:${port}/3`) })

/** The failure of building a Redis store at `url`. */
const failure = (url: string) => Effect.flip(Effect.scoped(Layer.build(RateLimitStore.layerRedis({ url: Redacted.make(url) }))))

/** `n` concurrent `list` calls. */
const lists = (webhooks: WebhooksClient.Service, n: number) =>
  Effect.forEach(Array.from({ length: n }), () => webhooks.list(), { concurrency: "unbounded" })

/**
 * A client built by `WebhooksClient.layerConfig` from `env`, for the current scope: each call is a separate build of
 * the layer (its own connection to the store), as a separate process would have.
 */
const clientFromEnv = (env: Record<string, string>) =>
  Layer.build(
    WebhooksClient.layerConfig().pipe(
      Layer.provide(NodeHttpClient.layerUndici),
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
    )
  ).pipe(Effect.map((context) => Context.get(context, WebhooksClient.WebhooksClient)))

const read = (env: Record<string, string>) => RateLimitStore.config.parse(ConfigProvider.fromUnknown(env))

describe("RateLimitStore", () => {
  it.effect("an unreachable store fails the layer with its name, never its password", () =>
    Effect.gen(function*() {
      // A port nothing listens on: bound and closed just now.
      const port = yield* Effect.promise(() =>
        new Promise<number>((resolve) => {
          const server = createServer().listen(0, "127.0.0.1", () => {
            const p = (server.address() as { port: number }).port
            server.close(() => resolve(p))
          })
        })
      )
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(unreachable(port))))
      assert.isTrue(Exit.isFailure(exit))
      const error = Cause.squash((exit as Exit.Failure<unknown, unknown>).cause) as RateLimitStore.RateLimitStoreUnavailableError
      assert.strictEqual(error._tag, "RateLimitStoreUnavailableError")
      assert.strictEqual(error.store, `redis://127.0.0.1:${port}/3`)
      assert.include(error.message, `cannot use the rate-limit store redis://127.0.0.1:${port}/3`)
      assert.include(error.message, "ECONNREFUSED")
      assert.notInclude(JSON.stringify(error) + error.message, "hunter2")
    }))

  it.live("a store that accepts connections but never answers (a half-open path): the layer fails within connectTimeout, and closing it is immediate", () =>
    Effect.gen(function*() {
      // Accepts every connection and never writes a byte back.
      const sockets: Array<import("node:net").Socket> = []
      let closed = 0
      const server = yield* Effect.acquireRelease(
        Effect.promise(() =>
          new Promise<import("node:net").Server>((resolve) => {
            const s = createServer((socket) => {
              sockets.push(socket)
              socket.on("close", () => closed++).resume()
            }).listen(0, "127.0.0.1", () => resolve(s))
          })
        ),
        (s) => Effect.sync(() => {
          for (const socket of sockets) socket.destroy()
          s.close()
        })
      )
      const port = (server.address() as { port: number }).port
      const started = Date.now()
      const error = yield* Effect.flip(Effect.scoped(Layer.build(RateLimitStore.layerRedis({
        url: Redacted.make(`redis://ops:hunter2-secret@127.0.0.1:${port}/0`),
        connectTimeout: "300 millis"
      }))))
      const took = Date.now() - started
      assert.strictEqual(error._tag, "RateLimitStoreUnavailableError")
      assert.include(error.message, `cannot use the rate-limit store redis://127.0.0.1:${port}/0: no answer within 300ms`)
      assert.notInclude(error.message, "hunter2")
      assert.isAtLeast(took, 250, "it waited for the handshake")
      assert.isBelow(took, 1_500, "and then gave up, the failed connection closed at once (it used to wait forever)")
      // The half-open connection was closed by us: the server sees its end.
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
      assert.isAbove(sockets.length, 0)
      assert.strictEqual(closed, sockets.length, "every connection to it was closed")
    }).pipe(Effect.scoped))

  it.effect("an invalid address is a typed error, not a defect, and is not quoted", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(Layer.build(
        RateLimitStore.layerRedis({ url: Redacted.make("redis://ops:hunter2@cache:6379/zero") })
      )))
      assert.strictEqual(error._tag, "RateLimitStoreUnavailableError")
      assert.include(error.message, "database number")
      assert.notInclude(error.message, "hunter2")
    }))

  it.effect("EXA_RATE_LIMIT_STORE unset or empty: the in-memory store; malformed: a ConfigError naming it", () =>
    Effect.gen(function*() {
      assert.isTrue(Option.isNone(yield* read({})))
      const some = yield* read({ EXA_RATE_LIMIT_STORE: "redis://:pw@cache:6390/1" })
      assert.strictEqual(Option.map(some, (url) => `${url.host}:${url.port}/${url.db}`).pipe(Option.getOrThrow), "cache:6390/1")
      const bad = yield* Effect.flip(read({ EXA_RATE_LIMIT_STORE: "redis://u:hunter2@cache/x" }))
      assert.include(bad.message, "EXA_RATE_LIMIT_STORE")
      assert.notInclude(bad.message, "hunter2")
      // Unset: the budget stays in the process, as before.
      const local = yield* delays(RateLimitStore.layerConfig({ url: read({}) as never }), 12)
      assert.isAbove(local.at(-1)!, 0)
    }))
})

describe.skipIf(!RedisServer.available())("RateLimitStore with a real Redis", () => {
  it.live("two connections (as two processes) share one budget; two memory stores do not", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.start
      const store = () => RateLimitStore.layerRedis({ url: Redacted.make(redis.url) })
      // Each "process" asks for 10 tokens of a 10-per-second budget.
      const first = yield* delays(store(), 10)
      const second = yield* delays(store(), 10)
      assert.deepStrictEqual(first, Array(10).fill(0), "the first process has the whole window")
      assert.isAtLeast(Math.min(...second), 800, "the second waits for the next window: the budget was shared")
      // The contrast: in-memory stores, one per process, hand out the same window twice.
      const memoryA = yield* delays(RateLimiter.layerStoreMemory, 10)
      const memoryB = yield* delays(RateLimiter.layerStoreMemory, 10)
      assert.deepStrictEqual([...memoryA, ...memoryB], Array(20).fill(0))
    }).pipe(Effect.scoped))

  it.live("a store with a password: the right one connects; a wrong, a missing one or no such database is reported at start", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.startWith({ requirePass: "right-pass-4d1c" })
      const at = (userinfo: string, db = 0) => `redis://${userinfo}127.0.0.1:${redis.port}/${db}`
      yield* Effect.scoped(Layer.build(RateLimitStore.layerRedis({ url: Redacted.make(at(":right-pass-4d1c@")) })))
      const wrong = yield* failure(at(":wrong-pass-9e2a@"))
      assert.include(wrong.message, `cannot use the rate-limit store redis://127.0.0.1:${redis.port}/0: WRONGPASS`)
      assert.include(wrong.message, "check the user name and password in the address")
      assert.notInclude(wrong.message, "wrong-pass-9e2a")
      assert.include((yield* failure(at(""))).message, "NOAUTH")
      const db = yield* failure(at(":right-pass-4d1c@", 99))
      assert.include(db.message, `redis://127.0.0.1:${redis.port}/99: ERR DB index is out of range`)
      assert.notInclude(db.message, "right-pass-4d1c")
    }).pipe(Effect.scoped))

  it.live("Redis killed mid-run: requests wait out outageWait, then fail unsent with the store's name; no crash", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.start
      const layer = RateLimitStore.layerRedis({ url: Redacted.make(redis.url), outageWait: "400 millis" })
      // Built in the test's scope: the connection stays open until the test ends.
      const limiter = yield* RateLimiter.make.pipe(Effect.provide(yield* Layer.build(layer)))
      const consume = limiter.consume({ key: KEY, limit: 100, window: "1 second", onExceeded: "delay" })
      yield* consume
      yield* redis.kill
      const started = Date.now()
      const errors = yield* Effect.forEach(Array.from({ length: 5 }), () => Effect.flip(consume), { concurrency: "unbounded" })
      const waited = Date.now() - started
      assert.isAtLeast(waited, 350, "rode out the outage for outageWait")
      assert.isBelow(waited, 5_000, "and no longer: one shared deadline")
      for (const error of errors) {
        assert.strictEqual(error.reason._tag, "RateLimitStoreError")
        assert.include(error.message, `the rate-limit store ${redis.url} has not answered`)
        assert.notInclude(error.message, "hunter2")
      }
    }).pipe(Effect.scoped))

  it.live("Redis frozen (SIGSTOP) at start: the layer fails within connectTimeout naming the store, and nothing hangs", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.start
      yield* redis.freeze
      const started = Date.now()
      const error = yield* Effect.flip(Effect.scoped(Layer.build(
        RateLimitStore.layerRedis({ url: Redacted.make(redis.url), connectTimeout: "500 millis" })
      )))
      const took = Date.now() - started
      yield* redis.thaw
      assert.strictEqual(error._tag, "RateLimitStoreUnavailableError")
      assert.include(error.message, `cannot use the rate-limit store ${redis.url}: no answer within 500ms`)
      assert.isBelow(took, 2_000, `failed and closed in ${took} ms`)
    }).pipe(Effect.scoped))

  it.live("Redis frozen (SIGSTOP) mid-run: requests fail after outageWait like a dead store's, and closing the layer is immediate", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.start
      const scope = yield* Scope.make()
      const layer = RateLimitStore.layerRedis({ url: Redacted.make(redis.url), outageWait: "600 millis" })
      const limiter = yield* RateLimiter.make.pipe(Effect.provide(yield* Layer.buildWithScope(layer, scope)))
      const consume = limiter.consume({ key: KEY, limit: 100, window: "1 second", onExceeded: "delay" })
      yield* consume
      yield* redis.freeze
      const started = Date.now()
      const errors = yield* Effect.forEach(Array.from({ length: 3 }), () => Effect.flip(consume), { concurrency: "unbounded" })
      const waited = Date.now() - started
      assert.isAtLeast(waited, 550, "rode out the outage for outageWait")
      assert.isBelow(waited, 4_000, "and no longer (each call has its own deadline: it used to wait forever)")
      for (const error of errors) {
        assert.strictEqual(error.reason._tag, "RateLimitStoreError")
        assert.include(error.message, `the rate-limit store ${redis.url} has not answered for 600ms`)
      }
      // Past the deadline, the next calls fail at once, as with a store that refuses connections (not each after
      // its own call timeout), while one of them checks on the store.
      const later = Date.now()
      for (let i = 0; i < 10; i++) yield* Effect.flip(consume)
      assert.isBelow(Date.now() - later, 2_000, "10 calls, one after another, failed fast once the outage was past its deadline")
      // Closing while commands are still unanswered: at once, not when the server answers.
      const closing = Date.now()
      yield* Scope.close(scope, Exit.void)
      assert.isBelow(Date.now() - closing, 500, "the layer closed at once")
      yield* redis.thaw
    }).pipe(Effect.scoped))

  // Killed and restarted, or frozen (SIGSTOP: connections accepted, nothing answered) and thawed, within outageWait.
  for (const [what, stop, resume, pause] of [
    ["restarted", (redis: RedisServer.RedisServer) => redis.kill, (redis: RedisServer.RedisServer) => redis.restart, "300 millis"],
    ["frozen and thawed", (redis: RedisServer.RedisServer) => redis.freeze, (redis: RedisServer.RedisServer) => redis.thaw, "2500 millis"]
  ] as const) {
    it.live(`Redis ${what} within outageWait: the waiting requests go on`, () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.start
        const layer = RateLimitStore.layerRedis({ url: Redacted.make(redis.url), outageWait: "20 seconds" })
        const limiter = yield* RateLimiter.make.pipe(Effect.provide(yield* Layer.build(layer)))
        const consume = limiter.consume({ key: KEY, limit: 100, window: "1 second", onExceeded: "delay" })
        yield* consume
        yield* stop(redis)
        const waiting = yield* Effect.forkChild(Effect.forEach(Array.from({ length: 3 }), () => consume, { concurrency: "unbounded" }))
        yield* Effect.sleep(pause)
        yield* resume(redis)
        const results = yield* Fiber.join(waiting)
        assert.strictEqual(results.length, 3)
      }).pipe(Effect.scoped))
  }

  it.live("EXA_RATE_LIMIT=auto with a store: three clients (as three processes) learn one rate together, at least 0.9 of the mock's limit with at most 2% answered 429", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.start
      const mock = yield* MockServer.MockServer
      const env = { EXA_API_KEY: API_KEY, EXA_BASE_URL: mock.url, EXA_RATE_LIMIT: "auto", EXA_RATE_LIMIT_STORE: redis.url }
      const client = () => clientFromEnv(env)
      const clients = [yield* client(), yield* client(), yield* client()]
      const started = Date.now()
      yield* Effect.forEach(clients, (webhooks, c) =>
        Effect.forEach(Array.from({ length: 150 }, (_, i) => i), (i) =>
          webhooks.create({ url: `https://example.com/hooks/${c}-${i}`, events: ["webset.created"] }, { raceCheck: false }), {
          concurrency: 32,
          discard: true
        }), { concurrency: "unbounded", discard: true })
      const seconds = (Date.now() - started) / 1000
      const s = yield* mock.stats
      assert.isAtMost(s.rateLimited / s.requests, 0.02, `${s.rateLimited} of ${s.requests} answered 429`)
      assert.isAtLeast(450 / seconds / 25, 0.9, `${(450 / seconds).toFixed(1)} creates/s against 25/s`)
      // The one state they paced by, as Redis keeps it for the next run: past its start, near the limit (a token
      // bucket lets a probe a few percent over the limit pass for many seconds before it answers 429).
      const key = yield* WebhooksClient.defaultRateLimitKey(mock.url, Redacted.make(API_KEY))
      const learned = yield* Effect.flatMap(
        Layer.build(RateLimitStore.layerRedis({ url: Redacted.make(redis.url) })),
        (context) => Context.get(context, RateLimitStore.LearnedRateStore).modify(`${key}:learned-rate`, (state) => state)
      )
      const { rate, starting } = learned as { readonly rate: number; readonly starting: boolean }
      assert.isFalse(starting)
      assert.isTrue(rate >= 0.8 * 25 && rate <= 1.5 * 25, `learned ${rate}/s against 25/s`)
    }).pipe(Effect.scoped, Effect.provide(MockServer.layer({ apiKey: API_KEY, rateLimit: 25 }))), 90_000)

  it.live("WebhooksClient.layerConfig reads EXA_RATE_LIMIT_STORE: two clients (as two processes) stay under the mock's limit together", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.start
      const mock = yield* MockServer.MockServer
      const env = {
        EXA_API_KEY: API_KEY,
        EXA_BASE_URL: mock.url,
        EXA_RATE_LIMIT: "10",
        EXA_MAX_RETRIES: "0",
        EXA_RATE_LIMIT_STORE: redis.url
      }
      const client = () => clientFromEnv(env)
      const [a, b] = [yield* client(), yield* client()]
      // 15 each at 10/s: the mock's bucket (10) cannot absorb 30 at once, so only the shared pacing keeps it at 0.
      yield* Effect.all([lists(a, 15), lists(b, 15)], { concurrency: 2 })
      const s = yield* mock.stats
      assert.strictEqual(s.requests, 30)
      assert.strictEqual(s.rateLimited, 0)

      // An unreachable store fails the layer before anything is sent.
      yield* redis.kill
      const error = yield* Effect.flip(client())
      assert.strictEqual(error._tag, "RateLimitStoreUnavailableError")
      assert.strictEqual((yield* mock.stats).requests, 30)
    }).pipe(Effect.scoped, Effect.provide(MockServer.layer({ apiKey: API_KEY, rateLimit: 10 }))))
})
