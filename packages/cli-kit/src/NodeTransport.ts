/**
 * The bins' `HttpClient`: Node's `node:http` / `node:https` with keep-alive agents, one `http.request` per request.
 *
 * Why not `NodeHttpClient.layerNodeHttp` from `@effect/platform-node`, which it replaces (measured in `make bench`):
 * that client writes the request in a fiber forked for a later scheduler task and races it against the response in
 * two more fibers, so every request leaves the process about a millisecond after it was issued and costs three
 * fibers. A listing is one request per page, each waiting for the last: over 10,000 webhooks its wall time was 1.17x
 * exa-js's with that client and 0.97x with this one (9 rounds, interleaved); the per-request figures moved the same
 * way. The bins send only what `@exa-webhooks/client` sends, a JSON body or none, so this transport takes those
 * bodies (`Uint8Array` and `Raw`), writes them at once, and refuses a streamed or form body with an `EncodeError`.
 *
 * What stays as in effect's client: the response is effect's `NodeHttpIncomingMessage` (headers, streamed body), whose
 * whole-body readers (`text`, `json`, `arrayBuffer`) this transport replaces with a leaner one that keeps their rules
 * (see `NodeResponse.bytes`); interruption aborts the request through the signal `HttpClient.make` hands over; a
 * redirect is never followed (node:http does not), so the API key is never sent to another origin.
 *
 * node:https (with tls, about 40 ms to load) is loaded, and its agent made, only when a request goes to an https URL,
 * so a command against a local http server does without it. Idle pooled sockets do not hold the process open (the
 * agents unref them), and the agents are destroyed with the layer's scope.
 *
 * @since 0.3.0
 */
import { NodeHttpIncomingMessage } from "@effect/platform-node/NodeHttpIncomingMessage"
import { MaxBytesError } from "@effect/platform-node/NodeStream"
import { ByteSize, Effect, Exit, Layer, Option, Result, Tracer } from "effect"
import { pipeArguments } from "effect/Pipeable"
import { Cookies, HttpClient, HttpClientError, HttpClientResponse, HttpIncomingMessage, Url } from "effect/http"
import type { HttpClientRequest } from "effect/http"
import type * as Http from "node:http"
import type * as Https from "node:https"

// A `new Agent()` without keep-alive opens a TCP (and TLS) connection for every request, which cost a command of many
// requests about a quarter of its throughput (bench: overhead).
const agentOptions = { keepAlive: true } as const

