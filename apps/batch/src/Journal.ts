/**
 * The secrets journal: where `apply` keeps the signing secret of every webhook it creates, since Exa returns a secret
 * only once, in the response to the create.
 *
 * One JSON object per line (`namespace`, `key`, `id`, `url`, `secret`, `createdAt`), appended, written and fsynced
 * before the create is reported done, so a crash loses at most a secret whose webhook the next plan then reports.
 * With age recipients (`--secrets-recipient`) each secret is encrypted before it is written (`sealed` instead of
 * `secret`, see `Age.ts`), so the journal can be committed; a journal is all plain or all encrypted, never both. A
 * secret sink's acknowledgement of an entry is a line of its own (`sink`, `acknowledgedAt`).
 *
 * All file work goes through effect's `FileSystem` service (`internal/journalFile.ts`), so tests can record the order
 * of writes and syncs.
 * A last line cut short by a crash or a full disk is moved aside to `<journal>.partial` before anything is appended,
 * so a new entry always starts on a line of its own and nothing read is ever dropped.
 *
 * The path must name a regular file that is a journal (or nothing yet): a symbolic link, a folder, the manifest itself
 * or any file whose first line is not an entry is refused before anything is sent. The file is created with mode
 * 0600, and a plain journal that other users can read is refused: it holds secrets (an encrypted one, checked out
 * from git with mode 0644, is not). By default it sits beside the manifest
 * as `<manifest name>.secrets.jsonl`; a warning names it when it is inside a git work tree without being ignored.
 *
 * @since 0.1.0
 */
import { ReservedMetadata } from "@exa-webhooks/schema"
import type { Webhook } from "@exa-webhooks/schema"
import { Duration, Effect, Schema, Semaphore } from "effect"
import type { FileSystem, Scope } from "effect"
import { spawnSync } from "node:child_process"
import * as Path from "node:path"
import * as FileErrors from "@exa-webhooks/cli-kit/FileProblem"
import * as PrivateFile from "@exa-webhooks/cli-kit/PrivateFile"
import * as JournalFile from "./internal/journalFile.ts"
import * as JournalText from "./internal/journalText.ts"
import * as Lock from "./Lock.ts"

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
 * A secret sink's acknowledgement of an entry.
 *
 * @since 0.4.0
 */
export type Acknowledgement = JournalText.Acknowledgement

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

const loose = PrivateFile.isShared

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
): Effect.fn.Return<Checked | undefined, JournalError, FileSystem.FileSystem> {
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
  readonly acknowledgements: ReadonlyArray<Acknowledgement>
  /** Whether its secrets are encrypted (an empty journal's are not). */
  readonly sealed: boolean
  /** Warnings for a person: lines that are not entries, a last line cut short, a journal others can read. */
  readonly warnings: ReadonlyArray<string>
}

// Whether the entries are all encrypted or all plain; both at once is refused: a journal is one or the other.
const sealing = (path: string, entries: ReadonlyArray<Entry>): Effect.Effect<boolean, JournalError> => {
  const sealed = entries.filter((entry) => entry.sealed !== undefined).length
  if (sealed > 0 && sealed < entries.length) {
    const plain = entries.find((entry) => entry.secret !== undefined)!
    return Effect.fail(refusal(
      path,
      `the secrets journal ${path} mixes encrypted secrets (${sealed}) with plain ones (${entries.length - sealed}, ` +
        `e.g. key ${plain.key}); a journal is either encrypted (it may be committed) or plain (it must not be): move the ` +
        "plain entries to a file of their own"
    ))
  }
  return Effect.succeed(sealed > 0)
}

/**
 * The records of the journal at `path`, oldest first (an absent file has none). Refuses (exit 2) a path that is a
 * symbolic link, a folder, `manifest` itself, a file that is not a journal, or a journal that mixes encrypted and
 * plain secrets.
 *
 * @since 0.1.0
 */
