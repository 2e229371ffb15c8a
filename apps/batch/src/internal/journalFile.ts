/**
 * The secrets journal's raw file operations: what is at a path, reading, appending with fsync, cutting a file short,
 * taking a lock file. Nothing here decides anything (that is `journalText.ts` and `Journal.ts`); every failure comes
 * back as a {@link FileError} carrying the system's code, for the caller to put in the user's terms.
 *
 * Files are never followed through a symbolic link (`O_NOFOLLOW`), so a link planted at the journal's path between
 * the check and the open cannot redirect secrets elsewhere.
 *
 * @since 0.4.0
 */
import { Data, Effect } from "effect"
import * as Fs from "node:fs"
import * as FsPromises from "node:fs/promises"
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

const fail = (path: string) => (error: unknown) => {
  const cause = error as NodeJS.ErrnoException
  return new FileError({ path, code: cause.code ?? "EUNKNOWN", detail: cause.message ?? String(error) })
}

const attempt = <A>(path: string, f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: fail(path) })

/**
 * What is at a path, without following a symbolic link there.
 *
 * @since 0.4.0
 */
export type Kind =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "File"; readonly mode: number; readonly dev: number; readonly ino: number }
  | { readonly _tag: "SymbolicLink"; readonly target: string }
  | { readonly _tag: "Directory" }
  | { readonly _tag: "Other" }

/**
 * What is at `path`: absent, a regular file, a symbolic link (and where it points), a directory, or something else.
 *
 * @since 0.4.0
 */
export const kind = (path: string): Effect.Effect<Kind, FileError> =>
  attempt(path, async (): Promise<Kind> => {
    const info = await FsPromises.lstat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined
      throw error
    })
    if (info === undefined) return { _tag: "Absent" }
    if (info.isSymbolicLink()) return { _tag: "SymbolicLink", target: await FsPromises.readlink(path).catch(() => "?") }
    if (info.isDirectory()) return { _tag: "Directory" }
    if (info.isFile()) return { _tag: "File", mode: info.mode, dev: info.dev, ino: info.ino }
    return { _tag: "Other" }
  })

/**
 * The device and inode of the file `path` names (following links), or `undefined` when there is none.
 *
 * @since 0.4.0
 */
export const identity = (path: string): Effect.Effect<{ readonly dev: number; readonly ino: number } | undefined> =>
  Effect.promise(() =>
    FsPromises.stat(path).then((info) => ({ dev: info.dev, ino: info.ino }), () => undefined)
  )

const NOFOLLOW = Fs.constants.O_NOFOLLOW ?? 0

/**
 * The bytes of the file at `path` (never through a symbolic link).
 *
 * @since 0.4.0
 */
export const readBytes = (path: string): Effect.Effect<Uint8Array, FileError> =>
  attempt(path, async () => {
    const handle = await FsPromises.open(path, Fs.constants.O_RDONLY | NOFOLLOW)
    try {
      return await handle.readFile()
    } finally {
      await handle.close()
    }
  })

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
  readonly close: Effect.Effect<void>
}

/**
 * Opens `path` for appending, creating it with mode 0600 when absent (and then syncing its folder, so the new
 * file's own entry survives a crash too).
 *
 * @since 0.4.0
 */
export const openAppend = (path: string): Effect.Effect<Appender, FileError> =>
  Effect.gen(function*() {
    const existed = Fs.existsSync(path)
    const handle = yield* attempt(
      path,
      () => FsPromises.open(path, Fs.constants.O_WRONLY | Fs.constants.O_APPEND | Fs.constants.O_CREAT | NOFOLLOW, 0o600)
    )
    if (!existed) yield* syncFolder(path)
    return {
      append: (data) =>
        attempt(path, async () => {
          await handle.appendFile(data)
          await handle.sync()
        }),
      truncate: (length) =>
        attempt(path, async () => {
          await handle.truncate(length)
          await handle.sync()
        }),
      close: Effect.promise(() => handle.close())
    }
  })

/**
 * Appends `data` to `path` (created 0600 when absent, never through a link) and syncs it.
 *
 * @since 0.4.0
 */
export const appendOnce = (path: string, data: string | Uint8Array): Effect.Effect<void, FileError> =>
  Effect.acquireUseRelease(openAppend(path), (file) => file.append(data), (file) => file.close)

const syncFolder = (path: string) =>
  Effect.promise(async () => {
    const dir = await FsPromises.open(Path.dirname(Path.resolve(path)), "r")
    await dir.sync().finally(() => dir.close())
  }).pipe(Effect.ignore)

/**
 * Creates `path` holding `text`, failing with `EEXIST` when anything (a file, a link, a folder) is there already.
 *
 * @since 0.4.0
 */
export const createExclusive = (path: string, text: string): Effect.Effect<void, FileError> =>
  attempt(path, () => FsPromises.writeFile(path, text, { flag: "wx", mode: 0o600 }))

/**
 * Removes the file at `path`; nothing when it is gone already.
 *
 * @since 0.4.0
 */
export const remove = (path: string): Effect.Effect<void, FileError> => attempt(path, () => FsPromises.rm(path, { force: true }))