// A client response over node:http: effect's `NodeHttpIncomingMessage` (headers, body readers) and what a client
// response adds to it.
class NodeResponse extends NodeHttpIncomingMessage<HttpClientError.HttpClientError>
  implements HttpClientResponse.HttpClientResponse
{
  readonly [HttpClientResponse.TypeId]: typeof HttpClientResponse.TypeId
  readonly request: HttpClientRequest.HttpClientRequest
  readonly url: string

  constructor(request: HttpClientRequest.HttpClientRequest, source: Http.IncomingMessage, url: string) {
    super(source, (cause) =>
      new HttpClientError.HttpClientError({
        reason: new HttpClientError.DecodeError({ request, response: this, cause })
      }))
    this[HttpClientResponse.TypeId] = HttpClientResponse.TypeId
    this.request = request
    this.url = url
  }

  get status(): number {
    return this.source.statusCode!
  }

  /**
   * The body's bytes, read once and kept for every later reader (`text`, `json`, `arrayBuffer`).
   *
   * What `NodeHttpIncomingMessage` does, in fewer steps: it builds the read with `Effect.cached`, run with
   * `Effect.runSync` (a fiber) for every response, watches the stream with `stream.finished` and copies the bytes out
   * of Node's buffer pool before decoding them. Measured over 8,000 gets of a webhook: 39 KB allocated per get
   * against 42 KB (sampling heap profiler), and 260 µs of CPU per get against 283 µs (both transports in one process,
   * alternating batches of 400, medians of 14).
   *
   * The rules stay: `HttpIncomingMessage.MaxBodySize` (the read fails past it and the connection is closed), a
   * connection that closes before the body has ended is an error, and a reader that is interrupted while it is the
   * only one closes the connection.
   */
  private body: Exit.Exit<Uint8Array, HttpClientError.HttpClientError> | undefined
  private readers: Set<(exit: Exit.Exit<Uint8Array, HttpClientError.HttpClientError>) => void> | undefined
  private bytesEffect: Effect.Effect<Uint8Array, HttpClientError.HttpClientError> | undefined

  get bytes(): Effect.Effect<Uint8Array, HttpClientError.HttpClientError> {
    return this.bytesEffect ??= Effect.withFiber((fiber) =>
      Effect.callback<Uint8Array, HttpClientError.HttpClientError>((resume) => {
        if (this.body !== undefined) return resume(this.body)
        const readers = this.readers ??= new Set()
        readers.add(resume)
        if (readers.size === 1) this.read(fiber.getRef(HttpIncomingMessage.MaxBodySize))
        return Effect.sync(() => {
          readers.delete(resume)
          if (readers.size === 0 && this.body === undefined) this.settle(Exit.fail(this.onError(new Error("interrupted"))))
        })
      })
    )
  }

  // Starts the one read of the body; `settle` ends it.
  private read(maxBodySize: ByteSize.ByteSize | undefined): void {
    const source = this.source
    if (source.readableEnded || source.destroyed) {
      return this.settle(Exit.fail(this.onError(new Error("the body was already read or discarded"))))
    }
    const max = maxBodySize === undefined ? undefined : Number(maxBodySize)
    const chunks: Array<Buffer> = []
    let length = 0
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      length += chunk.length
      if (max !== undefined && length > max) this.settle(Exit.fail(this.onError(new MaxBytesError(max))))
    }
    let ended = false
    const onEnd = () => {
      ended = true
    }
    const onFailure = (cause: unknown) => this.settle(Exit.fail(this.onError(cause)))
    // Settled on "close" rather than "end": node:http hands the socket back to the agent's pool in between, so a
    // request sent right after the body was read reuses the connection rather than opening another.
    const onClose = () =>
      ended
        ? this.settle(Exit.succeed(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)))
        : onFailure(new Error("the connection closed before the body ended"))
    this.stopReading = () => {
      source.off("data", onData)
      source.off("end", onEnd)
      source.off("error", onFailure)
      source.off("close", onClose)
    }
    source.on("data", onData)
    source.on("end", onEnd)
    source.on("error", onFailure)
    source.on("close", onClose)
  }

  private stopReading: (() => void) | undefined

  // Ends the read with `exit` (once): a failed read closes the connection, whose socket cannot be reused.
  private settle(exit: Exit.Exit<Uint8Array, HttpClientError.HttpClientError>): void {
    if (this.body !== undefined) return
    this.body = exit
    this.stopReading?.()
    if (Exit.isFailure(exit)) this.source.destroy()
    const readers = this.readers
    this.readers = undefined
    readers?.forEach((resume) => resume(exit))
  }

  override get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError> {
    return Effect.map(this.bytes, (bytes) =>
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? bytes.buffer as ArrayBuffer
        : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
  }

  override get text(): Effect.Effect<string, HttpClientError.HttpClientError> {
    return Effect.map(this.bytes, (bytes) => textDecoder.decode(bytes))
  }

  get cookies(): Cookies.Cookies {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(header)
  }

  get formData(): Effect.Effect<FormData, HttpClientError.HttpClientError> {
    return Effect.tryPromise({
      try: () =>
        new globalThis.Response(process.getBuiltinModule("node:stream").Readable.toWeb(this.source) as ReadableStream, {
          status: this.status,
          headers: new globalThis.Headers(this.headers)
        }).formData(),
      catch: this.onError
    })
  }

  get upgrade(): Effect.Effect<never, HttpClientError.HttpClientError> {
    return Effect.fail(
      new HttpClientError.HttpClientError({
        reason: new HttpClientError.StatusCodeError({
          request: this.request,
          response: this,
          description: "the bins' transport does not hand over the connection of an HTTP upgrade"
        })
      })
    )
  }

  pipe() {
    // oxlint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }

  override toJSON(): unknown {
    return { _id: "HttpClientResponse", request: this.request.toJSON(), url: this.url, status: this.status }
  }
}

// Decodes bodies as `NodeHttpIncomingMessage` does (UTF-8, a leading BOM dropped, malformed bytes replaced).
const textDecoder = new TextDecoder()

const transportError = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) })

