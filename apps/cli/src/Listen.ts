/**
 * `exa-webhooks listen --port P --secret-file F [--host H] [--forward-to URL] [--tolerance S] [--json]`: a local
 * receiver for development. It verifies each delivery with `@exa-webhooks/receiver`, prints the verified events,
 * answers 200 for a genuine delivery and 400/401 (with the reason as JSON) for one that is not, and optionally
 * forwards genuine ones, with their original headers and body, to your app. A forward never follows a redirect (as
 * Exa's own deliveries never do): the app's 3xx is its answer, reported with where it pointed, and the body and its
 * `Exa-Signature` go nowhere else.
 *
 * Output: the first stdout line is the URL to give the webhook (`{"listening": URL}` with `--json`); then one line per
 * verified event (`{"event": {...}}`), and one per forwarded delivery (`{"forwarded": {...}}`). Refused deliveries
 * and failed forwards go to stderr (`{"rejected": {...}}`, `{"warning": ...}` with `--json`): the listener keeps
 * running whatever arrives. Ctrl-C (or SIGTERM) stops it; like every command it then exits with 130.
 *
 * `listen --from-api --forward-to URL` receives nothing: it polls Exa's Events API instead (see `FromApi`).
 *
 * @since 0.2.0
 */
import { Signature, Verifier, VerifyError } from "@exa-webhooks/receiver"
import { Event, type EventType, Printable, Validation } from "@exa-webhooks/schema"
import { Cause, DateTime, Duration, Effect, Layer, Option, Result, Schema, SchemaGetter } from "effect"
import { Command, Flag } from "effect/cli"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import type * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Output } from "@exa-webhooks/cli-kit/Output"
import { Events } from "@exa-webhooks/client"
import * as Delivery from "./Delivery.ts"
import { MAX_BODY_BYTES } from "./DeliveryBody.ts"
import { since, types } from "./EventCommands.ts"
import * as FromApi from "./FromApi.ts"
import { root, session } from "./Root.ts"
import { DurationText, type Since } from "./Since.ts"
import * as SigningSecrets from "./SigningSecrets.ts"
import * as Dash from "@exa-webhooks/cli-kit/Dash"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

const encodeEvent = Schema.encodeSync(Event.Event)

const ForwardUrl = Delivery.targetUrl("forward-to")

/**
 * How long a forward waits for the app's answer (a delivery's, see `Delivery.TIMEOUT`).
 *
 * @since 0.2.0
 */
export const FORWARD_TIMEOUT = Delivery.TIMEOUT

// Headers that describe one hop, not the delivery: the forward makes its own.
const hopByHop: ReadonlySet<string> = new Set([
  "host",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "proxy-connection",
  "proxy-authorization"
])

// The rules of --port and --forward-to (this bin's own, so they live here), applied by the parser.
const Port = Schema.String.check(
  Schema.makeFilter((text: string) => {
    const n = /^\s*\d{1,5}\s*$/.test(text) ? Number(text) : Number.NaN
    return (n >= 0 && n <= 65535) || `port must be a whole number from 0 to 65535 (0: a free port), got ${Validation.quote(text)}`
  }, { expected: "a whole number from 0 to 65535" })
).pipe(Schema.decodeTo(Schema.Int, {
  decode: SchemaGetter.transform((text: string) => Number(text)),
  encode: SchemaGetter.transform((n: number) => String(n))
}))

const hostForUrl = (host: string) => (host.includes(":") ? `[${host}]` : host)

const clock = (now: DateTime.Utc) => DateTime.formatIso(now).slice(11, 19)

const dataId = (event: Event.Event) => (typeof event.data["id"] === "string" ? ` (${Printable.escape(event.data["id"])})` : "")

// Answers with a JSON document.
const send = (response: Http.ServerResponse, status: number, document: unknown, headers: Record<string, string> = {}) =>
  Effect.sync(() => {
    response.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(document))
  })

// The raw body, byte for byte; `undefined` when it is larger than MAX_BODY_BYTES (the rest is drained, not kept).
const readBody = (request: Http.IncomingMessage) =>
  Effect.callback<Uint8Array | undefined, Error>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    request.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    request.on("end", () => resume(Effect.succeed(size > MAX_BODY_BYTES ? undefined : new Uint8Array(Buffer.concat(chunks)))))
    request.on("error", (error) => resume(Effect.fail(error)))
  })

// The request's headers as sent (a repeated one joined, as fetch would).
const headersOf = (request: Http.IncomingMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value.join(", ") : value]]
    )
  )

