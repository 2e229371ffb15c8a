// Compile-time checks run by `tsc` (the package's typecheck, part of `make test`): a `@ts-expect-error` whose line
// compiles is itself an error, so each one below proves that the misuse it marks does not compile. The runtime tests
// prove the checks JavaScript callers rely on are still made.
import { assert, describe, it } from "@effect/vitest"
import { WebhooksApi } from "@exa-webhooks/schema"
import { Effect } from "effect"
import { WebhooksClient, WebhooksError } from "../src/index.ts"
import * as MemoryStore from "./fixtures/memoryStore.ts"

// Never run: only compiled.
export const compiles = (webhooks: WebhooksClient.Service) => [
  webhooks.create({ url: "https://example.com/hooks/exa", events: ["webset.item.enriched", "webset.created"] }),
  webhooks.create({ url: "https://example.com/hooks/exa", events: ["monitor.run.completed"], metadata: { team: "x" } }),
  webhooks.update("webhook_1", { events: ["webset.export.completed"] }),
  webhooks.update("webhook_1", { metadata: { team: "y" } })
]

export const doesNotCompile = (webhooks: WebhooksClient.Service) => [
  // @ts-expect-error a misspelt event name
  webhooks.create({ url: "https://example.com/hooks/exa", events: ["webset.item.enrichd"] }),
  // @ts-expect-error a misspelt event name in an update
  webhooks.update("webhook_1", { events: ["webset.compleetd"] }),
  // @ts-expect-error events is required on create
  webhooks.create({ url: "https://example.com/hooks/exa" }),
  // @ts-expect-error an array of arbitrary strings is not an array of event types
  webhooks.create({ url: "https://example.com/hooks/exa", events: ["webset.created"] as Array<string> })
]

describe("typed inputs", () => {
  it.effect("a misspelt event from an untyped caller is still refused before anything is sent", () =>
    Effect.gen(function*() {
      const api = MemoryStore.make()
      const error = yield* Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        const untyped = { url: "https://example.com/hooks/exa", events: ["webset.item.enrichd"] } as unknown
        return yield* Effect.flip(webhooks.create(untyped as WebhooksClient.CreateInput))
      }).pipe(Effect.provide(MemoryStore.clientLayer(api)))
      assert.instanceOf(error, WebhooksError.InvalidInputError)
      assert.include(error.message, "did you mean \"webset.item.enriched\"")
      assert.strictEqual(api.counters.requests, 0)
    }))
})

describe("requests come from the WebhooksApi definition", () => {
  it.effect("every operation sends its endpoint's method and path", () =>
    Effect.gen(function*() {
      const api = MemoryStore.make()
      yield* Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        const hook = yield* webhooks.create({ url: "https://example.com/hooks/exa", events: ["webset.created"] })
        yield* webhooks.list({ limit: 5 })
        yield* webhooks.get(hook.id)
        yield* Effect.ignore(webhooks.update(hook.id, { url: "https://example.com/hooks/2" }))
        yield* Effect.ignore(webhooks.attempts(hook.id))
        yield* webhooks.delete(hook.id)
      }).pipe(Effect.provide(MemoryStore.clientLayer(api)))
      const endpoints = WebhooksApi.Webhooks.endpoints
      const expected = [
        endpoints.create,
        endpoints.list,
        endpoints.get,
        endpoints.update,
        endpoints.attempts,
        endpoints.delete
      ].map((e) => `${e.method} ${e.path}`)
      const sent = api.log.map((entry) => `${entry.method} ${entry.path.replace(/webhook_new_1/, ":id")}`)
      assert.deepStrictEqual(sent, expected)
      assert.strictEqual(api.log[1]!.query, "?limit=5", "the query encoded by the endpoint's query schema")
    }))
})
