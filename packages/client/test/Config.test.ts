import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { MockServer } from "@exa-webhooks/mock-server"
import { assert, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { HttpClient, HttpClientError } from "effect/http"
import { WebhooksClient, WebhooksError } from "../src/index.ts"
import { API_KEY, stats } from "./fixtures/mock.ts"

// `layerConfig()` reading `env` (plus the mock's URL as EXA_BASE_URL), next to the mock it points at.
const fromEnv = (env: Record<string, string>, mock: MockServer.Options = {}) =>
  Layer.unwrap(Effect.gen(function*() {
    const server = yield* MockServer.MockServer
    return WebhooksClient.layerConfig().pipe(
      Layer.provide(NodeHttpClient.layerUndici),
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { EXA_BASE_URL: server.url, ...env } })))
    )
  })).pipe(Layer.provideMerge(MockServer.layer({ apiKey: API_KEY, ...mock })))

const buildError = (layer: Layer.Layer<WebhooksClient.WebhooksClient, unknown>) =>
  Effect.scoped(Layer.build(layer)).pipe(Effect.flip, Effect.map(String))

// A client that never touches the network: it records each request's URL in `urls` and fails as if offline.
const offlineClient = (urls: Array<string>) =>
  HttpClient.make((request, url) => {
    urls.push(url.toString())
    return Effect.fail(
      new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, description: "offline" }) })
    )
  })

describe("layerConfig", () => {
  it.live("reads the key, base URL, rate limit and retry knobs from the environment", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const error = yield* Effect.flip(webhooks.list())
      assert.instanceOf(error, WebhooksError.ServerError)
      assert.strictEqual((yield* stats).requests, 3, "EXA_MAX_RETRIES=2")
    }).pipe(Effect.provide(fromEnv({
      EXA_API_KEY: API_KEY,
      EXA_RATE_LIMIT: "1000",
      EXA_MAX_RETRIES: "2",
      EXA_RETRY_BASE_DELAY: "1 millis",
      EXA_RETRY_MAX_DELAY: "2 millis"
    }, { faultRate: 1 }))))

  it.live("EXA_TIMEOUT bounds each attempt", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const error = yield* Effect.flip(webhooks.list())
      assert.instanceOf(error, WebhooksError.TransportError)
      assert.include(error.message, "no response within 30 ms")
    }).pipe(Effect.provide(fromEnv({ EXA_API_KEY: API_KEY, EXA_TIMEOUT: "30 millis", EXA_MAX_RETRIES: "0" }, {
      latencyMillis: 300
    }))))

  it.live("a missing EXA_API_KEY fails the layer, naming the variable", () =>
    Effect.gen(function*() {
      const message = yield* buildError(
        WebhooksClient.layerConfig().pipe(
          Layer.provide(NodeHttpClient.layerUndici),
          Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: {} })))
        )
      )
      assert.include(message, "EXA_API_KEY")
    }))

  it.live("malformed values fail the layer, naming the variable", () =>
    Effect.gen(function*() {
      for (
        const [name, value] of [
          ["EXA_RATE_LIMIT", "0"],
          ["EXA_RATE_LIMIT", "fast"],
          ["EXA_BASE_URL", "ftp://api.exa.ai"],
          ["EXA_MAX_RETRIES", "-1"],
          ["EXA_TIMEOUT", "soon"],
          ["EXA_TIMEOUT", "0 seconds"],
          ["EXA_RETRY_MAX_DELAY", "Infinity"]
        ] as const
      ) {
        const message = yield* buildError(
          WebhooksClient.layerConfig().pipe(
            Layer.provide(NodeHttpClient.layerUndici),
            Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { EXA_API_KEY: "k", [name]: value } })))
          )
        )
        assert.include(message, name, `${name}=${value}`)
      }
    }))

  it.live("defaults to https://api.exa.ai with the /websets/v0 paths", () =>
    Effect.gen(function*() {
      const urls: Array<string> = []
      const offline = offlineClient(urls)
      const layer = WebhooksClient.layerConfig().pipe(
        Layer.provide(Layer.succeed(HttpClient.HttpClient, offline)),
        Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { EXA_API_KEY: "k", EXA_MAX_RETRIES: "0" } })))
      )
      yield* Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        yield* Effect.flip(webhooks.get("webhook_1"))
      }).pipe(Effect.provide(layer))
      assert.deepStrictEqual(urls, ["https://api.exa.ai/websets/v0/webhooks/webhook_1"])
    }))

  it.live("a base URL given with a path and trailing slashes gets the paths after one slash", () =>
    Effect.gen(function*() {
      const urls: Array<string> = []
      const offline = offlineClient(urls)
      const layer = WebhooksClient.layer({ apiKey: Redacted.make("k"), baseUrl: "https://proxy.example/exa//", retry: { maxRetries: 0 } })
        .pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, offline)))
      yield* Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        yield* Effect.flip(webhooks.get("webhook_1"))
      }).pipe(Effect.provide(layer))
      assert.deepStrictEqual(urls, ["https://proxy.example/exa/websets/v0/webhooks/webhook_1"])
    }))
})

describe("layer", () => {
  it.effect("out-of-range options fail the build with InvalidOptionsError naming the option (never a defect)", () =>
    Effect.gen(function*() {
      for (
        const [options, name, value] of [
          [{ rateLimit: 0 }, "rateLimit", "0"],
          [{ rateLimit: Number.NaN }, "rateLimit", "NaN"],
          [{ rateLimitKey: "" }, "rateLimitKey", ""],
          [{ timeout: -1 }, "timeout", "-1"],
          [{ baseUrl: "api.exa.ai" }, "baseUrl", "api.exa.ai"],
          [{ baseUrl: "https:/api.exa.ai" }, "baseUrl", "https:/api.exa.ai"],
          [{ retry: { maxRetries: 1.5 } }, "retry.maxRetries", "1.5"],
          [{ retry: { baseDelay: -5 } }, "retry.baseDelay", "-5"],
          [{ retry: { maxElapsed: "Infinity" } }, "retry.maxElapsed", "Infinity"]
        ] as const
      ) {
        const exit = yield* Effect.exit(Effect.scoped(Layer.build(
          WebhooksClient.layer({ apiKey: Redacted.make("k"), ...options }).pipe(Layer.provide(NodeHttpClient.layerUndici))
        )))
        assert.isTrue(Exit.isFailure(exit))
        const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
        assert.isTrue(Option.isSome(error), `${name}: a typed failure, not a defect`)
        const failure = Option.getOrThrow(error)
        assert.instanceOf(failure, WebhooksError.InvalidOptionsError)
        assert.strictEqual(failure.option, name)
        assert.strictEqual(failure.value, value)
        assert.include(failure.message, name)
        assert.isTrue(WebhooksError.isWebhooksError(failure))
      }
    }))
})

describe("advice names a variable only when the client read it", () => {
  it.live("layerConfig: a wrong EXA_API_KEY is advised as EXA_API_KEY", () =>
    Effect.gen(function*() {
      const webhooks = yield* WebhooksClient.WebhooksClient
      const error = yield* Effect.flip(webhooks.list())
      assert.instanceOf(error, WebhooksError.AuthenticationError)
      if (error._tag !== "AuthenticationError") return
      assert.deepStrictEqual(error.setting, { option: "apiKey", env: "EXA_API_KEY" })
      assert.include(WebhooksError.format(error), "(EXA_API_KEY).")
      assert.notInclude(error.message, "EXA_API_KEY", "the message says what happened; the name is a field")
    }).pipe(Effect.provide(fromEnv({ EXA_API_KEY: "exa-not-the-key-000000000000" }))))
})
