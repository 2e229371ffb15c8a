import { assert, describe, it } from "@effect/vitest"
import * as NodeTransport from "@exa-webhooks/cli-kit/NodeTransport"
import { ByteSize, Effect, Fiber, Stream } from "effect"
import { HttpClient, HttpClientRequest, HttpIncomingMessage } from "effect/http"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

interface Received {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** A server on 127.0.0.1 that records what reaches it and answers with `answer` (or never, if it returns false). */
const serve = (answer: (request: Received, response: Http.ServerResponse) => boolean) =>
  Effect.acquireRelease(
    Effect.callback<{
      readonly url: string
      readonly received: Array<Received>
      readonly closed: Array<Received>
      readonly connections: () => number
    }>((resume) => {
      const received: Array<Received> = []
      const closed: Array<Received> = []
      let connections = 0
      const server = Http.createServer((request, response) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          const entry = { method: request.method, url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString() }
          received.push(entry)
          response.on("close", () => {
            if (!response.writableFinished) closed.push(entry)
          })
          if (!answer(entry, response)) return
        })
      })
      server.on("connection", () => connections++)
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          received,
          closed,
          connections: () => connections,
          server
        })))
    }),
    (running) =>
      Effect.callback<void>((resume) => {
        const { server } = running as unknown as { server: Http.Server }
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

const waitFor = (condition: () => boolean) =>
  Effect.gen(function*() {
    while (!condition()) yield* Effect.sleep("5 millis")
  })

// Every test runs twice: a traced request goes through effect's `HttpClient.make`; one whose caller turned tracing
// off (as `@exa-webhooks/client` does when no tracer is installed) takes the transport's shorter path.
const provideTransport = (untraced: boolean) => <A, E>(effect: Effect.Effect<A, E, HttpClient.HttpClient>) =>
  effect.pipe(
    Effect.provide(NodeTransport.layer),
    untraced ? Effect.provideService(HttpClient.TracerDisabledWhen, () => true) : (self) => self
  )

describe.each([
  { path: "traced (HttpClient.make)", untraced: false },
  { path: "untraced (the shorter path)", untraced: true }
])("NodeTransport (the bins' HttpClient), $path", ({ untraced }) => {
  it.live("a JSON body reaches the server as sent, with its headers, and the answer is read", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* serve((_, response) => {
        response.writeHead(201, { "content-type": "application/json", "set-cookie": "a=1" })
        response.end(JSON.stringify({ ok: true }))
        return true
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(
        HttpClientRequest.post(`${server.url}/websets/v0/webhooks?x=1`).pipe(
          HttpClientRequest.setHeader("x-api-key", "k"),
          HttpClientRequest.bodyJsonUnsafe({ url: "https://example.com/h", events: ["webset.created"] })
        )
      )
      assert.strictEqual(response.status, 201)
      assert.deepStrictEqual(yield* response.json, { ok: true })
      assert.strictEqual(response.headers["content-type"], "application/json")
      assert.strictEqual(response.cookies.cookies["a"]?.value, "1")
      const [request] = server.received
      assert.strictEqual(request?.method, "POST")
      assert.strictEqual(request?.url, "/websets/v0/webhooks?x=1")
      assert.strictEqual(request?.headers["x-api-key"], "k")
      assert.strictEqual(request?.headers["content-type"], "application/json")
      assert.deepStrictEqual(JSON.parse(request?.body ?? ""), { url: "https://example.com/h", events: ["webset.created"] })
    })).pipe(provideTransport(untraced)), 10_000)

  it.live("requests in turn share one keep-alive connection", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* serve((_, response) => {
        response.end("{}")
        return true
      })
      const client = yield* HttpClient.HttpClient
      for (let i = 0; i < 3; i++) yield* Effect.flatMap(client.get(`${server.url}/${i}`), (response) => response.text)
      assert.strictEqual(server.received.length, 3)
      assert.strictEqual(server.connections(), 1)
    })).pipe(provideTransport(untraced)), 10_000)

  // The body is read by the transport's own reader (not NodeHttpIncomingMessage's): once, kept, and held to the same
  // rules.
  it.live("a body in several chunks is read once and kept: text, json and arrayBuffer all answer", () =>
    Effect.scoped(Effect.gen(function*() {
      const body = Buffer.from(JSON.stringify({ name: "été" }))
      const server = yield* serve((_, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        // Split inside the two bytes of "é": the text is decoded from the whole body, not chunk by chunk.
        response.write(body.subarray(0, 11))
        setTimeout(() => response.end(body.subarray(11)), 10)
        return true
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get(`${server.url}/chunked`)
      const [first, second] = yield* Effect.all([response.text, response.text], { concurrency: 2 })
      assert.strictEqual(first, "{\"name\":\"été\"}")
      assert.strictEqual(second, first)
      assert.deepStrictEqual(yield* response.json, { name: "été" })
      assert.strictEqual((yield* response.arrayBuffer).byteLength, body.length)
    })).pipe(provideTransport(untraced)), 10_000)

  it.live("a body over HttpIncomingMessage.MaxBodySize fails, and its connection is not reused", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* serve((request, response) => {
        response.end(request.url === "/big" ? "x".repeat(4096) : "{}")
        return true
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get(`${server.url}/big`)
      const error = yield* Effect.flip(
        response.text.pipe(Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(1024)))
      )
      assert.strictEqual(error.reason._tag, "DecodeError")
      assert.strictEqual((error.reason as { cause?: { _tag?: string } }).cause?._tag, "MaxBytesError")
      assert.strictEqual(yield* Effect.flatMap(client.get(`${server.url}/next`), (next) => next.text), "{}")
      assert.strictEqual(server.connections(), 2)
    })).pipe(provideTransport(untraced)), 10_000)

  it.live("a connection that closes before the body has ended is an error, not a short body", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* serve((_, response) => {
        response.writeHead(200, { "content-length": "100" })
        response.write("{\"partial\":")
        setTimeout(() => response.socket?.destroy(), 10)
        return true
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get(`${server.url}/cut`)
      const error = yield* Effect.flip(response.text)
      assert.strictEqual(error.reason._tag, "DecodeError")
    })).pipe(provideTransport(untraced)), 10_000)

  it.live("interrupting the read of a body closes its connection", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* serve((_, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.write("{")
        return false
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get(`${server.url}/endless`)
      const reading = yield* Effect.forkChild(response.text)
      yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(reading)
      yield* waitFor(() => server.closed.length === 1)
      assert.strictEqual(server.closed[0]?.url, "/endless")
    })).pipe(provideTransport(untraced)), 10_000)

  it.live("interrupting a request aborts it: the server sees the connection close before it answered", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* serve(() => false)
      const client = yield* HttpClient.HttpClient
      const fiber = yield* Effect.forkChild(client.get(`${server.url}/slow`))
      yield* waitFor(() => server.received.length === 1)
      yield* Fiber.interrupt(fiber)
      yield* waitFor(() => server.closed.length === 1)
      assert.strictEqual(server.closed[0]?.url, "/slow")
    })).pipe(provideTransport(untraced)), 10_000)

  it.live("a refused connection is a TransportError", () =>
    Effect.scoped(Effect.gen(function*() {
      const url = yield* Effect.scoped(Effect.map(serve(() => false), (server) => server.url))
      const client = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(client.get(`${url}/gone`))
      assert.strictEqual(error.reason._tag, "TransportError")
      assert.include(String((error.reason as { cause?: unknown }).cause), "ECONNREFUSED")
    })).pipe(provideTransport(untraced)), 10_000)

  it.live("a streamed body is refused with an EncodeError, and nothing is sent", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* serve((_, response) => {
        response.end("{}")
        return true
      })
      const client = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(client.execute(
        HttpClientRequest.post(`${server.url}/upload`).pipe(
          HttpClientRequest.bodyStream(Stream.make(new TextEncoder().encode("x")))
        )
      ))
      assert.strictEqual(error.reason._tag, "EncodeError")
      assert.include(error.message, "JSON bodies only")
      assert.strictEqual(server.received.length, 0)
    })).pipe(provideTransport(untraced)), 10_000)
})
