/**
 * The signing secrets `verify` and `listen` check deliveries with: from `--secret-file PATH` (`-`: standard input),
 * else from `EXA_WEBHOOK_SECRET`, the variable the receiver library reads. Either holds one secret or several
 * separated by whitespace (spaces or line breaks: the receiver's `parseSecrets`), all accepted while a secret is
 * rotated, so the file `create --secret-file` writes works as it is, and so does a file with one secret per line.
 * Secrets are held as `Redacted` from the moment they are read and never printed; only their count is.
 *
 * Also the `--tolerance` flag both commands share, with the receiver's default, and the one secret that
 * `listen --from-api` and `replay` sign deliveries with ({@link forSigning}).
 *
 * @since 0.2.0
 */
import * as Dash from "@exa-webhooks/cli-kit/Dash"
import type * as Help from "@exa-webhooks/cli-kit/Help"
import { Output } from "@exa-webhooks/cli-kit/Output"
import * as PrivateFile from "@exa-webhooks/cli-kit/PrivateFile"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"
import { Verifier } from "@exa-webhooks/receiver"
import { parseSecrets } from "@exa-webhooks/receiver/Web"
import { Config, Duration, Effect, Option, Redacted, Schema, SchemaGetter } from "effect"
import { Flag } from "effect/cli"
import { Validation } from "@exa-webhooks/schema"

const FLAG = "--secret-file"

/**
 * `EXA_WEBHOOK_SECRET` as the help of `verify` and `listen` lists it.
 *
 * @since 0.5.0
 */
export const variable: Help.Variable = {
  name: Verifier.SECRET_ENV,
  description: "the webhook's signing secret; several, separated by whitespace, are all accepted (rotation)",
  flag: `${FLAG} PATH`
}

/**
 * `--secret-file PATH`; without it, `EXA_WEBHOOK_SECRET`.
 *
 * @since 0.2.0
 */
export const secretFileFlag = Flag.String(FLAG.slice(2)).pipe(
  Flag.withDescription(
    "read the webhook's signing secret from this file (as written by 'create --secret-file'), or - for standard " +
      `input; several, separated by whitespace or one per line, are all accepted (rotation); default: ${Verifier.SECRET_ENV}`
  ),
  Flag.withMetavar("PATH"),
  Flag.optional
)

// How far a signed timestamp may be from now, in whole seconds (what --tolerance takes; a rule of this bin, not of the
// API, so it lives here).
const ToleranceSeconds = Schema.String.check(
  Schema.makeFilter((text: string) => {
    const seconds = /^\s*\d{1,9}\s*$/.test(text) ? Number(text) : Number.NaN
    return (seconds >= 0 && seconds <= 999_999_999) ||
      `tolerance must be a whole number of seconds from 0 to 999999999, got ${Validation.quote(text)}`
  }, { expected: "a whole number of seconds from 0 to 999999999" })
).pipe(Schema.decodeTo(Schema.Int, {
  decode: SchemaGetter.transform((text: string) => Number(text)),
  encode: SchemaGetter.transform((seconds: number) => String(seconds))
}))

const DEFAULT_TOLERANCE_SECONDS = Duration.toSeconds(Verifier.DEFAULT_TOLERANCE)

/**
 * `--tolerance SECONDS`, checked by the parser; the receiver's default when not given.
 *
 * @since 0.2.0
 */
export const toleranceFlag = Flag.String("tolerance").pipe(
  Flag.withDescription(
    `how far the signed timestamp may be from now, either way, in seconds (default ${DEFAULT_TOLERANCE_SECONDS})`
  ),
  Flag.withMetavar("SECONDS"),
  Flag.withSchema(ToleranceSeconds),
  Flag.withDefault(DEFAULT_TOLERANCE_SECONDS)
)

// A secrets file holds a few lines; anything much larger is another file.
const MAX_FILE_BYTES = 64 * 1024

const HINT = "pass the file 'exa-webhooks create --secret-file' wrote, or one holding the secret"

/**
 * `--tolerance SECONDS` without its default, for a command that must know whether it was given (`listen --from-api`
 * takes none).
 *
 * @since 0.4.0
 */
export const toleranceOption = Flag.String("tolerance").pipe(
  Flag.withDescription(
    `how far the signed timestamp may be from now, either way, in seconds (default ${DEFAULT_TOLERANCE_SECONDS})`
  ),
  Flag.withMetavar("SECONDS"),
  Flag.withSchema(ToleranceSeconds),
  Flag.optional
)

/**
 * The secrets of `file` (standard input for `-`), else of `EXA_WEBHOOK_SECRET`; fails with a `UsageError` naming
 * the flag or the variable when there is none or the file cannot be read, and warns when other users can read the
 * file.
 *
 * @since 0.2.0
 */
export const read = Effect.fn("SigningSecrets.read")(function*(file: Option.Option<string>) {
  if (Option.isNone(file)) {
    const fromEnv = yield* Config.option(Config.Redacted(Verifier.SECRET_ENV)).pipe(
      Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>())
    )
    const secrets = Option.match(fromEnv, { onNone: () => [], onSome: (value) => parseSecrets(Redacted.value(value)) })
    if (secrets.length === 0) {
      return yield* new UsageError({
        message: `no signing secret: pass ${FLAG} PATH (the file 'exa-webhooks create --secret-file' wrote, or - for ` +
          `standard input) or set ${Verifier.SECRET_ENV}`
      })
    }
    return secrets.map((secret) => Redacted.make(secret))
  }
  const { path, text } = yield* Dash.read(file.value, { flag: FLAG, hint: HINT, maxBytes: MAX_FILE_BYTES })
  const secrets = parseSecrets(text)
  if (secrets.length === 0) {
    return yield* new UsageError({
      message: `${FLAG}: ${path ?? "standard input"} holds no secret; it must hold the webhook's signing secret`
    })
  }
  const shared = path === undefined ? undefined : yield* PrivateFile.check(path)
  if (shared !== undefined) yield* (yield* Output).warn(shared)
  return secrets.map((secret) => Redacted.make(secret))
})

/**
 * The secret to sign deliveries with: the first secret of `--secret-file` or `EXA_WEBHOOK_SECRET` (the current one,
 * during a rotation); a `UsageError` naming both when there is none.
 *
 * @since 0.4.0
 */
export const forSigning = Effect.fn("SigningSecrets.forSigning")(function*(file: Option.Option<string>) {
  return (yield* read(file))[0]!
})
