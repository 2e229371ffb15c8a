/**
 * Verifying a delivery, the Effect way: `verify` for one call, or the `Verifier` service (secrets imported once) from
 * `layer` / `layerConfig`. Both return the decoded `Event`, or fail with the {@link VerifyError.VerifyError} of the
 * first check that failed: header present, header well-formed, timestamp within the tolerance of the `Clock`
 * (`TestClock` in tests), a `v1` matching under one of the secrets, body an event.
 *
 * The timestamp is checked before the signature: it costs nothing, and it gives a replayed genuine delivery (or a
 * tampered `t`) its own answer. The body is decoded last, only once it is known to come from Exa.
 *
 * @since 0.1.0
 */
import { Event } from "@exa-webhooks/schema"
import { Validation } from "@exa-webhooks/schema"
import { Clock, Config, Context, Duration, Effect, Layer, Redacted, Schema } from "effect"
import { WebCrypto } from "effect/crypto"
import * as Scheme from "./internal/scheme.ts"
import * as Signature from "./Signature.ts"
import { fromFailure, InvalidEventBody, type VerifyError } from "./VerifyError.ts"

/**
 * The default tolerance: 5 minutes either side of now.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_TOLERANCE: Duration.Duration = Duration.seconds(Scheme.DEFAULT_TOLERANCE_SECONDS)

/**
 * What arrived: the raw body and the `Exa-Signature` header's value (`undefined` or `null` when absent; a repeated
 * header given as an array is joined with `,` and read as one).
 *
 * @category models
 * @since 0.1.0
 */
export type Input = Scheme.Input

/**
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The webhook's secret, or several (during a rotation): a delivery signed with any of them is accepted. */
  readonly secrets: Signature.Secret | ReadonlyArray<Signature.Secret>
  /** How far `t` may be from now, either way (default 5 minutes). */
  readonly tolerance?: Duration.Input | undefined
}

/**
 * @category models
 * @since 0.1.0
 */
export interface Service {
  /** Verifies one delivery at the `Clock`'s time. */
  readonly verify: (input: Input) => Effect.Effect<Event.Event, VerifyError>
  /** Verifies one delivery as if it were `nowMillis` (milliseconds since the epoch). */
  readonly verifyAt: (input: Input, nowMillis: number) => Effect.Effect<Event.Event, VerifyError>
}

/**
 * The service: a verifier with its secrets already imported.
 *
 * @example
 * ```ts
 * const event = yield* Verifier.Verifier.use((v) => v.verify({ body, signature }))
 * ```
 * @category services
 * @since 0.1.0
 */
export class Verifier extends Context.Service<Verifier, Service>()("@exa-webhooks/receiver/Verifier") {}

const decodeEvent = Schema.decodeUnknownEffect(Event.Event)

// The envelope the checks accepted, as the schema's `Event`. The checks and the schema agree on what an event is
// (test/Differential.test.ts); should a future schema be stricter, its message is the one given.
const toEvent = (envelope: Scheme.WebhookEvent): Effect.Effect<Event.Event, InvalidEventBody> =>
  decodeEvent(envelope, Validation.parseOptions).pipe(
    Effect.mapError((error) =>
      new InvalidEventBody({ reason: "not-an-event", message: `the body is JSON but not an event: ${Validation.format(error)}` })
    )
  )

/**
 * The body as an event, or {@link InvalidEventBody}.
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeBody = (body: Signature.Body): Effect.Effect<Event.Event, InvalidEventBody> =>
  Effect.suspend(() => {
    const checked = Scheme.envelope(body)
    return "_tag" in checked ? Effect.fail(fromFailure(checked) as InvalidEventBody) : toEvent(checked.event)
  })

const secretsOf = (secrets: Options["secrets"]): ReadonlyArray<Signature.Secret> =>
  typeof secrets === "string" || Redacted.isRedacted(secrets) ? [secrets] : (secrets as ReadonlyArray<Signature.Secret>)

/**
 * Builds the service: imports every secret once. Dies (a configuration mistake, not a bad delivery) when there is no
 * secret, a secret is empty or the tolerance is negative.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Service> =>
  Effect.gen(function*() {
    const crypto: typeof globalThis.crypto = yield* WebCrypto.WebCrypto
    const toleranceMillis = yield* Effect.sync(() =>
      Scheme.checkTolerance(Duration.toMillis(Duration.fromInputUnsafe(options.tolerance ?? DEFAULT_TOLERANCE)))
    )
    const secrets = secretsOf(options.secrets).map(Signature.secretValue)
    const keys = yield* Effect.promise(() => Scheme.importKeys(crypto.subtle, secrets))
    // The checks of the `Web` form, run as an effect: one implementation, so both refuse alike.
    const verifyAt = (input: Input, nowMillis: number): Effect.Effect<Event.Event, VerifyError> =>
      Effect.flatMap(
        Effect.promise(() => Scheme.check(crypto.subtle, keys, toleranceMillis, input, nowMillis)),
        (checked) => "_tag" in checked ? Effect.fail(fromFailure(checked)) : toEvent(checked.event)
      )
    return Verifier.of({
      verify: (input) => Effect.flatMap(Clock.currentTimeMillis, (now) => verifyAt(input, now)),
      verifyAt
    })
  })

/**
 * Verifies one delivery against `options`, at the `Clock`'s time.
 *
 * @example
 * ```ts
 * const event = yield* Verifier.verify(
 *   { body: rawBody, signature: headers["exa-signature"] },
 *   { secrets: Redacted.make(process.env.EXA_WEBHOOK_SECRET!) }
 * )
 * ```
 * @category verification
 * @since 0.1.0
 */
export const verify = (input: Input, options: Options): Effect.Effect<Event.Event, VerifyError> =>
  Effect.flatMap(make(options), (verifier) => verifier.verify(input))

/**
 * The service from explicit options.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<Verifier> => Layer.effect(Verifier, make(options))

/**
 * The variable that holds a webhook's signing secrets (one, or several separated by whitespace while you rotate):
 * read by {@link layerConfig}, and by `exa-webhooks verify` and `listen` when no secret file is given.
 *
 * @category configuration
 * @since 0.5.0
 */
export const SECRET_ENV = "EXA_WEBHOOK_SECRET"

/**
 * The service from configuration: by default `EXA_WEBHOOK_SECRET` (one secret, or several separated by whitespace,
 * newest first) and `EXA_WEBHOOK_TOLERANCE` (a duration such as `5 minutes`; default 5 minutes).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerConfig = (configs: {
  readonly secrets?: Config.Config<Redacted.Redacted<string>> | undefined
  readonly tolerance?: Config.Config<Duration.Duration> | undefined
} = {}): Layer.Layer<Verifier, Config.ConfigError> =>
  Layer.effect(
    Verifier,
    Effect.gen(function*() {
      const secret = yield* (configs.secrets ?? Config.Redacted(SECRET_ENV))
      const tolerance = yield* (configs.tolerance ?? Config.Duration("EXA_WEBHOOK_TOLERANCE").pipe(
        Config.withDefault(DEFAULT_TOLERANCE)
      ))
      const secrets = Scheme.splitSecrets(Redacted.value(secret)).map((s) => Redacted.make(s))
      return yield* make({ secrets, tolerance })
    })
  )
