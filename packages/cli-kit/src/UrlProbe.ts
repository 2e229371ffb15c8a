/**
 * The check of a webhook URL before it is registered (`exa-webhooks create --check-url`, `exa-webhooks-batch plan
 * --check-urls`): Exa's deliveries never follow a redirect, so a URL that answers 3xx fails every delivery, and so does
 * one whose name does not resolve, whose TLS certificate is refused, or whose port refuses connections.
 *
 * The probe is one `HEAD` request, without a body and without any credential (neither the API key nor a signing
 * secret; only a `User-Agent` naming the check), never following a redirect, through the bins' transport (the proxy of
 * `HTTPS_PROXY` / `HTTP_PROXY`). Why `HEAD` and not a `POST` like a delivery: an unsigned `POST` with a made-up body
 * reaches the receiver's handler, and a receiver that does not verify signatures (or logs what it refuses) would take
 * it for an event; a `HEAD` carries nothing a handler can act on, and redirects, name resolution, TLS and refused
 * connections do not depend on the method. A receiver that routes only `POST` answers it 404 or 405, which the check
 * reports as reachable. The probe runs from this machine: a URL only Exa's network can reach (or only this machine
 * can, such as a loopback address) is reported for what it is from here.
 *
 * @since 0.4.0
 */
import { Duration, Effect, Option, Schema } from "effect"
import { Headers, HttpClient, HttpClientRequest } from "effect/http"
import { isIP } from "node:net"

/**
 * How long the probe waits for an answer.
 *
 * @since 0.4.0
 */
export const TIMEOUT = Duration.seconds(10)

/**
 * What the probe found.
 *
 * @since 0.4.0
 */
export const Finding = Schema.Union([
  Schema.TaggedStruct("Reachable", { status: Schema.Number }),
  Schema.TaggedStruct("Redirect", { status: Schema.Number, location: Schema.NullOr(Schema.String) }),
  Schema.TaggedStruct("NameNotResolved", { host: Schema.String }),
  Schema.TaggedStruct("TlsFailure", { reason: Schema.String }),
  Schema.TaggedStruct("ConnectionRefused", {}),
  Schema.TaggedStruct("Timeout", {}),
  Schema.TaggedStruct("Unreachable", { reason: Schema.String })
])

/**
 * @since 0.4.0
 */
export type Finding = typeof Finding.Type

/**
 * A URL and what the probe found, as `--json` reports it (`ok` false for a URL deliveries would fail at).
 *
 * @since 0.4.0
 */
export interface Check {
  readonly url: string
  readonly ok: boolean
  readonly finding: Finding
  /** One sentence for people. */
  readonly message: string
}

const DNS: ReadonlySet<string> = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_NODATA", "EAI_FAIL"])
const TLS: ReadonlySet<string> = new Set([
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH"
])

// What a transport failure was, from the innermost error that says (undici wraps the socket's or TLS's error).
const classify = (error: unknown, host: string): Finding => {
  let current: unknown = error
  let code: string | undefined
  let message = "no answer"
  let proxy: string | undefined
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const c = current as { readonly code?: unknown; readonly message?: unknown; readonly cause?: unknown }
    if (typeof c.code === "string") code = c.code
    if (typeof c.message === "string" && c.message !== "") {
      message = c.message
      if (c.message.startsWith("proxy ")) proxy ??= c.message.slice("proxy ".length)
    }
    current = c.cause
  }
  // node:https (the Transport without a proxy) reports a failed handshake as EPROTO with OpenSSL's message, where
  // undici (through a proxy) says ERR_SSL_<reason>: the same name for both.
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1]
  if (code === "EPROTO" && ssl !== undefined) code = `ERR_SSL_${ssl.toUpperCase().replaceAll(" ", "_")}`
  if (code !== undefined && DNS.has(code)) return { _tag: "NameNotResolved", host }
  if (code === "ECONNREFUSED") return { _tag: "ConnectionRefused" }
  if (code !== undefined && (TLS.has(code) || code.startsWith("ERR_TLS_") || code.startsWith("ERR_SSL_"))) {
    // OpenSSL's own messages ("40...:error:0A00010B:SSL routines:...") say less than the code.
    return { _tag: "TlsFailure", reason: message.includes("SSL routines") ? code : `${message}, ${code}` }
  }
  return { _tag: "Unreachable", reason: proxy === undefined ? message : `through the proxy ${proxy}: ${message}` }
}

