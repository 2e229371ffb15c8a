// The Events API of the mock: every event it emits is served by GET /v0/events (filters, cursor pages that never skip
// or repeat) and GET /v0/events/{id}, as delivered; attempts name their event; POST /_mock/events without data
// carries a realistic sample of every type.
import { Event, EventType, WebhookAttempt, WebhooksApi } from "@exa-webhooks/schema"
import { expect, layer } from "@effect/vitest"
import { DateTime, Effect, Schema } from "effect"
import { MockServer } from "../src/index.ts"
import { apiPaths, call, expectNested, hook, receiver, webhookPath } from "./support.ts"

const EVENTS = `${WebhooksApi.BASE_PATH}/events`
const WEBHOOKS = apiPaths.webhooks.list({ query: {} })

const decodePage = Schema.decodeUnknownSync(Event.ListEventsResponse)
const decodeEvent = Schema.decodeUnknownSync(Event.ReceivedEvent)
const decodeTyped = Schema.decodeUnknownSync(Event.TypedEvent)
const decodeAttempts = Schema.decodeUnknownSync(WebhookAttempt.ListWebhookAttemptsResponse)

const publish = (url: string, type: string, data?: object) =>
  Effect.map(
    call(url, "POST", "/_mock/events", { key: null, body: data === undefined ? { type } : { type, data } }),
    (reply) => reply.body.event as { readonly id: string; readonly type: string; readonly createdAt: string; readonly data: any }
  )

interface Listed {
  readonly data: Array<{ readonly id: string; readonly type: string; readonly createdAt: string }>
  readonly hasMore: boolean
  readonly nextCursor: string | null
}

const list = (url: string, query = ""): Effect.Effect<Listed, unknown> =>
  Effect.map(call(url, "GET", `${EVENTS}${query}`), (reply) => {
    expect(reply.status, reply.text).toBe(200)
    return reply.body as Listed
  })

// Every page of a listing, following nextCursor; `between` runs after each page.
const allPages = (url: string, query: string, between: () => Effect.Effect<void, unknown> = () => Effect.void) =>
  Effect.gen(function*() {
    const ids: Array<string> = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: Listed = yield* list(url, `${query}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`)
      expect(page.hasMore).toBe(page.nextCursor !== null)
      ids.push(...page.data.map((e) => e.id))
      cursor = page.nextCursor
      pages++
      yield* between()
    } while (cursor !== null)
    return { ids, pages }
  })

const ids = (page: Listed) => page.data.map((e) => e.id)
const at = (e: { readonly createdAt: string }) => Date.parse(e.createdAt)


