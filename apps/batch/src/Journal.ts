/**
 * The secrets journal: where `apply` keeps the signing secret of every webhook it creates, since Exa returns a secret
 * only once, in the response to the create.
 *
 * One JSON object per line (`namespace`, `key`, `id`, `url`, `secret`, `createdAt`), appended, written and fsynced
 * before the create is reported done, so a crash loses at most a secret whose webhook the next plan then reports.
 * The file is created with mode 0600, and a journal that other users can read is refused: it holds secrets. By
 * default it sits beside the manifest as `<manifest name>.secrets.jsonl`; a warning names it when it is inside a git
 * work tree without being ignored.
 *
 * @since 0.1.0
 */
import { Effect, Schema, Semaphore } from "effect"
import type { Scope } from "effect"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as FsPromises from "node:fs/promises"
import * as Path from "node:path"

/**
 * One line of the journal.
 *
 * @since 0.1.0
 */
export const Entry = Schema.Struct({
  namespace: Schema.String,
  key: Schema.String,
  id: Schema.String,
  url: Schema.String,
  secret: Schema.String,
  createdAt: Schema.String
})

/**
 * @since 0.1.0
 */
export type Entry = typeof Entry.Type

/**
 * The journal cannot be used (refused before anything is sent: exit 2) or a secret could not be written to it
 * (after a create: exit 1, and the message names the webhook).
 *
 * @since 0.1.0
 */
export class JournalError extends Schema.TaggedError<JournalError>()("JournalError", {
  path: Schema.String,
  message: Schema.String,
  beforeSending: Schema.Boolean
}) {}

/**
 * The default journal of a manifest: `webhooks.yaml` -> `webhooks.secrets.jsonl`, in the same folder.
 *
 * @since 0.1.0
 */
export const defaultPath = (manifest: string): string => {
  const parsed = Path.parse(manifest)
  return Path.join(parsed.dir, `${parsed.name}.secrets.jsonl`)
}

const decodeEntry = Schema.decodeUnknownOption(Schema.fromJsonString(Entry))

/**
 * The entries of a journal, oldest first (an absent file has none). A line that does not parse (the tail of a write
 * cut short by a crash) is skipped and counted.
 *
 * @since 0.1.0
 */
export const read = Effect.fn("Journal.read")(function*(path: string) {
  const text = yield* Effect.tryPromise({
    try: () => FsPromises.readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return ""
      throw error
    }),
    catch: (error) =>
      new JournalError({ path, beforeSending: true, message: `cannot read the secrets journal ${path} (${(error as Error).message})` })
  })
  const entries: Array<Entry> = []
  let skipped = 0
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    const entry = decodeEntry(line)
    if (entry._tag === "Some") entries.push(entry.value)
    else skipped++
  }
  return { entries, skipped }
})

/**
 * Whether `path` is inside a git work tree without being ignored (so `git add -A` would commit secrets). `false` when
 * git is missing or the folder is not a repository.
 *
 * @since 0.1.0
 */
export const trackedByGit = (path: string): boolean => {
  const result = spawnSync("git", ["-C", Path.dirname(path), "check-ignore", "-q", Path.basename(path)], {
    stdio: "ignore",
    timeout: 5_000
  })
  // 0: ignored; 1: inside a work tree and not ignored; 128 (or no git): not a repository.
  return result.status === 1
}

/**
 * An open journal.
 *
 * @since 0.1.0
 */
export interface Journal {
  readonly path: string
  /** Entries already in the file when it was opened. */
  readonly entries: ReadonlyArray<Entry>
  /** Lines that did not parse. */
  readonly skipped: number
  /** Appends `entry` and fsyncs the file; returns once the secret is on disk. */
  readonly append: (entry: Entry) => Effect.Effect<void, JournalError>
}

const loose = (mode: number) => (mode & 0o077) !== 0

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * Holds `<journal>.lock` (holding the pid) for the scope: two applies on one journal at once would both plan the same
 * creates. A lock whose process is gone (killed) is taken over.
 *
 * @since 0.1.0
 */
