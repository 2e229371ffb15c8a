import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { WebhooksClient, WebhooksError } from "../src/index.ts"
import * as Errors from "../src/internal/errors.ts"
import { fastRetry, HOOK_URL, stats, withMock } from "./fixtures/mock.ts"

const KEY = WebhooksClient.IDEMPOTENCY_METADATA_KEY
const N = 300

const withToken = (token: string) =>
  Effect.gen(function*() {
    const webhooks = yield* WebhooksClient.WebhooksClient
    return yield* webhooks.listAll().pipe(
      Stream.filter((w) => w.metadata[KEY] === token),
      Stream.runCollect
    )
  })

describe("duplicate-safe create", () => {
  // Over real sockets, sized to finish in seconds on a loaded machine. The same guarantee for 1,000 creates at the
  // default 10 requests/second, where recovery lookups queue for minutes, is proven on the TestClock in Budget.test.ts.
  it.live("300 concurrent creates under ambiguous faults make exactly 300 webhooks, each returned with its secret", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const created = yield* Effect.forEach(
        Array.from({ length: N }, (_, i) => i),
        // raceCheck: false, as a bulk caller whose keys are its own does: no listing after every create.
        (i) =>
          webhooks.create({ url: `${HOOK_URL}/${i}`, events: ["webset.created"] }, { idempotencyKey: `item-${i}`, raceCheck: false }),
        { concurrency: "unbounded" }
      )
      const s = yield* stats
      assert.isAbove(s.ambiguousFaults, 10, "the run met ambiguous faults (applied, then failed)")
      assert.isAbove(s.droppedConnections, 0)
      assert.isAbove(s.creates, N, "some creates were applied and recreated")
      assert.strictEqual(s.webhooks, N)

      assert.isTrue(created.every((w) => typeof w.secret === "string" && w.secret.length > 0), "every secret returned")
      const ids = new Set(created.map((w) => w.id))
      assert.strictEqual(ids.size, N)
      const listed = yield* Stream.runCollect(webhooks.listAll())
      assert.strictEqual(listed.length, N)
      assert.isTrue(listed.every((w) => ids.has(w.id)), "the stored webhooks are exactly the ones returned")
      const tokens = new Set(listed.map((w) => w.metadata[KEY]))
      assert.strictEqual(tokens.size, N, "one webhook per idempotency key")
    }).pipe(Effect.provide(withMock(
      { faultRate: 0.05, ambiguousFaultRate: 0.1, seed: 20_240_601 },
      { rateLimit: 20_000, retry: { baseDelay: 1, maxDelay: 20, maxRetries: 10 } }
    ))), 60_000) // real sockets on a shared machine: ~2 s alone

  it.live("onRecovered: \"return\" returns the webhook an ambiguous attempt created (its secret is lost)", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const hook = yield* webhooks.create({ url: HOOK_URL, events: ["webset.created"] }, { idempotencyKey: "once" })
      assert.isNull(hook.secret)
      assert.strictEqual(hook.metadata[KEY], "once")
      const s = yield* stats
      assert.strictEqual(s.creates, 1, "found by its key, never sent again")
      assert.strictEqual(s.webhooks, 1)
    }).pipe(Effect.provide(withMock({ ambiguousFaultRate: 1 }, { onRecovered: "return", retry: fastRetry }))))

  it.live("onRecovered: \"recreate\" deletes what an ambiguous attempt created before sending again", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      // Every mutation is applied and then fails, so all three attempts create a webhook and none can be confirmed.
      const error = yield* Effect.flip(
        webhooks.create({ url: HOOK_URL, events: ["webset.created"] }, { idempotencyKey: "k-1" })
      )
      assert.isTrue(error instanceof WebhooksError.ServerError || error instanceof WebhooksError.TransportError)
      const uncertain = error as WebhooksError.ServerError | WebhooksError.TransportError
      // The advice is a field, so an application can render its own in its place (the CLI names its flag).
      assert.include(uncertain.advice, "The webhook may have been created")
      assert.include(uncertain.advice, "idempotencyKey \"k-1\" and lookupFirst: true")
      assert.strictEqual(uncertain.advice, Errors.recoveryAdvice("k-1"))
      assert.notInclude(error.message, "lookupFirst")
      assert.strictEqual(uncertain.idempotencyKey, "k-1")
      const s = yield* stats
      assert.strictEqual(s.creates, 3)
      assert.strictEqual(s.webhooks, 1, "each recovered webhook was deleted before the next attempt")
      assert.strictEqual((yield* withToken("k-1")).length, 1)
    }).pipe(Effect.provide(withMock({ ambiguousFaultRate: 1 }, { retry: { ...fastRetry, maxRetries: 2 } }))))

  it.live("the recovery's lookup and delete count against maxElapsed: no create is re-sent past it", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      // The create (~200 ms) leaves room for a retry within 500 ms; its lookup and delete (~200 ms each) do not.
      const error = yield* Effect.flip(
        webhooks.create({ url: HOOK_URL, events: ["webset.created"] }, { idempotencyKey: "late" })
      )
      assert.isTrue(error instanceof WebhooksError.ServerError || error instanceof WebhooksError.TransportError)
      assert.strictEqual((error as WebhooksError.ServerError | WebhooksError.TransportError).idempotencyKey, "late")
      assert.strictEqual((yield* stats).creates, 1, "not re-sent after the budget was spent on the recovery")
    }).pipe(Effect.provide(withMock(
      { ambiguousFaultRate: 1, latencyMillis: 200 },
      { retry: { ...fastRetry, maxRetries: 5, maxElapsed: 500 } }
    ))))

  it.live("lookupFirst settles a create made by an earlier call with the same key", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const original = yield* webhooks.create({ url: HOOK_URL, events: ["webset.created"] }, { idempotencyKey: "m-7" })

      const returned = yield* webhooks.create({ url: HOOK_URL, events: ["webset.created"] }, {
        idempotencyKey: "m-7",
        lookupFirst: true,
        onRecovered: "return"
      })
      assert.strictEqual(returned.id, original.id)
      assert.strictEqual((yield* stats).creates, 1)

      const recreated = yield* webhooks.create({ url: HOOK_URL, events: ["webset.created"] }, {
        idempotencyKey: "m-7",
        lookupFirst: true
      })
      assert.notStrictEqual(recreated.id, original.id)
      assert.isString(recreated.secret)
      const s = yield* stats
      assert.strictEqual(s.creates, 2)
      assert.strictEqual(s.webhooks, 1)
      assert.deepStrictEqual((yield* withToken("m-7")).map((w) => w.id), [recreated.id])
    }).pipe(Effect.provide(withMock())))

  it.live("a create refused with 429 is sent again without a lookup (it was not applied)", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      yield* webhooks.create({ url: HOOK_URL, events: ["webset.created"] })
      yield* webhooks.create({ url: HOOK_URL, events: ["webset.created"] })
      const s = yield* stats
      assert.strictEqual(s.rateLimited, 1)
      assert.strictEqual(s.requests, 3, "create, create (429), create: no list request")
      assert.strictEqual(s.webhooks, 2)
    }).pipe(Effect.provide(withMock({ rateLimit: 1 }, { rateLimit: Infinity }))))

  it.live("a key given in metadata under the reserved name is the idempotency key", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const hook = yield* webhooks.create({ url: HOOK_URL, events: ["webset.created"], metadata: { [KEY]: "from-metadata" } })
      assert.strictEqual(hook.metadata[KEY], "from-metadata")
      const again = yield* webhooks.create(
        { url: HOOK_URL, events: ["webset.created"], metadata: { [KEY]: "from-metadata" } },
        { lookupFirst: true, onRecovered: "return" }
      )
      assert.strictEqual(again.id, hook.id)
    }).pipe(Effect.provide(withMock())))
})
