/**
 * The flags every command shares, and the client they resolve to: API key (`EXA_API_KEY` or `--api-key-file`), base
 * URL (`--base-url` or `EXA_BASE_URL`) and pacing (`--rate-limit` or `EXA_RATE_LIMIT`).
 *
 * @since 0.1.0
 */
import { WebhooksClient } from "@exa-webhooks/client"
import { Config, Effect, Layer, Option } from "effect"
import type { Redacted } from "effect"
import { Flag } from "effect/cli"
import { FetchHttpClient } from "effect/http"
import * as ApiKey from "@exa-webhooks/cli-kit/ApiKey"
import { Output } from "@exa-webhooks/cli-kit/Output"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

/**
 * The environment variable that overrides the API's base URL.
 *
 * @since 0.1.0
 */
export const BASE_URL_ENV = "EXA_BASE_URL"

/**
 * The flags shared by every subcommand.
 *
 * @since 0.1.0
 */
export const flags = {
  baseUrl: Flag.String("base-url").pipe(
    Flag.withDescription(`API base URL (default ${WebhooksClient.defaults.baseUrl}, or ${BASE_URL_ENV})`),
    Flag.withMetavar("URL"),
    Flag.optional
  ),
  apiKeyFile: Flag.String("api-key-file").pipe(
    Flag.withDescription(`read the API key from this file (default: the ${ApiKey.ENV} environment variable)`),
    Flag.withMetavar("PATH"),
    Flag.optional
  ),
  json: Flag.Boolean("json").pipe(
    Flag.withDescription("print one JSON document on stdout (errors as JSON on stderr)"),
    Flag.withDefault(false)
  ),
  apiKey: Flag.String("api-key").pipe(Flag.withHidden, Flag.optional)
}

/**
 * The parsed values of {@link flags}.
 *
 * @since 0.1.0
 */
export interface Flags {
  readonly baseUrl: Option.Option<string>
  readonly apiKeyFile: Option.Option<string>
  readonly json: boolean
  readonly apiKey: Option.Option<string>
}

/**
 * Everything a command needs to reach the API.
 *
 * @since 0.1.0
 */
export interface Session {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
}

const baseUrlConfig = Config.option(Config.String(BASE_URL_ENV))

const checkBaseUrl = (value: string, origin: string) => {
  const url = URL.canParse(value) ? new URL(value) : undefined
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:") || url.username !== "" || url.password !== "") {
    return Effect.fail(
      new UsageError({ message: `${origin}: expected an absolute http(s) URL without credentials, such as https://api.exa.ai` })
    )
  }
  return Effect.succeed(value.replace(/\/+$/, ""))
}

/**
 * Resolves the shared flags into a {@link Session}; fails with a `UsageError` (exit 2) before anything is sent.
 *
 * @since 0.1.0
 */
export const resolve = Effect.fn("Session.resolve")(function*(given: Flags) {
  if (Option.isSome(given.apiKey)) {
    return yield* new UsageError({
      message: `--api-key is not supported: a key on the command line leaks into shell history and process lists; ` +
        `set ${ApiKey.ENV} or pass --api-key-file PATH instead`
    })
  }
  const fromEnv = Option.filter(
    yield* baseUrlConfig.pipe(Effect.orElseSucceed(() => Option.none<string>())),
    (value) => value.trim() !== ""
  )
  const baseUrl = Option.isSome(given.baseUrl)
    ? yield* checkBaseUrl(given.baseUrl.value, "--base-url")
    : Option.isSome(fromEnv)
    ? yield* checkBaseUrl(fromEnv.value.trim(), BASE_URL_ENV)
    : WebhooksClient.defaults.baseUrl
  const key = yield* ApiKey.resolve(given.apiKeyFile)
  if (key.loose && key.source._tag === "File") {
    yield* (yield* Output).warn(`${key.source.path} can be read by other users; restrict it with: chmod 600 ${key.source.path}`)
  }
  const session: Session = { apiKey: key.value, baseUrl }
  return session
})

/**
 * Runs `effect` with the client of a session: the library's environment knobs (`EXA_RATE_LIMIT`, `EXA_TIMEOUT`,
 * `EXA_MAX_RETRIES`, ...) apply; `rateLimit` (from `--rate-limit`) overrides `EXA_RATE_LIMIT`. A bad variable is a
 * `UsageError`.
 *
 * @since 0.1.0
 */
export const withClient = <A, E, R>(
  session: Session,
  rateLimit: number | undefined,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | UsageError, Exclude<R, WebhooksClient.WebhooksClient>> =>
  effect.pipe(
    Effect.provide(
      WebhooksClient.layerConfig({
        apiKey: Config.succeed(session.apiKey),
        baseUrl: Config.succeed(session.baseUrl),
        ...(rateLimit === undefined ? {} : { rateLimit: Config.succeed(rateLimit) })
      }).pipe(Layer.provide(FetchHttpClient.layer))
    ),
    Effect.mapError((error) =>
      error instanceof Config.ConfigError
        ? new UsageError({ message: `invalid client setting in the environment: ${error.message}` })
        : error as E
    )
  ) as never
