/**
 * The global flags every command shares, and what they resolve to: the API key, the base URL and whether this run
 * sends anything. A session hands the commands a `WebhooksClient` built from them: the real one, or, with
 * `--dry-run`, one whose transport only records.
 *
 * @since 0.1.0
 */
import { RateLimitStore, WebhooksClient, WebhooksError } from "@exa-webhooks/client"
import * as Transport from "@exa-webhooks/client/Transport"
import { Config, Effect, Layer } from "effect"
import { Flag } from "effect/cli"
import * as KitSession from "@exa-webhooks/cli-kit/Session"
import * as DryRun from "./DryRun.ts"
import { Output } from "@exa-webhooks/cli-kit/Output"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

/**
 * The flags shared by every subcommand (the kit's, plus `--dry-run`); they may be given before or after the
 * subcommand's name.
 *
 * @since 0.1.0
 */
export const flags = {
  ...KitSession.flags,
  dryRun: Flag.Boolean("dry-run").pipe(
    Flag.withDescription("print the request (method, URL, headers with the key masked, body) and send nothing"),
    Flag.withDefault(false)
  )
}

/**
 * The parsed values of {@link flags}.
 *
 * @since 0.1.0
 */
export interface Flags extends KitSession.Flags {
  readonly dryRun: boolean
}

/**
 * Everything a command needs to reach the API, and whether this run sends anything.
 *
 * @since 0.1.0
 */
export interface Session extends KitSession.Session {
  readonly dryRun: boolean
}

/**
 * Resolves the global flags into a {@link Session} (see the kit's `Session.resolve`: fails with a `UsageError`
 * before anything is sent).
 *
 * @since 0.1.0
 */
export const resolve = Effect.fn("Session.resolve")(function*(given: Flags) {
  const session: Session = { ...(yield* KitSession.resolve(given)), dryRun: given.dryRun }
  return session
})

// Key, base URL, rate, timeout and rate-limit store come from the session (flags or their variables, already checked
// by the parser); the client reads its retry knobs (EXA_MAX_RETRIES, EXA_RETRY_*) from the environment itself. A dry
// run sends nothing, so it paces nothing and connects to no store.
const clientLayer = (session: Session, options: { readonly sends: boolean }) =>
  WebhooksClient.layerConfig(KitSession.clientConfig(session, options))

type Operation<A, E, R> = (client: WebhooksClient.Service) => Effect.Effect<A, E, R>

const withClient = <A, E, R>(operation: Operation<A, E, R>) =>
  Effect.gen(function*() {
    return yield* operation(yield* WebhooksClient.WebhooksClient)
  })

const mapConfigError = <A, E, R>(
  effect: Effect.Effect<A, E | Config.ConfigError | WebhooksError.InvalidOptionsError, R>
): Effect.Effect<A, E | UsageError, R> =>
  Effect.mapError(effect, (error) =>
    error instanceof Config.ConfigError
      ? KitSession.configUsage(error)
      : error instanceof WebhooksError.InvalidOptionsError
      ? new UsageError({ message: error.message })
      : error as E
  )

// The client's Node transport: effect's NodeHttpClient over undici (keep-alive, never following a redirect), through
// the proxy that HTTPS_PROXY / HTTP_PROXY name unless NO_PROXY lists the host. A malformed proxy variable is a usage
// error naming it.
const transport = Transport.layerConfig()

/**
 * Runs `operation` against the API.
 *
 * @since 0.1.0
 */
export const send = <A, E, R>(
  session: Session,
  operation: Operation<A, E, R>
): Effect.Effect<A, E | UsageError | RateLimitStore.RateLimitStoreUnavailableError, R> =>
  withClient(operation).pipe(
    Effect.provide(clientLayer(session, { sends: true }).pipe(Layer.provide(transport))),
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
    Effect.provide(clientLayer(session, { sends: false }).pipe(Layer.provide(DryRun.layer))),
    mapConfigError
  )
  const output = yield* Output
  yield* output.result({ dryRun: true, ...request }, () => DryRun.render(request))
  yield* output.note(`dry run: nothing was sent${note === undefined ? "" : `; ${note}`}`)
})
