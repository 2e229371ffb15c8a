import { ApiError, Webhook, WebhookAttempt } from "@exa-webhooks/schema"
import { expect, layer } from "@effect/vitest"
import { DateTime, Effect, Schema } from "effect"
import { request as httpRequest } from "node:http"
import { MockServer } from "../src/index.ts"
import { apiPaths, call, expectNested, hook, KEY, webhookPath } from "./support.ts"

const WEBHOOKS = apiPaths.webhooks.list({ query: {} })
const one = (id: string) => webhookPath("get", id)
const attemptsOf = (id: string) => webhookPath("attempts", id)

const decodeWebhook = Schema.decodeUnknownSync(Webhook.Webhook)
const decodeList = Schema.decodeUnknownSync(Webhook.ListWebhooksResponse)
const decodeFlat = Schema.decodeUnknownSync(ApiError.FlatErrorBody)

const RECEIVER = "http://127.0.0.1:9/hook"

// The problems of a 400.
const problemsOf = (reply: { status: number; headers: Headers; body: unknown }, code = "validation_error") =>
  (expectNested(reply, 400, code).detail as { problems: Array<{ path: string; message: string }> }).problems

layer(MockServer.layer())("webhook API", (it) => {
  const base = Effect.gen(function*() {
    return (yield* MockServer.MockServer).url
  })

  it.effect("create answers 200 with an active webhook, its secret, default metadata and a request id", () =>
    Effect.gen(function*() {
      const url = yield* base
      const reply = yield* call(url, "POST", WEBHOOKS, { body: hook(RECEIVER, ["webset.created", "webset.idle"]) })
      expect(reply.status).toBe(200)
      expect(reply.headers.get("x-request-id")).toMatch(/^req_[A-Za-z0-9]{20}$/)
      const created = decodeWebhook(reply.body)
      expect(created).toMatchObject({ object: "webhook", status: "active", url: RECEIVER, metadata: {} })
      expect(created.events).toEqual(["webset.created", "webset.idle"])
      expect(created.secret).toMatch(/^whsec_[0-9a-f]{64}$/)
      expect(DateTime.toEpochMillis(created.createdAt)).toBe(DateTime.toEpochMillis(created.updatedAt))
      expect(Math.abs(DateTime.toEpochMillis(created.createdAt) - Date.now())).toBeLessThan(60_000)
    }))

  it.effect("get answers the webhook with secret null; the secret is only ever in the create response", () =>
    Effect.gen(function*() {
      const url = yield* base
      const created = (yield* call(url, "POST", WEBHOOKS, { body: hook(RECEIVER, ["webset.idle"], { metadata: { a: "1" } }) })).body
      const got = yield* call(url, "GET", one(created.id))
      expect(got.status).toBe(200)
      expect(got.body).toEqual({ ...created, secret: null })
      const listed = decodeList((yield* call(url, "GET", WEBHOOKS)).body)
      expect(listed.data.every((w) => w.secret === null)).toBe(true)
    }))

  it.effect("update changes only the fields given, keeps the status, and moves updatedAt", () =>
    Effect.gen(function*() {
      const url = yield* base
      const created = decodeWebhook(
        (yield* call(url, "POST", WEBHOOKS, { body: hook(RECEIVER, ["webset.idle"], { metadata: { team: "a" } }) })).body
      )
      const first = yield* call(url, "PATCH", one(created.id), { body: { events: ["webset.deleted"] } })
      expect(first.status).toBe(200)
      const updated = decodeWebhook(first.body)
      expect(updated).toMatchObject({ id: created.id, status: "active", url: RECEIVER, secret: null, metadata: { team: "a" } })
      expect(updated.events).toEqual(["webset.deleted"])
      expect(DateTime.toEpochMillis(updated.createdAt)).toBe(DateTime.toEpochMillis(created.createdAt))
      expect(DateTime.toEpochMillis(updated.updatedAt)).toBeGreaterThan(DateTime.toEpochMillis(created.updatedAt))

      const second = decodeWebhook((yield* call(url, "PATCH", one(created.id), {
        body: { url: "http://127.0.0.1:9/other", metadata: { team: "b" } }
      })).body)
      expect(second).toMatchObject({ url: "http://127.0.0.1:9/other", metadata: { team: "b" } })
      expect(second.events).toEqual(["webset.deleted"])
      expect(DateTime.toEpochMillis(second.updatedAt)).toBeGreaterThan(DateTime.toEpochMillis(updated.updatedAt))
      expect((yield* call(url, "GET", one(created.id))).body).toEqual(Schema.encodeSync(Webhook.Webhook)(second))
    }))

  it.effect("delete answers the deleted webhook; afterwards every route of that id is a 404", () =>
    Effect.gen(function*() {
      const url = yield* base
      const created = (yield* call(url, "POST", WEBHOOKS, { body: hook(RECEIVER) })).body
      const deleted = yield* call(url, "DELETE", one(created.id))
      expect(deleted.status).toBe(200)
      expect(deleted.body).toEqual({ ...created, secret: null })
      for (
        const reply of [
          yield* call(url, "GET", one(created.id)),
          yield* call(url, "PATCH", one(created.id), { body: { events: ["webset.idle"] } }),
          yield* call(url, "DELETE", one(created.id)),
          yield* call(url, "GET", attemptsOf(created.id))
        ]
      ) {
        const error = expectNested(reply, 404, "webhook_not_found")
        expect(error.message).toContain(created.id)
      }
    }))

  it.effect("list: newest first, 25 by default, cursor pages cover every webhook once, cursors survive new items", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const ids: Array<string> = []
      for (let i = 0; i < 30; i++) {
        ids.push((yield* call(mock.url, "POST", WEBHOOKS, { body: hook(`${RECEIVER}/${i}`) })).body.id)
      }
      const first = decodeList((yield* call(mock.url, "GET", WEBHOOKS)).body)
      expect(first.data.map((w) => w.id)).toEqual(ids.toReversed().slice(0, 25))
      expect(first.hasMore).toBe(true)

      const small = decodeList((yield* call(mock.url, "GET", `${WEBHOOKS}?limit=7`)).body)
      expect(small.data.map((w) => w.id)).toEqual(ids.toReversed().slice(0, 7))
      // Items added after a page was served do not shift the next page.
      for (let i = 0; i < 3; i++) yield* call(mock.url, "POST", WEBHOOKS, { body: hook(RECEIVER) })
      const seen = small.data.map((w) => w.id)
      let cursor = small.nextCursor
      while (cursor !== null) {
        const page = decodeList((yield* call(mock.url, "GET", `${WEBHOOKS}?limit=7&cursor=${cursor}`)).body)
        seen.push(...page.data.map((w) => w.id))
        expect(page.nextCursor === null).toBe(!page.hasMore)
        cursor = page.nextCursor
      }
      expect(seen).toEqual(ids.toReversed())

      const all = decodeList((yield* call(mock.url, "GET", `${WEBHOOKS}?limit=200`)).body)
      expect(all).toMatchObject({ hasMore: false, nextCursor: null })
      expect(all.data).toHaveLength(33)
    }))

  it.effect("list: limit outside 1..200, a non-number, unknown or repeated parameters, bad cursors are 400s naming the field", () =>
    Effect.gen(function*() {
      const url = yield* base
      expect(problemsOf(yield* call(url, "GET", `${WEBHOOKS}?limit=0`))).toEqual([
        { path: "limit", message: "limit must be a whole number from 1 to 200, got \"0\"" }
      ])
      expect(problemsOf(yield* call(url, "GET", `${WEBHOOKS}?limit=201`))[0]?.message).toMatch(/from 1 to 200, got "201"/)
      expect(problemsOf(yield* call(url, "GET", `${WEBHOOKS}?limit=2.5`))[0]).toEqual({
        path: "limit",
        message: "limit must be a whole number from 1 to 200, got \"2.5\""
      })
      expect(problemsOf(yield* call(url, "GET", `${WEBHOOKS}?limit=ten`))[0]).toEqual({
        path: "limit",
        message: "limit must be a whole number from 1 to 200, got \"ten\""
      })
      expect(problemsOf(yield* call(url, "GET", `${WEBHOOKS}?limt=5`))).toEqual([
        { path: "limt", message: "unknown query parameter; the allowed ones are cursor, limit" }
      ])
      expect(problemsOf(yield* call(url, "GET", `${WEBHOOKS}?limit=1&limit=2`))[0]).toEqual({
        path: "limit",
        message: "given 2 times; give it once"
      })
      expect(problemsOf(yield* call(url, "GET", `${WEBHOOKS}?cursor=`))[0]?.path).toBe("cursor")
      expect(problemsOf(yield* call(url, "GET", `${WEBHOOKS}?cursor=not-a-cursor`), "invalid_cursor")[0]?.path).toBe("cursor")

      // A cursor of one webhook's attempts is not a cursor of the webhooks list.
      const created = (yield* call(url, "POST", WEBHOOKS, { body: hook(RECEIVER) })).body
      const foreign = Buffer.from(`c1|attempts:${created.id}|5`).toString("base64url")
      const reply = yield* call(url, "GET", `${WEBHOOKS}?cursor=${foreign}`)
      expect(expectNested(reply, 400, "invalid_cursor").message).toMatch(/^Invalid query: cursor: .* not a cursor/)
    }))

  it.effect("auth: x-api-key or Authorization: Bearer; missing, empty or non-Bearer keys get a flat 401", () =>
    Effect.gen(function*() {
      const url = yield* base
      expect((yield* call(url, "GET", WEBHOOKS, { key: "anything" })).status).toBe(200)
      expect((yield* call(url, "GET", WEBHOOKS, { key: null, headers: { authorization: "Bearer k2" } })).status).toBe(200)
      for (
        const headers of [{}, { "x-api-key": "" }, { authorization: "Basic dXNlcjpwYXNz" }, { authorization: "Bearer " }]
      ) {
        const reply = yield* call(url, "GET", WEBHOOKS, { key: null, headers })
        expect(reply.status).toBe(401)
        const body = decodeFlat(reply.body)
        expect(body).toMatchObject({ error: "Unauthorized", tag: "MISSING_API_KEY" })
        expect(body.requestId).toBe(reply.headers.get("x-request-id"))
        expect(body.message).toMatch(/x-api-key/)
      }
    }))

  it.effect("a bad body is a 400 that names each field and rule", () =>
    Effect.gen(function*() {
      const url = yield* base
      const reply = yield* call(url, "POST", WEBHOOKS, {
        body: { url: "/relative", events: ["webset.created", "webset.completed"], metadata: { n: "x".repeat(1001) }, event: 1 }
      })
      const error = expectNested(reply, 400, "validation_error")
      const problems = (error.detail as { problems: Array<{ path: string; message: string }> }).problems
      expect(problems.map((p) => p.path).toSorted()).toEqual(["event", "events[1]", "metadata.n", "url"])
      expect(problems.find((p) => p.path === "events[1]")?.message).toMatch(/unknown event type "webset.completed"; did you mean "webset.idle"/)
      expect(problems.find((p) => p.path === "event")?.message).toBe("unknown field; the allowed ones are events, url, metadata")
      expect(error.message).toMatch(/^Invalid request body: /)
      expect(error.message).toContain("metadata.n: metadata values are at most 1000 characters; this one has 1001")

      const missing = expectNested(yield* call(url, "POST", WEBHOOKS, { body: {} }), 400, "validation_error")
      expect(missing.message).toMatch(/events: .*; url: /)
      const notObject = expectNested(yield* call(url, "POST", WEBHOOKS, { body: [1] }), 400, "validation_error")
      expect(notObject.message).toMatch(/Expected object/)
      const update = expectNested(yield* call(url, "PATCH", one("any"), { body: { events: [], status: "inactive" } }), 400, "validation_error")
      expect(update.message).toMatch(/events: at least one event is required/)
      expect(update.message).toMatch(/status: unknown field/)
    }))

  it.effect("malformed JSON, an empty body and the wrong content type are clear 4xx, never a 500", () =>
    Effect.gen(function*() {
      const url = yield* base
      expect(expectNested(yield* call(url, "POST", WEBHOOKS, { raw: "{\"url\": " }), 400, "invalid_json").message)
        .toMatch(/^The request body is not valid JSON \(.+\); send a JSON object such as /)
      expect(expectNested(yield* call(url, "POST", WEBHOOKS, { raw: "" }), 400, "missing_body").message)
        .toMatch(/empty/)
      expect(
        expectNested(
          yield* call(url, "POST", WEBHOOKS, { raw: "url=x", headers: { "content-type": "application/x-www-form-urlencoded" } }),
          415,
          "unsupported_media_type"
        ).message
      ).toMatch(/application\/x-www-form-urlencoded.*Content-Type: application\/json/)
      const noType = yield* Effect.tryPromise(() =>
        fetch(url + WEBHOOKS, { method: "POST", headers: { "x-api-key": KEY }, body: new Uint8Array([123, 125]) })
      )
      expect(noType.status).toBe(415)
      expect(
        (yield* call(url, "POST", WEBHOOKS, {
          body: hook(RECEIVER),
          headers: { "content-type": "application/json; charset=utf-8" }
        })).status
      ).toBe(200)
    }))

  it.effect("bodies over 64 KiB get 413, whether announced by Content-Length or streamed chunked", () =>
    Effect.gen(function*() {
      const url = yield* base
      const big = JSON.stringify(hook(RECEIVER, ["webset.idle"], { metadata: { pad: "x".repeat(70_000) } }))
      const error = expectNested(yield* call(url, "POST", WEBHOOKS, { raw: big }), 413, "payload_too_large")
      expect(error.detail).toEqual({ limitBytes: 65536 })

      const chunked = yield* Effect.callback<{ status: number; body: string }>((resume) => {
        const req = httpRequest(url + WEBHOOKS, {
          method: "POST",
          headers: { "x-api-key": KEY, "content-type": "application/json", "transfer-encoding": "chunked" }
        }, (res) => {
          let body = ""
          res.on("data", (c) => (body += c))
          res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, body })))
        })
        req.on("error", (e) => resume(Effect.die(e)))
        for (let i = 0; i < 10; i++) req.write(big.slice(i * 7_000, (i + 1) * 7_000))
        req.end(big.slice(70_000))
      })
      expect(chunked.status).toBe(413)
      expect(JSON.parse(chunked.body).error.code).toBe("payload_too_large")
    }))

  it.effect("unknown routes are 404, known paths with another method 405 with Allow, all in the nested form", () =>
    Effect.gen(function*() {
      const url = yield* base
      for (const path of ["/", "/v0/webhooks", "/websets/v0/webhook", "/websets/v0/webhooks/a/b/c", "/_mock/nope"]) {
        expect(expectNested(yield* call(url, "GET", path), 404, "route_not_found").message).toMatch(/no (mock control )?route/i)
      }
      const put = yield* call(url, "PUT", WEBHOOKS, { body: {} })
      expectNested(put, 405, "method_not_allowed")
      expect(put.headers.get("allow")).toBe("POST, GET")
      const post = yield* call(url, "POST", one("x"), { body: {} })
      expect(post.headers.get("allow")).toBe("GET, PATCH, DELETE")
      expect((yield* call(url, "DELETE", "/_mock/stats")).status).toBe(405)
    }))

  it.effect("attempts: 404 for an unknown webhook; bad filters are 400s naming the parameter", () =>
    Effect.gen(function*() {
      const url = yield* base
      expectNested(yield* call(url, "GET", attemptsOf("webhook_missing")), 404, "webhook_not_found")
      const created = (yield* call(url, "POST", WEBHOOKS, { body: hook(RECEIVER) })).body
      const empty = yield* call(url, "GET", attemptsOf(created.id))
      expect(Schema.decodeUnknownSync(WebhookAttempt.ListWebhookAttemptsResponse)(empty.body)).toEqual({
        data: [],
        hasMore: false,
        nextCursor: null
      })
      const bad = expectNested(
        yield* call(url, "GET", `${attemptsOf(created.id)}?eventType=webset.completed&successful=yes&limit=0`),
        400,
        "validation_error"
      )
      const paths = (bad.detail as { problems: Array<{ path: string }> }).problems.map((p) => p.path)
      expect(paths.toSorted()).toEqual(["eventType", "limit", "successful"])
    }))

  it.effect("every response carries X-Request-Id, including errors and the mock's own routes", () =>
    Effect.gen(function*() {
      const url = yield* base
      const replies = [
        yield* call(url, "GET", WEBHOOKS),
        yield* call(url, "GET", WEBHOOKS, { key: null }),
        yield* call(url, "GET", "/missing"),
        yield* call(url, "GET", one("nope")),
        yield* call(url, "GET", "/_mock/stats")
      ]
      const ids = replies.map((r) => r.headers.get("x-request-id"))
      expect(ids.every((id) => id !== null && id.startsWith("req_"))).toBe(true)
      expect(new Set(ids).size).toBe(ids.length)
    }))
})

