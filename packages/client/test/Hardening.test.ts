import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { MockServer } from "@exa-webhooks/mock-server"
import { ReservedMetadata } from "@exa-webhooks/schema"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Layer, Logger, Redacted, References, Stream } from "effect"
import { RateLimiter } from "effect/persistence"
import { FetchHttpClient, HttpClient } from "effect/http"
import { inspect } from "node:util"
import { WebhooksClient, WebhooksError } from "../src/index.ts"
import { API_KEY, clientLayer, fastRetry, HOOK_URL, stats, withMock } from "./fixtures/mock.ts"
import { redirectPair } from "./fixtures/redirect.ts"
import { stub } from "./fixtures/stub.ts"
import { recording } from "./fixtures/tracer.ts"

const KEY = WebhooksClient.IDEMPOTENCY_METADATA_KEY
const hook: WebhooksClient.CreateInput = { url: HOOK_URL, events: ["webset.created"] }

// Every run of 8 characters of the key, to search text for partial echoes.
const runsOf = (secret: string) => Array.from({ length: secret.length - 7 }, (_, i) => secret.slice(i, i + 8))
const leaksIn = (texts: ReadonlyArray<string>, secret = API_KEY) =>
  texts.filter((text) => runsOf(secret).some((run) => text.includes(run)))

describe("a redirect is never followed with the key", () => {
  for (const [name, transport] of [["FetchHttpClient", FetchHttpClient.layer], ["undici", NodeHttpClient.layerUndici]] as const) {
    for (const status of [301, 302, 307, 308]) {
      it.live(`${name}, ${status}: the other origin receives nothing, the error names it`, () =>
        Effect.scoped(Effect.gen(function*() {
          const pair = yield* redirectPair(status)
          const webhooks = yield* WebhooksClient.make({ apiKey: Redacted.make(API_KEY), baseUrl: pair.redirector, retry: fastRetry })
          const listed = yield* Effect.flip(webhooks.list())
          const created = yield* Effect.flip(webhooks.create(hook))
          for (const error of [listed, created]) {
            assert.instanceOf(error, WebhooksError.UnexpectedResponseError)
            assert.include(error.message, `redirecting to ${pair.target}`)
            assert.include(error.message, "never follows a redirect")
            assert.strictEqual((error as WebhooksError.UnexpectedResponseError).status, status)
          }
          assert.deepStrictEqual(pair.keysReceived(), [], "the redirect's target got no request at all")
        })).pipe(Effect.provide(Layer.merge(transport, RateLimiter.layerStoreMemory))))
    }
  }
})

describe("the key is redacted where text is shown, never from data", () => {
  it.live("a header echo and a partly masked echo: errors and spans show no run of 8 characters of the key", () =>
    Effect.scoped(Effect.gen(function*() {
      const { spans, tracer } = recording()
      const masked = `${API_KEY.slice(0, 12)}********${API_KEY.slice(-4)}`
      const server = yield* stub({
        status: 401,
        headers: { "x-echo-key": API_KEY, "x-request-id": `req-${API_KEY}`, "x-masked": masked },
        body: JSON.stringify({ error: "Unauthorized", message: `The key ${masked} is revoked` })
      })
      const webhooks = yield* WebhooksClient.make({ apiKey: Redacted.make(API_KEY), baseUrl: server.url })
      const error = yield* Effect.flip(webhooks.get("webhook_1")).pipe(
        Effect.withTracer(tracer),
        Effect.provideService(HttpClient.TracerHeaderFilter, () => true)
      )
      assert.instanceOf(error, WebhooksError.AuthenticationError)
      assert.include(error.message, "<redacted>")
      const echoed = spans.flatMap((span) => [...span.attributes].filter(([name]) => name.includes("x-echo-key")))
      assert.isAbove(echoed.length, 0, "the span recorded the echoing header")
      const texts = [
        String(error),
        inspect(error, { depth: 10 }),
        JSON.stringify(error),
        Cause.pretty(Cause.fail(error)),
        ...spans.map((span) => inspect({ attributes: span.attributes, status: span.status }, { depth: 10 }))
      ]
      assert.deepStrictEqual(leaksIn(texts), [])
    })).pipe(Effect.provide(Layer.merge(NodeHttpClient.layerUndici, RateLimiter.layerStoreMemory))))

  for (const key of ["growth", "active", "hook"]) {
    it.live(`an API key "${key}" that also occurs in the data leaves the data intact`, () =>
      Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        const created = yield* webhooks.create({ ...hook, metadata: { team: key } })
        assert.strictEqual(created.metadata.team, key)
        assert.strictEqual(created.status, "active")
        const page = yield* webhooks.list()
        assert.strictEqual(page.data[0]?.metadata.team, key)
      }).pipe(Effect.provide(
        clientLayer({ apiKey: Redacted.make(key) }).pipe(Layer.provideMerge(MockServer.layer({ apiKey: key })))
      )))
  }
})

