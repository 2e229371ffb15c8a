import { ApiError } from "@exa-webhooks/schema"
import { expect, it as test, layer } from "@effect/vitest"
import { DateTime, Effect, Schema } from "effect"
import { TestClock } from "effect/testing"
import { MockServer } from "../src/index.ts"
import { apiPaths, call, hook, webhookPath } from "./support.ts"

const WEBHOOKS = apiPaths.webhooks.list({ query: {} })
const RECEIVER = "http://127.0.0.1:9/hook"
const decodeNested = Schema.decodeUnknownSync(ApiError.NestedErrorBody)
const decodeFlat = Schema.decodeUnknownSync(ApiError.FlatErrorBody)

const create = (url: string, key?: string) =>
  call(url, "POST", WEBHOOKS, { body: hook(RECEIVER), ...(key === undefined ? {} : { key }) })

// The status of each reply, or "dropped" when the connection closed without one.
const outcome = (url: string, method: string, path: string, body?: unknown) =>
  call(url, method, path, body === undefined ? {} : { body }).pipe(
    Effect.map((r): number | "dropped" => r.status),
    Effect.catch(() => Effect.succeed("dropped" as const))
  )

layer(MockServer.layer({ rateLimit: 1 }))("--rate-limit", (it) => {
  it.effect("a key over its limit gets flat 429s with Retry-After in seconds; other keys are unaffected", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const replies = yield* Effect.all(Array.from({ length: 5 }, () => call(mock.url, "GET", WEBHOOKS, { key: "a" })), {
        concurrency: "unbounded"
      })
      expect(replies.map((r) => r.status).toSorted()).toEqual([200, 429, 429, 429, 429])
      for (const reply of replies.filter((r) => r.status === 429)) {
        expect(reply.headers.get("retry-after")).toBe("1")
        const body = decodeFlat(reply.body)
        expect(body).toMatchObject({ error: "Too Many Requests", tag: "RATE_LIMIT_EXCEEDED" })
        expect(body.message).toMatch(/rate limit of 1 requests per second/)
        expect(body.requestId).toBe(reply.headers.get("x-request-id"))
      }
      expect((yield* call(mock.url, "GET", WEBHOOKS, { key: "b" })).status).toBe(200)
      expect(yield* mock.stats).toMatchObject({ requests: 6, rateLimited: 4, responses: { 200: 2, 429: 4 } })
    }))

  it.effect("the bucket refills: after Retry-After the key is let through again", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      expect((yield* call(mock.url, "GET", WEBHOOKS, { key: "c" })).status).toBe(200)
      const refused = yield* call(mock.url, "GET", WEBHOOKS, { key: "c" })
      expect(refused.status).toBe(429)
      yield* TestClock.withLive(Effect.sleep(`${Number(refused.headers.get("retry-after"))} seconds`))
      expect((yield* call(mock.url, "GET", WEBHOOKS, { key: "c" })).status).toBe(200)
    }))
})

layer(MockServer.layer({ rateLimit: 1, retryAfter: false }))("--no-retry-after", (it) => {
  it.effect("429s carry no Retry-After", () =>
    Effect.gen(function*() {
      const { url } = yield* MockServer.MockServer
      yield* call(url, "GET", WEBHOOKS)
      const refused = yield* call(url, "GET", WEBHOOKS)
      expect(refused.status).toBe(429)
      expect(refused.headers.has("retry-after")).toBe(false)
    }))
})

const timed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* effect
    return performance.now() - start
  })

layer(MockServer.layer({ latencyMillis: 150 }))("--latency", (it) => {
  it.effect("every API response, errors included, is held for the latency; /_mock/ routes are not", () =>
    Effect.gen(function*() {
      const { url } = yield* MockServer.MockServer
      expect(yield* timed(call(url, "GET", WEBHOOKS))).toBeGreaterThanOrEqual(145)
      expect(yield* timed(call(url, "GET", WEBHOOKS, { key: null }))).toBeGreaterThanOrEqual(145)
      expect(yield* timed(call(url, "GET", "/_mock/stats"))).toBeLessThan(145)
    }))
})

layer(MockServer.layer({ faultRate: 1, seed: 7 }))("--fault-rate 1", (it) => {
  it.effect("every API request is a 500/502/503 that changes nothing; stats count each fault", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const replies = yield* Effect.all(Array.from({ length: 12 }, () => create(mock.url)))
      for (const reply of replies) {
        expect([500, 502, 503]).toContain(reply.status)
        const body = decodeNested(reply.body)
        expect(body.error).toMatchObject({ type: "api_error", detail: { injected: true, applied: false } })
      }
      expect(new Set(replies.map((r) => r.status)).size).toBeGreaterThan(1)
      // Auth and routing come first: a request without a key is refused, not faulted.
      expect((yield* call(mock.url, "GET", WEBHOOKS, { key: null })).status).toBe(401)
      expect(yield* mock.stats).toMatchObject({ requests: 13, faults: 12, ambiguousFaults: 0, creates: 0, webhooks: 0 })
    }))
})