layer(MockServer.layer({ apiKey: "the-key", maxWebhooks: 2 }))("with --api-key and --max-webhooks", (it) => {
  it.effect("only the configured key is accepted, in either header", () =>
    Effect.gen(function*() {
      const { url } = yield* MockServer.MockServer
      expect((yield* call(url, "GET", WEBHOOKS, { key: "the-key" })).status).toBe(200)
      expect((yield* call(url, "GET", WEBHOOKS, { key: null, headers: { authorization: "Bearer the-key" } })).status).toBe(200)
      const wrong = yield* call(url, "GET", WEBHOOKS, { key: "other" })
      expect(wrong.status).toBe(401)
      expect(decodeFlat(wrong.body)).toMatchObject({ error: "Unauthorized", tag: "INVALID_API_KEY" })
      expect(wrong.text).not.toContain("the-key")
      expect((yield* call(url, "GET", WEBHOOKS, { key: null, headers: { authorization: "Bearer other" } })).status).toBe(401)
    }))

  it.effect("a create beyond the webhook limit is a 409 that says what to do", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* mock.reset
      const create = call(mock.url, "POST", WEBHOOKS, { key: "the-key", body: hook(RECEIVER) })
      expect((yield* create).status).toBe(200)
      expect((yield* create).status).toBe(200)
      const error = expectNested(yield* create, 409, "webhook_limit_reached")
      expect(error.message).toMatch(/--max-webhooks/)
      expect((yield* mock.stats)).toMatchObject({ webhooks: 2, creates: 2 })
    }))
})
