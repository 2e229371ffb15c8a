/**
 * Each event processed once, in both forms (Effect `Inbox`, promise `WebInbox`) and both stores (memory, and a real
 * `redis-server` started for the test): a second delivery is a duplicate, a failed handler leaves the event to its
 * retry, a delivery while another runs is told to come back, a crashed holder's claim ends with its lease, ids are
 * remembered at least the signature tolerance, replicas share one record, and a store that is down runs nothing.
 * End to end: a delivery from the mock replayed byte for byte is processed once, and Exa's retry of a delivery whose
 * handler failed is processed.
 */
import { assert, describe, it } from "@effect/vitest"
import { RedisServer } from "@exa-webhooks/cli-kit/testing"
import { type Duration, Effect, Exit, Layer, ManagedRuntime, type Scope } from "effect"
import { TestClock } from "effect/testing"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { MockServer } from "@exa-webhooks/mock-server"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { createClient } from "redis"
import { Inbox } from "../src/index.ts"
import type { Outcome } from "../src/Inbox.ts"
import { parseSecrets, verify } from "../src/Web.ts"
import { memoryInbox, redisInbox } from "../src/WebInbox.ts"
import { api, eventBody, relay, replay } from "./fixtures/support.ts"

/** An inbox under test, driven with promises whatever its form. */
interface Subject {
  readonly process: <A>(id: string, handler: () => Promise<A>) => Promise<Outcome<A>>
}

interface Options {
  readonly lease?: number
  readonly timeout?: Duration.Input
}

type Make = (options?: Options) => Effect.Effect<Subject, never, Scope.Scope>

const fromEffect = (layer: Layer.Layer<Inbox.Inbox>) =>
  Effect.acquireRelease(Effect.sync(() => ManagedRuntime.make(layer)), (runtime) => Effect.promise(() => runtime.dispose())).pipe(
    Effect.map((runtime): Subject => ({
      process: (id, handler) =>
        runtime.runPromise(
          Inbox.Inbox.use((inbox) => inbox.process(id, Effect.tryPromise({ try: handler, catch: (error) => error })))
        )
    }))
  )

const redisClient = (url: string) =>
  Effect.acquireRelease(
    Effect.promise(() => {
      const client = createClient({ url, socket: { reconnectStrategy: false } })
      // node-redis throws an `error` event nobody listens to; the commands' own failures are what the inbox reports.
      client.on("error", () => {})
      return client.connect()
    }),
    (client) => Effect.sync(() => client.destroy())
  )

const redisAvailable = RedisServer.available()

const memory: ReadonlyArray<readonly [string, Make]> = [
  ["Effect, memory", (o = {}) => fromEffect(Inbox.layerMemory({ lease: `${o.lease ?? 60} seconds` }))],
  ["promise, memory", (o = {}) => Effect.succeed(memoryInbox({ leaseSeconds: o.lease }))]
]

// The Redis subjects, each its own connection (a replica) to the server `url`.
const redis = (url: string): ReadonlyArray<readonly [string, Make]> => [
  ["Effect, Redis", (o = {}) =>
    fromEffect(Inbox.layerRedis({ lease: `${o.lease ?? 60} seconds`, timeout: o.timeout }).pipe(
      Layer.provide(Layer.orDie(NodeRedis.layer({ url })))
    ))],
  ["promise, Redis", (o = {}) =>
    Effect.map(redisClient(url), (client) => redisInbox({ leaseSeconds: o.lease, send: (command) => client.sendCommand(command) }))]
]

