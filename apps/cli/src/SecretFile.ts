/**
 * `--secret-file PATH`: where `create` puts the webhook's signing secret instead of the terminal.
 *
 * Exa returns the secret once, in the response to the create, so the file must be writable before the request goes
 * out: {@link reserve} checks that nothing is at the path and creates a hidden temporary file next to it
 * (exclusively, mode 0600), the create runs, the secret is written and synced to the temporary file, which is then
 * hard-linked to the path (which fails rather than overwrite anything that appeared meanwhile) and unlinked. The path
 * therefore holds the whole secret or nothing: a `kill -9` at any moment never leaves an empty or partial file there
 * that would block the rerun (at most a hidden `.NAME.*.tmp` next to it). A path that cannot be used stops the command
 * with exit 2 before anything is sent; a create that fails or is interrupted removes the temporary file again.
 *
 * @since 0.1.0
 */
import { Effect, FileSystem, Path, Redacted, Schema } from "effect"
import type { PlatformError } from "effect"
import * as FileProblem from "@exa-webhooks/cli-kit/FileProblem"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

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
  /** The hidden file next to it that receives the secret first; it is kept (with the secret) when `write` fails. */
  readonly temporary: string
  /** Writes the secret (without a trailing newline, so the file's bytes are exactly the secret) and syncs. */
  readonly write: (secret: Redacted.Redacted<string>) => Effect.Effect<void, PlatformError.PlatformError>
}

const EXISTS = "it already exists; refusing to overwrite it (choose a new path: the secret is shown only once)"

const reasonOf = (error: PlatformError.PlatformError, path: string) =>
  error.reason._tag === "AlreadyExists" ? EXISTS : FileProblem.of(error, path, { creating: true })

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
    return yield* new UsageError({ message: `--secret-file: cannot use ${absolute}: ${FileProblem.describe("ENOENT", absolute, "")}` })
  }
  return absolute
})

/**
 * Checks the secret file's path and creates its temporary file (see the module's description); returns the handle
 * that writes the secret. The temporary file is removed when the surrounding scope ends, unless it is the only copy
 * of a secret that could not be linked into place.
 *
 * @since 0.1.0
 */
export const reserve = Effect.fn("SecretFile.reserve")(function*(file: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const absolute = path.resolve(file)
  if (yield* fs.exists(absolute).pipe(Effect.orElseSucceed(() => false))) {
    return yield* new UsageError({ message: `--secret-file: cannot use ${absolute}: ${EXISTS}` })
  }
  const nonce = yield* Effect.sync(() => globalThis.crypto.randomUUID().slice(0, 8))
  const temporary = path.join(path.dirname(absolute), `.${path.basename(absolute)}.${nonce}.tmp`)
  const handle = yield* fs.open(temporary, { flag: "wx", mode: 0o600 }).pipe(
    Effect.mapError((error) => new UsageError({ message: `--secret-file: cannot create ${absolute}: ${reasonOf(error, temporary)}` }))
  )
  let keepTemporary = false
  // Runs before the handle is closed (finalizers run in reverse order); unlinking an open file is fine on POSIX.
  yield* Effect.addFinalizer(() => (keepTemporary ? Effect.void : Effect.ignore(fs.remove(temporary))))
  const reserved: Reserved = {
    path: absolute,
    temporary,
    write: (secret) =>
      Effect.gen(function*() {
        yield* handle.writeAll(new TextEncoder().encode(Redacted.value(secret)))
        yield* handle.sync
        // A link never replaces an existing file, unlike a rename: something created at the path meanwhile is kept,
        // and so is the secret (in the temporary file, which the error names).
        yield* fs.link(temporary, absolute).pipe(Effect.tapError(() => Effect.sync(() => (keepTemporary = true))))
      })
  }
  return reserved
})
