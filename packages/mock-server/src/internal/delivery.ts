/**
 * Event deliveries: an event POSTed, signed, to every active webhook subscribed to its type, each try recorded as a
 * `WebhookAttempt`.
 *
 * - Redirects are not followed: a 3xx answer is a failed attempt, as on Exa.
 * - A failed attempt (non-2xx, timeout, connection error) is retried up to `attempts` tries in all, waiting
 *   `retryDelayMillis`, then twice that, and so on; a webhook deleted or deactivated meanwhile is not retried.
 * - Unless remote delivery is allowed, a URL whose host is not `localhost` or a loopback address (127.0.0.0/8, ::1,
 *   their IPv4-mapped IPv6 forms such as `::ffff:127.0.0.1`) is not contacted: one failed attempt with status 0 is
 *   recorded instead. Other names are refused without being looked up, so a mock never sends traffic, DNS queries
 *   included, off the machine by accident.
 * - At most {@link MAX_RESPONSE_BODY_BYTES} bytes of a receiver's response body are read; then the response is
 *   cancelled (its connection closed), so memory per delivery is bounded whatever the receiver sends.
 *
 * @since 0.1.0
 */
import { Event, type EventType, type WebhookAttempt } from "@exa-webhooks/schema"
import { DateTime, Duration, Effect, Schema, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, type HttpClientResponse } from "effect/http"
import { BlockList, isIP } from "node:net"
import * as Signature from "../Signature.ts"
import type * as Store from "./store.ts"

/**
 * Longest response body kept in an attempt, in characters; longer ones are cut.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_RESPONSE_BODY_CHARS = 1024

/**
 * Most bytes of a response body read; the rest is never read (the response is cancelled). A character kept
 * (a UTF-16 code unit, as `String.prototype.slice` counts) takes at most 3 UTF-8 bytes, and a character cut at this
 * limit starts past the first {@link MAX_RESPONSE_BODY_CHARS}, so the kept text is the same as if the whole body had
 * been read.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_RESPONSE_BODY_BYTES = 4 * MAX_RESPONSE_BODY_CHARS

/**
 * How deliveries behave.
 *
 * @category models
 * @since 0.1.0
 */
export interface Config {
  readonly allowRemote: boolean
  /** Tries per webhook and event, the first included. */
  readonly attempts: number
  readonly retryDelayMillis: number
  readonly timeoutMillis: number
}

/**
 * What happened to one webhook's delivery of an event.
 *
 * @category models
 * @since 0.1.0
 */
export interface Outcome {
  readonly webhookId: string
  readonly url: string
  readonly delivered: boolean
  readonly attempts: ReadonlyArray<WebhookAttempt.WebhookAttempt>
  /** Why the last try failed, when it failed without a response. */
  readonly error: string | undefined
}

/**
 * The event as delivered, JSON-encoded with the shared `Event` schema.
 *
 * @category deliveries
 * @since 0.1.0
 */
export const encodeEvent = Schema.encodeSync(Event.Event)

// `BlockList` also matches IPv4-mapped IPv6 forms of an IPv4 range, dotted (`::ffff:127.0.0.1`) or hex
// (`::ffff:7f00:1`, which is how the URL parser writes `[::ffff:127.0.0.1]`), and any spelling of `::1`.
const loopback = new BlockList()
loopback.addSubnet("127.0.0.0", 8, "ipv4")
loopback.addAddress("::1", "ipv6")

const isLoopback = (address: string): boolean => {
  const family = isIP(address)
  return family !== 0 && loopback.check(address, family === 4 ? "ipv4" : "ipv6")
}

// `undefined` when the destination may be contacted, else why not. Decided from the URL's text alone: a host name
// other than `localhost` (RFC 6761 reserves it for loopback) is refused without being resolved, since resolving it
// would itself send a DNS query off the machine.
const refusal = (url: string): string | undefined => {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1")
  const hint = "the mock delivers only to loopback addresses (127.0.0.0/8, ::1, localhost) unless started with " +
    "--allow-remote-delivery"
  if (isIP(host) !== 0) return isLoopback(host) ? undefined : `${host} is not a loopback address; ${hint}`
  return host === "localhost" ? undefined : `${host} is a host name, which the mock does not look up; ${hint}`
}

interface Response {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string | null
  readonly error: string | undefined
}