const deferred = () => {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

// The behaviour every form and store must have; `make` builds a fresh inbox (a replica, for Redis).
const behaviour = (name: string, make: Make, scoped: Effect.Effect<unknown, never, Scope.Scope> = Effect.void) =>
  describe(name, () => {
    it.live("a second delivery of an event is a duplicate: the handler runs once", () =>
      Effect.gen(function*() {
        yield* scoped
        const inbox = yield* make()
        const { id } = eventBody()
        let runs = 0
        const first = yield* Effect.promise(() => inbox.process(id, async () => ++runs))
        const second = yield* Effect.promise(() => inbox.process(id, async () => ++runs))
        assert.deepStrictEqual(first, { _tag: "Processed", value: 1 })
        assert.deepStrictEqual(second, { _tag: "Duplicate", eventId: id })
        assert.strictEqual(runs, 1)
      }))

    it.live("a handler that fails leaves the event to its retry, which processes it", () =>
      Effect.gen(function*() {
        yield* scoped
        const inbox = yield* make()
        const { id } = eventBody()
        const failed = yield* Effect.promise(() =>
          inbox.process(id, () => Promise.reject(new Error("database down"))).then(() => "resolved", (e: Error) => e.message)
        )
        assert.strictEqual(failed, "database down")
        assert.deepStrictEqual(yield* Effect.promise(() => inbox.process(id, async () => "retried")), { _tag: "Processed", value: "retried" })
        assert.deepStrictEqual(yield* Effect.promise(() => inbox.process(id, async () => "again")), { _tag: "Duplicate", eventId: id })
      }))

    it.live("a delivery while another of the same event is being handled is told it is in progress", () =>
      Effect.gen(function*() {
        yield* scoped
        const inbox = yield* make()
        const { id } = eventBody()
        const gate = deferred()
        const started = deferred()
        const first = inbox.process(id, async () => {
          started.resolve()
          await gate.promise
          return "first"
        })
        yield* Effect.promise(() => started.promise)
        assert.deepStrictEqual(yield* Effect.promise(() => inbox.process(id, async () => "second")), { _tag: "InProgress", eventId: id })
        gate.resolve()
        assert.deepStrictEqual(yield* Effect.promise(() => first), { _tag: "Processed", value: "first" })
      }))

    it.live("a claim whose holder never finished ends with its lease", () =>
      Effect.gen(function*() {
        yield* scoped
        const inbox = yield* make({ lease: 1 })
        const { id } = eventBody()
        const started = deferred()
        // A handler that never returns: the process died while handling the event.
        inbox.process(id, () => {
          started.resolve()
          return new Promise<never>(() => {})
        }).catch(() => {}) // interrupted when the test's inbox is closed
        yield* Effect.promise(() => started.promise)
        assert.deepStrictEqual(yield* Effect.promise(() => inbox.process(id, async () => 1)), { _tag: "InProgress", eventId: id })
        yield* Effect.sleep("1100 millis")
        assert.deepStrictEqual(yield* Effect.promise(() => inbox.process(id, async () => 2)), { _tag: "Processed", value: 2 })
      }))

    it.live("a handler that fails after its lease ended releases only its own claim, not the next holder's", () =>
      Effect.gen(function*() {
        yield* scoped
        const inbox = yield* make({ lease: 1 })
        const { id } = eventBody()
        const late = deferred()
        const started = deferred()
        const slow = inbox.process(id, async () => {
          started.resolve()
          await late.promise
          throw new Error("failed after its lease")
        }).catch((error: Error) => error.message)
        yield* Effect.promise(() => started.promise)
        yield* Effect.sleep("1100 millis")
        const gate = deferred()
        const second = inbox.process(id, () => gate.promise.then(() => "second"))
        yield* Effect.sleep("50 millis")
        late.resolve()
        assert.strictEqual(yield* Effect.promise(() => slow), "failed after its lease")
        // The second holder still holds the event.
        assert.deepStrictEqual(yield* Effect.promise(() => inbox.process(id, async () => "third")), { _tag: "InProgress", eventId: id })
        gate.resolve()
        assert.deepStrictEqual(yield* Effect.promise(() => second), { _tag: "Processed", value: "second" })
      }))
  })

describe("Inbox: each event once", () => {
  for (const [name, make] of memory) behaviour(name, make)

  describe.skipIf(!redisAvailable)("in a real Redis", () => {
    // One server per test: the scope of the test stops it.
    const started = Effect.flatMap(RedisServer.start, (s) => Effect.sync(() => (current = s.url)))
    let current = ""
    for (const [name] of redis("")) {
      behaviour(name, (o) => Effect.suspend(() => redis(current).find(([n]) => n === name)![1](o)), started)
    }

    it.live("replicas share one record: of 20 concurrent deliveries over 4 replicas in both forms, one is processed", () =>
      Effect.gen(function*() {
        const { url } = yield* RedisServer.start
        const replicas = [...(yield* Effect.forEach(redis(url), ([, make]) => make())), ...(yield* Effect.forEach(redis(url), ([, make]) => make()))]
        const { id } = eventBody()
        let runs = 0
        const outcomes = yield* Effect.promise(() =>
          Promise.all(Array.from({ length: 20 }, (_, i) => replicas[i % replicas.length]!.process(id, async () => ++runs)))
        )
        assert.strictEqual(runs, 1)
        assert.strictEqual(outcomes.filter((o) => o._tag === "Processed").length, 1)
        // The Effect form and the promise form read each other's record.
        for (const replica of replicas) {
          assert.deepStrictEqual(yield* Effect.promise(() => replica.process(id, async () => ++runs)), { _tag: "Duplicate", eventId: id })
        }
      }))

    it.live("an id is remembered at least the signature tolerance: the key's TTL is the inbox's ttl", () =>
      Effect.gen(function*() {
        const { url } = yield* RedisServer.start
        const client = yield* redisClient(url)
        const { id } = eventBody()
        const inbox = redisInbox({ send: (command) => client.sendCommand(command) })
        yield* Effect.promise(() => inbox.process(id, async () => undefined))
        const ttl = Number(yield* Effect.promise(() => client.sendCommand(["PTTL", `exa-webhooks:inbox:${id}`])))
        assert.isAbove(ttl, 86_400_000 - 60_000)
        assert.isAtMost(ttl, 86_400_000)
        const short = redisInbox({ ttlSeconds: 300, send: (command) => client.sendCommand(command), prefix: "app2:" })
        yield* Effect.promise(() => short.process(id, async () => undefined))
        const shortTtl = Number(yield* Effect.promise(() => client.sendCommand(["PTTL", `app2:${id}`])))
        assert.isAbove(shortTtl, 290_000)
      }))

    it.live("a store that is down: the handler does not run, the delivery fails (503 for handlerOnce)", () =>
      Effect.gen(function*() {
        const server = yield* RedisServer.start
        const effectInbox = yield* redis(server.url)[0]![1]({ timeout: "1 second" })
        const client = yield* redisClient(server.url)
        const promiseInbox = redisInbox({ send: (command) => client.sendCommand(command) })
        yield* server.kill
        let runs = 0
        for (const inbox of [effectInbox, promiseInbox]) {
          const outcome = yield* Effect.promise(() => inbox.process(eventBody().id, async () => ++runs).then(() => "processed", () => "failed"))
          assert.strictEqual(outcome, "failed")
        }
        assert.strictEqual(runs, 0)
      }), 30_000)
  })
})

describe("Inbox: how long an id is remembered", () => {
  it.effect("memory, Effect form: still a duplicate a day less a second later, processed again after the ttl", () =>
    Effect.gen(function*() {
      const inbox = yield* Inbox.Inbox
      let runs = 0
      const run = inbox.process("event_ttl", Effect.sync(() => ++runs))
      assert.strictEqual((yield* run)._tag, "Processed")
      yield* TestClock.adjust("300 seconds")
      assert.strictEqual((yield* run)._tag, "Duplicate")
      yield* TestClock.adjust("86099 seconds")
      assert.strictEqual((yield* run)._tag, "Duplicate")
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* run)._tag, "Processed")
      assert.strictEqual(runs, 2)
    }).pipe(Effect.provide(Inbox.layerMemory())))

  it("memory, promise form: the same, on its own clock", async () => {
    let now = 1_000_000
    const inbox = memoryInbox({ now: () => now })
    assert.strictEqual((await inbox.process("event_ttl", async () => 1))._tag, "Processed")
    now += 86_399_000
    assert.strictEqual((await inbox.process("event_ttl", async () => 2))._tag, "Duplicate")
    now += 1_000
    assert.strictEqual((await inbox.process("event_ttl", async () => 3))._tag, "Processed")
  })

  it("a ttl under the signature tolerance, or a lease over the ttl, is a configuration mistake", () => {
    assert.throws(() => memoryInbox({ ttlSeconds: 299 }), TypeError, /at least 300 s/)
    assert.throws(() => memoryInbox({ ttlSeconds: 300, leaseSeconds: 301 }), TypeError, /lease/)
    assert.throws(() => memoryInbox({ leaseSeconds: 0 }), TypeError, /lease/)
  })

  it.effect("the Effect form refuses the same mistakes when its layer is built", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.provide(Inbox.Inbox.use(() => Effect.void), Inbox.layerMemory({ ttl: "299 seconds" })))
      assert.isTrue(Exit.hasDies(exit))
    }))
})

