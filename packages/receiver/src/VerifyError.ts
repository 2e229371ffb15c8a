/**
 * Why a delivery was refused: one tagged error per check, in the order the checks run.
 *
 * 1. {@link MissingSignature}: no `Exa-Signature` header.
 * 2. {@link MalformedSignature}: the header does not follow `t=<unix seconds>,v1=<hex>[,v1=<hex>...]`.
 * 3. {@link TimestampOutOfTolerance}: `t` is further than the tolerance from now, in the past (a replay, a delivery
 *    held up) or the future (a clock far off).
 * 4. {@link NoMatchingSignature}: no `v1` is the HMAC of `<t>.<body>` under any of the secrets: the body, the
 *    timestamp or the signature was changed, or the secret is not this webhook's.
 * 5. {@link InvalidEventBody}: the signature is genuine but the body is not an event (not JSON, or JSON that is not
 *    the event envelope).
 *
 * Every error carries the HTTP `status` a receiver should answer with: 400 for a request that is not a signed
 * delivery at all (1, 2, 5), 401 for one whose authenticity could not be established (3, 4). None of them carries a
 * secret or the signature that was expected. The dependency-free `Web` form refuses with the same tags, fields and
 * messages: both run one implementation of the checks.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as Scheme from "./internal/scheme.ts"

/**
 * The request carries no `Exa-Signature` header.
 *
 * @category errors
 * @since 0.1.0
 */
export class MissingSignature extends Schema.TaggedError<MissingSignature>()("MissingSignature", {
  message: Schema.String
}) {
  /** @since 0.1.0 */
  readonly status = Scheme.STATUS.MissingSignature
}

/**
 * The header is there but does not follow the scheme; `reason` says which rule it breaks.
 *
 * @category errors
 * @since 0.1.0
 */
export class MalformedSignature extends Schema.TaggedError<MalformedSignature>()("MalformedSignature", {
  reason: Schema.Literals(Scheme.MALFORMED_REASONS),
  message: Schema.String
}) {
  /** @since 0.1.0 */
  readonly status = Scheme.STATUS.MalformedSignature
}

/**
 * The signed timestamp is too far from now. `direction` is `"past"` for a stale delivery (or a replay) and
 * `"future"` for one from a clock that is ahead.
 *
 * @category errors
 * @since 0.1.0
 */
export class TimestampOutOfTolerance extends Schema.TaggedError<TimestampOutOfTolerance>()("TimestampOutOfTolerance", {
  timestamp: Schema.Number,
  now: Schema.Number,
  toleranceSeconds: Schema.Number,
  direction: Schema.Literals(["past", "future"]),
  message: Schema.String
}) {
  /** @since 0.1.0 */
  readonly status = Scheme.STATUS.TimestampOutOfTolerance
}

/**
 * No `v1` signature matches the body under any of the secrets.
 *
 * @category errors
 * @since 0.1.0
 */
export class NoMatchingSignature extends Schema.TaggedError<NoMatchingSignature>()("NoMatchingSignature", {
  signatures: Schema.Number,
  secrets: Schema.Number,
  message: Schema.String
}) {
  /** @since 0.1.0 */
  readonly status = Scheme.STATUS.NoMatchingSignature
}

/**
 * The signature is genuine, but the body is not an event: not UTF-8 JSON, or JSON that is not the event envelope
 * (`id`, `object: "event"`, `type`, `data`, `createdAt`).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidEventBody extends Schema.TaggedError<InvalidEventBody>()("InvalidEventBody", {
  reason: Schema.Literals(Scheme.BODY_REASONS),
  message: Schema.String
}) {
  /** @since 0.1.0 */
  readonly status = Scheme.STATUS.InvalidEventBody
}

/**
 * Every way verification can fail.
 *
 * @category errors
 * @since 0.1.0
 */
export type VerifyError =
  | MissingSignature
  | MalformedSignature
  | TimestampOutOfTolerance
  | NoMatchingSignature
  | InvalidEventBody

/**
 * Whether `u` is a {@link VerifyError} (by its `_tag`, so the `Web` form's errors count too), e.g. in a `catch`.
 *
 * @example
 * ```ts
 * try { await Web.verify(input, { secrets }) } catch (error) { if (VerifyError.isVerifyError(error)) ... }
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isVerifyError = (u: unknown): u is VerifyError => Scheme.isFailure(u)

/**
 * The tagged error of a refusal described as data (what the checks produce, and what the `Web` form's `VerifyError`
 * carries).
 *
 * @category constructors
 * @since 0.3.0
 */
export const fromFailure = (failure: Scheme.Failure): VerifyError => {
  switch (failure._tag) {
    case "MissingSignature":
      return new MissingSignature({ message: failure.message })
    case "MalformedSignature":
      return new MalformedSignature({ reason: failure.reason, message: failure.message })
    case "TimestampOutOfTolerance": {
      const { direction, message, now, timestamp, toleranceSeconds } = failure
      return new TimestampOutOfTolerance({ timestamp, now, toleranceSeconds, direction, message })
    }
    case "NoMatchingSignature":
      return new NoMatchingSignature({ signatures: failure.signatures, secrets: failure.secrets, message: failure.message })
    case "InvalidEventBody":
      return new InvalidEventBody({ reason: failure.reason, message: failure.message })
  }
}

/**
 * The JSON body a receiver answers a refused delivery with: `{"error": {"type", "message"}}`. It says which check
 * failed, and nothing a sender could use to forge a signature.
 *
 * @category encoding
 * @since 0.1.0
 */
export const toJson: (error: VerifyError) => { readonly error: { readonly type: string; readonly message: string } } =
  Scheme.toJson
