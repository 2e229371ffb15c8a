import { Event, WebhookAttempt } from "@exa-webhooks/schema"
import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { TestClock } from "effect/testing"
import { createHmac, timingSafeEqual } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { MAX_BACKGROUND_EVENTS } from "../src/internal/controlRoutes.ts"
import { MAX_RESPONSE_BODY_CHARS } from "../src/internal/delivery.ts"
import { MockServer } from "../src/index.ts"
import { apiPaths, call, hook, receiver, webhookPath } from "./support.ts"

const WEBHOOKS = apiPaths.webhooks.list({ query: {} })
const attemptsOf = (id: string) => webhookPath("attempts", id)
const decodeAttempts = Schema.decodeUnknownSync(WebhookAttempt.ListWebhookAttemptsResponse)

const publish = (url: string, type: string, data: object, query = "") =>
  call(url, "POST", `/_mock/events${query}`, { key: null, body: { type, data } })

// Verifies `Exa-Signature: t=<seconds>,v1=<hex>` with our own HMAC-SHA256 over `<t>.<raw body>`, keyed with the
// secret's UTF-8 bytes: independent of the server's signing code.
const verify = (header: string | undefined, secret: string, rawBody: string) => {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "")
  if (match === null) return { valid: false, timestamp: 0 }
  const expected = createHmac("sha256", Buffer.from(secret, "utf8")).update(`${match[1]}.${rawBody}`).digest()
  return { valid: timingSafeEqual(expected, Buffer.from(match[2]!, "hex")), timestamp: Number(match[1]) }
}

// A receiver on 127.0.0.1 whose handler is given; closed with the test's scope.
const rawReceiver = (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly url: string; readonly close: () => void }>((resume) => {
      const server = createServer(handler)
      server.listen(0, "127.0.0.1", () => {
        const close = () => {
          server.close()
          server.closeAllConnections()
        }
        resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close }))
      })
    }),
    (r) => Effect.sync(r.close)
  )

const STREAMED_BYTES = 64 * 1024 * 1024
const STREAM_UNIT = "abc\u00e9\u20ac\u{1f600}" // 1, 2, 3 and 4 UTF-8 bytes per character

// Answers 200 and writes `STREAMED_BYTES` of body as fast as the client reads it, counting the bytes it managed to
// hand to the socket before the connection closed.
const streamingReceiver = Effect.gen(function*() {
  const chunk = Buffer.from(STREAM_UNIT.repeat(Math.ceil(65536 / Buffer.byteLength(STREAM_UNIT))), "utf8")
  const state = { written: 0, closed: false, finished: false }
  const r = yield* rawReceiver((req, res) => {
    req.resume()
    res.on("close", () => {
      state.closed = true
    })
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" })
    const pump = () => {
      while (!res.destroyed && state.written < STREAMED_BYTES) {
        state.written += chunk.length
        if (!res.write(chunk)) return void res.once("drain", pump)
      }
      if (!res.destroyed) {
        state.finished = true
        res.end()
      }
    }
    pump()
  })
  return { ...r, state, body: chunk.toString("utf8") }
})

