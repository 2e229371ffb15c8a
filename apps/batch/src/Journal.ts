/**
 * The secrets journal: where `apply` keeps the signing secret of every webhook it creates, since Exa returns a secret
 * only once, in the response to the create.
 *
 * One JSON object per line (`namespace`, `key`, `id`, `url`, `secret`, `createdAt`), appended, written and fsynced
 * before the create is reported done, so a crash loses at most a secret whose webhook the next plan then reports.
 * A last line cut short by a crash or a full disk is moved aside to `<journal>.partial` before anything is appended,
 * so a new entry always starts on a line of its own and nothing read is ever dropped.
 *
 * The path must name a regular file that is a journal (or nothing yet): a symbolic link, a folder, the manifest itself
 * or any file whose first line is not an entry is refused before anything is sent. The file is created with mode
 * 0600, and a journal that other users can read is refused: it holds secrets. By default it sits beside the manifest
 * as `<manifest name>.secrets.jsonl`; a warning names it when it is inside a git work tree without being ignored.
 *
 * @since 0.1.0
 */
import { Effect, Schema, Semaphore } from "effect"
import type { Scope } from "effect"
import { spawnSync } from "node:child_process"
import * as Path from "node:path"
import * as FileErrors from "./internal/fileErrors.ts"
import * as JournalFile from "./internal/journalFile.ts"
import * as JournalText from "./internal/journalText.ts"

/**
 * One line of the journal.
 *
 * @since 0.1.0
 */
export const Entry = JournalText.Entry

/**
 * @since 0.1.0
 */
export type Entry = JournalText.Entry

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

/**
 * Where the last line of a journal goes when it was cut short: `<journal>.partial`.
 *
 * @since 0.4.0
 */
export const partialPath = (path: string): string => `${path}.partial`

/**
 * The lock file of a journal: `<journal>.lock`.
 *
 * @since 0.4.0
 */
export const lockPath = (path: string): string => `${path}.lock`

// A system error in the user's terms.
const because = (error: JournalFile.FileError): string => FileErrors.describe(error.code, error.path, error.detail)

const refusal = (path: string, message: string) => new JournalError({ path, beforeSending: true, message })

const cannot = (path: string, what: string) => (error: JournalFile.FileError) =>
  refusal(path, `cannot ${what} (${because(error)}); pass a writable file path with --secrets-file`)

const loose = (mode: number) => (mode & 0o077) !== 0

/** What a journal path holds, checked: nothing yet, or a regular file that is a journal (its bytes and text). */
interface Checked {
  readonly bytes: Uint8Array
  readonly text: string
  readonly loose: boolean
  readonly mode: number
}

const decoder = new TextDecoder()

// Every way a path can fail to be a journal, each refused with what to do; `undefined` when nothing is there yet.
// Reading never follows a link either.
const check = Effect.fnUntraced(function*(
  path: string,
  manifest: string | undefined
): Effect.fn.Return<Checked | undefined, JournalError> {
  if (path.trim() === "") return yield* refusal(path, "the secrets journal's path is empty; pass a file path with --secrets-file")
  const kind = yield* JournalFile.kind(path).pipe(Effect.mapError(cannot(path, `read the secrets journal ${path}`)))
  switch (kind._tag) {
    case "Absent":
      return undefined
    case "SymbolicLink":
      return yield* refusal(
        path,
        `the secrets journal ${path} is a symbolic link (to ${kind.target}); secrets are written only to a regular file ` +
          `that is named directly: pass its real path with --secrets-file`
      )
    case "Directory":
      return yield* refusal(
        path,
        `the secrets journal ${path} is a folder; pass a file in it, e.g. --secrets-file ${Path.join(path, "webhooks.secrets.jsonl")}`
      )
    case "Other":
      return yield* refusal(path, `the secrets journal ${path} is not a regular file (a device, pipe or socket); pass a file path with --secrets-file`)
    case "File":
      break
  }
  if (manifest !== undefined) {
    const other = yield* JournalFile.identity(manifest)
    if (other !== undefined && other.dev === kind.dev && other.ino === kind.ino) {
      return yield* refusal(
        path,
        `the secrets journal ${path} is the manifest itself; pass another file with --secrets-file (by default the journal is ${
          defaultPath(manifest)
        })`
      )
    }
  }
  const bytes = yield* JournalFile.readBytes(path).pipe(Effect.mapError(cannot(path, `read the secrets journal ${path}`)))
  const text = decoder.decode(bytes)
  if (!JournalText.isJournal(text)) {
    return yield* refusal(
      path,
      `${path} is not a secrets journal (its first line is not a journal entry), so no secret is written to it; ` +
        `pass a new file or an existing journal with --secrets-file`
    )
  }
  return { bytes, text, loose: loose(kind.mode), mode: kind.mode }
})

