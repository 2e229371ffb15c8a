/**
 * The flags every API command shares (the kit's, plus `--dry-run`), and the client a session hands a command: the
 * real one (the kit's `Session.withClient`), or, with `--dry-run`, one whose transport only records.
 *
 * @since 0.1.0
 */
import { WebhooksClient } from "@exa-webhooks/client"
import type { RateLimitStore, WebhooksError } from "@exa-webhooks/client"
import * as KitSession from "@exa-webhooks/cli-kit/Session"
import { Output } from "@exa-webhooks/cli-kit/Output"
import { Effect, Layer } from "effect"
import type { Config } from "effect"
import { Flag } from "effect/cli"
import * as DryRun from "./DryRun.ts"

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

type Operation<A, E, R> = (client: WebhooksClient.Service) => Effect.Effect<A, E, R>

const withClient = <A, E, R>(operation: Operation<A, E, R>) =>
  Effect.gen(function*() {
    return yield* operation(yield* WebhooksClient.WebhooksClient)
  })

/**
 * Runs `operation` against the API.
 *
 * @since 0.1.0
 */
export const send = <A, E, R>(
  session: Session,
  operation: Operation<A, E, R>
): Effect.Effect<
  A,
  E | Config.ConfigError | WebhooksError.InvalidOptionsError | RateLimitStore.RateLimitStoreUnavailableError,
  Exclude<R, WebhooksClient.WebhooksClient>
> => KitSession.withClient(session, withClient(operation))

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
    Effect.provide(KitSession.clientLayer(session, { sends: false }).pipe(Layer.provide(DryRun.layer)))
  )
  const output = yield* Output
  yield* output.result({ dryRun: true, ...request }, () => DryRun.render(request))
  yield* output.note(`dry run: nothing was sent${note === undefined ? "" : `; ${note}`}`)
})