// A receiver on the promise form with a Redis inbox, whose handler fails the first time it is called.
const receiver = (redisUrl: string, secret: string) =>
  Effect.gen(function*() {
    const client = yield* redisClient(redisUrl)
    const inbox = redisInbox({ send: (command) => client.sendCommand(command) })
    const processed: Array<string> = []
    let calls = 0
    const server = createServer(async (request, response) => {
      const chunks: Array<Buffer> = []
      for await (const chunk of request) chunks.push(chunk as Buffer)
      try {
        const event = await verify({ body: Buffer.concat(chunks), signature: request.headers["exa-signature"] }, {
          secrets: parseSecrets(secret)
        })
        const outcome = await inbox.process(event.id, async () => {
          if (++calls === 1) throw new Error("the database is restarting")
          processed.push(event.id)
        })
        const { body, headers, status } = inbox.answer(outcome)
        response.writeHead(status, headers).end(body)
      } catch {
        response.writeHead(500).end()
      }
    })
    yield* Effect.acquireRelease(
      Effect.promise(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))),
      () => Effect.sync(() => server.close())
    )
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, processed }
  })


describe.skipIf(!redisAvailable)("Inbox end to end, against the mock", () => {
  it.live("Exa's retry of a delivery whose handler failed is processed; the delivery replayed afterwards is not", () =>
    Effect.gen(function*() {
      const { url: redisUrl } = yield* RedisServer.start
      const call = api(yield* MockServer.MockServer)
      const hook = yield* call("POST", "/websets/v0/webhooks", { url: "http://127.0.0.1:9/unused", events: ["webset.idle"] })
      const app = yield* receiver(redisUrl, hook.secret)
      const relayed = yield* relay(() => app.url)
      yield* call("PATCH", `/websets/v0/webhooks/${hook.id}`, { url: relayed.url })
      const published = yield* call("POST", "/_mock/events", { type: "webset.idle", data: { id: "webset_1" } })
      const id: string = published.event.id
      // The first attempt failed (500), the mock retried, the retry was processed.
      assert.deepStrictEqual(published.deliveries[0].attempts.map((a: any) => a.responseStatusCode), [500, 204])
      assert.deepStrictEqual(app.processed, [id])
      // Each recorded delivery sent again, byte for byte within the tolerance: a duplicate, not processed.
      for (const delivery of relayed.deliveries) {
        const again = yield* replay(app.url, delivery)
        assert.strictEqual(again.status, 200)
        assert.deepStrictEqual(again.json, { duplicate: true, id })
      }
      assert.deepStrictEqual(app.processed, [id])
    }).pipe(Effect.provide(MockServer.layer({ deliveryAttempts: 3, deliveryRetryDelayMillis: 10 }))), 60_000)
})
