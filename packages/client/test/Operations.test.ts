import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { HttpClient } from "effect/http"
import { readFileSync } from "node:fs"
import { WebhooksClient } from "../src/index.ts"
import { HOOK_URL, publishEvent, stats, withMock } from "./fixtures/mock.ts"

// The version the release wrote into package.json (the User-Agent follows it; a literal here would fail each release).
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }

describe("WebhooksClient operations", () => {
  it.live("create, get, list, update and delete a webhook", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const created = yield* webhooks.create(
        { url: HOOK_URL, events: ["webset.created"], metadata: { team: "growth" } },
        { idempotencyKey: "order-42" }
      )
      assert.isString(created.secret)
      assert.deepStrictEqual(created.metadata, {
        team: "growth",
        [WebhooksClient.IDEMPOTENCY_METADATA_KEY]: "order-42"
      })

      const fetched = yield* webhooks.get(created.id)
      assert.strictEqual(fetched.id, created.id)
      assert.isNull(fetched.secret)

      const page = yield* webhooks.list()
      assert.deepStrictEqual(page.data.map((w) => w.id), [created.id])
      assert.isFalse(page.hasMore)

      const updated = yield* webhooks.update(created.id, { events: ["webset.idle", "webset.deleted"] })
      assert.deepStrictEqual(updated.events, ["webset.idle", "webset.deleted"])
      assert.strictEqual(updated.url, HOOK_URL)

      const deleted = yield* webhooks.delete(created.id)
      assert.strictEqual(deleted.id, created.id)
      const gone = yield* Effect.flip(webhooks.get(created.id))
      assert.strictEqual(gone._tag, "NotFoundError")
      assert.strictEqual((yield* stats).webhooks, 0)
    }).pipe(Effect.provide(withMock())))

  it.live("each create without a key gets its own random idempotency key", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const a = yield* webhooks.create({ url: HOOK_URL, events: ["webset.created"] })
      const b = yield* webhooks.create({ url: HOOK_URL, events: ["webset.created"] })
      const keyOf = (w: typeof a) => w.metadata[WebhooksClient.IDEMPOTENCY_METADATA_KEY]
      assert.match(keyOf(a) ?? "", /^[0-9a-f-]{36}$/)
      assert.notStrictEqual(keyOf(a), keyOf(b))
    }).pipe(Effect.provide(withMock())))

  it.live("sends the key as x-api-key and a User-Agent naming the package and version", () =>
    Effect.gen(function*() {
      const seen: Array<Record<string, string>> = []
      const layer = withMock({}, {
        transformClient: HttpClient.tapRequest((request) => Effect.sync(() => seen.push({ ...request.headers })))
      })
      yield* Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        yield* webhooks.list()
      }).pipe(Effect.provide(layer))
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(seen[0]!["user-agent"], `exa-webhooks-client/${version}`)
      assert.strictEqual(seen[0]!["x-api-key"], "exa-test-key-7c1f0e9a4b2d6e8f")
      assert.strictEqual(seen[0]!["accept"], "application/json")
    }))

  it.live("attempts: one page, filtered by eventType and successful; listAllAttempts streams every page", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const hook = yield* webhooks.create({ url: HOOK_URL, events: ["webset.created", "webset.idle"] })
      for (const type of ["webset.created", "webset.idle", "webset.created", "webset.idle", "webset.created"]) {
        yield* publishEvent(type)
      }
      const all = yield* webhooks.attempts(hook.id)
      assert.strictEqual(all.data.length, 5)
      // Newest first: the last event published comes first.
      assert.strictEqual(all.data[0]!.eventType, "webset.created")

      const idle = yield* webhooks.attempts(hook.id, { eventType: "webset.idle" })
      assert.deepStrictEqual(idle.data.map((a) => a.eventType), ["webset.idle", "webset.idle"])
      // example.com is never contacted by the mock, so every attempt failed.
      assert.strictEqual((yield* webhooks.attempts(hook.id, { successful: true })).data.length, 0)
      assert.strictEqual((yield* webhooks.attempts(hook.id, { successful: false })).data.length, 5)

      const first = yield* webhooks.attempts(hook.id, { limit: 2 })
      assert.strictEqual(first.data.length, 2)
      assert.isTrue(first.hasMore)

      const streamed = yield* Stream.runCollect(webhooks.listAllAttempts(hook.id, { limit: 2 }))
      assert.deepStrictEqual(streamed.map((a) => a.id), all.data.map((a) => a.id))
      const createdOnly = yield* Stream.runCollect(webhooks.listAllAttempts(hook.id, { eventType: "webset.created" }))
      assert.strictEqual(createdOnly.length, 3)
    }).pipe(Effect.provide(withMock({ deliveryAttempts: 1 }))))

  it.live("listAll pages through every webhook exactly once while webhooks are being added", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const originals = yield* Effect.forEach(
        Array.from({ length: 45 }, (_, i) => i),
        (i) => webhooks.create({ url: `${HOOK_URL}/${i}`, events: ["webset.created"] }),
        { concurrency: 8 }
      )
      const before = (yield* stats).requests
      let added = false
      const listed = yield* webhooks.listAll({ limit: 10 }).pipe(
        // After the first page arrives, 5 more webhooks appear while the stream is still paging.
        Stream.tap(() =>
          added
            ? Effect.void
            : Effect.andThen(
              Effect.sync(() => (added = true)),
              Effect.forEach(Array.from({ length: 5 }), () => webhooks.create({ url: HOOK_URL, events: ["webset.idle"] }))
            )
        ),
        Stream.runCollect
      )
      const ids = listed.map((w) => w.id)
      assert.strictEqual(new Set(ids).size, ids.length, "no webhook is listed twice")
      for (const original of originals) {
        assert.strictEqual(ids.filter((id) => id === original.id).length, 1, `${original.id} listed once`)
      }
      // 45 webhooks at 10 per page: 5 pages (plus the 5 creates made while paging).
      assert.strictEqual((yield* stats).requests - before, 5 + 5)
      assert.strictEqual((yield* stats).webhooks, 50)
    }).pipe(Effect.provide(withMock({}, { rateLimit: 1_000 }))))
})
