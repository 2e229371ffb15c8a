import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { WebhooksClient } from "../src/index.ts"
import * as MemoryStore from "./fixtures/memoryStore.ts"
import { recording } from "./fixtures/tracer.ts"

// A create and a get of it, over `api`.
const createAndGet = (api: ReturnType<typeof MemoryStore.make>) =>
  Effect.gen(function*() {
    const webhooks = yield* WebhooksClient.WebhooksClient
    const created = yield* webhooks.create({ url: "https://example.com/hooks/t", events: ["webset.created"] })
    yield* webhooks.get(created.id)
  }).pipe(Effect.provide(MemoryStore.clientLayer(api)))

describe("tracing", () => {
  it.live("every operation runs in its span, named after it, with the request's span beneath it", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recording()
      const api = MemoryStore.make({ preload: 3 })
      yield* Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        const created = yield* webhooks.create({ url: "https://example.com/hooks/t", events: ["webset.created"] })
        yield* webhooks.get(created.id)
        yield* webhooks.list({ limit: 2 })
        yield* webhooks.update(created.id, { url: "https://example.com/hooks/u" })
        yield* webhooks.delete(created.id)
      }).pipe(Effect.withTracer(tracer), Effect.provide(MemoryStore.clientLayer(api)))
      const operations = spans.filter((span) => span.name.startsWith("WebhooksClient."))
      assert.deepStrictEqual(operations.map((span) => span.name), [
        "WebhooksClient.create",
        "WebhooksClient.get",
        "WebhooksClient.list",
        "WebhooksClient.update",
        "WebhooksClient.delete"
      ])
      for (const operation of operations) {
        const requests = spans.filter((span) =>
          span.parent._tag === "Some" && span.parent.value.spanId === operation.spanId && span.kind === "client"
        )
        assert.isAtLeast(requests.length, 1, `${operation.name} has its HTTP request's span as a child`)
        assert.strictEqual(operation.status._tag, "Ended", `${operation.name} ended`)
      }
      const create = operations[0]!
      assert.isString(create.attributes.get("idempotencyKey"), "the create's span carries its idempotency key")
    }))

  // Spans are made the usual way (`Effect.fn`), whatever tracer is installed: under effect's built-in one too, whose
  // trace headers then name spans nobody records (the client no longer tells tracers apart).
  it.effect("each request carries the trace headers of its span, under effect's built-in tracer as under an installed one", () =>
    Effect.gen(function*() {
      const builtIn = MemoryStore.make()
      yield* createAndGet(builtIn)
      assert.lengthOf(builtIn.headers, 2)
      for (const headers of builtIn.headers) assert.match(headers["traceparent"] ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)

      const { spans, tracer } = recording()
      const traced = MemoryStore.make()
      yield* createAndGet(traced).pipe(Effect.withTracer(tracer))
      assert.lengthOf(traced.headers, 2)
      const requests = spans.filter((span) => span.kind === "client")
      assert.lengthOf(requests, 2)
      for (const [i, headers] of traced.headers.entries()) {
        assert.strictEqual(headers["traceparent"], `00-${requests[i]!.traceId}-${requests[i]!.spanId}-01`)
      }
      assert.includeMembers(spans.map((span) => span.name), ["WebhooksClient.create", "WebhooksClient.get"])
    }))
})