/** One exchange over node:http(s): the request written at once, the response handed over when its head arrives. */
const send = (
  agents: { readonly http: Http.Agent; readonly https: Https.Agent },
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  signal: AbortSignal | undefined
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
  const body = request.body
  if (body._tag === "Stream" || body._tag === "FormData") {
    return Effect.fail(
      new HttpClientError.HttpClientError({
        reason: new HttpClientError.EncodeError({
          request,
          description: `the bins' transport sends JSON bodies only, not a ${body._tag} body`
        })
      })
    )
  }
  return Effect.callback<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
    const secure = url.protocol === "https:"
    // The URL's parts as node:http takes them, rather than the URL for node:http to take apart on every request.
    const options: Http.RequestOptions = {
      protocol: url.protocol,
      hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method: request.method,
      headers: request.headers,
      agent: secure ? agents.https : agents.http
    }
    if (signal !== undefined) options.signal = signal
    if (url.username !== "" || url.password !== "") {
      options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
    }
    const outgoing = secure
      ? process.getBuiltinModule("node:https").request(options)
      : process.getBuiltinModule("node:http").request(options)
    outgoing.once("response", (incoming) => resume(Effect.succeed(new NodeResponse(request, incoming, url.href))))
    // Before a response: a refused connection, a reset, an abort (the fiber was interrupted). Kept after it (later
    // ones are the body's, reported by its reader), so that no error event is ever left without a listener.
    outgoing.on("error", (cause) => resume(Effect.fail(transportError(request, cause))))
    if (body._tag === "Empty") outgoing.end()
    else outgoing.end(body.body)
    // Interrupted before the response: the request is aborted (its connection closed).
    return Effect.sync(() => outgoing.destroy())
  })
}

/**
 * The client over the given agents (`https` read on the first https request).
 *
 * A request that is traced goes through effect's `HttpClient.make`, as with any effect client: its span, the trace
 * headers, the abort signal, and a response that is dropped unread aborted when it is garbage-collected. A request
 * the caller does not trace (`HttpClient.TracerDisabledWhen` or `Tracer.DisablePropagation`, as
 * `@exa-webhooks/client` sets when no tracer is installed) has none of that to do, and takes a shorter path: no
 * `AbortController`, no response registered with a `FinalizationRegistry` and wrapped for interruption; interrupting
 * it still closes its connection, while waiting for the response (here) or reading the body (`NodeResponse`).
 * Measured with the bench's overhead contender (2,000 creates and gets after 500, the client pinned to one core, 5
 * interleaved runs, medians): a get took 0.13 ms of CPU against 0.20 ms through `HttpClient.make`, 6,100 gets/s
 * against 4,200 (raw fetch 4,060); creates 3,125/s against 2,826. What it gives up: a response whose body is never
 * read keeps its connection until the server closes it (the client reads every body).
 *
 * @since 0.3.0
 */
export const make = (agents: { readonly http: Http.Agent; readonly https: Https.Agent }): HttpClient.HttpClient => {
  const traced = HttpClient.make((request, url, signal) => send(agents, request, url, signal))
  return HttpClient.makeWith(
    (effect: Effect.Effect<HttpClientRequest.HttpClientRequest>) =>
      Effect.flatMap(effect, (request) =>
        Effect.withFiber((fiber) => {
          if (!fiber.getRef(Tracer.DisablePropagation) && !fiber.getRef(HttpClient.TracerDisabledWhen)(request)) {
            return traced.execute(request)
          }
          const url = Url.make(request.url, request.urlParams, Option.getOrUndefined(request.hash))
          return Result.isSuccess(url)
            ? send(agents, request, url.success, undefined)
            : Effect.fail(
              new HttpClientError.HttpClientError({
                reason: new HttpClientError.InvalidUrlError({ request, cause: url.failure })
              })
            )
        })),
    Effect.succeed
  )
}

/**
 * The bins' `HttpClient`, with keep-alive agents that end with the layer's scope.
 *
 * @example
 * ```ts
 * Effect.provide(program, WebhooksClient.layerConfig(config).pipe(Layer.provide(NodeTransport.layer)))
 * ```
 * @since 0.3.0
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => {
        let https: Https.Agent | undefined
        const http = new (process.getBuiltinModule("node:http").Agent)(agentOptions)
        return {
          http,
          get https() {
            return (https ??= new (process.getBuiltinModule("node:https").Agent)(agentOptions))
          },
          destroy: () => {
            http.destroy()
            https?.destroy()
          }
        }
      }),
      (agents) => Effect.sync(agents.destroy)
    ),
    make
  )
)
