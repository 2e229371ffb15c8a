/**
 * A delivery as Exa makes it, from this machine: `POST` of the event's JSON text with `Content-Type:
 * application/json` and `Exa-Signature: t=<now>,v1=<HMAC-SHA256 with the webhook's secret>`, so the receiving app's own
 * verification runs unchanged. `listen --from-api` and `replay` send through here.
 *
 * A redirect is never followed (Exa's deliveries never are): the 3xx is the answer, reported with where it pointed,
 * and the body and its signature go nowhere else. The request goes through the bins' transport (undici, the proxy that
 * `HTTPS_PROXY` / `HTTP_PROXY` name unless `NO_PROXY` lists the host); it carries no API key.
 *
 * @since 0.4.0
 */
import { Signature } from "@exa-webhooks/receiver"
import { Printable, Validation } from "@exa-webhooks/schema"
import { Clock, type Config, Duration, Effect, Layer, type Redacted, Schedule, Schema, SchemaGetter } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as KitSession from "@exa-webhooks/cli-kit/Session"
import { Output } from "@exa-webhooks/cli-kit/Output"

/**
 * The rule of a URL events are delivered to (`listen --forward-to`, `replay --to`), for the flag `flag`: an absolute
 * http(s) URL without credentials (a delivery's signature is the credential), normalised.
 *
 * @since 0.4.0
 */
export const targetUrl = (flag: string) =>
  Schema.String.check(
    Schema.makeFilter((text: string) => {
      const url = URL.parse(text.trim())
      if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
        return `${flag} must be an absolute http(s) URL such as http://127.0.0.1:3000/hooks/exa, got ${Validation.quote(text)}`
      }
      return (url.username === "" && url.password === "") || `${flag} must not carry credentials (user:password@)`
    }, { expected: "an absolute http(s) URL" })
  ).pipe(Schema.decodeTo(Schema.String, {
    decode: SchemaGetter.transform((text: string) => new URL(text.trim()).href),
    encode: SchemaGetter.transform((href: string) => href)
  }))

/**
 * The `HttpClient` deliveries go through: the bins' transport (proxy from the environment; never follows a
 * redirect). A malformed proxy variable is a `ConfigError` naming it (a usage error, as the kit reports it).
 *
 * @since 0.4.0
 */
export const layer: Layer.Layer<HttpClient.HttpClient, Config.ConfigError> = KitSession.transport

/**
 * How long a delivery waits for the app's answer (what Exa's own deliveries allow is not documented; the mock allows
 * 5 s, a development app stopped at a breakpoint needs longer).
 *
 * @since 0.4.0
 */
export const TIMEOUT = Duration.seconds(30)

/**
 * What a delivery got: an answer (any status; `location` for a redirect, the start of the body for a refusal) or no
 * answer at all (`failure` says why: refused connection, timeout, a name that does not resolve).
 *
 * @since 0.4.0
 */
export type Outcome =
  | { readonly _tag: "Answered"; readonly status: number; readonly location: string | undefined; readonly snippet: string }
  | { readonly _tag: "NoAnswer"; readonly failure: string }

/**
 * Whether the app took the event: a 2xx, as Exa counts it.
 *
 * @since 0.4.0
 */
export const accepted = (outcome: Outcome): boolean =>
  outcome._tag === "Answered" && outcome.status >= 200 && outcome.status < 300

// The innermost message of a transport failure (undici wraps the socket's error).
const reasonOf = (error: unknown): string => {
  let current: unknown = error
  let message = "no answer"
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const c = current as { readonly message?: unknown; readonly cause?: unknown; readonly code?: unknown }
    if (typeof c.message === "string" && c.message !== "") message = c.message
    current = c.cause
  }
  return message
}

const SNIPPET = 120

/**
 * POSTs `body` to `url`, signed with `secret` at the current time (a retry is signed anew, as Exa's are).
 *
 * @since 0.4.0
 */
