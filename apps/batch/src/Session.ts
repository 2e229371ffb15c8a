/**
 * The flags every command shares (the kit's `Session`: API key, base URL), and the client they resolve to, paced by
 * `--rate-limit` or `EXA_RATE_LIMIT`.
 *
 * @since 0.1.0
 */
import { WebhooksClient } from "@exa-webhooks/client"
import * as KitSession from "@exa-webhooks/cli-kit/Session"
import type { UsageError } from "@exa-webhooks/cli-kit/UsageError"
import { Config, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"

/**
 * The flags shared by every subcommand (`--rate-limit` is added by the root command).
 *
 * @since 0.1.0
 */
export const flags = KitSession.flags

/**
 * Everything a command needs to reach the API.
 *
 * @since 0.1.0
 */
export type Session = KitSession.Session

/**
 * Resolves the shared flags into a {@link Session}; fails with a `UsageError` (exit 2) before anything is sent.
 *
 * @since 0.1.0
 */
export const resolve = KitSession.resolve

/**
 * Runs `effect` with the client of a session: the library's environment knobs (`EXA_RATE_LIMIT`, `EXA_TIMEOUT`,
 * `EXA_MAX_RETRIES`, ...) apply; `rateLimit` (from `--rate-limit`) overrides `EXA_RATE_LIMIT`; the session's
 * rate-limit store (`--rate-limit-store` or `EXA_RATE_LIMIT_STORE`) holds the budget. A bad variable is a
 * `UsageError`; an unreachable store fails with `RateLimitStoreUnavailableError` before anything is sent.
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
        rateLimitStore: Config.succeed(session.rateLimitStore),
        ...(rateLimit === undefined ? {} : { rateLimit: Config.succeed(rateLimit) })
      }).pipe(Layer.provide(FetchHttpClient.layer))
    ),
    Effect.mapError((error) =>
      error instanceof Config.ConfigError
        ? KitSession.configUsage(error)
        : error as E
    )
  ) as never
