// The mock implements the one definition: a client derived from WebhooksApi (HttpApiClient) drives every endpoint
// and decodes every answer, errors included, with the definition's schemas.
import { ApiError, Event, WebhooksApi } from "@exa-webhooks/schema"
import { expect, layer } from "@effect/vitest"
import { DateTime, Effect, Layer } from "effect"
import { FetchHttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient, HttpApiMiddleware } from "effect/http-api"
import { MockServer } from "../src/index.ts"
import { call, KEY } from "./support.ts"

const apiKey = (key: string) =>
  HttpApiMiddleware.layerClient(
    WebhooksApi.ApiKey,
    ({ next, request }) => next(HttpClientRequest.setHeader(request, "x-api-key", key))
  )

const client = (key = KEY) =>
  Effect.gen(function*() {
    const { url } = yield* MockServer.MockServer
    return yield* HttpApiClient.make(WebhooksApi.WebhooksApi, { baseUrl: url })
  }).pipe(Effect.provide(Layer.mergeAll(FetchHttpClient.layer, apiKey(key))))

layer(MockServer.layer({ apiKey: KEY }))("WebhooksApi against the mock", (it) => {
  it.effect("every endpoint answers what the definition says it does", () =>
    Effect.gen(function*() {
      const api = (yield* client()).webhooks
      const created = yield* api.create({ payload: { url: "http://127.0.0.1:9/hook", events: ["webset.created"] } })
      expect(created.secret).toMatch(/^whsec_/)
      const id = created.id
      expect((yield* api.get({ params: { id } })).secret).toBeNull()
      expect((yield* api.list({ query: { limit: 1 } })).data.map((w) => w.id)).toEqual([id])
      const updated = yield* api.update({ params: { id }, payload: { events: ["webset.idle"] } })
      expect(updated.events).toEqual(["webset.idle"])
      expect(yield* api.attempts({ params: { id }, query: { successful: true } })).toEqual({
        data: [],
        hasMore: false,
        nextCursor: null
      })
      expect((yield* api.delete({ params: { id } })).id).toBe(id)
    }))

  it.effect("errors decode with the definition's error schemas, in Exa's form for their status", () =>
    Effect.gen(function*() {
      const missing = yield* (yield* client()).webhooks.get({ params: { id: "webhook_missing" } }).pipe(Effect.flip)
      expect(ApiError.summarizeUnknown(missing)).toMatchObject({ _tag: "Some", value: { code: "webhook_not_found" } })
      const refused = yield* (yield* client("wrong-key")).webhooks.list({ query: {} }).pipe(Effect.flip)
      expect(refused).toMatchObject({ error: "Unauthorized", tag: "INVALID_API_KEY" })
    }))
})

layer(MockServer.layer({ apiKey: KEY }))("the Events API through WebhooksApi", (it) => {
  it.effect("list (types, times, cursor) and get encode their parameters and decode typed events", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const published: Array<string> = []
      for (const type of ["webset.created", "webset.item.enriched", "webset.item.enriched", "webset.idle"]) {
        published.push((yield* call(mock.url, "POST", "/_mock/events", { key: null, body: { type } })).body.event.id)
      }
      const { events } = yield* client()
      const first = yield* events.list({ query: { types: ["webset.item.enriched", "webset.idle"], limit: 2 } })
      expect(first.data.map((e) => e.id)).toEqual([published[3], published[2]])
      expect(first.data.every(Event.isTyped)).toBe(true)
      const second = yield* events.list({ query: { types: ["webset.item.enriched", "webset.idle"], cursor: first.nextCursor! } })
      expect(second).toMatchObject({ hasMore: false, nextCursor: null })
      expect(second.data.map((e) => e.id)).toEqual([published[1]])

      const one = yield* events.get({ params: { id: published[1]! } })
      if (!Event.isTyped(one) || one.type !== "webset.item.enriched") throw new Error("expected a typed item event")
      expect(one.data.enrichments?.[0]?.status).toBe("completed")
      const since = yield* events.list({ query: { createdAfter: one.createdAt, types: ["webset.item.enriched"] } })
      expect(since.data.map((e) => e.id)).toContain(one.id)
      expect(since.data.every((e) => DateTime.toEpochMillis(e.createdAt) >= DateTime.toEpochMillis(one.createdAt))).toBe(true)

      const missing = yield* events.get({ params: { id: "event_missing" } }).pipe(Effect.flip)
      expect(ApiError.summarizeUnknown(missing)).toMatchObject({ _tag: "Some", value: { code: "event_not_found" } })
    }))
})
