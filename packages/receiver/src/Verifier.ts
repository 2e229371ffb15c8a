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
import { Clock, Config, Context, Duration, Effect, Layer, Redacted, Result, Schema } from "effect"
import * as Signature from "./Signature.ts"
import {
  InvalidEventBody,
  MissingSignature,
  NoMatchingSignature,
  TimestampOutOfTolerance,
  type VerifyError
} from "./VerifyError.ts"

/**
 * The default tolerance: 5 minutes either side of now.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_TOLERANCE: Duration.Duration = Duration.minutes(5)

/**
 * What arrived: the raw body and the `Exa-Signature` header's value (`undefined` or `null` when absent; a repeated
 * header given as an array is refused as malformed).
 *
 * @category models
 * @since 0.1.0
 */
export interface Input {
  readonly body: Signature.Body
  readonly signature: string | ReadonlyArray<string> | null | undefined
}

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
const utf8 = new TextDecoder("utf-8", { fatal: true })

const bodyText = (body: Signature.Body): string => (typeof body === "string" ? body : utf8.decode(body))

/**
 * The body as an event, or {@link InvalidEventBody}.
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeBody = (body: Signature.Body): Effect.Effect<Event.Event, InvalidEventBody> =>
  Effect.gen(function*() {
    const parsed = Result.try({ try: () => JSON.parse(bodyText(body)) as unknown, catch: (error) => error })
    if (Result.isFailure(parsed)) {
      const why = parsed.failure instanceof Error ? parsed.failure.message : String(parsed.failure)
      return yield* new InvalidEventBody({ reason: "not-json", message: `the body is not UTF-8 JSON (${why})` })
    }
    return yield* decodeEvent(parsed.success, Validation.parseOptions).pipe(
      Effect.mapError((error) =>
        new InvalidEventBody({ reason: "not-an-event", message: `the body is JSON but not an event: ${Validation.format(error)}` })
      )
    )
  })

const secretsOf = (secrets: Options["secrets"]): ReadonlyArray<Signature.Secret> =>
  typeof secrets === "string" || Redacted.isRedacted(secrets) ? [secrets] : (secrets as ReadonlyArray<Signature.Secret>)

// Checks one delivery against already imported keys at `nowMillis`: the core every form of the verifier runs.
const check = (
  keys: ReadonlyArray<Signature.Key>,
  toleranceMillis: number,
  input: Input,
  nowMillis: number
): Effect.Effect<Event.Event, VerifyError> =>
  Effect.gen(function*() {
    if (input.signature === undefined || input.signature === null) {
      return yield* new MissingSignature({
        message: `no ${Signature.HEADER} header: the request was not signed by Exa (or a proxy dropped the header)`
      })
    }
    const header = typeof input.signature === "string" ? input.signature : input.signature.join(",")
    const parsed = Signature.parse(header)
    if (Result.isFailure(parsed)) return yield* parsed.failure
    const { timestamp } = parsed.success
    const now = Math.floor(nowMillis / 1000)
    const toleranceSeconds = toleranceMillis / 1000
    if (Math.abs(now - timestamp) * 1000 > toleranceMillis) {
      const direction = timestamp < now ? "past" : "future"
      return yield* new TimestampOutOfTolerance({
        timestamp,
        now,
        toleranceSeconds,
        direction,
        message: direction === "past"
          ? `the signature's timestamp t=${timestamp} is ${now - timestamp} s old, more than the ${toleranceSeconds} s ` +
            "tolerated: a replayed or long-delayed delivery"
          : `the signature's timestamp t=${timestamp} is ${timestamp - now} s in the future, more than the ` +
            `${toleranceSeconds} s tolerated: check this machine's clock`
      })
    }
    if (!(yield* Signature.matches(keys, parsed.success, input.body))) {
      const n = parsed.success.signatures.length
      return yield* new NoMatchingSignature({
        signatures: n,
        secrets: keys.length,
        message: `no v1 signature matches the body under ${keys.length === 1 ? "the secret" : `any of the ${keys.length} secrets`} ` +
          `(${n} signature${n === 1 ? "" : "s"} checked): the body, timestamp or signature was changed, or the secret ` +
          "is not this webhook's"
      })
    }
    return yield* decodeBody(input.body)
  })

const toleranceMillisOf = (tolerance: Duration.Input | undefined): number => {
  const millis = Duration.toMillis(Duration.fromInputUnsafe(tolerance ?? DEFAULT_TOLERANCE))
  if (!(millis >= 0)) throw new TypeError(`exa-webhooks receiver: tolerance must be zero or more, got ${String(tolerance)}`)
  return millis
}

/**
 * Builds the service: imports every secret once. Dies (a configuration mistake, not a bad delivery) when there is no
 * secret, a secret is empty or the tolerance is negative.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Service> =>
  Effect.gen(function*() {
    const secrets = secretsOf(options.secrets)
    if (secrets.length === 0) return yield* Effect.die(new TypeError("exa-webhooks receiver: no webhook secret given"))
    const toleranceMillis = yield* Effect.sync(() => toleranceMillisOf(options.tolerance))
    const keys = yield* Effect.forEach(secrets, Signature.importKey)
    return Verifier.of({
      verify: (input) => Effect.flatMap(Clock.currentTimeMillis, (now) => check(keys, toleranceMillis, input, now)),
      verifyAt: (input, nowMillis) => check(keys, toleranceMillis, input, nowMillis)
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
      const secret = yield* (configs.secrets ?? Config.Redacted("EXA_WEBHOOK_SECRET"))
      const tolerance = yield* (configs.tolerance ?? Config.Duration("EXA_WEBHOOK_TOLERANCE").pipe(
        Config.withDefault(DEFAULT_TOLERANCE)
      ))
      const secrets = Redacted.value(secret).split(/\s+/).filter((s) => s !== "").map((s) => Redacted.make(s))
      return yield* make({ secrets, tolerance })
    })
  )
