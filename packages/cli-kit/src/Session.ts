/**
 * The flags every API command of both bins shares, and what they resolve to before anything is sent: the API key
 * (`EXA_API_KEY` or `--api-key-file`, never a flag value), the base URL, the pace, the per-request timeout and the
 * shared rate-limit store. Each flag is read off the client's settings table (`ClientOptions.settings`: its name,
 * value name, variable, rule, default and description), takes its rule through `Flag.withSchema` and its variable
 * through `Flag.withFallbackConfig`, so a bad value, typed or in the environment, is a parse error naming the flag or
 * the variable (exit 2, nothing sent), never a defect. A session then provides the client ({@link withClient}).
 *
 * @since 0.1.0
 */
import { ClientOptions, WebhooksClient } from "@exa-webhooks/client"
import type { ClientSettings, RateLimitStore, RedisUrl, WebhooksError } from "@exa-webhooks/client"
import * as Transport from "@exa-webhooks/client/Transport"
import { Config, Effect, Layer, Option } from "effect"
import type { HttpClient } from "effect/http"
import type { Duration, Redacted } from "effect"
import { Flag } from "effect/cli"
import * as ApiKey from "./ApiKey.ts"
import { Output } from "./Output.ts"
import * as RateLimitStoreFlag from "./RateLimitStoreFlag.ts"
import { UsageError } from "./UsageError.ts"

/**
 * What a setting's flag says after its description: `(default 10, or EXA_RATE_LIMIT)`.
 *
 * @category flags
 * @since 0.5.0
 */
export const describeSetting = <A, E>(entry: ClientOptions.Setting<A, E>): string => {
  const fallback = ClientOptions.defaultText(entry)
  return `${entry.description} (${fallback === undefined ? "" : `default ${fallback}, `}or ${entry.env})`
}

/**
 * The flag of a setting of the table: its name and value name, its rule, its variable as the fallback.
 *
 * @category flags
 * @since 0.5.0
 */
export const settingFlag = <A>(entry: ClientOptions.Setting<A, string>): Flag.Flag<Option.Option<A>> => {
  const flag = entry.flag
  if (flag === undefined) throw new Error(`the setting ${entry.option} has no flag`)
  return Flag.String(flag.name).pipe(
    Flag.withDescription(describeSetting(entry)),
    Flag.withMetavar(flag.metavar),
    Flag.withSchema(entry.schema),
    Flag.withFallbackConfig(Config.schema(entry.schema, entry.env)),
    Flag.optional
  )
}

const { settings } = ClientOptions

/**
 * The flags shared by every subcommand; they may be given before or after the subcommand's name.
 *
 * @category flags
 * @since 0.1.0
 */
export const flags = {
  baseUrl: settingFlag(settings.baseUrl),
  apiKeyFile: Flag.String(settings.apiKey.flag.name).pipe(
    Flag.withDescription(
      `read ${settings.apiKey.description} from this file, or - for standard input (default: the ${settings.apiKey.env} variable)`
    ),
    Flag.withMetavar(settings.apiKey.flag.metavar),
    Flag.optional
  ),
  rateLimit: settingFlag(settings.rateLimit),
  timeout: settingFlag(settings.timeout),
  rateLimitStore: RateLimitStoreFlag.flag,
  // Not offered, but caught: someone will try it, and the answer should explain why it is missing rather than say
  // "unknown flag". Its value is never echoed.
  apiKey: Flag.String("api-key").pipe(Flag.withHidden, Flag.optional)
}

/**
 * The parsed values of {@link flags}. (`--json` and `--color` are not among them: they are global flags, read before
 * parsing; see `Output`.)
 *
 * @category models
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
 * @category models
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
 * @category constructors
 * @since 0.1.0
 */
export const resolve = Effect.fn("Session.resolve")(function*(given: Flags) {
  if (Option.isSome(given.apiKey)) {
    return yield* new UsageError({
      message: `--api-key is not supported: a key on the command line leaks into shell history and process lists; ` +
        `set ${ApiKey.ENV} or pass --${settings.apiKey.flag.name} PATH instead (and consider rotating the key you just typed)`
    })
  }
  const baseUrl = Option.getOrElse(given.baseUrl, () => WebhooksClient.defaults.baseUrl).replace(/\/+$/, "")
  const rateLimitStore = yield* RateLimitStoreFlag.resolve(given.rateLimitStore)
  const key = yield* ApiKey.resolve(given.apiKeyFile)
  if (key.loose !== undefined) yield* (yield* Output).warn(key.loose)
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
 * @category client
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
 * The client of a session, over the `HttpClient` it is given (the Node transport, or `--dry-run`'s recorder). A bad
 * retry variable fails it with a `ConfigError`, an unreachable store with `RateLimitStoreUnavailableError`, both
 * before anything is sent (and both reported by the kit).
 *
 * @category client
 * @since 0.5.0
 */
export const clientLayer = (session: Session, options: { readonly sends: boolean } = { sends: true }) =>
  WebhooksClient.layerConfig(clientConfig(session, options))

/**
 * The bins' `HttpClient`, for the API's requests and for those that are not the API's (deliveries, URL checks): the
 * client's Node transport (`@exa-webhooks/client/Transport`: undici with keep-alive, never following a redirect,
 * through the proxy that `HTTPS_PROXY` / `HTTP_PROXY` name unless `NO_PROXY` lists the host). A malformed proxy
 * variable is a `ConfigError` naming it (reported by the kit as a usage error).
 *
 * @category client
 * @since 0.4.0
 */
export const transport: Layer.Layer<HttpClient.HttpClient, Config.ConfigError> = Transport.layerConfig()

/**
 * Runs `effect` with the client of a session, sending through {@link transport}.
 *
 * @category client
 * @since 0.5.0
 */
export const withClient = <A, E, R>(
  session: Session,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<
  A,
  E | Config.ConfigError | WebhooksError.InvalidOptionsError | RateLimitStore.RateLimitStoreUnavailableError,
  Exclude<R, WebhooksClient.WebhooksClient>
> => Effect.provide(effect, clientLayer(session).pipe(Layer.provide(transport)))
