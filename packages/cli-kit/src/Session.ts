/**
 * The flags every command of both bins shares, and what they resolve to before anything is sent: the API key
 * (`EXA_API_KEY` or `--api-key-file`, never a flag value), the base URL (`--base-url` or `EXA_BASE_URL`), the pace
 * (`--rate-limit` or `EXA_RATE_LIMIT`) and the per-request timeout (`--timeout` or `EXA_TIMEOUT`). Each value flag
 * takes its rule from `@exa-webhooks/schema` (`Flag.withSchema`) and its variable through `Flag.withFallbackConfig`,
 * so a bad value, typed or in the environment, is a parse error naming the flag or the variable (exit 2, nothing
 * sent), never a defect. A bin adds its own shared flags (`--dry-run`) and builds its client from the session.
 *
 * @since 0.1.0
 */
import { ClientOptions, WebhooksClient } from "@exa-webhooks/client"
import * as Transport from "@exa-webhooks/client/Transport"
import { BaseUrl, ClientSettings } from "@exa-webhooks/schema"
import { Config, Effect, Layer, Option } from "effect"
import { HttpClient } from "effect/http"
import type { Duration, Redacted } from "effect"
import { Flag } from "effect/cli"
import * as ApiKey from "./ApiKey.ts"
import { configLine } from "./ErrorReport.ts"
import type { RedisUrl } from "@exa-webhooks/schema"
import * as RateLimitStoreFlag from "./RateLimitStoreFlag.ts"
import { Output } from "./Output.ts"
import { UsageError } from "./UsageError.ts"

/**
 * The environment variable that overrides the API's base URL.
 *
 * @since 0.1.0
 */
export const BASE_URL_ENV = "EXA_BASE_URL"

/**
 * The environment variable that sets the pace, in requests per second.
 *
 * @since 0.2.0
 */
export const RATE_LIMIT_ENV = "EXA_RATE_LIMIT"

/**
 * The environment variable that sets the per-request timeout.
 *
 * @since 0.2.0
 */
export const TIMEOUT_ENV = "EXA_TIMEOUT"

/**
 * The flags shared by every subcommand; they may be given before or after the subcommand's name.
 *
 * @since 0.1.0
 */
export const flags = {
  baseUrl: Flag.String("base-url").pipe(
    Flag.withDescription(
      `API base URL (default ${WebhooksClient.defaults.baseUrl}, or ${BASE_URL_ENV}); e.g. the mock's http://127.0.0.1:PORT`
    ),
    Flag.withMetavar("URL"),
    Flag.withSchema(BaseUrl.BaseUrl),
    Flag.withFallbackConfig(Config.schema(BaseUrl.BaseUrl, BASE_URL_ENV)),
    Flag.optional
  ),
  apiKeyFile: Flag.String("api-key-file").pipe(
    Flag.withDescription(`read the API key from this file (default: the ${ApiKey.ENV} environment variable)`),
    Flag.withMetavar("PATH"),
    Flag.optional
  ),
  rateLimit: Flag.String("rate-limit").pipe(
    Flag.withDescription(
      `requests per second, shared by every concurrent request, or "auto" to learn it from the server's answers ` +
        `(default ${WebhooksClient.defaults.rateLimit}, or ${RATE_LIMIT_ENV})`
    ),
    Flag.withMetavar("N"),
    Flag.withSchema(ClientSettings.RateLimitFromString),
    Flag.withFallbackConfig(Config.schema(ClientSettings.RateLimitFromString, RATE_LIMIT_ENV)),
    Flag.optional
  ),
  timeout: Flag.String("timeout").pipe(
    Flag.withDescription(`how long one request may take, e.g. "10 seconds" (default 30 seconds, or ${TIMEOUT_ENV})`),
    Flag.withMetavar("DURATION"),
    Flag.withSchema(ClientSettings.TimeoutFromString),
    Flag.withFallbackConfig(Config.schema(ClientSettings.TimeoutFromString, TIMEOUT_ENV)),
    Flag.optional
  ),
  rateLimitStore: RateLimitStoreFlag.flag,
  // Not offered, but caught: someone will try it, and the answer should explain why it is missing rather than say
  // "unknown flag". Its value is never echoed.
  apiKey: Flag.String("api-key").pipe(Flag.withHidden, Flag.optional)
}

/**
 * The parsed values of {@link flags}. (`--json` is not among them: it is a global flag, read before parsing; see
 * `Output.JsonFlag`.)
 *
 * @since 0.1.0
 */
