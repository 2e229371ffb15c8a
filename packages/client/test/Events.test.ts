import { assert, describe, it } from "@effect/vitest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { MockServer } from "@exa-webhooks/mock-server"
import { Event } from "@exa-webhooks/schema"
import { Effect, Fiber, Schema, Stream } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { Events, WebhooksClient } from "../src/index.ts"
import * as EventsApi from "./fixtures/eventsApi.ts"
import { HOOK_URL, stats, withMock } from "./fixtures/mock.ts"

/** Publishes `n` events of `type` through the mock's control route, one after another; returns their ids. */
const publish = (n: number, type = "webset.created") =>
  Effect.gen(function*() {
    const mock = yield* MockServer.MockServer
    const client = yield* HttpClient.HttpClient
    const ids: Array<string> = []
    for (let i = 0; i < n; i++) {
      const response = yield* client.execute(
        HttpClientRequest.post(`${mock.url}/_mock/events`).pipe(HttpClientRequest.bodyJsonUnsafe({ type }))
      )
      ids.push(((yield* response.json) as { event: { id: string } }).event.id)
    }
    return ids
  }).pipe(Effect.provide(NodeHttpClient.layerUndici), Effect.orDie)

const events = WebhooksClient.WebhooksClient.use((client) => Effect.succeed(client.events))

/** The ids of the first `n` events of a stream. */
const firstIds = (stream: Stream.Stream<Events.Streamed, unknown>, n: number) =>
  Effect.map(Stream.runCollect(Stream.take(stream, n)), (items) => items.map((item) => item.event.id))

const encodeCheckpoint = Schema.encodeSync(Schema.fromJsonString(Events.Checkpoint))
const decodeCheckpoint = Schema.decodeSync(Schema.fromJsonString(Events.Checkpoint))

describe("client.events on the mock", () => {
  it.live("list, get and getWithBody: the events as delivered, filtered and paged", () =>
    Effect.gen(function*() {
      const api = yield* events
      const webhooks = yield* WebhooksClient.WebhooksClient
      yield* webhooks.create({ url: HOOK_URL, events: ["webset.idle"] })
      const [created] = yield* publish(1, "webset.created")
      const [idle] = yield* publish(1, "webset.idle")

      const page = yield* api.list()
      assert.deepStrictEqual(page.data.map((e) => e.id), [idle, created])
      assert.isTrue(Event.isTyped(page.data[0]!))
      const onlyIdle = yield* api.list({ types: ["webset.idle"], limit: 1 })
      assert.deepStrictEqual(onlyIdle.data.map((e) => e.id), [idle])
      const after = yield* api.list({ createdAfter: page.data[0]!.createdAt })
      assert.include(after.data.map((e) => e.id), idle)
      assert.strictEqual((yield* api.get(idle!)).type, "webset.idle")
      const every = yield* Stream.runCollect(api.listAll({ limit: 1 }))
      assert.deepStrictEqual(every.map((e) => e.id), [idle, created])

      // The body is the JSON a delivery carried: the attempt names the event, and its text decodes to the same event.
      const { body, event } = yield* api.getWithBody(idle!)
      assert.strictEqual(event.id, idle)
      assert.deepStrictEqual(JSON.parse(body), Schema.encodeSync(Event.ReceivedEvent)(event))
    }).pipe(Effect.provide(withMock())))

  it.live("bad options fail before anything is sent; an unknown id is a NotFoundError that names an event", () =>
    Effect.gen(function*() {
      const api = yield* events
      const before = (yield* stats).requests
      const bad = yield* Effect.flip(api.list({ types: ["webset.completed" as never], limit: 500 }))
      assert.strictEqual(bad._tag, "InvalidInputError")
      assert.match(bad.message, /types\[0\].*webset\.completed/)
      assert.match(bad.message, /limit/)
      const window = yield* Effect.flip(api.list({ createdAfter: new Date("2025-02-01T00:00:00Z"), createdBefore: new Date("2025-01-01T00:00:00Z") }))
      assert.match(window.message, /createdAfter is later than createdBefore/)
      const blank = yield* Effect.flip(api.get(" "))
      assert.strictEqual(blank._tag, "InvalidInputError")
      const stream = yield* Effect.flip(Stream.runDrain(api.stream({ since: "soon" as never })))
      assert.match(stream.message, /since.*duration/)
      assert.strictEqual((yield* stats).requests, before)

      const missing = yield* Effect.flip(api.get("event_nope"))
      assert.strictEqual(missing._tag, "NotFoundError")
      assert.include(missing.message, "No event with this id exists")
      assert.strictEqual("advice" in missing ? missing.advice : undefined, "List events to see their ids.")
    }).pipe(Effect.provide(withMock())))

  it.live("stream: the events since a duration oldest first across pages, then new ones as they come, each once", () =>
    Effect.gen(function*() {
      const api = yield* events
      // More than a page (200) before the stream starts.
      const earlier = yield* publish(230)
      const fiber = yield* Effect.forkChild(firstIds(api.stream({ since: "1 hour", pollInterval: "20 millis" }), 240))
      const later = yield* publish(10)
      const ids = yield* Fiber.join(fiber)
      assert.deepStrictEqual(ids, [...earlier, ...later])
    }).pipe(Effect.provide(withMock())), 60_000)

  it.live("stream: resumed from a stored checkpoint, it emits exactly what came after it", () =>
    Effect.gen(function*() {
      const api = yield* events
      const all = yield* publish(40)
      const first = yield* Stream.runCollect(Stream.take(api.stream({ since: "1 hour", pollInterval: "20 millis" }), 15))
      // Stored as text (a file) and read back, as a restart would.
      const stored = encodeCheckpoint(first.at(-1)!.checkpoint)
      const fiber = yield* Effect.forkChild(firstIds(api.stream({ since: decodeCheckpoint(stored), pollInterval: "20 millis" }), 30))
      const more = yield* publish(5)
      const rest = yield* Fiber.join(fiber)
      assert.deepStrictEqual([...first.map((s) => s.event.id), ...rest], [...all, ...more])
    }).pipe(Effect.provide(withMock())), 60_000)

  it.live("start: the checkpoint a stream starts from, stored before any event, resumes without a gap", () =>
    Effect.gen(function*() {
      const api = yield* events
      yield* publish(2)
      const start = yield* api.start()
      // Events that arrive while nothing runs (a listener stopped before its first event).
      const meanwhile = yield* publish(3)
      const fiber = yield* Effect.forkChild(firstIds(api.stream({ since: start, pollInterval: "20 millis" }), 3))
      assert.deepStrictEqual(yield* Fiber.join(fiber), meanwhile)
    }).pipe(Effect.provide(withMock())))

  it.live("stream without since: only events created after it started", () =>
    Effect.gen(function*() {
      const api = yield* events
      yield* publish(3)
      const fiber = yield* Effect.forkChild(firstIds(api.stream({ pollInterval: "20 millis" }), 2))
      // Let the stream find where the list ends before the new events arrive.
      yield* Effect.sleep("300 millis")
      const fresh = yield* publish(2)
      assert.deepStrictEqual(yield* Fiber.join(fiber), fresh)
    }).pipe(Effect.provide(withMock())))
})