// Where the receiver listens unless told: a free port, and only this machine.
const DEFAULT_PORT = 0
const DEFAULT_HOST = "127.0.0.1"

/** `listen --from-api`: checks what only a receiver takes, then polls (see `FromApi`). */
const fromApi = Effect.fn("Listen.fromApi")(function*(flags: {
  readonly port: Option.Option<number>
  readonly host: Option.Option<string>
  readonly tolerance: Option.Option<number>
  readonly secretFile: Option.Option<string>
  readonly forwardTo: Option.Option<string>
  readonly since: Option.Option<Since>
  readonly types: ReadonlyArray<EventType.EventType>
  readonly checkpointFile: Option.Option<string>
  readonly pollInterval: Duration.Duration
}) {
  const receiverOnly = [
    ["--port", Option.isSome(flags.port)],
    ["--host", Option.isSome(flags.host)],
    ["--tolerance", Option.isSome(flags.tolerance)]
  ].filter(([, given]) => given).map(([name]) => name)
  if (receiverOnly.length > 0) {
    return yield* new UsageError({
      message: `${receiverOnly.join(", ")} cannot be combined with --from-api: it listens on no port, it polls Exa's ` +
        "Events API and delivers to --forward-to"
    })
  }
  if (Option.isNone(flags.forwardTo)) {
    return yield* new UsageError({ message: "--from-api needs --forward-to URL: your app, where each event is delivered" })
  }
  if ((yield* root).dryRun) {
    return yield* new UsageError({ message: "listen --from-api has no dry run: it would only wait for events" })
  }
  if (Option.isSome(flags.checkpointFile) && Dash.isDash(flags.checkpointFile.value)) {
    return yield* Dash.refuse("--checkpoint-file", "the checkpoint is a file rewritten after each delivery and locked")
  }
  const secret = yield* SigningSecrets.forSigning(flags.secretFile)
  return yield* FromApi.run({
    session: yield* session,
    forwardTo: flags.forwardTo.value,
    secret,
    since: flags.since,
    types: flags.types,
    checkpointFile: flags.checkpointFile,
    pollInterval: flags.pollInterval
  }).pipe(Effect.provide(Delivery.layer))
})

/**
 * The command.
 *
 * @since 0.2.0
 */
