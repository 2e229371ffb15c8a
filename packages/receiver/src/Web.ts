/**
 * The verifier without Effect in sight: promises and the Fetch API's `Request` / `Response`, for any runtime with
 * Web Crypto (Node 20+, Bun, Deno, Cloudflare Workers, Vercel Edge). It runs the same checks as the Effect API, by
 * running it.
 *
 * @example
 * ```ts
 * import { VerifyError, Web } from "@exa-webhooks/receiver"
 *
 * const event = await Web.verify({ body: rawBody, signature: request.headers["exa-signature"] }, { secrets: [secret] })
 * ```
 * @since 0.1.0
 */
import type { Event } from "@exa-webhooks/schema"
import { Cause, Duration, Effect, Exit } from "effect"
import * as Signature from "./Signature.ts"
import * as Verifier from "./Verifier.ts"
import * as VerifyError from "./VerifyError.ts"

/**
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The webhook's secret, or several (during a rotation). */
  readonly secrets: Signature.Secret | ReadonlyArray<Signature.Secret>
  /** How far `t` may be from now, either way, in seconds (default 300). */
  readonly toleranceSeconds?: number | undefined
  /** The current time in milliseconds since the epoch (default `Date.now`); for tests. */
  readonly now?: (() => number) | undefined
}

const run = async <A>(effect: Effect.Effect<A, VerifyError.VerifyError>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  // A verification failure is thrown as the tagged error itself; a configuration mistake as its TypeError.
  throw Cause.squash(exit.cause)
}

const verifierOf = (options: Options) =>
  Verifier.make({
    secrets: options.secrets,
    tolerance: options.toleranceSeconds === undefined ? undefined : Duration.seconds(options.toleranceSeconds)
  })

/**
 * Verifies one delivery. Resolves with the event; rejects with a {@link VerifyError.VerifyError} (test it with
 * `VerifyError.isVerifyError`), or a `TypeError` when no secret is given or one is empty.
 *
 * @category verification
 * @since 0.1.0
 */
export const verify = (input: Verifier.Input, options: Options): Promise<Event.Event> =>
  run(Effect.flatMap(verifierOf(options), (verifier) => {
    const now = options.now
    return now === undefined ? verifier.verify(input) : Effect.flatMap(Effect.sync(now), (millis) => verifier.verifyAt(input, millis))
  }))

/**
 * Verifies a Fetch API `Request` (Bun, Deno, Workers, Next.js route handlers, Hono): reads its raw body once and its
 * `Exa-Signature` header.
 *
 * @category verification
 * @since 0.1.0
 */
export const verifyRequest = async (request: Request, options: Options): Promise<Event.Event> =>
  verify({ body: new Uint8Array(await request.arrayBuffer()), signature: request.headers.get(Signature.HEADER) }, options)

/**
 * The answer to a refused delivery: its status (400 or 401) and `{"error": {"type", "message"}}`.
 *
 * @category handlers
 * @since 0.1.0
 */
export const rejection = (error: VerifyError.VerifyError): Response =>
  Response.json(VerifyError.toJson(error), { status: error.status })