export interface Flags {
  /** Checked by `BaseUrl`; from `--base-url`, else `EXA_BASE_URL`. */
  readonly baseUrl: Option.Option<string>
  readonly apiKeyFile: Option.Option<string>
  readonly rateLimitStore: Option.Option<Redacted.Redacted<string>>
  readonly apiKey: Option.Option<string>
  /** Checked by `ClientSettings.RateLimitFromString`; from `--rate-limit`, else `EXA_RATE_LIMIT`. */
  readonly rateLimit: Option.Option<ClientSettings.RateLimitSetting>
  /** Checked by `ClientSettings.TimeoutFromString`; from `--timeout`, else `EXA_TIMEOUT`. */
  readonly timeout: Option.Option<Duration.Duration>
}

/**
 * Everything a command needs to reach the API.
 *
 * @since 0.1.0
 */
export interface Session {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
  /** `undefined`: the client's default. */
  readonly rateLimit: ClientSettings.RateLimitSetting | undefined
  /** `undefined`: the client's default. */
  readonly timeout: Duration.Duration | undefined
  /** Where the rate budget is shared; `None`: in this process only. */
  readonly rateLimitStore: Option.Option<RedisUrl.RedisUrl>
}

/**
 * Resolves the shared flags into a {@link Session}: fails with a `UsageError` (exit 2, nothing sent) for a plain
 * `--api-key`, or a missing or unreadable key; warns when the key file can be read by other users. (A malformed base
 * URL, rate or timeout never gets here: the parser has refused it.)
 *
 * @since 0.1.0
 */
export const resolve = Effect.fn("Session.resolve")(function*(given: Flags) {
  if (Option.isSome(given.apiKey)) {
    return yield* new UsageError({
      message: `--api-key is not supported: a key on the command line leaks into shell history and process lists; ` +
        `set ${ApiKey.ENV} or pass --api-key-file PATH instead (and consider rotating the key you just typed)`
    })
  }
  const baseUrl = Option.getOrElse(given.baseUrl, () => WebhooksClient.defaults.baseUrl).replace(/\/+$/, "")
  const rateLimitStore = yield* RateLimitStoreFlag.resolve(given.rateLimitStore)
  const key = yield* ApiKey.resolve(given.apiKeyFile)
  if (key.loose && key.source._tag === "File") {
    yield* (yield* Output).warn(
      `${key.source.path} can be read by other users; restrict it with: chmod 600 ${key.source.path}`
    )
  }
  const session: Session = {
    apiKey: key.value,
    baseUrl,
    rateLimit: Option.getOrUndefined(given.rateLimit),
    timeout: Option.getOrUndefined(given.timeout),
    rateLimitStore
  }
  return session
})

/**
 * The client settings of a session, for `WebhooksClient.layerConfig`: key, base URL, rate-limit store (unless the
 * run sends nothing), and the rate and timeout when given; the rest (`EXA_MAX_RETRIES`, `EXA_RETRY_*`, and the rate
 * and timeout when not given) as the client reads them from the environment (`ClientOptions.fromEnv`).
 *
 * @since 0.2.0
 */
export const clientConfig = (
  session: Session,
  options: { readonly sends: boolean } = { sends: true }
): Config.Wrap<WebhooksClient.ConfigOptions> => ({
  ...ClientOptions.fromEnv,
  apiKey: Config.succeed(session.apiKey),
  baseUrl: Config.succeed(session.baseUrl),
  // A run that sends nothing (a dry run) paces nothing, so it connects to no store.
  rateLimitStore: Config.succeed(options.sends ? session.rateLimitStore : Option.none()),
  ...(session.rateLimit === undefined ? {} : { rateLimit: Config.succeed(session.rateLimit) }),
  ...(session.timeout === undefined ? {} : { timeout: Config.succeed(session.timeout) })
})

/**
 * A bad client setting in the environment (`EXA_RATE_LIMIT=fast`, say) as the usage error it is.
 *
 * @since 0.1.0
 */
export const configUsage = (error: Config.ConfigError): UsageError =>
  new UsageError({ message: `invalid client setting in the environment: ${configLine(error.message)}` })

/**
 * The bins' `HttpClient` for requests that are not the API's (deliveries, URL checks): the client's Node transport
 * (undici, the proxy of `HTTPS_PROXY` / `HTTP_PROXY` unless `NO_PROXY` lists the host, never following a redirect). A
 * malformed proxy variable is a usage error naming it.
 *
 * @since 0.4.0
 */
export const transport: Layer.Layer<HttpClient.HttpClient, UsageError> = Transport.layerConfig().pipe(
  Layer.catchTag("ConfigError", (error) => Layer.effect(HttpClient.HttpClient, Effect.fail(configUsage(error))))
)