// The body's first `MAX_RESPONSE_BODY_BYTES` bytes, decoded, cut to `MAX_RESPONSE_BODY_CHARS` characters. Stops
// reading there: ending the stream early cancels the body and aborts the request, closing its connection.
const readBody = (response: HttpClientResponse.HttpClientResponse) => {
  const prefix = new Uint8Array(MAX_RESPONSE_BODY_BYTES)
  let size = 0
  return response.stream.pipe(
    Stream.takeUntil((chunk) => {
      const n = Math.min(chunk.length, prefix.length - size)
      prefix.set(chunk.subarray(0, n), size)
      size += n
      return size >= prefix.length
    }),
    Stream.runDrain,
    // No body at all (204, 304): the same as an empty one.
    Effect.catchIf((error) => error.reason._tag === "EmptyBodyError", () => Effect.void),
    Effect.map(() => new TextDecoder().decode(prefix.subarray(0, size)).slice(0, MAX_RESPONSE_BODY_CHARS))
  )
}

const send = (client: HttpClient.HttpClient, url: string, body: string, signature: string, timeoutMillis: number) =>
  client.execute(
    HttpClientRequest.post(url).pipe(
      HttpClientRequest.setHeaders({
        [Signature.HEADER]: signature,
        "user-agent": "exa-webhooks-mock"
      }),
      HttpClientRequest.bodyText(body, "application/json")
    )
  ).pipe(
    Effect.flatMap((response) =>
      readBody(response).pipe(
        Effect.map((text): Response => ({
          status: response.status,
          headers: { ...response.headers },
          body: text,
          error: undefined
        }))
      )
    ),
    Effect.timeoutOrElse({
      duration: Duration.millis(timeoutMillis),
      orElse: () =>
        Effect.succeed<Response>({
          status: 0,
          headers: {},
          body: null,
          error: `no response within ${timeoutMillis} ms`
        })
    }),
    Effect.catch((error) => Effect.succeed<Response>({ status: 0, headers: {}, body: null, error: error.message })),
    // A 3xx is the answer, as on Exa: fetch must not follow it.
    Effect.provideService(FetchHttpClient.RequestInit, { redirect: "manual" }),
    // No tracing headers on a delivery: the receiver sees what Exa sends.
    Effect.provideService(HttpClient.TracerPropagationEnabled, false)
  )

/**
 * Delivers `event` to every subscriber. Stops retrying a webhook that was deleted or deactivated meanwhile.
 *
 * @category deliveries
 * @since 0.1.0
 */
export const deliver = Effect.fnUntraced(function*(
  store: Store.Store,
  client: HttpClient.HttpClient,
  config: Config,
  event: Event.Event,
  subscribers: ReadonlyArray<Store.Subscriber>
) {
  const body = JSON.stringify(encodeEvent(event))
  const eventType = event.type as EventType.EventType
  const one = Effect.fnUntraced(function*({ secret, webhook }: Store.Subscriber) {
    const attempts: Array<WebhookAttempt.WebhookAttempt> = []
    const record = (n: number, response: Response) =>
      Effect.map(DateTime.now, (now) => {
        const attempt = store.recordAttempt({
          webhookId: webhook.id,
          eventId: event.id,
          eventType,
          url: webhook.url,
          successful: response.status >= 200 && response.status < 300,
          responseStatusCode: response.status,
          responseHeaders: response.headers,
          responseBody: response.body,
          attempt: n
        }, now)
        if (attempt !== undefined) attempts.push(attempt)
        return attempt
      })
    const refused = config.allowRemote ? undefined : refusal(webhook.url)
    if (refused !== undefined) {
      yield* record(1, { status: 0, headers: {}, body: null, error: refused })
      return { webhookId: webhook.id, url: webhook.url, delivered: false, attempts, error: refused }
    }
    let last: Response = { status: 0, headers: {}, body: null, error: undefined }
    for (let n = 1; n <= config.attempts; n++) {
      if (n > 1) {
        yield* Effect.sleep(Duration.millis(config.retryDelayMillis * 2 ** (n - 2)))
        if (!store.isActive(webhook.id)) break
      }
      const seconds = Math.floor(DateTime.toEpochMillis(yield* DateTime.now) / 1000)
      last = yield* send(client, webhook.url, body, Signature.sign(secret, seconds, body), config.timeoutMillis)
      const attempt = yield* record(n, last)
      if (attempt === undefined || attempt.successful) break
    }
    const delivered = attempts.at(-1)?.successful ?? false
    return { webhookId: webhook.id, url: webhook.url, delivered, attempts, error: delivered ? undefined : last.error }
  })
  return yield* Effect.forEach(subscribers, one, { concurrency: 16 })
})
