/**
 * The flags every command shares (the kit's `Session`: API key, base URL, `--rate-limit`, `--timeout`), and the
 * client they resolve to.
 *
 * @since 0.1.0
 */
import { WebhooksClient } from "@exa-webhooks/client"
import * as Transport from "@exa-webhooks/client/Transport"
import * as KitSession from "@exa-webhooks/cli-kit/Session"
import type { UsageError } from "@exa-webhooks/cli-kit/UsageError"
import { Config, Effect, Layer } from "effect"

/**
 * The flags shared by every subcommand.
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
 * Runs `effect` with the client of a session: key, base URL, rate, timeout and rate-limit store from the session
 * (flags or their variables, checked by the parser); the client's retry knobs (`EXA_MAX_RETRIES`, `EXA_RETRY_*`)
 * from the environment. A bad retry variable is a `UsageError`; an unreachable store fails with
 * `RateLimitStoreUnavailableError` before anything is sent. Requests go through the client's Node transport
 * (`@exa-webhooks/client/Transport`: undici with keep-alive, never following a redirect, through the proxy that
 * `HTTPS_PROXY` / `HTTP_PROXY` name unless `NO_PROXY` lists the host).
 *
 * @since 0.1.0
 */
export const withClient = <A, E, R>(
  session: Session,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | UsageError, Exclude<R, WebhooksClient.WebhooksClient>> =>
  effect.pipe(
    Effect.provide(WebhooksClient.layerConfig(KitSession.clientConfig(session)).pipe(Layer.provide(Transport.layerConfig()))),
    Effect.mapError((error) =>
      error instanceof Config.ConfigError
        ? KitSession.configUsage(error)
        : error as E
    )
  ) as never
