import { MockServer } from "@exa-webhooks/mock-server"
import { assert, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Layer, Redacted } from "effect"
import { WebhooksClient, WebhooksError } from "../src/index.ts"
import * as Transport from "../src/Transport.ts"
import { API_KEY, fastRetry } from "./fixtures/mock.ts"
import * as Tinyproxy from "./fixtures/tinyproxy.ts"

// The client over its Node transport, configured from `env` as the bins and the README's layer are: through a real
// tinyproxy that logs every request it is asked to pass.

const clientOver = (env: Record<string, string>, baseUrl: string) =>
  WebhooksClient.layer({ apiKey: Redacted.make(API_KEY), baseUrl, retry: { ...fastRetry, maxRetries: 2 } }).pipe(
    Layer.provide(Transport.layerConfig()),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
  )

const listVia = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const mock = yield* MockServer.MockServer
    return yield* Effect.result(
      WebhooksClient.WebhooksClient.use((webhooks) => webhooks.list()).pipe(Effect.provide(clientOver(env, mock.url)))
    )
  })

const requests = Effect.flatMap(MockServer.MockServer, (mock) => Effect.map(mock.stats, (s) => s.requests))

describe.skipIf(!Tinyproxy.available())("the Node transport through a real proxy (tinyproxy)", () => {
  it.live("HTTP_PROXY: every request goes through the proxy", () =>
    Effect.scoped(Effect.gen(function*() {
      const proxy = yield* Tinyproxy.start
      const mock = yield* MockServer.MockServer
      const result = yield* listVia({ HTTP_PROXY: proxy.url })
      assert.strictEqual(result._tag, "Success")
      assert.deepStrictEqual(proxy.requests(), [`GET ${mock.url}/websets/v0/webhooks`])
      assert.strictEqual(yield* requests, 1)
    })).pipe(Effect.provide(MockServer.layer({ apiKey: API_KEY }))), 20_000)

  it.live("http_proxy (lower case) is read too, and NO_PROXY=127.0.0.1 bypasses the proxy", () =>
    Effect.scoped(Effect.gen(function*() {
      const proxy = yield* Tinyproxy.start
      const through = yield* listVia({ http_proxy: proxy.url })
      assert.strictEqual(through._tag, "Success")
      assert.lengthOf(proxy.requests(), 1)
      for (const bypass of [{ NO_PROXY: "127.0.0.1" }, { no_proxy: "localhost, 127.0.0.1" }, { NO_PROXY: "*" }]) {
        const direct = yield* listVia({ HTTP_PROXY: proxy.url, ...bypass })
        assert.strictEqual(direct._tag, "Success", JSON.stringify(bypass))
      }
      assert.lengthOf(proxy.requests(), 1, "no request after the first went through the proxy")
      assert.strictEqual(yield* requests, 4)
      // An empty variable turns the proxy off.
      assert.strictEqual((yield* listVia({ HTTP_PROXY: "" }))._tag, "Success")
      assert.lengthOf(proxy.requests(), 1)
    })).pipe(Effect.provide(MockServer.layer({ apiKey: API_KEY }))), 20_000)

  it.live("HTTPS_PROXY: an https request is tunnelled (CONNECT); a tunnel the proxy cannot open names the proxy", () =>
    Effect.scoped(Effect.gen(function*() {
      const proxy = yield* Tinyproxy.start
      const layer = clientOver({ HTTPS_PROXY: proxy.url }, "https://api.exa.invalid")
      const error = yield* Effect.flip(WebhooksClient.WebhooksClient.use((webhooks) => webhooks.list()).pipe(Effect.provide(layer)))
      assert.deepStrictEqual(proxy.requests(), ["CONNECT api.exa.invalid:443"])
      assert.instanceOf(error, WebhooksError.TransportError)
      if (error._tag !== "TransportError") return
      assert.strictEqual(error.reason, "proxy")
      assert.strictEqual(error.proxy, proxy.url)
      assert.include(error.message, `through the proxy ${proxy.url} to https://api.exa.invalid`)
    })), 20_000)

  it.live("an unreachable proxy fails at once, naming the proxy without its credentials; nothing reaches the API", () =>
    Effect.gen(function*() {
      const port = yield* Tinyproxy.freePort
      const result = yield* listVia({ HTTP_PROXY: `http://proxy-user:s3cret-pw@127.0.0.1:${port}` })
      assert.strictEqual(result._tag, "Failure")
      if (result._tag !== "Failure") return
      const error = result.failure
      assert.instanceOf(error, WebhooksError.TransportError)
      if (error._tag !== "TransportError") return
      assert.strictEqual(error.reason, "proxy")
      assert.strictEqual(error.attempts, 1, "not retried: a proxy that is not there does not appear a moment later")
      assert.isFalse(error.isRetryable)
      assert.strictEqual(error.proxy, `http://****@127.0.0.1:${port}`)
      assert.include(error.message, `could not go through the proxy http://****@127.0.0.1:${port}`)
      assert.include(error.message, "ECONNREFUSED")
      const text = `${WebhooksError.format(error)} ${JSON.stringify(error)}`
      assert.notInclude(text, "s3cret-pw")
      assert.notInclude(text, "proxy-user")
      assert.notInclude(error.message, "\n")
      assert.strictEqual(yield* requests, 0)
    }).pipe(Effect.provide(MockServer.layer({ apiKey: API_KEY }))), 20_000)
})