layer(MockServer.layer({ deliveryAttempts: 2, deliveryRetryDelayMillis: 5 }))("the Events API", (it) => {
  const base = Effect.gen(function*() {
    return (yield* MockServer.MockServer).url
  })

  it.effect("serves every emitted event, newest first, and each by id exactly as it was delivered", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const r = yield* receiver([{ status: 200 }])
      yield* call(mock.url, "POST", WEBHOOKS, { body: hook(r.url, ["webset.created", "webset.idle"]) })
      const first = yield* publish(mock.url, "webset.created", { id: "webset_given", note: "kept as given" })
      const second = yield* publish(mock.url, "webset.idle")
      const third = yield* publish(mock.url, "monitor.created")

      const page = yield* list(mock.url)
      expect(page.data.map((e) => e.id)).toEqual([third.id, second.id, first.id])
      expect(page).toMatchObject({ hasMore: false, nextCursor: null })
      expect(decodePage(page).data.map(Event.isTyped)).toEqual([true, true, false])

      expect(r.received.map((d) => JSON.parse(d.body).id)).toEqual([first.id, second.id])
      for (const delivery of r.received) {
        const delivered = JSON.parse(delivery.body)
        const served = yield* call(mock.url, "GET", `${EVENTS}/${delivered.id}`)
        expect(served.status).toBe(200)
        expect(served.body).toEqual(delivered)
      }
      expect((yield* call(mock.url, "GET", `${EVENTS}/${first.id}`)).body.data).toEqual({ id: "webset_given", note: "kept as given" })
    }))

  it.effect("POST /_mock/events without data fills in a realistic sample of every type, true to the spec", () =>
    Effect.gen(function*() {
      const url = yield* base
      for (const type of EventType.values) {
        const event = yield* publish(url, type)
        const typed = decodeTyped(event)
        expect(typed.type).toBe(type)
        expect(DateTime.toEpochMillis(typed.createdAt)).toBe(Date.parse(event.createdAt))
        if (typed.type === "webset.item.enriched") {
          expect(typed.data.enrichments?.[0]).toMatchObject({ status: "completed", result: [expect.any(String)] })
        }
        if (!type.startsWith("webset.export")) expect(event.data.object).toBeTypeOf("string")
        expect(event.data.id).toMatch(/^[a-z_]+_[0-9a-z]{24}$/)
      }
    }))

  it.effect("filters by types (the parameter repeated), and by createdAfter / createdBefore, both inclusive", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const a = yield* publish(mock.url, "webset.created")
      const b = yield* publish(mock.url, "webset.item.created")
      const c = yield* publish(mock.url, "webset.item.enriched")
      const d = yield* publish(mock.url, "webset.idle")

      expect(ids(yield* list(mock.url, "?types=webset.item.created&types=webset.item.enriched"))).toEqual([c.id, b.id])
      expect(ids(yield* list(mock.url, "?types=webset.idle"))).toEqual([d.id])
      // Several events can share a millisecond: the expected lists come from the times themselves.
      const all = [d, c, b, a]
      expect(ids(yield* list(mock.url, `?createdAfter=${b.createdAt}`))).toEqual(
        all.filter((e) => at(e) >= at(b)).map((e) => e.id)
      )
      expect(ids(yield* list(mock.url, `?createdBefore=${b.createdAt}`))).toEqual(
        all.filter((e) => at(e) <= at(b)).map((e) => e.id)
      )
      expect(ids(yield* list(mock.url, `?createdAfter=${b.createdAt}`))).toContain(b.id)
      expect(ids(yield* list(mock.url, `?createdBefore=${b.createdAt}`))).toContain(b.id)
      expect(ids(yield* list(mock.url, `?createdAfter=${c.createdAt}&createdBefore=${c.createdAt}&types=webset.item.enriched`)))
        .toEqual([c.id])
      const future = new Date(Date.now() + 60_000).toISOString()
      expect(ids(yield* list(mock.url, `?createdAfter=${future}`))).toEqual([])
      // An offset names the same instant.
      const shifted = new Date(Date.parse(a.createdAt)).toISOString().replace("Z", "+00:00")
      expect(ids(yield* list(mock.url, `?createdBefore=${encodeURIComponent(shifted)}`))).toEqual(
        ids(yield* list(mock.url, `?createdBefore=${a.createdAt}`))
      )
    }))

  it.effect("createdAt never goes back, so createdAfter the newest time seen finds every later event", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      for (let i = 0; i < 40; i++) yield* publish(mock.url, "webset.item.created", { n: i })
      const { data } = yield* list(mock.url, "?limit=200")
      const times = data.map((e) => Date.parse(e.createdAt))
      expect(times).toEqual(times.toSorted((x, y) => y - x))
      const newest = data[0]!
      const later = yield* publish(mock.url, "webset.idle")
      const since = (yield* list(mock.url, `?createdAfter=${newest.createdAt}`)).data.map((e) => e.id)
      expect(since).toContain(later.id)
      expect(since).toContain(newest.id)
    }))

  it.effect("cursor pages never repeat or skip an event, also while events keep arriving", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const created: Array<string> = []
      for (let i = 0; i < 10; i++) created.push((yield* publish(mock.url, i % 2 === 0 ? "webset.created" : "webset.idle", { i })).id)

      const quiet = yield* allPages(mock.url, "?limit=3")
      expect(quiet.pages).toBe(4)
      expect(quiet.ids).toEqual(created.toReversed())

      let n = 0
      const arriving: Array<string> = []
      const busy = yield* allPages(mock.url, "?limit=3", () =>
        Effect.map(publish(mock.url, "webset.created", { late: n++ }), (e) => {
          arriving.push(e.id)
        }))
      expect(busy.ids).toEqual(created.toReversed())
      expect(new Set(busy.ids).size).toBe(busy.ids.length)
      // They are all there for the next read from the top.
      expect((yield* list(mock.url, `?limit=${arriving.length}`)).data.map((e) => e.id)).toEqual(arriving.toReversed())

      const filtered = yield* allPages(mock.url, "?limit=2&types=webset.idle")
      expect(filtered.ids).toEqual(created.filter((_, i) => i % 2 === 1).toReversed())
    }))

  it.effect("answers 404, 400 and 401 in Exa's forms, naming what was wrong", () =>
    Effect.gen(function*() {
      const url = yield* base
      const missing = expectNested(yield* call(url, "GET", `${EVENTS}/event_missing`), 404, "event_not_found")
      expect(missing.message).toMatch(/^No event has the id "event_missing"/)

      const unknown = expectNested(yield* call(url, "GET", `${EVENTS}?types=webset.completed`), 400, "validation_error")
      expect(unknown.message).toMatch(/types\[0\]: unknown event type "webset\.completed"; did you mean "webset\.idle"/)
      // A list parameter may be repeated: only the bad value is named.
      const second = expectNested(
        yield* call(url, "GET", `${EVENTS}?types=webset.created&types=webset.idel`),
        400,
        "validation_error"
      )
      expect(second.detail).toEqual({
        problems: [{ path: "types[1]", message: expect.stringMatching(/^unknown event type "webset\.idel"; did you mean "webset\.idle"/) }]
      })
      const joined = expectNested(yield* call(url, "GET", `${EVENTS}?types=webset.created,webset.idle`), 400, "validation_error")
      expect(joined.message).toMatch(/repeat the parameter: types=webset\.created&types=webset\.idle/)
      const time = expectNested(yield* call(url, "GET", `${EVENTS}?createdAfter=yesterday`), 400, "validation_error")
      expect(time.detail).toEqual({
        problems: [{ path: "createdAfter", message: "expected an RFC 3339 date-time such as \"2023-11-07T05:31:56Z\", got \"yesterday\"" }]
      })
      const plus = expectNested(yield* call(url, "GET", `${EVENTS}?createdAfter=2025-03-01T12:00:00+02:00`), 400, "validation_error")
      expect(plus.message).toMatch(/send the offset's "\+" as %2B/)
      const window = expectNested(
        yield* call(url, "GET", `${EVENTS}?createdAfter=2025-02-01T00:00:00Z&createdBefore=2025-01-01T00:00:00Z`),
        400,
        "validation_error"
      )
      expect(window.message).toMatch(/createdAfter is later than createdBefore/)
      const typo = expectNested(yield* call(url, "GET", `${EVENTS}?type=webset.created&limit=0`), 400, "validation_error")
      expect(typo.message).toMatch(/type: unknown query parameter; the allowed ones are cursor, limit, types, createdAfter, createdBefore/)
      expect(typo.message).toMatch(/limit: limit must be a whole number from 1 to 200, got "0"/)
      expect(expectNested(yield* call(url, "GET", `${EVENTS}?limit=5&limit=6`), 400, "validation_error").message)
        .toMatch(/limit: given 2 times; give it once/)

      // A cursor of the webhooks list is no position in the events list.
      yield* call(url, "POST", WEBHOOKS, { body: hook("http://127.0.0.1:9/a") })
      yield* call(url, "POST", WEBHOOKS, { body: hook("http://127.0.0.1:9/b") })
      const foreign = (yield* call(url, "GET", `${WEBHOOKS}?limit=1`)).body.nextCursor
      expect(foreign).toBeTypeOf("string")
      expectNested(yield* call(url, "GET", `${EVENTS}?cursor=${foreign}`), 400, "invalid_cursor")

      const refused = yield* call(url, "GET", EVENTS, { key: null })
      expect(refused.status).toBe(401)
      expect(refused.body).toMatchObject({ tag: "MISSING_API_KEY" })
      expectNested(yield* call(url, "POST", EVENTS, { body: {} }), 405, "method_not_allowed")
    }))

  it.effect("each delivery attempt names its event, which GET /v0/events/{id} serves: failed ones can be found again", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const down = yield* receiver([{ status: 503 }])
      const up = yield* receiver([{ status: 200 }])
      const failing = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook(down.url, ["webset.item.enriched"]) })).body
      const working = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook(up.url, ["webset.item.enriched"]) })).body
      const events = [yield* publish(mock.url, "webset.item.enriched"), yield* publish(mock.url, "webset.item.enriched")]

      const failed = decodeAttempts(
        (yield* call(mock.url, "GET", `${webhookPath("attempts", failing.id)}?successful=false`)).body
      )
      expect(failed.data.map((a) => [a.eventId, a.attempt, a.successful])).toEqual([
        [events[1]!.id, 2, false],
        [events[1]!.id, 1, false],
        [events[0]!.id, 2, false],
        [events[0]!.id, 1, false]
      ])
      for (const eventId of new Set(failed.data.map((a) => a.eventId))) {
        const served = decodeEvent((yield* call(mock.url, "GET", `${EVENTS}/${eventId}`)).body)
        expect(served).toMatchObject({ id: eventId, type: "webset.item.enriched" })
      }
      const ok = decodeAttempts((yield* call(mock.url, "GET", webhookPath("attempts", working.id))).body)
      expect(ok.data.map((a) => [a.eventId, a.successful])).toEqual([[events[1]!.id, true], [events[0]!.id, true]])
    }))
})

layer(MockServer.layer({ maxEvents: 3 }))("events kept", (it) => {
  it.effect("at most maxEvents, the oldest forgotten first (then 404)", () =>
    Effect.gen(function*() {
      const { url } = yield* MockServer.MockServer
      const published: Array<string> = []
      for (let i = 0; i < 5; i++) published.push((yield* publish(url, "webset.created", { i })).id)
      expect(ids(yield* list(url))).toEqual(published.slice(2).toReversed())
      expect((yield* call(url, "GET", `${EVENTS}/${published[0]}`)).status).toBe(404)
      expect((yield* call(url, "GET", `${EVENTS}/${published[4]}`)).status).toBe(200)
      expect((yield* (yield* MockServer.MockServer).stats).events).toBe(5)
    }))
})