export const lock = Effect.fn("Journal.lock")(function*(path: string): Effect.fn.Return<void, JournalError, Scope.Scope> {
  const file = `${path}.lock`
  const take = () => Fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx", mode: 0o600 })
  const taken = yield* Effect.sync(() => {
    try {
      take()
      return true
    } catch {
      const holder = Number.parseInt(Fs.readFileSync(file, "utf8"), 10)
      if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) return holder
      Fs.rmSync(file, { force: true })
      try {
        take()
        return true
      } catch {
        return 0
      }
    }
  })
  if (taken !== true) {
    return yield* new JournalError({
      path,
      beforeSending: true,
      message: `another apply${taken === 0 ? "" : ` (pid ${taken})`} is using the secrets journal ${path}; wait for it to finish ` +
        `(or, if no apply is running, delete ${file})`
    })
  }
  yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(file, { force: true })))
})

/**
 * Opens (creating it with mode 0600 when absent) the journal at `path` for appending. Fails with a
 * {@link JournalError} when other users can read it or it cannot be opened.
 *
 * @since 0.1.0
 */
export const open = Effect.fn("Journal.open")(function*(path: string): Effect.fn.Return<Journal, JournalError, Scope.Scope> {
  const refuse = (message: string) => new JournalError({ path, beforeSending: true, message })
  const existing = yield* Effect.sync(() => {
    try {
      return Fs.statSync(path)
    } catch {
      return undefined
    }
  })
  if (existing !== undefined) {
    if (!existing.isFile()) return yield* refuse(`the secrets journal ${path} is not a regular file; pass another --secrets-file`)
    if (loose(existing.mode)) {
      return yield* refuse(
        `the secrets journal ${path} can be read by other users (mode ${(existing.mode & 0o777).toString(8)}); ` +
          `it holds signing secrets: restrict it with chmod 600 ${path} and run again`
      )
    }
  }
  yield* lock(path)
  const { entries, skipped } = yield* read(path)
  const handle = yield* Effect.acquireRelease(
    Effect.tryPromise({
      try: () => FsPromises.open(path, "a", 0o600),
      catch: (error) => refuse(`cannot open the secrets journal ${path} (${(error as Error).message}); pass a writable --secrets-file`)
    }),
    (file) => Effect.promise(() => file.close())
  )
  if (existing === undefined) {
    // The file's own entry must survive a crash too: sync the folder that now holds it.
    yield* Effect.promise(async () => {
      const dir = await FsPromises.open(Path.dirname(Path.resolve(path)), "r")
      await dir.sync().finally(() => dir.close())
    }).pipe(Effect.ignore)
  }
  const writes = yield* Semaphore.make(1)
  const append = (entry: Entry) =>
    writes.withPermits(1)(Effect.tryPromise({
      try: async () => {
        await handle.appendFile(`${JSON.stringify(entry)}\n`, "utf8")
        await handle.sync()
      },
      catch: (error) =>
        new JournalError({
          path,
          beforeSending: false,
          message: `webhook ${entry.id} (${entry.key}) was created, but its secret could not be written to ${path} (${
            (error as Error).message
          }); run apply --rotate-missing-secrets once the journal is writable`
        })
    }))
  return { path, entries, skipped, append }
})

/**
 * The newest entry of `namespace`/`key` (a rotation appends a newer one).
 *
 * @since 0.1.0
 */
export const latest = (entries: ReadonlyArray<Entry>, namespace: string, key: string): Entry | undefined =>
  entries.findLast((entry) => entry.namespace === namespace && entry.key === key)

/**
 * Whether `path` can be read by other users (`false` when it does not exist).
 *
 * @since 0.1.0
 */
export const isLoose = (path: string): boolean => {
  try {
    return loose(Fs.statSync(path).mode)
  } catch {
    return false
  }
}