const at = (millis: number) => new Date(Date.UTC(2025, 0, 1) + millis).toISOString()
// A time an hour behind this machine's clock.
const behind = (millis: number) => new Date(Date.now() - 3_600_000 + millis).toISOString()

describe("client.events.stream on a scripted events list", () => {

  it.live("events that share a millisecond are neither skipped nor repeated across a restart", () =>
    Effect.gen(function*() {
      const api = EventsApi.make({ pageSize: 2 })
      const ids = [api.add(at(0)), api.add(at(5)), api.add(at(5)), api.add(at(5)), api.add(at(7))]
      const run = (since: Events.StreamOptions["since"], n: number) =>
        Effect.gen(function*() {
          const client = yield* WebhooksClient.WebhooksClient
          return yield* Stream.runCollect(Stream.take(client.events.stream({ since, pollInterval: "5 millis", lookback: 0 }), n))
        }).pipe(Effect.provide(EventsApi.clientLayer(api)))
      // Stopped after the second of three events at 5 ms.
      const first = yield* run(new Date(at(0)), 3)
      const checkpoint = first.at(-1)!.checkpoint
      assert.deepStrictEqual(checkpoint.seen.map((s) => s.id), ids.slice(1, 3))
      const rest = yield* run(checkpoint, 2)
      assert.deepStrictEqual([...first, ...rest].map((s) => s.event.id), ids)
    }))

  it.live("an event stored after newer ones is emitted when it shows up within the lookback, once", () =>
    Effect.gen(function*() {
      const api = EventsApi.make()
      const a = api.add(at(1000))
      const b = api.add(at(3000))
      const collected: Array<string> = []
      yield* Effect.gen(function*() {
        const client = yield* WebhooksClient.WebhooksClient
        const fiber = yield* Effect.forkChild(
          Stream.runForEach(client.events.stream({ since: new Date(at(0)), pollInterval: "5 millis", lookback: "5 seconds" }), (s) =>
            Effect.sync(() => collected.push(s.event.id)))
        )
        yield* Effect.sleep("50 millis")
        // Created before b, stored after it: a later poll finds it behind the newest event seen.
        const late = api.add(at(2000))
        const c = api.add(at(4000))
        yield* Effect.sleep("50 millis")
        yield* Fiber.interrupt(fiber)
        assert.deepStrictEqual(collected, [a, b, late, c])
      }).pipe(Effect.provide(EventsApi.clientLayer(api)))
    }))

  it.live("without since, the start is the API's newest event, not this machine's clock", () =>
    Effect.gen(function*() {
      const api = EventsApi.make()
      // Exa's clock an hour behind this machine's: a start at the local "now" would skip the next hour of events.
      api.add(behind(0))
      api.add(behind(0))
      yield* Effect.gen(function*() {
        const client = yield* WebhooksClient.WebhooksClient
        const fiber = yield* Effect.forkChild(firstIds(client.events.stream({ pollInterval: "5 millis" }), 1))
        yield* Effect.sleep("50 millis")
        const fresh = api.add(behind(10))
        assert.deepStrictEqual(yield* Fiber.join(fiber), [fresh])
      }).pipe(Effect.provide(EventsApi.clientLayer(api)))
    }))

  it.live("polls are paced by the client's limiter, shared with every other request", () =>
    Effect.gen(function*() {
      const api = EventsApi.make()
      api.add(at(0))
      yield* Effect.gen(function*() {
        const client = yield* WebhooksClient.WebhooksClient
        // Polls as fast as the limiter lets them, and three other requests at the same time.
        const polling = yield* Effect.forkChild(Stream.runDrain(client.events.stream({ pollInterval: 0 })))
        yield* Effect.forEach([1, 2, 3], () => client.events.get("event_0001"), { concurrency: "unbounded" })
        yield* Effect.sleep("300 millis")
        yield* Fiber.interrupt(polling)
      }).pipe(Effect.provide(EventsApi.clientLayer(api, { rateLimit: 20 })))
      const n = api.requests.length
      assert.isAtLeast(n, 5)
      // 20 per second: one per 50 ms window (two in a row may fall at the end of one window and the start of the next).
      assert.isAtLeast(api.requests[n - 1]!.at - api.requests[0]!.at, (n - 2) * 50 - 10)
    }))
})
