/**
 * The signing secrets `verify` and `listen` check deliveries with, read from `--secret-file PATH`: one secret per
 * line (several while a secret is rotated; a delivery signed with any of them is accepted), surrounding whitespace and
 * blank lines ignored, so the file `create --secret-file` writes works as it is. Secrets are held as `Redacted` from
 * the moment they are read and never printed; only their count is.
 *
 * Also the `--tolerance` flag both commands share, and the one secret that `listen --from-api` and `replay` sign
 * deliveries with ({@link forSigning}: `--secret-file`, else `EXA_WEBHOOK_SECRET`).
 *
 * @since 0.2.0
 */
import { Config, Effect, FileSystem, Option, Redacted, Schema, SchemaGetter } from "effect"
import { Flag } from "effect/cli"
import { Output } from "@exa-webhooks/cli-kit/Output"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

/**
 * `--secret-file PATH` (required).
 *
 * @since 0.2.0
 */
export const secretFileFlag = Flag.String("secret-file").pipe(
  Flag.withDescription(
    "read the webhook's signing secret from this file (as written by 'create --secret-file'); several secrets, one " +
      "per line, are all accepted (rotation)"
  ),
  Flag.withMetavar("PATH")
)

// How far a signed timestamp may be from now, in whole seconds (what --tolerance takes; a rule of this bin, not of the
// API, so it lives here).
const ToleranceSeconds = Schema.String.check(
  Schema.makeFilter((text: string) => {
    const seconds = /^\s*\d{1,9}\s*$/.test(text) ? Number(text) : Number.NaN
    return (seconds >= 0 && seconds <= 999_999_999) ||
      `tolerance must be a whole number of seconds from 0 to 999999999, got ${JSON.stringify(text)}`
  }, { expected: "a whole number of seconds from 0 to 999999999" })
).pipe(Schema.decodeTo(Schema.Int, {
  decode: SchemaGetter.transform((text: string) => Number(text)),
  encode: SchemaGetter.transform((seconds: number) => String(seconds))
}))

/**
 * `--tolerance SECONDS`, checked by the parser; 300 when not given.
 *
 * @since 0.2.0
 */
export const toleranceFlag = Flag.String("tolerance").pipe(
  Flag.withDescription("how far the signed timestamp may be from now, either way, in seconds (default 300)"),
  Flag.withMetavar("SECONDS"),
  Flag.withSchema(ToleranceSeconds),
  Flag.withDefault(300)
)

/**
 * `--tolerance SECONDS` without its default, for a command that must know whether it was given (`listen --from-api`
 * takes none).
 *
 * @since 0.4.0
 */
export const toleranceOption = Flag.String("tolerance").pipe(
  Flag.withDescription("how far the signed timestamp may be from now, either way, in seconds (default 300)"),
  Flag.withMetavar("SECONDS"),
  Flag.withSchema(ToleranceSeconds),
  Flag.optional
)

/**
 * Reads the secrets of `path`; fails with a `UsageError` naming the flag when the file cannot be read or holds no
 * secret, and warns when other users can read it.
 *
 * @since 0.2.0
 */
export const read = Effect.fn("SigningSecrets.read")(function*(path: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(path).pipe(
    Effect.mapError((error) =>
      new UsageError({
        message: `--secret-file: cannot read ${path} (${
          error.reason._tag === "NotFound"
            ? "no such file"
            : error.reason._tag === "PermissionDenied"
            ? "permission denied"
            : error.reason.message
        }); pass the file 'exa-webhooks create --secret-file' wrote, or one holding the secret on a line`
      })
    )
  )
  const secrets = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "").map((line) =>
    Redacted.make(line)
  )
  if (secrets.length === 0) {
    return yield* new UsageError({ message: `--secret-file: ${path} holds no secret; it must hold the webhook's signing secret` })
  }
  const info = yield* Effect.option(fs.stat(path))
  if (Option.isSome(info) && (info.value.mode & 0o077) !== 0) {
    yield* (yield* Output).warn(`${path} can be read by other users; restrict it with: chmod 600 ${path}`)
  }
  return secrets
})

/**
 * The environment variable that holds the secret `listen --from-api` and `replay` sign with, when no `--secret-file`
 * is given.
 *
 * @since 0.4.0
 */
export const ENV = "EXA_WEBHOOK_SECRET"

/**
 * The secret to sign deliveries with: the first secret of `--secret-file` (the current one, during a rotation), else
 * `EXA_WEBHOOK_SECRET`; a `UsageError` naming both when there is none.
 *
 * @since 0.4.0
 */
export const forSigning = Effect.fn("SigningSecrets.forSigning")(function*(file: Option.Option<string>) {
  if (Option.isSome(file)) return (yield* read(file.value))[0]!
  const fromEnv = yield* Config.option(Config.Redacted(ENV)).pipe(
    Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>())
  )
  const secret = Option.map(fromEnv, (value) => Redacted.value(value).trim())
  if (Option.isNone(secret) || secret.value === "") {
    return yield* new UsageError({
      message: `no signing secret: pass --secret-file PATH (as written by 'create --secret-file', or the batch tool's ` +
        `'secret' output) or set ${ENV}; deliveries are signed with it so that your app's verification accepts them`
    })
  }
  return Redacted.make(secret.value)
})