export const send = (url: string, body: string, secret: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const seconds = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const signature = yield* Signature.sign(secret, seconds, body)
    return yield* client.execute(
      HttpClientRequest.post(url).pipe(
        HttpClientRequest.setHeaders({ [Signature.HEADER]: signature }),
        HttpClientRequest.bodyText(body, "application/json")
      )
    ).pipe(
      Effect.flatMap((response) =>
        Effect.map(Effect.orElseSucceed(response.text, () => ""), (text): Outcome => ({
          _tag: "Answered",
          status: response.status,
          location: response.headers["location"],
          snippet: text.length > SNIPPET ? `${text.slice(0, SNIPPET)}...` : text
        }))
      ),
      Effect.timeoutOrElse({
        duration: TIMEOUT,
        orElse: () => Effect.succeed<Outcome>({ _tag: "NoAnswer", failure: `no answer within ${Duration.format(TIMEOUT)}` })
      }),
      Effect.catch((error) => Effect.succeed<Outcome>({ _tag: "NoAnswer", failure: reasonOf(error) })),
      // No tracing headers: the app sees what Exa sends.
      Effect.provideService(HttpClient.TracerPropagationEnabled, false)
    )
  })

/**
 * The outcome as people read it: `200`, `401 (bad signature...)`, `302 redirect to https://... (not followed)`, or
 * the reason there was no answer.
 *
 * @since 0.4.0
 */
export const describe = (outcome: Outcome): string => {
  if (outcome._tag === "NoAnswer") return `no answer (${outcome.failure})`
  if (outcome.status >= 300 && outcome.status < 400) {
    return `${outcome.status}, a redirect${outcome.location === undefined ? "" : ` to ${outcome.location}`}, not followed ` +
      "(Exa never follows one either: give the final URL)"
  }
  const hint = outcome.status === 400 || outcome.status === 401
    ? "; if your app refused the signature, check that the secret is the webhook's (--secret-file or EXA_WEBHOOK_SECRET)"
    : ""
  const snippet = outcome.snippet.trim() === "" || accepted(outcome) ? "" : ` ${Printable.escape(outcome.snippet.trim())}`
  return `${outcome.status}${snippet}${hint}`
}

/**
 * A wait as a person reads it: `2.4s`.
 *
 * @since 0.4.0
 */
export const seconds = (duration: Duration.Duration): string => `${(Duration.toMillis(duration) / 1000).toFixed(1)}s`

/**
 * The waits between the tries of an event the app did not take: 1 s, doubling up to 30 s, jittered; forever (the
 * event is not skipped: Ctrl-C stops, and the checkpoint resumes at it).
 *
 * @since 0.4.0
 */
export const backoff = Schedule.min([Schedule.exponential("1 second"), Schedule.spaced("30 seconds")]).pipe(Schedule.jittered)

/**
 * Sends until the app takes the event (see {@link backoff}), warning after each try it did not; returns the answer
 * and how many tries it took.
 *
 * @since 0.4.0
 */
export const untilAccepted = (url: string, body: string, secret: Redacted.Redacted<string>, what: string) =>
  Effect.gen(function*() {
    const output = yield* Output
    let tries = 0
    const once = Effect.flatMap(send(url, body, secret), (outcome) => {
      tries++
      return accepted(outcome) ? Effect.succeed(outcome) : Effect.fail(outcome)
    })
    const outcome = yield* Effect.retry(once, {
      schedule: backoff.pipe(Schedule.tap((meta) => {
        const failed = meta.input as Outcome
        return output.warn(
          `${what}: ${failed._tag === "NoAnswer" ? `${describe(failed)} from your app` : `your app answered ${describe(failed)}`} ` +
            `(try ${tries}); trying again in ${seconds(meta.duration)}`
        )
      })),
      // The schedule never ends: this cannot fail.
    }).pipe(Effect.orDie)
    return { outcome, tries }
  })
