import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { MockServer } from "@exa-webhooks/mock-server"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Layer, Logger, Redacted, References, Stream, Tracer } from "effect"
import { RateLimiter } from "effect/persistence"
import { Headers, HttpClient } from "effect/http"
import { inspect } from "node:util"
import { WebhooksClient } from "../src/index.ts"
import type { WebhooksError } from "../src/index.ts"
import { API_KEY, clientLayer, fastRetry, HOOK_URL, withMock } from "./fixtures/mock.ts"
import { stub } from "./fixtures/stub.ts"

const WRONG_KEY = "exa-wrong-key-5d3b9c0e2a7f4e1d"

// Every way a value can end up as text in a log, a report or a terminal.
const renderings = (value: unknown): ReadonlyArray<string> => [
  String(value),
  JSON.stringify(value) ?? "",
  inspect(value, { depth: 10, showHidden: true, getters: true }),
  value instanceof Error ? `${value.stack}` : "",
  Cause.pretty(Cause.fail(value))
]

describe("the API key never appears in an error, a log line, a span or a rendering", () => {
  it.live("across every kind of failure, retries and recoveries", () =>
    Effect.gen(function*() {
      const logs: Array<string> = []
      const spans: Array<Tracer.Span> = []
      const tracer = Tracer.make({
        span(options) {
          const span = Tracer.nativeTracer.span(options)
          spans.push(span)
          return span
        }
      })
      const capture = Logger.make((options) => {
        logs.push(Logger.formatLogFmt.log(options), Logger.formatJson.log(options))
      })
      const errors: Array<WebhooksError.WebhooksError> = []
      const collect = <A, R>(effect: Effect.Effect<A, WebhooksError.WebhooksError, R>) =>
        Effect.catch(Effect.asVoid(effect), (error) => Effect.sync(() => errors.push(error)))

      const scenario = Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        // Creates that meet faults and ambiguous faults: retries, lookups, recreates, debug logs.
        yield* Effect.forEach(
          Array.from({ length: 30 }, (_, i) => i),
          (i) => collect(webhooks.create({ url: `${HOOK_URL}/${i}`, events: ["webset.created"] })),
          { concurrency: 10 }
        )
        yield* collect(webhooks.get("webhook_missing"))
        yield* collect(webhooks.list({ cursor: "bogus" }))
        yield* collect(webhooks.create({ url: "nope", events: [] }))
        yield* collect(Stream.runCollect(webhooks.listAll({ limit: 0 })))
      }).pipe(Effect.provide(withMock(
        { faultRate: 0.3, ambiguousFaultRate: 0.3, seed: 3 },
        { rateLimit: Infinity, retry: { ...fastRetry, maxRetries: 3 } }
      )))

      const wrongKey = Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        yield* collect(webhooks.list())
      }).pipe(
        Effect.provide(
          clientLayer({ apiKey: Redacted.make(WRONG_KEY) }).pipe(Layer.provideMerge(MockServer.layer({ apiKey: API_KEY })))
        )
      )

      // A server that echoes the key it was sent (some gateways do) must not carry it into the error.
      const echo = Effect.scoped(Effect.gen(function*() {
        const server = yield* stub({
          status: 401,
          // Whole, partly masked, in the body and in headers (which the spans record).
          headers: { "x-echo-key": API_KEY, "x-echo-masked": `${API_KEY.slice(0, 10)}****${API_KEY.slice(-9)}` },
          body: JSON.stringify({
            error: "Unauthorized",
            message: `The key ${API_KEY} (${API_KEY.slice(0, 12)}********) is revoked`,
            requestId: "r1"
          })
        })
        const webhooks = yield* WebhooksClient.make({ apiKey: Redacted.make(API_KEY), baseUrl: server.url })
        yield* collect(webhooks.get("webhook_1"))
        const garbled = yield* stub({ status: 200, body: `{"echo":"${API_KEY}"}` })
        const other = yield* WebhooksClient.make({ apiKey: Redacted.make(API_KEY), baseUrl: garbled.url })
        yield* collect(other.get("webhook_1"))
      })).pipe(Effect.provide(Layer.merge(NodeHttpClient.layerUndici, RateLimiter.layerStoreMemory)))

      const timeout = Effect.gen(function*() {
        const webhooks = yield* WebhooksClient.WebhooksClient
        yield* collect(webhooks.list())
      }).pipe(Effect.provide(withMock({ latencyMillis: 200 }, { timeout: 20, retry: { ...fastRetry, maxRetries: 1 } })))

      yield* Effect.all([scenario, wrongKey, echo, timeout]).pipe(
        Effect.withTracer(tracer),
        // Record every header on HTTP spans, with an application that emptied the redaction list: the client must
        // still keep its key's header redacted.
        Effect.provideService(HttpClient.TracerHeaderFilter, () => true),
        Effect.provideService(Headers.CurrentRedactedNames, []),
        Effect.provide(Logger.layer([capture])),
        Effect.provideService(References.MinimumLogLevel, "Trace")
      )

      const tags = new Set(errors.map((e) => e._tag))
      for (
        const tag of [
          "InvalidInputError",
          "AuthenticationError",
          "NotFoundError",
          "ApiError",
          "TransportError",
          "UnexpectedResponseError"
        ]
      ) {
        assert.isTrue(tags.has(tag as WebhooksError.WebhooksError["_tag"]), `the run produced a ${tag}`)
      }
      assert.isAbove(logs.length, 0, "the run logged")
      const keyHeaders = spans.flatMap((s) => [...s.attributes].filter(([name]) => name.includes("x-api-key")))
      assert.isAbove(keyHeaders.length, 0, "HTTP spans recorded the key's header")
      assert.isTrue(keyHeaders.every(([, value]) => String(value) === "<redacted>"))
      assert.isTrue(logs.some((line) => line.includes("exa-webhooks: retrying")), "retries were logged")
      assert.isTrue(
        errors.some((e) => e.message.includes("<redacted>")),
        "the echoed key was replaced in the error"
      )

      const options: WebhooksClient.Options = { apiKey: Redacted.make(API_KEY) }
      const texts = [
        ...errors.flatMap(renderings),
        ...logs,
        ...spans.map((s) => inspect({ name: s.name, attributes: s.attributes, status: s.status }, { depth: 10 })),
        ...renderings(options),
        ...renderings(options.apiKey)
      ]
      assert.isTrue(
        spans.some((s) => [...s.attributes].some(([name]) => name.includes("x-echo-key"))),
        "spans recorded the echoing response header"
      )
      for (const secret of [API_KEY, WRONG_KEY]) {
        // Any run of 8 characters of the key counts as a leak: a partial echo is an echo.
        const runs = Array.from({ length: secret.length - 7 }, (_, i) => secret.slice(i, i + 8))
        const leaks = texts.filter((text) => runs.some((run) => text.includes(run)))
        assert.deepStrictEqual(leaks, [], `the key ${secret.slice(0, 8)}... leaked`)
      }
    }), 30_000)
})
