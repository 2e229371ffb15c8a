import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { WebhooksClient, WebhooksError } from "../src/index.ts"
import { HOOK_URL, stats, withMock } from "./fixtures/mock.ts"

// Runs `operation`, expects an InvalidInputError, and checks that the mock never received a request.
const rejected = <A>(operation: (webhooks: WebhooksClient.Service) => Effect.Effect<A, WebhooksError.WebhooksError>) =>
  Effect.gen(function*() {
    const webhooks = yield* WebhooksClient.WebhooksClient
    const error = yield* Effect.flip(operation(webhooks))
    assert.instanceOf(error, WebhooksError.InvalidInputError)
    assert.strictEqual((yield* stats).requests, 0, "no request left the client")
    return error as WebhooksError.InvalidInputError
  })

const paths = (error: WebhooksError.InvalidInputError) => error.problems.map((p) => p.path)

describe("invalid input fails before the network, naming the field and the rule", () => {
  it.live("create: every broken field at once, with what is allowed", () =>
    Effect.gen(function*() {
      const error = yield* rejected((w) =>
        // As a JavaScript caller could send it: "webset.completed" is not an event type, so it does not type-check.
        w.create({
          url: "ftp://example.com/hook",
          events: ["webset.completed", "webset.created"],
          metadata: { note: "x".repeat(1_001) }
        } as unknown as WebhooksClient.CreateInput)
      )
      assert.strictEqual(error.method, "POST")
      assert.strictEqual(error.path, "/websets/v0/webhooks")
      assert.sameMembers(paths(error), ["url", "events[0]", "metadata.note"])
      assert.include(error.message, "nothing was sent")
      assert.include(error.message, "url: expected an http: or https: URL")
      assert.include(error.message, "did you mean \"webset.idle\"")
      assert.include(error.message, "metadata values are at most 1000 characters")
    }).pipe(Effect.provide(withMock())))

  it.live("create: no events, and an unknown field (a typo) is refused rather than dropped", () =>
    Effect.gen(function*() {
      const error = yield* rejected((w) =>
        w.create({ url: HOOK_URL, events: [], evnts: ["webset.created"] } as unknown as WebhooksClient.CreateInput)
      )
      assert.sameMembers(paths(error), ["events", "evnts"])
      assert.include(error.message, "at least one event is required")
    }).pipe(Effect.provide(withMock())))

  // Valid input takes the schema's default decode, which drops unknown fields: a field that is wrong only by being
  // unknown must still be refused, in the body and in the options.
  it.live("create and update: an unknown field alone, in an otherwise valid body or options, is refused", () =>
    Effect.gen(function*() {
      const body = yield* rejected((w) =>
        w.create({ url: HOOK_URL, events: ["webset.created"], secrett: "x" } as unknown as WebhooksClient.CreateInput)
      )
      assert.deepStrictEqual(paths(body), ["secrett"])
      const options = yield* rejected((w) =>
        w.create({ url: HOOK_URL, events: ["webset.created"] }, { idempotencyKy: "k" } as WebhooksClient.CreateOptions)
      )
      assert.deepStrictEqual(paths(options), ["idempotencyKy"])
      const update = yield* rejected((w) =>
        w.update("webhook_1", { url: HOOK_URL, evnts: ["webset.created"] } as unknown as WebhooksClient.UpdateInput)
      )
      assert.deepStrictEqual(paths(update), ["evnts"])
    }).pipe(Effect.provide(withMock())))

  it.live("create: an idempotency key must fit in a metadata value", () =>
    Effect.gen(function*() {
      const empty = yield* rejected((w) => w.create({ url: HOOK_URL, events: ["webset.created"] }, { idempotencyKey: "" }))
      assert.deepStrictEqual(paths(empty), ["idempotencyKey"])
      const long = yield* rejected((w) =>
        w.create({ url: HOOK_URL, events: ["webset.created"] }, { idempotencyKey: "k".repeat(1_001) })
      )
      assert.deepStrictEqual(paths(long), ["idempotencyKey"])
      assert.include(long.message, "at most 1000 characters")
    }).pipe(Effect.provide(withMock())))

  it.live("get, update, delete, attempts: an empty id", () =>
    Effect.gen(function*() {
      for (const error of [
        yield* rejected((w) => w.get("")),
        yield* rejected((w) => w.delete("")),
        yield* rejected((w) => w.attempts(""))
      ]) {
        assert.deepStrictEqual(paths(error), ["id"])
        assert.include(error.message, "a webhook id is required")
      }
      const update = yield* rejected((w) => w.update("", { url: "not a url" }))
      assert.sameMembers(paths(update), ["id", "url"])
      assert.strictEqual(update.method, "PATCH")
    }).pipe(Effect.provide(withMock())))

  it.live("update: an event list that breaks the rules", () =>
    Effect.gen(function*() {
      const error = yield* rejected((w) => w.update("webhook_1", { events: ["webset.created", "webset.created"] }))
      assert.deepStrictEqual(paths(error), ["events"])
      assert.include(error.message, "\"webset.created\" is listed more than once")
    }).pipe(Effect.provide(withMock())))

  it.live("list and attempts: page size and filters", () =>
    Effect.gen(function*() {
      const limit = yield* rejected((w) => w.list({ limit: 500 }))
      assert.deepStrictEqual(paths(limit), ["limit"])
      const fraction = yield* rejected((w) => w.list({ limit: 2.5, cursor: "" }))
      assert.sameMembers(paths(fraction), ["limit", "cursor"])
      const filters = yield* rejected((w) => w.attempts("webhook_1", { eventType: "webset.done", limit: 0 }))
      assert.sameMembers(paths(filters), ["eventType", "limit"])
      assert.include(filters.message, "unknown event type \"webset.done\"")
      const streamed = yield* rejected((w) => Stream.runCollect(w.listAll({ limit: 201 })))
      assert.deepStrictEqual(paths(streamed), ["limit"])
    }).pipe(Effect.provide(withMock())))
})