describe("proxy settings", () => {
  it.effect("a malformed proxy variable fails the layer naming the variable, never its value", () =>
    Effect.gen(function*() {
      for (const [name, value] of [["HTTPS_PROXY", "http://user:pw-XYZ@[bad"], ["http_proxy", "socks5://user:pw-XYZ@proxy:1080"]] as const) {
        const exit = yield* Effect.exit(Effect.scoped(Layer.build(
          Transport.layerConfig().pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { [name]: value } }))))
        )))
        assert.isTrue(Exit.isFailure(exit), name)
        const text = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
        assert.include(text, name)
        assert.notInclude(text, "pw-XYZ")
      }
    }))

  it.effect("without a proxy variable no proxy is used (process.env is not read behind the ConfigProvider's back)", () =>
    Effect.gen(function*() {
      const options = yield* Effect.all(Transport.fromEnv).pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: {} })))
      )
      assert.deepStrictEqual(options, { httpProxy: undefined, httpsProxy: undefined, noProxy: undefined })
    }))
})

// Without a proxy the transport is effect's node:http client (undici is loaded only for a proxy): the same client,
// the same errors.
describe("the Node transport without a proxy", () => {
  it.live("sends every operation directly, and a refused connection is a TransportError saying nothing was applied", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const layer = clientOver({}, mock.url)
      const [created, got, listed] = yield* WebhooksClient.WebhooksClient.use((webhooks) =>
        Effect.gen(function*() {
          const made = yield* webhooks.create({ url: "https://example.com/hooks/direct", events: ["webset.created"] })
          return [made, yield* webhooks.get(made.id), yield* webhooks.list()] as const
        })
      ).pipe(Effect.provide(layer))
      assert.strictEqual(got.id, created.id)
      assert.deepStrictEqual(listed.data.map((webhook) => webhook.id), [created.id])
      assert.strictEqual(yield* requests, 3)

      const port = yield* Tinyproxy.freePort
      const refused = clientOver({}, `http://127.0.0.1:${port}`)
      const error = yield* Effect.flip(WebhooksClient.WebhooksClient.use((webhooks) =>
        webhooks.create({ url: "https://example.com/hooks/direct", events: ["webset.created"] })
      ).pipe(Effect.provide(refused)))
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag !== "TransportError") return
      assert.strictEqual(error.reason, "connection")
      assert.strictEqual(error.code, "ECONNREFUSED")
      assert.isFalse(error.mayHaveBeenApplied, "a refused connection sent nothing")
    }).pipe(Effect.provide(MockServer.layer({ apiKey: API_KEY }))), 20_000)
})

// A child process that records every module it resolves whose URL names undici, builds the transport with `options`
// and, without a proxy, sends one request through it to a server of its own; prints what it recorded.
const probe = (options: Transport.ProxyOptions) => `
import { registerHooks } from "node:module"
import { createServer } from "node:http"
const seen = []
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context)
    if (resolved.url.includes("undici")) seen.push(resolved.url)
    return resolved
  }
})
const { Effect, Layer } = await import("effect")
const { HttpClient } = await import("effect/http")
const Transport = await import(${JSON.stringify(new URL("../src/Transport.ts", import.meta.url).href)})
const server = createServer((_, response) => response.end("{}"))
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
const options = ${JSON.stringify(options)}
await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const client = yield* Layer.build(Transport.layer(options)).pipe(Effect.map((context) => context.mapUnsafe.get(HttpClient.HttpClient.key)))
  if (options.httpProxy === undefined) yield* Effect.flatMap(client.get("http://127.0.0.1:" + server.address().port + "/"), (r) => r.text)
})))
server.close()
console.log(JSON.stringify(seen))
`

const resolvedUndici = (options: Transport.ProxyOptions) =>
  Effect.promise(async () => {
    const { execFile } = await import("node:child_process")
    return await new Promise<ReadonlyArray<string>>((resolve, reject) =>
      execFile(process.execPath, ["--input-type=module", "-e", probe(options)], { cwd: new URL("..", import.meta.url).pathname }, (error, stdout, stderr) =>
        error === null ? resolve(JSON.parse(stdout.trim().split("\n").at(-1)!)) : reject(new Error(`${error.message}\n${stderr}`)))
    )
  })

describe("the Node transport loads undici only for a proxy", () => {
  it.live("no proxy: a request is sent and undici is never resolved; a proxy: undici is loaded (so the test can fail)", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* resolvedUndici({}), [])
      assert.isAbove((yield* resolvedUndici({ httpProxy: "http://127.0.0.1:9" })).length, 0)
    }), 30_000)
})
