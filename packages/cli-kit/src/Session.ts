/**
 * The flags every command of both bins shares, and what they resolve to before anything is sent: the API key
 * (`EXA_API_KEY` or `--api-key-file`, never a flag value) and the base URL (`--base-url` or `EXA_BASE_URL`, checked by
 * the schema's `BaseUrl` rule). A bin adds its own shared flags (`--dry-run`, `--rate-limit`) and builds its client
 * from the session.
 *
 * @since 0.1.0
 */
import { WebhooksClient } from "@exa-webhooks/client"
import { BaseUrl } from "@exa-webhooks/schema"
import { Config, Effect, Option } from "effect"
import type { Redacted } from "effect"
import { Flag } from "effect/cli"
import * as ApiKey from "./ApiKey.ts"
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
    Flag.optional
  ),
  apiKeyFile: Flag.String("api-key-file").pipe(
    Flag.withDescription(`read the API key from this file (default: the ${ApiKey.ENV} environment variable)`),
    Flag.withMetavar("PATH"),
    Flag.optional
  ),
  rateLimitStore: RateLimitStoreFlag.flag,
  json: Flag.Boolean("json").pipe(
    Flag.withDescription("print one JSON document on stdout (errors as JSON on stderr)"),
    Flag.withDefault(false)
  ),
  // Not offered, but caught: someone will try it, and the answer should explain why it is missing rather than say
  // "unknown flag". Its value is never echoed.
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
  readonly rateLimitStore: Option.Option<Redacted.Redacted<string>>
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
  /** Where the rate budget is shared; `None`: in this process only. */
  readonly rateLimitStore: Option.Option<RedisUrl.RedisUrl>
}

const baseUrlConfig = Config.option(Config.String(BASE_URL_ENV))

const checkBaseUrl = Effect.fn("Session.checkBaseUrl")(function*(value: string, origin: string) {
  const problem = BaseUrl.problem(value)
  // The rule's message never quotes a password (it masks everything before the last "@").
  if (problem !== undefined) return yield* new UsageError({ message: `${origin}: ${problem}` })
  return value.replace(/\/+$/, "")
})

/**
 * Resolves the shared flags into a {@link Session}: fails with a `UsageError` (exit 2, nothing sent) for a plain
 * `--api-key`, a missing or unreadable key, or a malformed base URL; warns when the key file can be read by other
 * users.
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
  const fromEnv = Option.filter(
    yield* baseUrlConfig.pipe(Effect.orElseSucceed(() => Option.none<string>())),
    (value) => value.trim() !== ""
  )
  const baseUrl = Option.isSome(given.baseUrl)
    ? yield* checkBaseUrl(given.baseUrl.value, "--base-url")
    : Option.isSome(fromEnv)
    ? yield* checkBaseUrl(fromEnv.value.trim(), BASE_URL_ENV)
    : WebhooksClient.defaults.baseUrl
  const rateLimitStore = yield* RateLimitStoreFlag.resolve(given.rateLimitStore)
  const key = yield* ApiKey.resolve(given.apiKeyFile)
  if (key.loose && key.source._tag === "File") {
    yield* (yield* Output).warn(
      `${key.source.path} can be read by other users; restrict it with: chmod 600 ${key.source.path}`
    )
  }
  const session: Session = { apiKey: key.value, baseUrl, rateLimitStore }
  return session
})

/**
 * A bad client setting in the environment (`EXA_RATE_LIMIT=fast`, say) as the usage error it is.
 *
 * @since 0.1.0
 */
export const configUsage = (error: Config.ConfigError): UsageError =>
  new UsageError({ message: `invalid client setting in the environment: ${error.message}` })