const rejected = <A>(operation: (webhooks: WebhooksClient.Service) => Effect.Effect<A, WebhooksError.WebhooksError>) =>
  Effect.gen(function*() {
    const webhooks = yield* WebhooksClient.WebhooksClient
    const error = yield* Effect.flip(operation(webhooks))
    assert.instanceOf(error, WebhooksError.InvalidInputError)
    assert.strictEqual((yield* stats).requests, 0, "no request left the client")
    return error
  })

describe("bad arguments are typed errors, and nothing is sent", () => {
  it.live("ids that would address another path, blanks and control characters", () =>
    Effect.gen(function*() {
      for (const id of [".", "..", "   ", "wh\n1", "wh\u00001"]) {
        yield* rejected((w) => w.attempts(id))
        yield* rejected((w) => w.delete(id))
        yield* rejected((w) => w.get(id))
        yield* rejected((w) => w.update(id, { url: HOOK_URL }))
      }
    }).pipe(Effect.provide(withMock())))

  it.live("null options, an unknown onRecovered, an empty update, a key with a line break", () =>
    Effect.gen(function*() {
      const nullCreate = yield* rejected((w) => w.create(hook, null as never))
      assert.include(nullCreate.message, "options")
      yield* rejected((w) => w.list(null as never))
      yield* rejected((w) => w.attempts("webhook_1", null as never))
      const bogus = yield* rejected((w) => w.create(hook, { onRecovered: "bogus" as never }))
      assert.include(bogus.message, "onRecovered")
      const empty = yield* rejected((w) => w.update("webhook_1", {}))
      assert.include(empty.message, "nothing to change")
      yield* rejected((w) => w.create(hook, { idempotencyKey: "a\nb" }))
    }).pipe(Effect.provide(withMock())))

  it.live("a URL with a space, a newline or 70 KB is refused before it is sent", () =>
    Effect.gen(function*() {
      for (const url of ["https://example.com/a b", "https://example.com/a\nb", `https://example.com/${"x".repeat(70_000)}`]) {
        const error = yield* rejected((w) => w.create({ ...hook, url }))
        assert.isBelow(error.message.length, 600, "the message does not echo the whole input")
      }
    }).pipe(Effect.provide(withMock())))

  it("a base URL with a query, credentials or a port fetch refuses fails the build with InvalidOptionsError", () => {
    for (const baseUrl of ["http://127.0.0.1:8080?x=1", "http://127.0.0.1:1", "http://127.0.0.1:6000", "https://u:pw-XYZ@api.exa.ai"]) {
      const error = Effect.runSync(Effect.flip(
        WebhooksClient.make({ apiKey: Redacted.make("k"), baseUrl }).pipe(
          Effect.provide(Layer.merge(FetchHttpClient.layer, RateLimiter.layerStoreMemory))
        )
      ))
      assert.instanceOf(error, WebhooksError.InvalidOptionsError, baseUrl)
      assert.strictEqual(error.option, "baseUrl")
      assert.isFalse(error.isRetryable)
      assert.notInclude(`${error.message} ${error.value}`, "pw-XYZ", "the password is never shown")
    }
  })
})

describe("update keeps reserved metadata", () => {
  it.live("new metadata keeps the idempotency key, so a later create with that key finds the webhook", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const created = yield* webhooks.create({ ...hook, metadata: { team: "a", [ReservedMetadata.NAMESPACE]: "ns" } }, {
        idempotencyKey: "k-upd"
      })
      const updated = yield* webhooks.update(created.id, { metadata: { team: "b" } })
      assert.deepStrictEqual(updated.metadata, { team: "b", [KEY]: "k-upd", [ReservedMetadata.NAMESPACE]: "ns" })
      const again = yield* webhooks.create(hook, { idempotencyKey: "k-upd", lookupFirst: true, onRecovered: "return" })
      assert.strictEqual(again.id, created.id)
      assert.strictEqual((yield* stats).webhooks, 1)
      // A caller that names a reserved key sets it; keepReserved: false removes the others on purpose.
      const renamed = yield* webhooks.update(created.id, { metadata: { team: "c", [KEY]: "k-2" } })
      assert.strictEqual(renamed.metadata[KEY], "k-2")
      const stripped = yield* webhooks.update(created.id, { metadata: { team: "d" } }, { keepReserved: false })
      assert.deepStrictEqual(stripped.metadata, { team: "d" })
    }).pipe(Effect.provide(withMock())))
})

