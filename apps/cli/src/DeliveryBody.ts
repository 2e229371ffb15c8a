/**
 * A delivery's raw body as `verify` and `listen` read it: at most {@link MAX_BODY_BYTES}, so that a runaway sender or
 * a wrong file (a disk image piped to `verify`) cannot exhaust memory. Exa's events are far smaller.
 *
 * @since 0.4.0
 */
import * as Dash from "@exa-webhooks/cli-kit/Dash"
import type { Effect, Stream } from "effect"

/**
 * Largest body read, in bytes (10 MiB): `listen` answers a larger one 413 without keeping it, `verify` refuses it
 * without reading the rest.
 *
 * @since 0.2.0
 */
export const MAX_BODY_BYTES = 10 * 1024 * 1024

/**
 * The bytes of `stream`, or `undefined` once they pass {@link MAX_BODY_BYTES}: reading stops there, and no more than
 * the limit (and one chunk) is ever held.
 *
 * @since 0.4.0
 */
export const collect = <E, R>(stream: Stream.Stream<Uint8Array, E, R>): Effect.Effect<Uint8Array | undefined, E, R> =>
  Dash.collect(stream, MAX_BODY_BYTES)
