/**
 * The secrets journal's raw file operations, on effect's `FileSystem` service: what is at a path, reading, appending
 * with fsync, cutting a file short, creating a file exclusively. Nothing here decides anything (that is
 * `journalText.ts` and `Journal.ts`); every failure comes back as a {@link FileError} carrying the system's code, for
 * the caller to put in the user's terms.
 *
 * Being on the `FileSystem` service is what lets a test see the order of the writes and syncs (a recording layer), and
 * so prove that a create is acknowledged only after its entry is on disk.
 *
 * Files are never followed through a symbolic link (`open` with `noFollow`, i.e. `O_NOFOLLOW`), so a link planted at
 * the journal's path between the check and the open cannot redirect secrets elsewhere. Exclusive creation is the
 * `"wx"` / `"ax"` flags (`O_CREAT | O_EXCL`), which fail on anything at the path, a dangling link included.
 *
 * @since 0.4.0
 */
import { Data, Effect, FileSystem, Option } from "effect"
import type { PlatformError, Scope } from "effect"
import * as Path from "node:path"

/**
 * A file operation failed: `code` is the system's (`ENOENT`, `EACCES`, `ELOOP`, ...).
 *
 * @since 0.4.0
 */
export class FileError extends Data.TaggedError("FileError")<{
  readonly path: string
  readonly code: string
  readonly detail: string
}> {}

// The system's code, from the Node error effect's Node file system keeps as the cause; a tag-based guess otherwise.
const codeOf = (error: PlatformError.PlatformError): string => {
  const cause = (error.reason as { readonly cause?: unknown }).cause as NodeJS.ErrnoException | undefined
  if (typeof cause?.code === "string") return cause.code
  switch (error.reason._tag) {
    case "NotFound":
      return "ENOENT"
    case "AlreadyExists":
      return "EEXIST"
    case "PermissionDenied":
      return "EACCES"
    default:
      return "EUNKNOWN"
  }
}

/**
 * Turns a `FileSystem` failure at `path` into a {@link FileError}.
 *
 * @since 0.4.0
 */
export const fail = (path: string) => (error: PlatformError.PlatformError): FileError =>
  new FileError({ path, code: codeOf(error), detail: error.message })

/**
 * What is at a path, without following a symbolic link there.
 *
 * @since 0.4.0
 */
export type Kind =
  | { readonly _tag: "Absent" }
  | {
    readonly _tag: "File"
    readonly mode: number
    readonly dev: bigint
    readonly ino: bigint | undefined
    readonly mtime: Date | undefined
  }
  | { readonly _tag: "SymbolicLink"; readonly target: string }
  | { readonly _tag: "Directory" }
  | { readonly _tag: "Other" }

/**
 * What is at `path`: absent, a regular file, a symbolic link (and where it points), a directory, or something else.
 *
 * @since 0.4.0
 */
export const kind = Effect.fnUntraced(function*(path: string): Effect.fn.Return<Kind, FileError, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  const info = yield* fs.lstat(path).pipe(
    Effect.map(Option.some),
    Effect.catchIf((error) => codeOf(error) === "ENOENT", () => Effect.succeed(Option.none())),
    Effect.mapError(fail(path))
  )
  if (Option.isNone(info)) return { _tag: "Absent" }
  switch (info.value.type) {
    case "SymbolicLink":
      return { _tag: "SymbolicLink", target: yield* fs.readLink(path).pipe(Effect.orElseSucceed(() => "?")) }
    case "Directory":
      return { _tag: "Directory" }
    case "File":
      return {
        _tag: "File",
        mode: info.value.mode,
        dev: info.value.dev,
        ino: Option.getOrUndefined(info.value.ino),
        mtime: Option.getOrUndefined(info.value.mtime)
      }
    default:
      return { _tag: "Other" }
  }
})

/**
 * The device and inode of the file `path` names (following links), or `undefined` when there is none.
 *
 * @since 0.4.0
 */
export const identity = (
  path: string
): Effect.Effect<{ readonly dev: bigint; readonly ino: bigint | undefined } | undefined, never, FileSystem.FileSystem> =>
  FileSystem.FileSystem.use((fs) => fs.stat(path)).pipe(
    Effect.map((info) => ({ dev: info.dev, ino: Option.getOrUndefined(info.ino) })),
    Effect.orElseSucceed(() => undefined)
  )