// Two layers are two processes: separate gates, no shared state but the server.
const twoCallers = (onExisting: WebhooksClient.OnRecovered) =>
  Effect.gen(function*() {
    const mock = yield* MockServer.MockServer
    const caller = WebhooksClient.make({ apiKey: Redacted.make(API_KEY), baseUrl: mock.url, retry: fastRetry })
    const [a, b] = [yield* caller, yield* caller]
    const results = yield* Effect.all(
      [a, b].map((webhooks) =>
        Effect.result(webhooks.create(hook, { idempotencyKey: "ci-job-9", lookupFirst: true, onRecovered: "recreate", onExisting }))
      ),
      { concurrency: "unbounded" }
    )
    const listed = yield* Stream.runCollect(a.listAll())
    return { results, listed }
  }).pipe(Effect.provide(Layer.merge(NodeHttpClient.layerUndici, RateLimiter.layerStoreMemory)))

describe("concurrent callers with one idempotency key", () => {
  it.live("onExisting \"recreate\": one webhook, one caller holds its secret, the other gets IdempotencyConflictError", () =>
    Effect.gen(function*() {
      const { listed, results } = yield* twoCallers("recreate")
      assert.strictEqual(listed.length, 1, "exactly one webhook")
      const winners = results.filter((r) => r._tag === "Success")
      const losers = results.filter((r) => r._tag === "Failure")
      assert.strictEqual(winners.length, 1)
      assert.strictEqual(losers.length, 1)
      const won = winners[0]!.success
      assert.strictEqual(won.id, listed[0]!.id)
      assert.isString(won.secret)
      const lost = losers[0]!.failure
      assert.instanceOf(lost, WebhooksError.IdempotencyConflictError)
      assert.strictEqual((lost as WebhooksError.IdempotencyConflictError).webhookId, won.id)
      assert.include(lost.message, "another create with the idempotency key \"ci-job-9\" ran at the same time")
    }).pipe(Effect.provide(MockServer.layer({ apiKey: API_KEY, latencyMillis: 300 }))), 20_000)

  it.live("onExisting \"return\": the other caller gets the kept webhook without its secret", () =>
    Effect.gen(function*() {
      const { listed, results } = yield* twoCallers("return")
      assert.strictEqual(listed.length, 1)
      const webhooks = results.flatMap((r) => (r._tag === "Success" ? [r.success] : []))
      assert.strictEqual(webhooks.length, 2, "both callers succeed")
      assert.deepStrictEqual(webhooks.map((w) => w.id), [listed[0]!.id, listed[0]!.id])
      assert.strictEqual(webhooks.filter((w) => w.secret !== null).length, 1, "exactly one caller holds the secret")
    }).pipe(Effect.provide(MockServer.layer({ apiKey: API_KEY, latencyMillis: 300 }))), 20_000)

  it.live("lookupFirst with \"recreate\" says what it replaces; raceCheck: false makes no extra listing", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const first = yield* webhooks.create(hook, { idempotencyKey: "r-1", raceCheck: false })
      assert.strictEqual((yield* stats).requests, 1, "no listing after the create")
      const replaced: Array<string> = []
      const second = yield* webhooks.create(hook, {
        idempotencyKey: "r-1",
        lookupFirst: true,
        onReplaced: (old) => Effect.sync(() => replaced.push(old.id))
      })
      assert.deepStrictEqual(replaced, [first.id])
      assert.notStrictEqual(second.id, first.id)
      assert.strictEqual((yield* stats).webhooks, 1)
    }).pipe(Effect.provide(withMock())))
})

describe("--log-level debug material", () => {
  it.live("a retry's log line names method, path, status, attempt and delay", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Logger.make(({ message }) => {
        lines.push(Array.isArray(message) ? message.map(String).join(" ") : String(message))
      })
      const webhooks = yield* WebhooksClient.WebhooksClient
      yield* Effect.result(webhooks.list()).pipe(
        Effect.withLogger(logger),
        Effect.provideService(References.MinimumLogLevel, "Debug")
      )
      const retry = lines.find((line) => line.startsWith("exa-webhooks: retrying"))
      assert.isDefined(retry)
      assert.match(retry!, /^exa-webhooks: retrying GET \/websets\/v0\/webhooks after status 5\d\d \(attempt 1 of 3\) in \d+ ms$/)
    }).pipe(Effect.provide(withMock({ faultRate: 1 }, { retry: { ...fastRetry, maxRetries: 2 } }))))
})
