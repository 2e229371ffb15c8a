import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { WebhooksClient, WebhooksError } from "../src/index.ts"
import * as MemoryStore from "./fixtures/memoryStore.ts"

const KEY = WebhooksClient.IDEMPOTENCY_METADATA_KEY
const PAGE = 200

/** Runs `effect` while moving the test clock in 1 ms steps (retry waits are a millisecond), until it is done. */
const drive = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    for (let step = 0; fiber.pollUnsafe() === undefined; step++) {
      if (step > 100_000) return yield* Effect.die("not done after 100 s of simulated time")
      yield* TestClock.adjust(1)
      // Response bodies are read through promises, which the test clock does not wait for.
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
    }
    return yield* Fiber.join(fiber)
  })

/** Runs `f` with a client of the in-memory `api`, driving the test clock (see {@link drive}). */
const withClient = <A, E>(
  api: Parameters<typeof MemoryStore.clientLayer>[0],
  f: (webhooks: WebhooksClient.Service) => Effect.Effect<A, E>
) => drive(Effect.flatMap(WebhooksClient.WebhooksClient, f).pipe(Effect.provide(MemoryStore.clientLayer(api))))

describe("the lookups of duplicate-safe creates", () => {
  it.effect("50 ambiguous creates against 10,000 webhooks share one listing (51 pages), not 50", () =>
    Effect.gen(function*() {
      const api = MemoryStore.make({ preload: 10_000, ambiguousFirstCreate: true })
      const created = yield* withClient(api, (webhooks) =>
        Effect.gen(function*() {
          return yield* Effect.forEach(
            Array.from({ length: 50 }, (_, i) => i),
            (i) =>
              webhooks.create(
                { url: `https://example.com/hooks/new/${i}`, events: ["webset.created"] },
                { idempotencyKey: `item-${i}`, onRecovered: "return", raceCheck: false }
              ),
            { concurrency: "unbounded" }
          )
        }))
      const pagesPerListing = Math.ceil(10_050 / PAGE)
      assert.strictEqual(api.counters.creates, 50, "each create was applied once and never sent again")
      assert.strictEqual(api.webhooks.length, 10_050, "no duplicate")
      // Each of the 50 found its own webhook by its own key.
      assert.deepStrictEqual(created.map((w) => w.metadata[KEY]), Array.from({ length: 50 }, (_, i) => `item-${i}`))
      assert.isTrue(created.every((w) => w.id.startsWith("webhook_new_") && w.secret === null))
      assert.strictEqual(
        api.counters.lists,
        pagesPerListing,
        `one listing of ${pagesPerListing} pages for all 50 lookups (without sharing: ${50 * pagesPerListing})`
      )
    }), 120_000)

  it.effect("lookups that arrive while a listing runs share the next listing", () =>
    Effect.gen(function*() {
      const api = MemoryStore.make({ preload: 1_000 })
      const found = yield* withClient(api, (webhooks) =>
        Effect.gen(function*() {
          // The first lookup starts a listing; ten more arrive one after another while it runs.
          const first = yield* Effect.forkChild(
            webhooks.create({ url: "https://example.com/hooks/a", events: ["webset.created"] }, {
              idempotencyKey: "a",
              lookupFirst: true,
              raceCheck: false
            })
          )
          yield* Effect.yieldNow
          const rest = yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => i), (i) =>
            Effect.andThen(
              Effect.yieldNow,
              webhooks.create({ url: `https://example.com/hooks/b${i}`, events: ["webset.created"] }, {
                idempotencyKey: `b${i}`,
                lookupFirst: true,
                raceCheck: false
              })
            ), { concurrency: "unbounded" })
          return [yield* Fiber.join(first), ...rest]
        }))
      assert.strictEqual(found.length, 11)
      assert.strictEqual(api.counters.creates, 11)
      // The second listing may already see the first create: 1,001 webhooks, 6 pages.
      assert.isAtMost(api.counters.lists, 5 + 6, "two listings for eleven lookups (one each would be ~60 pages)")
    }))

  it.effect("a lookup that fails is never taken as \"nothing found\": the ambiguous create is not sent again", () =>
    Effect.gen(function*() {
      const api = MemoryStore.make({ preload: 10, ambiguousFirstCreate: true, failLists: true })
      const results = yield* withClient(api, (webhooks) =>
        Effect.gen(function*() {
          return yield* Effect.forEach(
            ["k-1", "k-2", "k-3"],
            (key) =>
              Effect.flip(
                webhooks.create({ url: "https://example.com/hooks/x", events: ["webset.created"] }, { idempotencyKey: key })
              ),
            { concurrency: "unbounded" }
          )
        }))
      assert.strictEqual(api.counters.creates, 3, "each create was sent once: its outcome could not be checked")
      assert.strictEqual(api.webhooks.length, 13, "no duplicate was made")
      assert.isAbove(api.counters.lists, 0, "the lookups were tried")
      for (const [i, error] of results.entries()) {
        // The create's own error (a 500 after which the webhook may exist), carrying the key that recovers it.
        assert.instanceOf(error, WebhooksError.ServerError)
        if (error._tag !== "ServerError") continue
        assert.strictEqual(error.status, 500)
        assert.strictEqual(error.idempotencyKey, `k-${i + 1}`)
      }
    }))
})