const lineWord = (n: number) => (n === 1 ? "line" : "lines")

// What a person should know about a journal's unreadable lines (they are kept, and skipped).
const unreadableNote = (path: string, unreadable: ReadonlyArray<JournalText.Unreadable>) =>
  unreadable.length === 0
    ? []
    : [
      `${lineWord(unreadable.length)} ${unreadable.slice(0, 5).map((u) => u.line).join(", ")}${unreadable.length > 5 ? ", ..." : ""} ` +
      `of ${path} ${unreadable.length === 1 ? "is not a journal entry" : `(${unreadable.length}) are not journal entries`}; ` +
      `kept as they are and skipped`
    ]

/**
 * A journal as read by `plan` and `secret` (which never write it).
 *
 * @since 0.4.0
 */
export interface Read {
  readonly path: string
  readonly entries: ReadonlyArray<Entry>
  /** Warnings for a person: lines that are not entries, a last line cut short, a journal others can read. */
  readonly warnings: ReadonlyArray<string>
}

/**
 * The entries of the journal at `path`, oldest first (an absent file has none). Refuses (exit 2) a path that is a
 * symbolic link, a folder, `manifest` itself or a file that is not a journal.
 *
 * @since 0.1.0
 */
export const read = Effect.fn("Journal.read")(function*(path: string, manifest?: string) {
  const checked = yield* check(path, manifest)
  if (checked === undefined) return { path, entries: [], warnings: [] } satisfies Read
  const parsed = JournalText.parse(checked.text)
  return {
    path,
    entries: parsed.entries,
    warnings: [
      ...(checked.loose
        ? [`the secrets journal ${path} can be read by other users; restrict it with chmod 600 ${path}`]
        : []),
      ...unreadableNote(path, parsed.unreadable),
      ...(parsed.cut === undefined
        ? []
        : [`the last line of ${path} (line ${parsed.cut.line}) was cut short by a crash or a full disk; the next apply moves it to ${
          partialPath(path)
        }`])
    ]
  } satisfies Read
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
  /** Warnings for a person: lines that are not entries, a cut last line moved aside. */
  readonly warnings: ReadonlyArray<string>
  /** Appends `entry` and fsyncs the file; returns once the secret is on disk. */
  readonly append: (entry: Entry) => Effect.Effect<void, JournalError>
}

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
 * creates. A lock whose process is gone (killed) is taken over. A lock path that is a folder, a link or unreadable is
 * refused, never removed.
 *
 * @since 0.1.0
 */
export const lock = Effect.fn("Journal.lock")(function*(path: string): Effect.fn.Return<void, JournalError, Scope.Scope> {
  const file = lockPath(path)
  const take = JournalFile.createExclusive(file, `${process.pid}\n`)
  const busy = (holder: number | undefined) =>
    refusal(
      path,
      `another apply${holder === undefined ? "" : ` (pid ${holder})`} is using the secrets journal ${path}; wait for it to finish ` +
        `(or, if no apply is running, delete ${file})`
    )
  const taken = yield* take.pipe(Effect.as(true), Effect.catchTag("FileError", (error) =>
    error.code === "EEXIST" ? Effect.succeed(false) : Effect.fail(cannot(path, `create the lock file ${file}`)(error))))
  if (!taken) {
    const kind = yield* JournalFile.kind(file).pipe(Effect.mapError(cannot(path, `read the lock file ${file}`)))
    if (kind._tag === "Directory" || kind._tag === "SymbolicLink" || kind._tag === "Other") {
      return yield* refusal(
        path,
        `the lock file ${file} of the secrets journal is ${
          kind._tag === "Directory" ? "a folder" : kind._tag === "SymbolicLink" ? "a symbolic link" : "not a regular file"
        }; remove it (no apply uses it) or pass another --secrets-file`
      )
    }
    if (kind._tag === "File") {
      const text = decoder.decode(yield* JournalFile.readBytes(file).pipe(Effect.mapError(cannot(path, `read the lock file ${file}`))))
      const holder = Number.parseInt(text, 10)
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) return yield* busy(holder)
      yield* JournalFile.remove(file).pipe(Effect.mapError(cannot(path, `remove the stale lock file ${file}`)))
    }
    // Another apply may take the lock between the removal and this attempt: then it is busy.
    yield* take.pipe(Effect.catchTag("FileError", (error) =>
      error.code === "EEXIST" ? Effect.fail(busy(undefined)) : Effect.fail(cannot(path, `create the lock file ${file}`)(error))))
  }
  yield* Effect.addFinalizer(() => JournalFile.remove(file).pipe(Effect.ignore))
})