/**
 * Whether deliveries to a URL with this finding would fail.
 *
 * @since 0.4.0
 */
export const isProblem = (finding: Finding): boolean => finding._tag !== "Reachable"

// Loopback and private addresses: this machine reaches them, Exa's servers do not.
const isLocal = (host: string) => {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase()
  if (bare === "localhost" || bare.endsWith(".localhost")) return true
  if (isIP(bare) === 4) {
    const [a, b] = bare.split(".").map(Number) as [number, number]
    return a === 127 || a === 10 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31) || (a === 169 && b === 254)
  }
  return isIP(bare) === 6 && (bare === "::1" || bare.startsWith("fc") || bare.startsWith("fd") || bare.startsWith("fe80"))
}

/**
 * The sentence for `url` and its finding.
 *
 * @since 0.4.0
 */
export const describe = (url: string, finding: Finding): string => {
  switch (finding._tag) {
    case "Reachable": {
      const local = isLocal(new URL(url).hostname)
        ? " (from this machine: Exa's servers cannot reach a loopback or private address; for local development use " +
          "'exa-webhooks listen --from-api')"
        : ""
      const head = finding.status === 404 || finding.status === 405
        ? " (deliveries are POSTs: a receiver that routes only POST answers a HEAD so)"
        : ""
      return `${url} answered ${finding.status} to a HEAD request, without a redirect${head}${local}`
    }
    case "Redirect":
      return `${url} redirects (${finding.status})${
        finding.location === null ? " without a Location" : ` to ${finding.location}`
      }: Exa does not follow redirects, so every delivery would fail${
        finding.location === null ? "" : `; register ${finding.location} instead`
      }`
    case "NameNotResolved":
      return `${url}: the name ${finding.host} does not resolve (from this machine), so deliveries cannot reach it`
    case "TlsFailure":
      return `${url}: its TLS certificate was refused (${finding.reason}), and Exa's deliveries would refuse it too`
    case "ConnectionRefused":
      return `${url}: the connection was refused (nothing listens on that port, from this machine)`
    case "Timeout":
      return `${url}: no answer within ${Duration.format(TIMEOUT)}`
    case "Unreachable":
      return `${url}: could not be reached (${finding.reason})`
  }
}

/**
 * Probes `url` (see the module's description). Never fails: every way it can go is a {@link Finding}.
 *
 * @example
 * ```ts
 * const check = yield* UrlProbe.probe("https://example.com/hooks/exa")
 * if (!check.ok) yield* Console.error(check.message)
 * ```
 * @since 0.4.0
 */
export const probe = (url: string): Effect.Effect<Check, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const finding = yield* client.execute(
      HttpClientRequest.head(url).pipe(HttpClientRequest.setHeaders({ "user-agent": "exa-webhooks-url-check" }))
    ).pipe(
      Effect.map((response): Finding => {
        if (response.status >= 300 && response.status < 400) {
          const location = Option.getOrUndefined(Headers.get(response.headers, "location"))
          return {
            _tag: "Redirect",
            status: response.status,
            location: location === undefined ? null : URL.canParse(location, url) ? new URL(location, url).href : location
          }
        }
        return { _tag: "Reachable", status: response.status }
      }),
      Effect.timeoutOrElse({ duration: TIMEOUT, orElse: () => Effect.succeed<Finding>({ _tag: "Timeout" }) }),
      Effect.catch((error) => Effect.succeed(classify(error, new URL(url).hostname))),
      Effect.provideService(HttpClient.TracerPropagationEnabled, false)
    )
    return { url, ok: !isProblem(finding), finding, message: describe(url, finding) }
  })

/**
 * Probes each distinct URL once, a few at a time, in the order given.
 *
 * @since 0.4.0
 */
export const probeAll = (urls: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Check>, never, HttpClient.HttpClient> =>
  Effect.forEach([...new Set(urls)], probe, { concurrency: 8 })
