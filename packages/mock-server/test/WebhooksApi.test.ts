// The mock implements the one definition: a client derived from WebhooksApi (HttpApiClient) drives every endpoint
// and decodes every answer, errors included, with the definition's schemas.
import { ApiError, WebhooksApi } from "@exa-webhooks/schema"
import { expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { FetchHttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient, HttpApiMiddleware } from "effect/http-api"
import { MockServer } from "../src/index.ts"
import { KEY } from "./support.ts"

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