/**
 * Opens (creating it with mode 0600 when absent) the journal at `path` for appending, holding its lock for the scope.
 * Fails with a {@link JournalError} (exit 2, before anything is sent) when the path is not a journal (see {@link read}),
 * other users can read it, or it cannot be opened. A last line cut short is moved to `<journal>.partial` first (a
 * warning says so); a last entry missing only its line break gets it.
 *
 * @since 0.1.0
 */
export const open = Effect.fn("Journal.open")(function*(
  path: string,
  manifest?: string
): Effect.fn.Return<Journal, JournalError, Scope.Scope> {
  const first = yield* check(path, manifest)
  if (first?.loose === true) {
    return yield* refusal(
      path,
      `the secrets journal ${path} can be read by other users (mode ${(first.mode & 0o777).toString(8)}); ` +
        `it holds signing secrets: restrict it with chmod 600 ${path} and run again`
    )
  }
  yield* lock(path)
  // Read again under the lock: the file is what another apply left, not what it was a moment ago.
  const checked = yield* check(path, manifest)
  const parsed = JournalText.parse(checked?.text ?? "")
  const file = yield* Effect.acquireRelease(
    JournalFile.openAppend(path).pipe(Effect.mapError(cannot(path, `open the secrets journal ${path}`))),
    (opened) => opened.close
  )
  const warnings = [...unreadableNote(path, parsed.unreadable)]
  if (parsed.cut !== undefined && checked !== undefined) {
    const aside = partialPath(path)
    // The cut line's own bytes (a cut may split a character), kept aside first, then cut off the journal: a crash in
    // between leaves them in both places, never in neither.
    const start = checked.bytes.lastIndexOf(10) + 1
    const cut = checked.bytes.subarray(start)
    yield* JournalFile.appendOnce(aside, Buffer.concat([cut, Buffer.from("\n")])).pipe(
      Effect.mapError(cannot(path, `keep the cut line aside in ${aside}`))
    )
    yield* file.truncate(start).pipe(Effect.mapError(cannot(path, `repair the secrets journal ${path}`)))
    warnings.push(
      `the last line of ${path} (line ${parsed.cut.line}, ${cut.length} bytes) was cut short by a crash or a full disk ` +
        `during a write; it was moved to ${aside} (keep it: it may hold the start of a secret), and new entries start on a line of their own`
    )
  } else if (parsed.unterminated) {
    yield* file.append("\n").pipe(Effect.mapError(cannot(path, `repair the secrets journal ${path}`)))
  }
  const writes = yield* Semaphore.make(1)
  const append = (entry: Entry) =>
    writes.withPermits(1)(file.append(JournalText.line(entry)).pipe(
      Effect.mapError((error) =>
        new JournalError({
          path,
          beforeSending: false,
          message: `webhook ${entry.id} (${entry.key}) was created, but its secret could not be written to ${path} (${
            because(error)
          }); run apply --rotate-missing-secrets once the journal is writable`
        })
      )
    ))
  return { path, entries: parsed.entries, warnings, append }
})

/**
 * The newest entry of `namespace`/`key` (a rotation appends a newer one).
 *
 * @since 0.1.0
 */
export const latest = (entries: ReadonlyArray<Entry>, namespace: string, key: string): Entry | undefined =>
  entries.findLast((entry) => entry.namespace === namespace && entry.key === key)