const CHUNK = 64 * 1024

/**
 * The bytes of the file at `path` (never through a symbolic link).
 *
 * @since 0.4.0
 */
export const readBytes = (path: string): Effect.Effect<Uint8Array, FileError, FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = yield* fs.open(path, { flag: "r", noFollow: true })
    const chunks: Array<Uint8Array> = []
    while (true) {
      const chunk = yield* file.readAlloc(CHUNK)
      if (Option.isNone(chunk)) break
      chunks.push(chunk.value)
    }
    return Buffer.concat(chunks)
  })).pipe(Effect.mapError(fail(path)))

/**
 * A file opened for appending.
 *
 * @since 0.4.0
 */
export interface Appender {
  /** Appends `data` and waits until it is on disk (fsync). */
  readonly append: (data: string | Uint8Array) => Effect.Effect<void, FileError>
  /** Cuts the file to `length` bytes and syncs it. */
  readonly truncate: (length: number) => Effect.Effect<void, FileError>
}

const encoder = new TextEncoder()
const bytesOf = (data: string | Uint8Array) => (typeof data === "string" ? encoder.encode(data) : data)

/**
 * Syncs the folder that holds `path`, so that a file just created there (its name) survives a crash too. Best effort:
 * some file systems cannot sync a folder.
 *
 * @since 0.4.0
 */
export const syncFolder = (path: string): Effect.Effect<void, never, FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const folder = yield* fs.open(Path.dirname(Path.resolve(path)), { flag: "r" })
    yield* folder.sync
  })).pipe(Effect.ignore)

/**
 * Opens `path` for appending for the scope, creating it with mode 0600 when absent (and then syncing its folder, so
 * the new file's own entry survives a crash too).
 *
 * @since 0.4.0
 */
export const openAppend = Effect.fnUntraced(function*(
  path: string
): Effect.fn.Return<Appender, FileError, FileSystem.FileSystem | Scope.Scope> {
  const fs = yield* FileSystem.FileSystem
  const existed = (yield* kind(path))._tag !== "Absent"
  const file = yield* fs.open(path, { flag: "a", mode: 0o600, noFollow: true }).pipe(Effect.mapError(fail(path)))
  if (!existed) yield* syncFolder(path)
  return {
    append: (data) => file.writeAll(bytesOf(data)).pipe(Effect.andThen(file.sync), Effect.mapError(fail(path))),
    truncate: (length) => file.truncate(length).pipe(Effect.andThen(file.sync), Effect.mapError(fail(path)))
  }
})

/**
 * Appends `data` to `path` (created 0600 when absent, never through a link) and syncs it.
 *
 * @since 0.4.0
 */
export const appendOnce = (path: string, data: string | Uint8Array): Effect.Effect<void, FileError, FileSystem.FileSystem> =>
  Effect.scoped(Effect.flatMap(openAppend(path), (file) => file.append(data)))

/**
 * Creates `path` holding `text` (mode 0600, synced), failing with `EEXIST` when anything (a file, a link, a folder)
 * is there already.
 *
 * @since 0.4.0
 */
export const createExclusive = (path: string, text: string): Effect.Effect<void, FileError, FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = yield* fs.open(path, { flag: "wx", mode: 0o600 })
    yield* file.writeAll(encoder.encode(text))
    yield* file.sync
  })).pipe(Effect.mapError(fail(path)))

/**
 * Removes the file at `path`; nothing when it is gone already.
 *
 * @since 0.4.0
 */
export const remove = (path: string): Effect.Effect<void, FileError, FileSystem.FileSystem> =>
  FileSystem.FileSystem.use((fs) => fs.remove(path, { force: true })).pipe(Effect.mapError(fail(path)))

/**
 * Sets the modification time of `path` to now: how a lock holder says it is still alive.
 *
 * @since 0.4.0
 */
export const touch = (path: string): Effect.Effect<void, FileError, FileSystem.FileSystem> =>
  FileSystem.FileSystem.use((fs) => {
    const now = new Date()
    return fs.utimes(path, now, now)
  }).pipe(Effect.mapError(fail(path)))