describe("the race check of a create with a caller's key", () => {
  it.effect("fails closed: when its listing fails, the create is reported as unconfirmed (naming the webhook), never as done", () =>
    Effect.gen(function*() {
      const api = MemoryStore.make({ preload: 3, failLists: true })
      const error = yield* withClient(api, (webhooks) =>
        Effect.flip(webhooks.create({ url: "https://example.com/hooks/r", events: ["webset.created"] }, { idempotencyKey: "k-race" }))
      )
      assert.instanceOf(error, WebhooksError.UnconfirmedCreateError)
      if (error._tag !== "UnconfirmedCreateError") return
      const made = api.webhooks.find((w) => w.metadata[KEY] === "k-race")
      assert.isDefined(made, "the create was applied")
      assert.strictEqual(error.webhookId, made!.id)
      assert.strictEqual(error.idempotencyKey, "k-race")
      assert.isTrue(error.mayHaveBeenApplied)
      assert.isFalse(error.isRetryable)
      assert.include(error.message, `webhook ${made!.id} was created`)
      assert.include(error.advice, "lookupFirst: true")
      assert.strictEqual(api.counters.creates, 1, "sent once")
    }))
})

// A listed webhook the client cannot read (its dates are not dates), with the given metadata.
const odd = (metadata: unknown) => ({
  id: "webhook_odd",
  object: "webhook",
  status: "active",
  events: ["webset.created"],
  url: "https://example.com/hooks/odd",
  secret: null,
  metadata,
  createdAt: "not a date",
  updatedAt: "not a date"
})
const ambiguousCreate = (oddItem: unknown) =>
  Effect.gen(function*() {
    const api = MemoryStore.make({ preload: 5, ambiguousFirstCreate: true, oddItem })
    const result = yield* withClient(api, (webhooks) =>
      Effect.gen(function*() {
        return yield* Effect.result(webhooks.create(
          { url: "https://example.com/hooks/x", events: ["webset.created"] },
          { idempotencyKey: "k-odd", onRecovered: "return" }
        ))
      }))
    return { api, result }
  })

