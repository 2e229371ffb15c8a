import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted, Stream } from "effect"
import { RateLimiter } from "effect/persistence"
import { WebhooksClient, WebhooksError } from "../src/index.ts"
import { API_KEY, clientLayer, fastRetry, HOOK_URL, stats, withMock } from "./fixtures/mock.ts"
import { MockServer } from "@exa-webhooks/mock-server"
import { type Answer, stub } from "./fixtures/stub.ts"

// A client of a stub server that always gives `answer`.
const stubbed = (answer: Answer, options: Partial<WebhooksClient.Options> = {}) =>
  Effect.gen(function*() {
    const server = yield* stub(answer)
    const webhooks = yield* WebhooksClient.make({
      apiKey: Redacted.make(API_KEY),
      baseUrl: server.url,
      retry: fastRetry,
      ...options
    })
    return { server, webhooks }
  })

describe("each failure is a tagged error with method, path, status, requestId and Exa's message", () => {
  it.live("401 AuthenticationError, not retried", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const error = yield* Effect.flip(webhooks.list())
      assert.instanceOf(error, WebhooksError.AuthenticationError)
      if (error._tag !== "AuthenticationError") return
      assert.strictEqual(error.status, 401)
      assert.strictEqual(error.method, "GET")
      assert.strictEqual(error.path, "/websets/v0/webhooks")
      assert.strictEqual(error.code, "INVALID_API_KEY")
      assert.match(error.requestId ?? "", /\S/)
      assert.include(error.message, "is not valid for this server")
      assert.isFalse(error.isRetryable)
      assert.include(error.advice, "Check the API key")
      assert.deepStrictEqual(error.setting, { option: "apiKey" }, "explicit options: no variable is named")
      assert.notInclude(WebhooksError.format(error), "EXA_API_KEY")
      assert.strictEqual((yield* stats).requests, 1)
    }).pipe(
      Effect.provide(
        clientLayer({ apiKey: Redacted.make("not-the-key") }).pipe(Layer.provideMerge(MockServer.layer({ apiKey: API_KEY })))
      )
    ))

  it.live("403 PermissionDeniedError, with the request id from the X-Request-Id header", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, webhooks } = yield* stubbed({
        status: 403,
        headers: { "x-request-id": "req_stub_403" },
        body: JSON.stringify({ error: "Forbidden", message: "This key may not manage webhooks", tag: "FORBIDDEN" })
      })
      const error = yield* Effect.flip(webhooks.delete("webhook_1"))
      assert.instanceOf(error, WebhooksError.PermissionDeniedError)
      if (error._tag !== "PermissionDeniedError") return
      assert.strictEqual(error.status, 403)
      assert.strictEqual(error.method, "DELETE")
      assert.strictEqual(error.path, "/websets/v0/webhooks/webhook_1")
      assert.strictEqual(error.requestId, "req_stub_403")
      assert.strictEqual(error.code, "FORBIDDEN")
      assert.include(error.message, "This key may not manage webhooks")
      assert.strictEqual(server.requests(), 1)
    }).pipe(Effect.provide(Layer.merge(NodeHttpClient.layerUndici, RateLimiter.layerStoreMemory)))))

  it.live("404 NotFoundError names the id", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const error = yield* Effect.flip(webhooks.get("webhook_missing"))
      assert.instanceOf(error, WebhooksError.NotFoundError)
      if (error._tag !== "NotFoundError") return
      assert.strictEqual(error.status, 404)
      assert.strictEqual(error.path, "/websets/v0/webhooks/webhook_missing")
      assert.strictEqual(error.code, "webhook_not_found")
      assert.match(error.requestId ?? "", /\S/)
      assert.include(error.message, "No webhook has the id \"webhook_missing\"")
      assert.strictEqual((yield* stats).requests, 1)
    }).pipe(Effect.provide(withMock())))

  it.live("429 RateLimitError after the retries, with how long Exa asked to wait", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const [first, second] = yield* Effect.all([Effect.result(webhooks.list()), Effect.flip(webhooks.list())], {
        concurrency: 2
      })
      assert.strictEqual(first._tag, "Success")
      assert.instanceOf(second, WebhooksError.RateLimitError)
      if (second._tag !== "RateLimitError") return
      assert.strictEqual(second.status, 429)
      assert.deepStrictEqual(second.retryAfter, Duration.seconds(1))
      assert.isTrue(second.isRetryable)
      assert.strictEqual(second.code, "RATE_LIMIT_EXCEEDED")
      assert.include(second.message, "Exa asked to wait 1 s")
      // Built with explicit options: the advice names the option, never an environment variable.
      assert.strictEqual(second.advice, "Lower the client's rate limit or retry later.")
      assert.deepStrictEqual(second.setting, { option: "rateLimit" })
      assert.notInclude(second.message, "EXA_")
      assert.strictEqual(WebhooksError.format(second), `${second.message} Lower the client's rate limit or retry later (the rateLimit option).`)
    }).pipe(Effect.provide(withMock({ rateLimit: 1 }, { rateLimit: Infinity, retry: { maxRetries: 0 } }))))

  it.live("other 4xx: ApiError with Exa's code and detail; a refused create is not retried", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      yield* webhooks.create({ url: HOOK_URL, events: ["webset.created"] })
      const full = yield* Effect.flip(webhooks.create({ url: HOOK_URL, events: ["webset.created"] }))
      assert.instanceOf(full, WebhooksError.ApiError)
      if (full._tag !== "ApiError") return
      assert.strictEqual(full.status, 409)
      assert.strictEqual(full.code, "webhook_limit_reached")
      assert.deepStrictEqual(full.detail, { limit: 1 })
      assert.strictEqual((yield* stats).requests, 2, "the 409 was not retried")

      const cursor = yield* Effect.flip(webhooks.list({ cursor: "not-a-cursor" }))
      assert.instanceOf(cursor, WebhooksError.ApiError)
      if (cursor._tag !== "ApiError") return
      assert.strictEqual(cursor.status, 400)
      assert.strictEqual(cursor.code, "invalid_cursor")
      assert.include(cursor.message, "is not a cursor this server issued")
    }).pipe(Effect.provide(withMock({ maxWebhooks: 1 }))))

  it.live("5xx ServerError after the retries", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const error = yield* Effect.flip(webhooks.get("webhook_1"))
      assert.instanceOf(error, WebhooksError.ServerError)
      if (error._tag !== "ServerError") return
      assert.include([500, 502, 503], error.status)
      assert.strictEqual(error.attempts, 3)
      assert.include(error.message, "after 3 attempts")
      assert.isUndefined(error.idempotencyKey, "only a create's unknown outcome carries a key")
      assert.match(error.requestId ?? "", /\S/)
    }).pipe(Effect.provide(withMock({ faultRate: 1 }, { retry: { ...fastRetry, maxRetries: 2 } }))))

  it.live("TransportError: timeout", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const error = yield* Effect.flip(webhooks.list())
      assert.instanceOf(error, WebhooksError.TransportError)
      if (error._tag !== "TransportError") return
      assert.strictEqual(error.reason, "timeout")
      assert.strictEqual(error.attempts, 2)
      assert.include(error.message, "no response within 50 ms after 2 attempts")
      assert.strictEqual((yield* stats).requests, 2)
    }).pipe(Effect.provide(withMock({ latencyMillis: 500 }, { timeout: 50, retry: { ...fastRetry, maxRetries: 1 } }))))

  it.live("TransportError: connection refused", () =>
    Effect.gen(function*() {
      // A port that was just free: start a mock, note its URL, stop it.
      const mock = yield* Effect.promise(() => MockServer.start())
      yield* Effect.promise(() => mock.close())
      const webhooks = yield* WebhooksClient.make({
        apiKey: Redacted.make(API_KEY),
        baseUrl: mock.url,
        retry: { ...fastRetry, maxRetries: 2 }
      })
      const error = yield* Effect.flip(webhooks.list())
      assert.instanceOf(error, WebhooksError.TransportError)
      if (error._tag !== "TransportError") return
      assert.strictEqual(error.reason, "connection")
      assert.strictEqual(error.attempts, 3)
      assert.include(error.message, "ECONNREFUSED")
      assert.include(error.advice, `the base URL (${mock.url})`, "the advice names the URL used, not one way of setting it")
    }).pipe(Effect.provide(Layer.merge(NodeHttpClient.layerUndici, RateLimiter.layerStoreMemory))))

  it.live("TransportError: a host that does not resolve fails at once (no retry), naming the host", () =>
    Effect.gen(function*() {
      // Every default of the retries: a retryable failure would be sent six times, over seconds of backoff.
      const webhooks = yield* WebhooksClient.make({ apiKey: Redacted.make(API_KEY), baseUrl: "https://api.exa-typo.invalid" })
      const error = yield* Effect.flip(webhooks.list())
      assert.instanceOf(error, WebhooksError.TransportError)
      if (error._tag !== "TransportError") return
      assert.strictEqual(error.reason, "dns")
      assert.strictEqual(error.attempts, 1)
      assert.isFalse(error.isRetryable)
      assert.isFalse(error.mayHaveBeenApplied, "a name that does not resolve sent nothing")
      assert.strictEqual(error.host, "api.exa-typo.invalid")
      assert.include(error.message, "the host api.exa-typo.invalid does not resolve")
      assert.include(error.advice, "https://api.exa-typo.invalid")
    }).pipe(Effect.provide(Layer.merge(NodeHttpClient.layerUndici, RateLimiter.layerStoreMemory))))

  it.live("UnexpectedResponseError: a 2xx whose body does not decode, with a snippet", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, webhooks } = yield* stubbed({
        status: 200,
        headers: { "x-request-id": "req_stub_200" },
        body: JSON.stringify({ id: 42, object: "webhook" })
      })
      const error = yield* Effect.flip(webhooks.get("webhook_1"))
      assert.instanceOf(error, WebhooksError.UnexpectedResponseError)
      if (error._tag !== "UnexpectedResponseError") return
      assert.strictEqual(error.status, 200)
      assert.strictEqual(error.requestId, "req_stub_200")
      assert.strictEqual(error.snippet, "{\"id\":42,\"object\":\"webhook\"}")
      assert.include(error.message, "cannot read")
      assert.strictEqual(server.requests(), 1, "a body that does not decode is not retried")
    }).pipe(Effect.provide(Layer.merge(NodeHttpClient.layerUndici, RateLimiter.layerStoreMemory)))))

  it.live("UnexpectedResponseError: a page that says more follow but gives no cursor ends the stream with an error", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, webhooks } = yield* stubbed({
        status: 200,
        body: JSON.stringify({ data: [], hasMore: true, nextCursor: null })
      })
      const error = yield* Effect.flip(Stream.runCollect(webhooks.listAll()))
      assert.instanceOf(error, WebhooksError.UnexpectedResponseError)
      if (error._tag !== "UnexpectedResponseError") return
      assert.strictEqual(error.path, "/websets/v0/webhooks")
      assert.include(error.message, "gave no cursor")
      assert.strictEqual(server.requests(), 1)
    }).pipe(Effect.provide(Layer.merge(NodeHttpClient.layerUndici, RateLimiter.layerStoreMemory)))))
})
