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
 * What stays as in effect's client: the response is effect's `NodeHttpIncomingMessage` (streamed body, size limits,
 * cached decoders); interruption aborts the request through the signal `HttpClient.make` hands over; a redirect is
 * never followed (node:http does not), so the API key is never sent to another origin.
 *
 * node:https (with tls, about 40 ms to load) is loaded, and its agent made, only when a request goes to an https URL,
 * so a command against a local http server does without it. Idle pooled sockets do not hold the process open (the
 * agents unref them), and the agents are destroyed with the layer's scope.
 *
 * @since 0.3.0
 */
import { NodeHttpIncomingMessage } from "@effect/platform-node/NodeHttpIncomingMessage"
import { Effect, Layer } from "effect"
import { pipeArguments } from "effect/Pipeable"
import { Cookies, HttpClient, HttpClientError, HttpClientResponse } from "effect/http"
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

const transportError = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) })

/**
 * The client over the given agents (`https` read on the first https request).
 *
 * @since 0.3.0
 */
export const make = (agents: { readonly http: Http.Agent; readonly https: Https.Agent }): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) => {
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
      const options = { method: request.method, headers: request.headers, signal }
      const outgoing = secure
        ? process.getBuiltinModule("node:https").request(url, { ...options, agent: agents.https })
        : process.getBuiltinModule("node:http").request(url, { ...options, agent: agents.http })
      outgoing.once("response", (incoming) => resume(Effect.succeed(new NodeResponse(request, incoming, url.href))))
      // Before a response: a refused connection, a reset, an abort (the fiber was interrupted). Kept after it (later
      // ones are the body's, reported by its reader), so that no error event is ever left without a listener.
      outgoing.on("error", (cause) => resume(Effect.fail(transportError(request, cause))))
      if (body._tag === "Empty") outgoing.end()
      else outgoing.end(body.body)
      return Effect.sync(() => outgoing.destroy())
    })
  })

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