describe("a lookup decodes only the webhooks that may carry its key", () => {
  it.effect("an unreadable webhook with another key is passed over: the lookup finds its own", () =>
    Effect.gen(function*() {
      const { api, result } = yield* ambiguousCreate(odd({ [KEY]: "someone-else" }))
      assert.strictEqual(result._tag, "Success")
      assert.strictEqual(api.counters.creates, 1)
    }))

  for (
    const [name, metadata] of [
      ["carries the key", { [KEY]: "k-odd" }],
      ["has metadata that is not a record", "k-odd"],
      ["has a key that is not text", { [KEY]: ["k-odd"] }]
    ] as const
  ) {
    it.effect(`an unreadable webhook that ${name} fails the lookup: the create is not sent again`, () =>
      Effect.gen(function*() {
        const { api, result } = yield* ambiguousCreate(odd(metadata))
        assert.strictEqual(result._tag, "Failure", "the lookup could not tell")
        if (result._tag === "Failure") assert.strictEqual(result.failure._tag, "ServerError")
        assert.strictEqual(api.counters.creates, 1, "never re-sent")
      }))
  }
})

describe("listAll", () => {
  it.effect("every one of 10,000 webhooks, once each, newest first", () =>
    Effect.gen(function*() {
      const api = MemoryStore.make({ preload: 10_000 })
      const listed = yield* withClient(api, (webhooks) =>
        Effect.gen(function*() {
          return yield* Stream.runCollect(webhooks.listAll())
        }))
      assert.strictEqual(listed.length, 10_000)
      assert.strictEqual(new Set(listed.map((w) => w.id)).size, 10_000)
      assert.strictEqual(listed[0]!.id, "webhook_pre_9999")
      assert.strictEqual(listed[9_999]!.id, "webhook_pre_0")
      assert.strictEqual(api.counters.lists, 50)
      assert.isTrue(api.log.every((entry) => entry.query.includes("limit=200")))
    }))

  it.effect("pages one ahead: the next page is requested before this page's webhooks reach the consumer, and no further", () =>
    Effect.gen(function*() {
      const api = MemoryStore.make({ preload: 1_000 })
      const seen = yield* withClient(api, (webhooks) =>
        Effect.gen(function*() {
          // List requests sent when the first webhook and the first of the second page arrive.
          const at: Array<number> = []
          yield* webhooks.listAll().pipe(
            Stream.tap((webhook) =>
              Effect.sync(() => {
                if (webhook.id === "webhook_pre_999" || webhook.id === "webhook_pre_799") at.push(api.counters.lists)
              })
            ),
            Stream.take(201),
            Stream.runDrain
          )
          return { at, afterTake: api.counters.lists }
        }))
      assert.deepStrictEqual(seen.at, [2, 3], "page n + 1 was asked for before page n was handed on")
      assert.strictEqual(seen.afterTake, 3, "a consumer that stops early costs one page ahead, not the whole listing")
    }))

  it.effect("a cursor given a second time ends the stream with an UnexpectedResponseError instead of paging forever", () =>
    Effect.gen(function*() {
      const api = MemoryStore.make({ preload: 5, loopCursor: true })
      const error = yield* withClient(api, (webhooks) =>
        Effect.gen(function*() {
          return yield* Effect.flip(Stream.runCollect(webhooks.listAll()))
        }))
      assert.instanceOf(error, WebhooksError.UnexpectedResponseError)
      assert.include(error.message, "returned the cursor \"again\" a second time")
      assert.isBelow(api.counters.lists, MemoryStore.loopStop, "it stopped at the repeat, not when the server did")
    }))

  it.effect("a page with an item that does not decode fails with UnexpectedResponseError naming the field", () =>
    Effect.gen(function*() {
      const api = MemoryStore.make({ preload: 3, brokenItem: true })
      const error = yield* withClient(api, (webhooks) =>
        Effect.gen(function*() {
          return yield* Effect.flip(Stream.runCollect(webhooks.listAll()))
        }))
      assert.instanceOf(error, WebhooksError.UnexpectedResponseError)
      if (error._tag !== "UnexpectedResponseError") return
      assert.strictEqual(error.path, "/websets/v0/webhooks")
      assert.include(error.message, "createdAt")
      assert.include(error.snippet, "webhook_pre_2")
    }))
})
