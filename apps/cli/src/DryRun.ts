/**
 * `--dry-run`: show the request a command would send, and send nothing.
 *
 * The command runs for real against an `HttpClient` that never opens a connection: it records the first request the
 * client hands it and stops the program right there. What is printed is therefore exactly what the client builds
 * (URL, query, headers, body), not a reconstruction that could drift from it. The stop is a defect rather than a
 * failure on purpose: the client retries failures, and a defect passes through its retry loop untouched.
 *
 * @since 0.1.0
 */
import { Cause, Effect, Layer, Option, Redacted } from "effect"
import { Headers, HttpClient } from "effect/http"
import type { HttpClientRequest } from "effect/http"
import * as ApiKey from "@exa-webhooks/cli-kit/ApiKey"

/**
 * The request a command would have sent, with the key (in its header) masked. The URL is shown as it is: it holds no
 * credentials, since a base URL with a user or password is refused before anything runs (`BaseUrl`).
 *
 * @since 0.1.0
 */
export interface Request {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

// Carried by the defect that stops the program at the first request.
class Captured {
  constructor(readonly request: HttpClientRequest.HttpClientRequest, readonly url: URL) {}
}

/**
 * The `HttpClient` of a dry run: records, never sends.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.succeed(
  HttpClient.HttpClient,
  HttpClient.make((request, url) => Effect.die(new Captured(request, url)))
)

const KEY_HEADER = "x-api-key"

const bodyOf = (request: HttpClientRequest.HttpClientRequest): { readonly contentType?: string; readonly body: unknown } => {
  const body = request.body
  if (body._tag !== "Uint8Array") return { body: null }
  const text = new TextDecoder().decode(body.body)
  const json = Option.liftThrowable(JSON.parse)(text)
  return { contentType: body.contentType, body: Option.getOrElse(json, () => text) }
}

const describe = (captured: Captured, key: Redacted.Redacted<string>): Request => {
  const { body, contentType } = bodyOf(captured.request)
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(Headers.fromInput(captured.request.headers))) {
    headers[name] = name.toLowerCase() === KEY_HEADER ? ApiKey.mask(key) : value
  }
  if (contentType !== undefined && headers["content-type"] === undefined) headers["content-type"] = contentType
  // Only the key's header is masked: the client puts the key nowhere else, and replacing its text wherever it occurs
  // would mangle unrelated text (a one-letter key is in most words).
  return { method: captured.request.method, url: captured.url.toString(), headers, body }
}

/**
 * Runs `effect` (a command's requests) against the {@link layer} client and returns the first request it tried to
 * send. Failures before that point (an invalid input, say) pass through unchanged.
 *
 * @since 0.1.0
 */
export const capture = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  key: Redacted.Redacted<string>
): Effect.Effect<Request, E, R> =>
  effect.pipe(
    Effect.flatMap(() => Effect.die(new Error("dry run: the command finished without sending a request"))),
    Effect.catchCause((cause) => {
      const defect = Cause.findDefect(cause)
      return defect._tag === "Success" && defect.success instanceof Captured
        ? Effect.succeed(describe(defect.success, key))
        : Effect.failCause(cause)
    })
  )

/**
 * The request as a person reads it: request line, headers, a blank line and the JSON body.
 *
 * @since 0.1.0
 */
export const render = (request: Request): string =>
  [
    `${request.method} ${request.url}`,
    ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`),
    ...(request.body === null ? [] : ["", JSON.stringify(request.body, null, 2)])
  ].join("\n")