layer(MockServer.layer({ deliveryAttempts: 3, deliveryRetryDelayMillis: 10 }))("deliveries", (it) => {
  it.effect("an event is POSTed to each active subscriber of its type, signed with that webhook's secret", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const a = yield* receiver([{ status: 200, body: "ok" }])
      const b = yield* receiver([{ status: 204 }])
      const hookA = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook(`${a.url}/a`, ["webset.created", "webset.idle"]) })).body
      const hookB = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook(`${b.url}/b`, ["webset.created"]) })).body
      yield* call(mock.url, "POST", WEBHOOKS, { body: hook(`${b.url}/other-type`, ["webset.deleted"]) })
      const gone = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook(`${b.url}/deleted`, ["webset.created"]) })).body
      yield* call(mock.url, "DELETE", webhookPath("delete", gone.id))

      const reply = yield* publish(mock.url, "webset.created", { id: "webset_1", status: "running" })
      expect(reply.status).toBe(200)
      expect(reply.body).toMatchObject({ subscribers: 2 })
      expect(reply.body.deliveries.map((d: { delivered: boolean }) => d.delivered)).toEqual([true, true])

      expect(a.received).toHaveLength(1)
      expect(b.received.map((r) => r.url)).toEqual(["/b"])
      for (const [received, secret] of [[a.received[0]!, hookA.secret], [b.received[0]!, hookB.secret]] as const) {
        expect(received.method).toBe("POST")
        expect(received.headers["content-type"]).toBe("application/json")
        const { timestamp, valid } = verify(received.headers["exa-signature"] as string, secret, received.body)
        expect(valid).toBe(true)
        expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60)
        expect(verify(received.headers["exa-signature"] as string, hookA.secret === secret ? hookB.secret : hookA.secret, received.body).valid).toBe(false)
        const event = Schema.decodeUnknownSync(Event.Event)(JSON.parse(received.body))
        expect(event).toMatchObject({ object: "event", type: "webset.created", data: { id: "webset_1", status: "running" } })
        expect(event.id).toBe(reply.body.event.id)
      }

      const attempts = decodeAttempts((yield* call(mock.url, "GET", attemptsOf(hookA.id))).body)
      expect(attempts.data).toHaveLength(1)
      expect(attempts.data[0]).toMatchObject({
        object: "webhook_attempt",
        webhookId: hookA.id,
        eventId: reply.body.event.id,
        eventType: "webset.created",
        url: `${a.url}/a`,
        successful: true,
        responseStatusCode: 200,
        responseBody: "ok",
        attempt: 1
      })
      expect(yield* mock.stats).toMatchObject({ events: 1, deliveryAttempts: 2 })
    }))

  it.effect("failed tries are retried and each one recorded; attempts list newest first, filter and page", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const r = yield* receiver([{ status: 500, body: "boom" }, { status: 503 }, { status: 200 }, { status: 410 }])
      const created = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook(r.url, ["webset.created", "webset.idle"]) })).body
      const first = yield* publish(mock.url, "webset.created", { n: 1 })
      expect(first.body.deliveries[0]).toMatchObject({ delivered: true, error: null })
      expect(first.body.deliveries[0].attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3])
      const second = yield* publish(mock.url, "webset.idle", { n: 2 })
      expect(second.body.deliveries[0]).toMatchObject({ delivered: false })
      expect(r.received).toHaveLength(6)

      const all = decodeAttempts((yield* call(mock.url, "GET", attemptsOf(created.id))).body)
      expect(all.data.map((a) => [a.eventType, a.attempt, a.responseStatusCode, a.successful])).toEqual([
        ["webset.idle", 3, 410, false],
        ["webset.idle", 2, 410, false],
        ["webset.idle", 1, 410, false],
        ["webset.created", 3, 200, true],
        ["webset.created", 2, 503, false],
        ["webset.created", 1, 500, false]
      ])
      expect(all.data[5]!.responseBody).toBe("boom")

      const ok = decodeAttempts((yield* call(mock.url, "GET", `${attemptsOf(created.id)}?successful=true`)).body)
      expect(ok.data.map((a) => a.responseStatusCode)).toEqual([200])
      const failedCreated = decodeAttempts(
        (yield* call(mock.url, "GET", `${attemptsOf(created.id)}?successful=false&eventType=webset.created`)).body
      )
      expect(failedCreated.data.map((a) => a.responseStatusCode)).toEqual([503, 500])

      const seen: Array<string> = []
      let cursor: string | null = null
      do {
        const page = decodeAttempts(
          (yield* call(mock.url, "GET", `${attemptsOf(created.id)}?limit=4${cursor === null ? "" : `&cursor=${cursor}`}`)).body
        )
        seen.push(...page.data.map((a) => a.id))
        cursor = page.nextCursor
      } while (cursor !== null)
      expect(seen).toEqual(all.data.map((a) => a.id))

      // A cursor names a position in one webhook's attempts; another webhook refuses it.
      const other = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook(r.url) })).body
      const page = decodeAttempts((yield* call(mock.url, "GET", `${attemptsOf(created.id)}?limit=4`)).body)
      const foreign = yield* call(mock.url, "GET", `${attemptsOf(other.id)}?cursor=${page.nextCursor}`)
      expect(foreign.status).toBe(400)
      expect(foreign.body.error.code).toBe("invalid_cursor")
    }))

  it.effect("redirects are not followed: a 3xx is a failed attempt and the Location is never contacted", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const target = yield* receiver([{ status: 200 }])
      const redirecting = yield* receiver([{ status: 302, headers: { location: `${target.url}/final` } }])
      const created = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook(redirecting.url, ["monitor.created"]) })).body
      const reply = yield* publish(mock.url, "monitor.created", {})
      expect(reply.body.deliveries[0]).toMatchObject({ delivered: false })
      expect(redirecting.received).toHaveLength(3)
      expect(target.received).toHaveLength(0)
      const attempts = decodeAttempts((yield* call(mock.url, "GET", attemptsOf(created.id))).body)
      expect(attempts.data.map((a) => [a.responseStatusCode, a.successful])).toEqual([[302, false], [302, false], [302, false]])
      expect(attempts.data[0]!.responseHeaders.location).toBe(`${target.url}/final`)
    }))

  it.effect("a non-loopback URL is never contacted: one failed attempt with status 0 says why", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const created = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook("http://192.0.2.10/hook", ["import.created"]) })).body
      const reply = yield* publish(mock.url, "import.created", {})
      expect(reply.body.deliveries[0].delivered).toBe(false)
      expect(reply.body.deliveries[0].error).toMatch(/192\.0\.2\.10 is not a loopback address.*--allow-remote-delivery/)
      const attempts = decodeAttempts((yield* call(mock.url, "GET", attemptsOf(created.id))).body)
      expect(attempts.data.map((a) => [a.responseStatusCode, a.successful, a.responseBody])).toEqual([[0, false, null]])
    }))

  it.effect("a host name other than localhost is refused without a DNS lookup", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      // A name under the reserved .invalid TLD: had the mock looked it up, the error would say it could not resolve.
      const created = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook("https://hooks.example.invalid/x", ["webset.paused"]) })).body
      const reply = yield* publish(mock.url, "webset.paused", {})
      expect(reply.body.deliveries[0].error).toMatch(
        /^hooks\.example\.invalid is a host name, which the mock does not look up; .*--allow-remote-delivery/
      )
      const attempts = decodeAttempts((yield* call(mock.url, "GET", attemptsOf(created.id))).body)
      expect(attempts.data.map((a) => [a.responseStatusCode, a.successful])).toEqual([[0, false]])
    }))

  it.effect("a receiver that is down gives failed attempts with status 0 and the transport error", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const down = yield* receiver([{ status: 200 }])
      down.close()
      const created = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook(`${down.url.replace("127.0.0.1", "localhost")}/x`, ["webset.paused"]) })).body
      const reply = yield* publish(mock.url, "webset.paused", {})
      expect(reply.body.deliveries[0]).toMatchObject({ delivered: false })
      expect(reply.body.deliveries[0].error).toEqual(expect.any(String))
      expect(decodeAttempts((yield* call(mock.url, "GET", attemptsOf(created.id))).body).data).toHaveLength(3)
    }))

  it.effect("?wait=false answers 202 at once and delivers in the background", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const r = yield* receiver([{ status: 200 }])
      yield* call(mock.url, "POST", WEBHOOKS, { body: hook(r.url, ["webset.search.completed"]) })
      const reply = yield* publish(mock.url, "webset.search.completed", { id: "s" }, "?wait=false")
      expect(reply.status).toBe(202)
      expect(reply.body).toMatchObject({ subscribers: 1, deliveries: null })
      // Polls up to 20 s (within the 30 s test timeout): background work on a loaded machine, not a timing guess.
      for (let i = 0; i < 1_000 && r.received.length === 0; i++) yield* TestClock.withLive(Effect.sleep("20 millis"))
      expect(r.received).toHaveLength(1)
    }))

  it.effect("a receiver streaming 64 MB: only the start is read, the body is cut and the connection closed", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const r = yield* streamingReceiver
      const created = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook(r.url, ["webset.item.created"]) })).body
      const reply = yield* publish(mock.url, "webset.item.created", {})
      expect(reply.body.deliveries[0]).toMatchObject({ delivered: true })
      const attempts = decodeAttempts((yield* call(mock.url, "GET", attemptsOf(created.id))).body)
      expect(attempts.data.map((a) => [a.responseStatusCode, a.successful])).toEqual([[200, true]])
      // The same text as cutting the whole body, multi-byte characters included.
      expect(attempts.data[0]!.responseBody).toBe(r.body.slice(0, MAX_RESPONSE_BODY_CHARS))
      // The mock hung up long before the end: the receiver never got to write it all.
      for (let i = 0; i < 1_000 && !r.state.closed; i++) yield* TestClock.withLive(Effect.sleep("20 millis"))
      expect(r.state.closed).toBe(true)
      expect(r.state.finished).toBe(false)
      expect(r.state.written).toBeLessThan(STREAMED_BYTES / 2)
    }))

  it.effect("an empty body (204) is recorded as an empty string", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const r = yield* receiver([{ status: 204 }])
      const created = (yield* call(mock.url, "POST", WEBHOOKS, { body: hook(r.url, ["webset.item.created"]) })).body
      yield* publish(mock.url, "webset.item.created", {})
      const attempts = decodeAttempts((yield* call(mock.url, "GET", attemptsOf(created.id))).body)
      expect(attempts.data.map((a) => [a.responseStatusCode, a.successful, a.responseBody])).toEqual([[204, true, ""]])
    }))

  it.effect("the IPv4-mapped IPv6 loopback address ([::ffff:127.0.0.1]) counts as loopback", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const r = yield* receiver([{ status: 200 }])
      const port = new URL(r.url).port
      yield* call(mock.url, "POST", WEBHOOKS, { body: hook(`http://[::ffff:127.0.0.1]:${port}/mapped`, ["webset.idle"]) })
      // The same form spelled out in hex (as the URL parser writes it) but outside 127.0.0.0/8 stays refused.
      yield* call(mock.url, "POST", WEBHOOKS, { body: hook("http://[::ffff:c000:20a]/hook", ["webset.idle"]) })
      const reply = yield* publish(mock.url, "webset.idle", {})
      const byUrl = Object.fromEntries(
        reply.body.deliveries.map((d: { url: string; delivered: boolean; error: string | null }) => [d.url, d])
      )
      expect(byUrl[`http://[::ffff:127.0.0.1]:${port}/mapped`]).toMatchObject({ delivered: true, error: null })
      expect(byUrl["http://[::ffff:c000:20a]/hook"].error).toMatch(/::ffff:c000:20a is not a loopback address/)
      expect(r.received.map((x) => x.url)).toEqual(["/mapped"])
    }))

  it.effect("POST /_mock/events validates with the shared schemas: 400 naming the field", () =>
    Effect.gen(function*() {
      const { url } = yield* MockServer.MockServer
      const reply = yield* call(url, "POST", "/_mock/events", { key: null, body: { type: "webset.completed", data: [] } })
      expect(reply.status).toBe(400)
      const paths = reply.body.error.detail.problems.map((p: { path: string }) => p.path)
      expect(paths.toSorted()).toEqual(["data", "type"])
      expect(reply.body.error.message).toMatch(/type: unknown event type "webset.completed"/)
    }))
})