export const command = Command.make(
  "listen",
  {
    port: Flag.String("port").pipe(
      Flag.withDescription(`the port to listen on (default ${DEFAULT_PORT}: a free one; the URL is printed first)`),
      Flag.withMetavar("PORT"),
      Flag.withSchema(Port),
      Flag.optional
    ),
    host: Flag.String("host").pipe(
      Flag.withDescription(`the address to listen on (default ${DEFAULT_HOST}: only this machine can connect)`),
      Flag.withMetavar("HOST"),
      Flag.optional
    ),
    secretFile: SigningSecrets.secretFileFlag,
    forwardTo: Flag.String("forward-to").pipe(
      Flag.withDescription(
        "also POST each verified delivery, with its original headers and body, to this URL (your app); with " +
          "--from-api, where each event is delivered"
      ),
      Flag.withMetavar("URL"),
      Flag.withSchema(ForwardUrl),
      Flag.optional
    ),
    tolerance: SigningSecrets.toleranceOption,
    fromApi: Flag.Boolean("from-api").pipe(
      Flag.withDescription(
        "no public URL needed: poll Exa's Events API and deliver each event to --forward-to as Exa would (signed with " +
          `--secret-file or ${Verifier.SECRET_ENV}), resuming after a restart from a checkpoint file`
      ),
      Flag.withDefault(false)
    ),
    since: since("with --from-api and no checkpoint yet: first deliver the events since then (10m, 2h, or an RFC 3339 time)"),
    types: types.pipe(Flag.withDescription("with --from-api: only events of this type; repeat the flag for several")),
    checkpointFile: Flag.String("checkpoint-file").pipe(
      Flag.withDescription(
        "with --from-api: where the listener keeps its place (default: one per API, key and --forward-to under " +
          "$XDG_STATE_HOME/exa-webhooks/listen, or ~/.local/state/exa-webhooks/listen)"
      ),
      Flag.withMetavar("PATH"),
      Flag.optional
    ),
    pollInterval: Flag.String("poll-interval").pipe(
      Flag.withDescription(
        `with --from-api: how long to wait between two polls (default ${Duration.format(Events.defaults.pollInterval)}: ` +
          "one request, 5% of the 10 requests a second Exa allows a team)"
      ),
      Flag.withMetavar("DURATION"),
      Flag.withSchema(DurationText),
      Flag.withDefault(Events.defaults.pollInterval)
    )
  },
  Effect.fn("Listen.command")(function*(flags) {
    if (flags.fromApi) return yield* fromApi(flags)
    const forwardOnly = [
      ["--since", Option.isSome(flags.since)],
      ["--type", flags.types.length > 0],
      ["--checkpoint-file", Option.isSome(flags.checkpointFile)]
    ].filter(([, given]) => given).map(([name]) => name)
    if (forwardOnly.length > 0) {
      return yield* new UsageError({
        message: `${forwardOnly.join(", ")} ${forwardOnly.length === 1 ? "needs" : "need"} --from-api: ${
          forwardOnly.length === 1 ? "it chooses" : "they choose"
        } what it polls`
      })
    }
    const listenPort = Option.getOrElse(flags.port, () => DEFAULT_PORT)
    const host = Option.getOrElse(flags.host, () => DEFAULT_HOST)
    const forwardTo = Option.getOrUndefined(flags.forwardTo)
    const tolerance = Option.match(flags.tolerance, { onNone: () => Verifier.DEFAULT_TOLERANCE, onSome: Duration.seconds })
    const secrets = yield* SigningSecrets.read(flags.secretFile)
    const output = yield* Output
    const verifier = yield* Verifier.make({ secrets, tolerance })
    // A forward never follows a redirect: the body and its signature were meant for the app at --forward-to, and a
    // 3xx is reported as the app's answer (fetch would otherwise re-send both to wherever it points).
    const client = yield* Effect.provide(
      Effect.gen(function*() {
        return yield* HttpClient.HttpClient
      }),
      Layer.provideMerge(FetchHttpClient.layer, Layer.succeed(FetchHttpClient.RequestInit, { redirect: "manual" }))
    )
    const json = output.json

    // Loaded here, not at the top: no other command should pay for node:http at start-up (about 10 ms).
    const { createServer } = yield* Effect.promise(() => import("node:http"))

    yield* Effect.scoped(Effect.gen(function*() {
      const scope = yield* Effect.scope
      const runFork = Effect.runForkWith(yield* Effect.context<never>())
      // Plain node:http (not NodeHttpServer, whose WebSocket support would weigh on every command's start-up).
      const server = yield* Effect.acquireRelease(
        Effect.callback<Http.Server, UsageError>((resume) => {
          // Idle keep-alive connections stay open for 65 s (Node's default is 5 s): a sender that reuses one just as the
          // server closes it sees its delivery fail (EPIPE), and a long timeout makes that race rare.
          const created = createServer({ requestTimeout: 60_000, keepAliveTimeout: 65_000 })
          created.once("error", (error) =>
            resume(Effect.fail(
              new UsageError({
                message: `cannot listen on ${host}:${listenPort} (${error.message}); choose another --port, or 0 for a free one`
              })
            )))
          created.listen(listenPort, host, () => resume(Effect.succeed(created)))
        }),
        (running) =>
          Effect.callback<void>((resume) => {
            running.closeAllConnections()
            running.close(() => resume(Effect.void))
          })
      )
      const url = `http://${hostForUrl(host)}:${(server.address() as AddressInfo).port}`

      const refused = (error: VerifyError.VerifyError) =>
        json
          ? output.line({ rejected: { type: error._tag, status: error.status, message: error.message } }, () => "", "stderr")
          : output.warn(`refused a delivery (${error.status} ${error._tag}): ${error.message}`)

      const forward = (target: string, event: Event.Event, headers: Record<string, string>, body: Uint8Array) =>
        client.execute(
          HttpClientRequest.post(target).pipe(
            HttpClientRequest.setHeaders(Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name)))),
            HttpClientRequest.bodyUint8Array(body, headers["content-type"] ?? "application/json")
          )
        ).pipe(
          Effect.flatMap((response) =>
            Effect.as(Effect.ignore(response.text), { status: response.status, location: response.headers["location"] })
          ),
          Effect.timeoutOrElse({
            duration: FORWARD_TIMEOUT,
            orElse: () => Effect.fail(new Error(`no answer within ${Duration.format(FORWARD_TIMEOUT)}`))
          }),
          Effect.matchEffect({
            onFailure: (error) =>
              output.warn(`forwarding ${event.id} to ${target} failed (${error.message}); the delivery was verified and answered 200`),
            onSuccess: ({ location, status }) =>
              status >= 200 && status < 300
                ? output.line(
                  { forwarded: { eventId: event.id, url: target, status } },
                  () => `  forwarded ${Printable.escape(event.id)} to ${target}: ${status}`
                )
                : output.warn(
                  `forwarding ${event.id} to ${target}: your app answered ${status}${
                    status >= 300 && status < 400
                      ? `, a redirect${location === undefined ? "" : ` to ${location}`}, not followed (the delivery ` +
                        "and its signature go only to --forward-to; point it at the final URL)"
                      : ""
                  }`
                )
          })
        )

      const handle = (request: Http.IncomingMessage, response: Http.ServerResponse) =>
        Effect.gen(function*() {
          if (request.method !== "POST") {
            request.resume()
            return yield* send(
              response,
              405,
              { error: { type: "MethodNotAllowed", message: "exa-webhooks listen takes deliveries as POST requests" } },
              { allow: "POST" }
            )
          }
          const body = yield* readBody(request)
          if (body === undefined) {
            yield* output.warn(`refused a delivery (413): its body is larger than ${MAX_BODY_BYTES} bytes`)
            return yield* send(response, 413, {
              error: { type: "PayloadTooLarge", message: `the body is larger than ${MAX_BODY_BYTES} bytes` }
            })
          }
          const verified = yield* Effect.result(
            verifier.verify({ body, signature: request.headers[Signature.HEADER.toLowerCase()] })
          )
          if (Result.isFailure(verified)) {
            yield* refused(verified.failure)
            return yield* send(response, verified.failure.status, VerifyError.toJson(verified.failure))
          }
          const event = verified.success
          const now = yield* DateTime.now
          yield* output.line(
            { event: encodeEvent(event) },
            () => `${clock(now)} verified ${Printable.escape(event.type)} ${Printable.escape(event.id)}${dataId(event)}`
          )
          yield* send(response, 200, { received: event.id })
          if (forwardTo !== undefined) yield* Effect.forkIn(forward(forwardTo, event, headersOf(request), body), scope)
        }).pipe(
          // A request that could not be read (the sender hung up), or anything unforeseen: answered, never fatal.
          Effect.catchCause((cause) =>
            Effect.sync(() => {
              if (!response.headersSent) {
                response.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({
                  error: { type: "BadRequest", message: `the request could not be read (${String(Cause.squash(cause))})` }
                }))
              }
            })
          )
        )

      server.on("request", (request, response) => {
        runFork(handle(request, response))
      })
      yield* output.line({ listening: url }, () => url)
      yield* output.note(
        `listening on ${url}: verifying deliveries with ${secrets.length} secret${secrets.length === 1 ? "" : "s"} ` +
          `(timestamps within ${Duration.toSeconds(tolerance)} s)${forwardTo === undefined ? "" : `, forwarding verified ones to ${forwardTo}`}; ` +
          "Ctrl-C to stop"
      )
      if (host !== DEFAULT_HOST && host !== "::1" && host !== "localhost") {
        yield* output.warn(`listening on ${host}: other machines may be able to reach this listener`)
      }
      return yield* Effect.never
    }))
  })
).pipe(
  Command.withDescription(
    "Run a local receiver for development: verify each delivery's signature, print verified events (one line each; " +
      "JSON lines with --json), answer 200 for genuine deliveries and 400/401 with the reason otherwise, and " +
      "optionally forward genuine ones to your app. The first line printed is the URL to give the webhook. " +
      "With --from-api, no public URL is needed: it polls Exa's Events API and delivers each event to --forward-to, " +
      "signed with the webhook's secret as Exa would, one line per event with your app's answer; a failing app gets " +
      "the event again with backoff, and a checkpoint file makes a restart resume where it stopped. " +
      "Ctrl-C stops it (exit 130)."
  ),
  Command.withShortDescription("a local receiver that verifies deliveries; --from-api: Exa's events to your app"),
  Command.withExamples([
    {
      command: "exa-webhooks listen --port 4242 --secret-file ./exa.secret --forward-to http://127.0.0.1:3000/hooks/exa",
      description: "then point the webhook at http://127.0.0.1:4242 (exa-webhooks update ID --url ...)"
    },
    {
      command: "exa-webhooks listen --from-api --forward-to http://127.0.0.1:3000/hooks/exa --secret-file ./exa.secret --since 10m",
      description: "no tunnel: the last 10 minutes of events, then each new one, delivered to your app"
    }
  ])
)