export const read = Effect.fn("Journal.read")(function*(path: string, manifest?: string) {
  const checked = yield* check(path, manifest)
  if (checked === undefined) return { path, entries: [], acknowledgements: [], sealed: false, warnings: [] } satisfies Read
  const parsed = JournalText.parse(checked.text)
  const sealed = yield* sealing(path, parsed.entries)
  return {
    path,
    entries: parsed.entries,
    acknowledgements: parsed.acknowledgements,
    sealed,
    warnings: [
      ...(checked.loose && !sealed
        ? [PrivateFile.readableByOthers(path, checked.mode, `the secrets journal ${path}`)]
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
  /** Acknowledgements already in the file when it was opened. */
  readonly acknowledgements: ReadonlyArray<Acknowledgement>
  /** Whether its secrets are encrypted (new ones must be too). */
  readonly sealed: boolean
  /** Warnings for a person: lines that are not entries, a cut last line moved aside. */
  readonly warnings: ReadonlyArray<string>
  /** Appends `entry` and fsyncs the file; returns once the secret is on disk. */
  readonly append: (entry: Entry) => Effect.Effect<void, JournalError>
  /** Appends a sink's acknowledgement and fsyncs the file. */
  readonly acknowledge: (ack: Acknowledgement) => Effect.Effect<void, JournalError>
  /** Fails when this apply's lock of the journal was taken over by another (see `Lock`); never succeeds. */
  readonly lockLost: Effect.Effect<never, Lock.LockLost>
}

/**
 * Options of {@link open}.
 *
 * @since 0.4.0
 */
export interface OpenOptions {
  /** New secrets are encrypted (`--secrets-recipient`). Default `false`. */
  readonly sealed?: boolean | undefined
  /** How long to wait for the journal's lock. Default 0: fail at once. */
  readonly lockTimeout?: Duration.Duration | undefined
  /** Where one-line notices go (a lock taken over, a wait). */
  readonly notice?: ((line: string) => Effect.Effect<void>) | undefined
}

// New secrets would be written unlike the journal's: plain beside encrypted ones (in a journal that is committed), or
// encrypted beside plain ones.
const sealingMismatch = (path: string, sealed: boolean) =>
  Effect.fail(refusal(
    path,
    sealed
      ? `the secrets journal ${path} holds encrypted secrets; pass --secrets-recipient (or set EXA_WEBHOOKS_SECRETS_RECIPIENTS) ` +
        "so that new ones are encrypted too, or pass another --secrets-file"
      : `the secrets journal ${path} holds plain secrets, and encrypting new ones would make it half encrypted: pass a ` +
        "new --secrets-file for the encrypted journal"
  ))

/**
 * Opens (creating it with mode 0600 when absent) the journal at `path` for appending, holding its lock for the scope
 * (`Lock.local` on `<journal>.lock`). Fails with a {@link JournalError} (exit 2, before anything is sent) when the
 * path is not a journal (see {@link read}), other users can read a plain one, it is encrypted and `sealed` is not
 * asked for (or the other way round), another apply holds its lock, or it cannot be opened. A last line cut short is
 * moved to `<journal>.partial` first (a warning says so); a last entry missing only its line break gets it.
 *
 * @since 0.1.0
 */
export const open = Effect.fn("Journal.open")(function*(
  path: string,
  manifest?: string,
  options: OpenOptions = {}
): Effect.fn.Return<Journal, JournalError, FileSystem.FileSystem | Scope.Scope> {
  const wantSealed = options.sealed ?? false
  const first = yield* check(path, manifest)
  const firstEntries = first === undefined ? [] : JournalText.parse(first.text).entries
  const firstSealed = yield* sealing(path, firstEntries)
  if (firstEntries.length > 0 && firstSealed !== wantSealed) return yield* sealingMismatch(path, firstSealed)
  // An encrypted journal may be readable by others (a git checkout makes it 0644); a plain one never.
  if (first?.loose === true && !(firstSealed && wantSealed)) {
    return yield* refusal(
      path,
      `${PrivateFile.readableByOthers(path, first.mode, `the secrets journal ${path}`)}, and run again (it holds signing secrets)`
    )
  }
  const held = yield* Lock.local(lockPath(path), `the secrets journal ${path}`, {
    timeout: options.lockTimeout ?? Duration.zero,
    notice: options.notice ?? (() => Effect.void)
  }).pipe(Effect.mapError((error) => refusal(path, error.message)))
  // Read again under the lock: the file is what another apply left, not what it was a moment ago.
  const checked = yield* check(path, manifest)
  const parsed = JournalText.parse(checked?.text ?? "")
  const sealed = yield* sealing(path, parsed.entries)
  if (parsed.entries.length > 0 && sealed !== wantSealed) return yield* sealingMismatch(path, sealed)
  const file = yield* JournalFile.openAppend(path).pipe(Effect.mapError(cannot(path, `open the secrets journal ${path}`)))
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
  const write = (text: string, failure: (error: JournalFile.FileError) => string) =>
    writes.withPermits(1)(file.append(text)).pipe(
      Effect.mapError((error) => new JournalError({ path, beforeSending: false, message: failure(error) }))
    )
  return {
    path,
    entries: parsed.entries,
    acknowledgements: parsed.acknowledgements,
    sealed: wantSealed,
    warnings,
    append: (entry) =>
      write(
        JournalText.line(entry),
        (error) =>
          `webhook ${entry.id} (${entry.key}) was created, but its secret could not be written to ${path} (${
            because(error)
          }); run apply --rotate-missing-secrets once the journal is writable`
      ),
    acknowledge: (ack) =>
      write(
        JournalText.acknowledgementLine(ack),
        (error) =>
          `the secret of webhook ${ack.id} (${ack.key}) reached the secret sink, but that could not be recorded in ${path} (${
            because(error)
          }); the next apply hands it over again`
      ),
    lockLost: held.lost
  }
})

/**
 * The newest entry of `namespace`/`key` (a rotation appends a newer one).
 *
 * @since 0.1.0
 */
export const latest = (entries: ReadonlyArray<Entry>, namespace: string, key: string): Entry | undefined =>
  entries.findLast((entry) => entry.namespace === namespace && entry.key === key)

/**
 * What a secret sink (known by its `fingerprint`) still has to receive: the newest entry of each key of `namespace`
 * whose webhook still exists (`live`, by id), that the sink has not acknowledged in this journal, and whose webhook
 * does not record that sink (`exa-webhooks.secret-sink`, written by an apply whose journal is gone). Oldest first.
 *
 * @since 0.4.0
 */
export const unacknowledged = (
  journal: Pick<Journal, "entries" | "acknowledgements">,
  namespace: string,
  fingerprint: string,
  live: ReadonlyMap<string, Webhook.Webhook>
): Array<{ readonly entry: Entry; readonly webhook: Webhook.Webhook }> => {
  const newest = new Map<string, Entry>()
  for (const entry of journal.entries) if (entry.namespace === namespace) newest.set(entry.key, entry)
  const taken = new Set(journal.acknowledgements.filter((ack) => ack.sink === fingerprint).map((ack) => ack.id))
  return [...newest.values()].flatMap((entry) => {
    const webhook = live.get(entry.id)
    return webhook === undefined || taken.has(entry.id) || webhook.metadata[ReservedMetadata.SECRET_SINK] === fingerprint
      ? []
      : [{ entry, webhook }]
  })
}
