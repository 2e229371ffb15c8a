// Simulated Webset activity: events of mixed types at a rate, stored, served by the Events API and delivered; the same
// seed gives the same sequence of event types.
import { Event, WebhooksApi } from "@exa-webhooks/schema"
import { expect, it as test, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { MockServer } from "../src/index.ts"
import { apiPaths, call, hook, receiver, webhookPath } from "./support.ts"

const EVENTS = `${WebhooksApi.BASE_PATH}/events`
const decodeTyped = Schema.decodeUnknownSync(Event.TypedEvent)

const sequence = (options: MockServer.Options) =>
  Effect.scoped(Effect.gen(function*() {
    const mock = yield* MockServer.make(options)
    return (yield* until(everything(mock.url), (all) => all.length >= 25)).map((e) => e.type)
  }))

// Every event listed now, oldest first.
const everything = (url: string) =>
  Effect.map(call(url, "GET", `${EVENTS}?limit=200`), (reply) => (reply.body.data as Array<any>).toReversed())

// Polls until `done` holds (real time: the server's activity runs on the live clock), at most `seconds`.
const until = <A>(poll: Effect.Effect<A, unknown>, done: (a: A) => boolean, seconds = 10) =>
  Effect.gen(function*() {
    const deadline = Date.now() + seconds * 1000
    for (;;) {
      const value = yield* poll
      if (done(value) || Date.now() > deadline) return value
      yield* Effect.sleep("20 millis")
    }
  })

// Live services: the test waits on the server's real time.
layer(MockServer.layer({ simulate: { rate: 200, count: 60 }, seed: 7 }), { excludeTestServices: true })("simulated activity", (it) => {
  it.effect("emits count events of mixed types at the rate, each true to the spec, in an order a Webset lives", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const events = yield* until(everything(mock.url), (all) => all.length >= 60)
      expect(events).toHaveLength(60)
      const typed = events.map((e) => decodeTyped(e))
      expect(new Set(typed.map((e) => e.type)).size).toBeGreaterThanOrEqual(15)
      // Paced: 60 events at 200/s take 59 intervals of 5 ms. The schedule is fixed from the start (a late tick is
      // followed by the next one on time, not 5 ms later), so a first event late by a busy machine's few tens of
      // milliseconds shortens the span from it to the last by as much; unpaced, the span would be about 0.
      const times = events.map((e) => Date.parse(e.createdAt))
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(59 * 5 - 60)
      // Each Webset's story starts with its creation, and its items belong to it.
      const seen = new Set<string>()
      for (const event of typed) {
        if (event.type === "webset.created") seen.add(event.data.id)
        if (event.type === "webset.item.created" || event.type === "webset.idle") {
          expect(seen.has(event.type === "webset.idle" ? event.data.id : event.data.websetId)).toBe(true)
        }
      }
      // And it stops there.
      yield* Effect.sleep("100 millis")
      expect((yield* mock.stats).events).toBe(60)
    }))
})

test.live("the same seed gives the same sequence of event types; types limits them", () =>
  Effect.gen(function*() {
    const a = yield* sequence({ simulate: { rate: 500, count: 25 }, seed: 42 })
    const b = yield* sequence({ simulate: { rate: 500, count: 25 }, seed: 42 })
    expect(a).toHaveLength(25)
    expect(b).toEqual(a)
    const only = yield* sequence({ simulate: { rate: 500, count: 25, types: ["webset.item.enriched", "webset.idle"] } })
    expect(new Set(only)).toEqual(new Set(["webset.item.enriched", "webset.idle"]))
  }))

test.live("simulated events are delivered to the webhooks subscribed to their type, like published ones", () =>
  Effect.gen(function*() {
    const r = yield* receiver([{ status: 200 }])
    const mock = yield* MockServer.make({ simulate: { rate: 100 } })
    const created = (yield* call(mock.url, "POST", apiPaths.webhooks.list({ query: {} }), {
      body: hook(r.url, ["webset.item.created", "webset.item.enriched"])
    })).body
    yield* until(Effect.sync(() => r.received.length), (n) => n >= 4)
    const delivered = r.received.map((d) => JSON.parse(d.body))
    expect(delivered.length).toBeGreaterThanOrEqual(4)
    for (const event of delivered) {
      expect(["webset.item.created", "webset.item.enriched"]).toContain(event.type)
      expect((yield* call(mock.url, "GET", `${EVENTS}/${event.id}`)).body).toEqual(event)
    }
    const attempts = (yield* call(mock.url, "GET", webhookPath("attempts", created.id))).body.data
    expect(attempts.length).toBeGreaterThanOrEqual(4)
  }).pipe(Effect.scoped))

test.effect("refuses a rate it cannot keep or an empty list of types", () =>
  Effect.gen(function*() {
    for (
      const [simulate, message] of [
        [{ rate: 0 }, /simulate\.rate: the rate is events per second, more than 0 and at most 1000; got 0/],
        [{ rate: 5, types: [] }, /simulate\.types: Expected a value with a length of at least 1/],
        [{ rate: 5, count: 0 }, /simulate\.count/],
        [{ rate: 5, types: ["webset.completed"] }, /unknown event type "webset\.completed"/]
      ] as const
    ) {
      const error = yield* Effect.flip(Effect.scoped(MockServer.make({ simulate: simulate as any })))
      expect(error._tag).toBe("InvalidOptions")
      expect(error.message).toMatch(message)
    }
  }))