layer(MockServer.layer({ deliveryAttempts: 1, deliveryTimeoutMillis: 60_000 }))("background deliveries", (it) => {
  it.effect(`at most ${MAX_BACKGROUND_EVENTS} events are delivered in the background at once; more get 503`, () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      // Holds every delivery until released.
      const held: Array<ServerResponse> = []
      let release = false
      const r = yield* rawReceiver((req, res) => {
        req.resume()
        if (release) res.end("ok")
        else held.push(res)
      })
      yield* call(mock.url, "POST", WEBHOOKS, { body: hook(r.url, ["webset.created"]) })
      for (let i = 0; i < MAX_BACKGROUND_EVENTS; i++) {
        expect((yield* publish(mock.url, "webset.created", { i }, "?wait=false")).status).toBe(202)
      }
      const refused = yield* publish(mock.url, "webset.created", {}, "?wait=false")
      expect(refused.status).toBe(503)
      expect(refused.headers.get("retry-after")).toBe("1")
      expect(refused.body.error).toMatchObject({
        type: "api_error",
        code: "delivery_backlog_full",
        detail: { limit: MAX_BACKGROUND_EVENTS }
      })
      expect(refused.body.error.message).toMatch(/no event was created/)
      // The refused one created no event; waiting publishes are not limited.
      expect((yield* mock.stats).events).toBe(MAX_BACKGROUND_EVENTS)

      // All of them reach the receiver and are held there at once (the last ones may still be on their way); only
      // then is the receiver told to answer.
      for (let i = 0; i < 1_000 && held.length < MAX_BACKGROUND_EVENTS; i++) {
        yield* TestClock.withLive(Effect.sleep("20 millis"))
      }
      expect(held).toHaveLength(MAX_BACKGROUND_EVENTS)
      release = true
      for (const res of held) res.end("ok")
      let again = yield* publish(mock.url, "webset.created", {}, "?wait=false")
      for (let i = 0; i < 1_000 && again.status === 503; i++) {
        yield* TestClock.withLive(Effect.sleep("20 millis"))
        again = yield* publish(mock.url, "webset.created", {}, "?wait=false")
      }
      expect(again.status).toBe(202)
      expect((yield* publish(mock.url, "webset.created", {})).body.deliveries[0].delivered).toBe(true)
    }))
})
