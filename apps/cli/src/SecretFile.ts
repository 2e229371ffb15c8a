/**
 * `--secret-file PATH`: where `create` puts the webhook's signing secret instead of the terminal.
 *
 * Exa returns the secret once, in the response to the create, so the file must be writable before the request goes
 * out: {@link reserve} creates it first (exclusively, mode 0600, refusing to overwrite anything), the create runs, and
 * the secret is written to the descriptor that is already open. A file that cannot be created stops the command with
 * exit 2 before anything is sent; a create that fails or is interrupted removes the empty file again.
 *
 * @since 0.1.0
 */
import { Effect, FileSystem, Path, Redacted, Schema } from "effect"
import type { PlatformError } from "effect"
import { UsageError } from "./UsageError.ts"

/**
 * Writing the secret failed after the webhook was created (a full disk, say). The webhook exists and its secret is
 * lost; the message says so and how to recover.
 *
 * @since 0.1.0
 */
export class SecretFileError extends Schema.TaggedError<SecretFileError>()("SecretFileError", {
  path: Schema.String,
  message: Schema.String
}) {}

/**
 * A created, empty secret file waiting for the secret.
 *
 * @since 0.1.0
 */
export interface Reserved {
  /** The absolute path, for messages and the JSON output. */
  readonly path: string
  /** Writes the secret (without a trailing newline, so the file's bytes are exactly the secret) and syncs. */
  readonly write: (secret: Redacted.Redacted<string>) => Effect.Effect<void, PlatformError.PlatformError>
}

const EXISTS = "it already exists; refusing to overwrite it (choose a new path: the secret is shown only once)"

const reasonOf = (error: PlatformError.PlatformError) =>
  error.reason._tag === "AlreadyExists"
    ? EXISTS
    : error.reason._tag === "NotFound"
    ? "its directory does not exist"
    : error.reason._tag === "PermissionDenied"
    ? "permission denied"
    : error.reason.message

/**
 * Checks, without creating anything, that `--secret-file` names a path that does not exist yet in an existing
 * directory: what `--dry-run` can promise.
 *
 * @since 0.1.0
 */
export const check = Effect.fn("SecretFile.check")(function*(file: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const absolute = path.resolve(file)
  if (yield* fs.exists(absolute).pipe(Effect.orElseSucceed(() => false))) {
    return yield* new UsageError({ message: `--secret-file: cannot use ${absolute}: ${EXISTS}` })
  }
  const directory = path.dirname(absolute)
  const isDirectory = yield* fs.stat(directory).pipe(
    Effect.map((info) => info.type === "Directory"),
    Effect.orElseSucceed(() => false)
  )
  if (!isDirectory) {
    return yield* new UsageError({ message: `--secret-file: cannot use ${absolute}: its directory does not exist` })
  }
  return absolute
})

/**
 * Creates the secret file (flag `wx`: fails if anything exists at the path, mode 0600: readable by the owner only)
 * and returns the handle that writes the secret. The file is removed when the surrounding scope ends before a
 * successful write.
 *
 * @since 0.1.0
 */
export const reserve = Effect.fn("SecretFile.reserve")(function*(file: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const absolute = path.resolve(file)
  const handle = yield* fs.open(absolute, { flag: "wx", mode: 0o600 }).pipe(
    Effect.mapError((error) => new UsageError({ message: `--secret-file: cannot create ${absolute}: ${reasonOf(error)}` }))
  )
  let written = false
  // Runs before the handle is closed (finalizers run in reverse order); unlinking an open file is fine on POSIX.
  yield* Effect.addFinalizer(() => (written ? Effect.void : Effect.ignore(fs.remove(absolute))))
  const reserved: Reserved = {
    path: absolute,
    write: (secret) =>
      Effect.gen(function*() {
        yield* handle.writeAll(new TextEncoder().encode(Redacted.value(secret)))
        yield* handle.sync
        written = true
      })
  }
  return reserved
})
