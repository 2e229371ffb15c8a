/**
 * The global flags every command shares, and what they resolve to: the API key, the base URL and whether this run
 * sends anything. A session hands the commands a `WebhooksClient` built from them: the real one, or, with
 * `--dry-run`, one whose transport only records.
 *
 * @since 0.1.0
 */
import { WebhooksClient } from "@exa-webhooks/client"
import { Config, Effect, Layer, Option } from "effect"
import type { Redacted } from "effect"
import { Flag } from "effect/cli"
import { FetchHttpClient } from "effect/http"
import * as ApiKey from "@exa-webhooks/cli-kit/ApiKey"
import * as DryRun from "./DryRun.ts"
import * as Input from "./Input.ts"
import { Output } from "@exa-webhooks/cli-kit/Output"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

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
  json: Flag.Boolean("json").pipe(
    Flag.withDescription("print one JSON document on stdout (errors as JSON on stderr)"),
    Flag.withDefault(false)
  ),
  dryRun: Flag.Boolean("dry-run").pipe(
    Flag.withDescription("print the request (method, URL, headers with the key masked, body) and send nothing"),
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
  readonly json: boolean
  readonly dryRun: boolean
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
  readonly dryRun: boolean
}

const baseUrlConfig = Config.option(Config.String(BASE_URL_ENV))

/**
 * Resolves the global flags into a {@link Session}: fails with a `UsageError` for a plain `--api-key`, a missing or
 * unreadable key, or a malformed base URL; warns when the key file can be read by other users.
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
    ? yield* Input.baseUrl(given.baseUrl.value, "--base-url")
    : Option.isSome(fromEnv)
    ? yield* Input.baseUrl(fromEnv.value.trim(), BASE_URL_ENV)
    : WebhooksClient.defaults.baseUrl
  const key = yield* ApiKey.resolve(given.apiKeyFile)
  if (key.loose && key.source._tag === "File") {
    yield* (yield* Output).warn(
      `${key.source.path} can be read by other users; restrict it with: chmod 600 ${key.source.path}`
    )
  }
  const session: Session = { apiKey: key.value, baseUrl, dryRun: given.dryRun }
  return session
})

// The library's own environment knobs (EXA_RATE_LIMIT, EXA_TIMEOUT, EXA_MAX_RETRIES, ...) apply to the CLI too; the
// key and base URL come from the session, which has already checked them.
const clientLayer = (session: Session) =>
  WebhooksClient.layerConfig({
    apiKey: Config.succeed(session.apiKey),
    baseUrl: Config.succeed(session.baseUrl)
  })

const configUsage = (error: Config.ConfigError) =>
  new UsageError({ message: `invalid client setting in the environment: ${error.message}` })

type Operation<A, E, R> = (client: WebhooksClient.Service) => Effect.Effect<A, E, R>

const withClient = <A, E, R>(operation: Operation<A, E, R>) =>
  Effect.gen(function*() {
    return yield* operation(yield* WebhooksClient.WebhooksClient)
  })

const mapConfigError = <A, E, R>(effect: Effect.Effect<A, E | Config.ConfigError, R>): Effect.Effect<A, E | UsageError, R> =>
  Effect.mapError(effect, (error) => (error instanceof Config.ConfigError ? configUsage(error) : error as E))

/**
 * Runs `operation` against the API.
 *
 * @since 0.1.0
 */
export const send = <A, E, R>(
  session: Session,
  operation: Operation<A, E, R>
): Effect.Effect<A, E | UsageError, R> =>
  withClient(operation).pipe(
    Effect.provide(clientLayer(session).pipe(Layer.provide(FetchHttpClient.layer))),
    mapConfigError
  )

/**
 * Runs `operation` with the recording transport of `--dry-run` and prints the first request it would have sent.
 *
 * @since 0.1.0
 */
export const preview = Effect.fn("Session.preview")(function*<A, E, R>(
  session: Session,
  operation: Operation<A, E, R>,
  note?: string
) {
  const request = yield* DryRun.capture(withClient(operation), session.apiKey).pipe(
    Effect.provide(clientLayer(session).pipe(Layer.provide(DryRun.layer))),
    mapConfigError
  )
  const output = yield* Output
  yield* output.result({ dryRun: true, ...request }, () => DryRun.render(request))
  yield* output.note(`dry run: nothing was sent${note === undefined ? "" : `; ${note}`}`)
})