layer(MockServer.layer({ ambiguousFaultRate: 1, seed: 3 }))("--ambiguous-fault-rate 1", (it) => {
  it.effect("each successful create, update and delete is committed, then fails with a 500 or a dropped connection", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const outcomes = yield* Effect.all(Array.from({ length: 10 }, () => outcome(mock.url, "POST", WEBHOOKS, hook(RECEIVER))))
      expect(outcomes.every((o) => o === 500 || o === "dropped")).toBe(true)
      const dropped = outcomes.filter((o) => o === "dropped").length
      expect(dropped).toBeGreaterThan(0)
      expect(dropped).toBeLessThan(10)
      expect(yield* mock.stats).toMatchObject({
        creates: 10,
        webhooks: 10,
        faults: 10,
        ambiguousFaults: 10,
        droppedConnections: dropped,
        responses: { 500: 10 - dropped }
      })
      // Reads are never ambiguous: the list shows every committed create.
      const listed = yield* call(mock.url, "GET", WEBHOOKS)
      expect(listed.status).toBe(200)
      expect(listed.body.data).toHaveLength(10)
      const id = listed.body.data[0].id as string
      expect(yield* outcome(mock.url, "PATCH", webhookPath("update", id), { events: ["webset.idle"] }))
        .not.toBe(200)
      expect((yield* call(mock.url, "GET", webhookPath("get", id))).body.events).toEqual(["webset.idle"])
      expect(yield* outcome(mock.url, "DELETE", webhookPath("delete", id))).not.toBe(200)
      expect((yield* call(mock.url, "GET", webhookPath("get", id))).status).toBe(404)
      // A failed request is not applied, so it meets no ambiguous fault.
      expect(yield* outcome(mock.url, "DELETE", webhookPath("delete", id))).toBe(404)
      expect(yield* mock.stats).toMatchObject({ updates: 1, deletes: 1, webhooks: 9, ambiguousFaults: 12 })
    }))
})

const sequence = (options: MockServer.Options, n: number) =>
  Effect.gen(function*() {
    const mock = yield* MockServer.MockServer
    const first: Array<number | "dropped"> = []
    for (let i = 0; i < n; i++) first.push(yield* outcome(mock.url, "POST", WEBHOOKS, hook(RECEIVER)))
    yield* mock.reset
    const again: Array<number | "dropped"> = []
    for (let i = 0; i < n; i++) again.push(yield* outcome(mock.url, "POST", WEBHOOKS, hook(RECEIVER)))
    return { first, again }
  }).pipe(Effect.provide(MockServer.layer(options)))

test.effect("--seed: the same seed gives the same fault sequence (also after a reset); another seed another one", () =>
  Effect.gen(function*() {
    const options = { faultRate: 0.4, ambiguousFaultRate: 0.4 }
    const a = yield* sequence({ ...options, seed: 11 }, 40)
    const b = yield* sequence({ ...options, seed: 11 }, 40)
    const c = yield* sequence({ ...options, seed: 12 }, 40)
    expect(new Set(a.first).size).toBeGreaterThanOrEqual(4)
    expect(b.first).toEqual(a.first)
    expect(a.again).toEqual(a.first)
    expect(c.first).not.toEqual(a.first)
  }))

layer(MockServer.layer())("/_mock/reset and /_mock/stats", (it) => {
  it.effect("reset forgets webhooks and counters; /_mock/ requests are not counted", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const created = yield* create(mock.url)
      yield* call(mock.url, "GET", "/_mock/stats")
      expect((yield* call(mock.url, "GET", "/_mock/stats")).body).toMatchObject({ requests: 1, creates: 1, webhooks: 1 })
      const reset = yield* call(mock.url, "POST", "/_mock/reset")
      expect(reset.status).toBe(200)
      expect(reset.body).toEqual(Schema.encodeSync(MockServer.Stats)(yield* mock.stats))
      expect(reset.body).toMatchObject({ requests: 0, creates: 0, webhooks: 0, responses: {} })
      expect((yield* call(mock.url, "GET", webhookPath("get", created.body.id))).status).toBe(404)
    }))
})

test.effect("200 concurrent clients: every create is stored once and counted exactly, ambiguous faults included", () =>
  Effect.gen(function*() {
    const mock = yield* MockServer.MockServer
    const outcomes = yield* Effect.forEach(
      Array.from({ length: 200 }, (_, client) => client),
      (client) =>
        Effect.forEach(
          Array.from({ length: 5 }),
          () => outcome(mock.url, "POST", WEBHOOKS, hook(RECEIVER, ["webset.created"], { metadata: { client: String(client) } }))
        ),
      { concurrency: 200 }
    ).pipe(Effect.map((all) => all.flat()))
    const failed = outcomes.filter((o) => o !== 200).length
    expect(failed).toBeGreaterThan(0)
    const stats = yield* mock.stats
    expect(stats).toMatchObject({ creates: 1000, webhooks: 1000, faults: failed, ambiguousFaults: failed })
    expect(stats.responses[200]).toBe(1000 - failed)

    const ids = new Set<string>()
    let cursor: string | null = null
    do {
      const page: { body: { data: Array<{ id: string }>; nextCursor: string | null } } = yield* call(
        mock.url,
        "GET",
        `${WEBHOOKS}?limit=200${cursor === null ? "" : `&cursor=${cursor}`}`
      )
      for (const w of page.body.data) ids.add(w.id)
      cursor = page.body.nextCursor
    } while (cursor !== null)
    expect(ids.size).toBe(1000)
  }).pipe(Effect.provide(MockServer.layer({ ambiguousFaultRate: 0.2, seed: 5 }))))

test.effect("the mock keeps real time while the test's TestClock stands still", () =>
  Effect.gen(function*() {
    const mock = yield* MockServer.MockServer
    // TestClock starts at 0 and never moves here; a mock on it would hang in its latency sleep.
    expect(yield* TestClock.testClockWith((clock) => Effect.succeed(clock.currentTimeMillisUnsafe()))).toBe(0)
    const reply = yield* create(mock.url)
    expect(reply.status).toBe(200)
    const createdAt = DateTime.toEpochMillis(DateTime.makeUnsafe(reply.body.createdAt as string))
    expect(Math.abs(createdAt - Date.now())).toBeLessThan(60_000)
    expect((yield* create(mock.url)).status).toBe(429)
  }).pipe(Effect.provide(MockServer.layer({ latencyMillis: 20, rateLimit: 1 }))))
