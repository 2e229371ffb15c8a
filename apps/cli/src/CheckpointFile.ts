/**
 * Where `listen --from-api` keeps its place in Exa's events: the client's `Events.Checkpoint`, as JSON, in a file
 * written after each event the app took, so that a restart (after Ctrl-C, a crash or `kill -9`) resumes right after
 * the last event delivered, neither skipping nor repeating one.
 *
 * - Written whole or not at all: the JSON goes to a temporary file next to it, is synced to disk, renamed over the
 *   checkpoint (atomic on POSIX), and the directory is synced, so that a power cut leaves the old checkpoint or the
 *   new one, never a torn one.
 * - One listener per checkpoint: a lock file next to it (`PATH.lock`, created exclusively) holds the listener's
 *   process id. A second listener on the same checkpoint is refused while that process runs; a lock left by a process
 *   that is gone (`kill -9`) is taken over.
 * - The default path is per API, key and app (`--forward-to`), under `$XDG_STATE_HOME/exa-webhooks/listen/` (default
 *   `~/.local/state`), named by a digest that shows neither the key nor the URL.
 *
 * @since 0.4.0
 */
import { Events } from "@exa-webhooks/client"
import { Config, Effect, FileSystem, Option, Path, Redacted, Result, Schema } from "effect"
import * as FileProblem from "@exa-webhooks/cli-kit/FileProblem"
import { homedir } from "node:os"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

const Stored = Schema.fromJsonString(Events.Checkpoint)
const decode = Schema.decodeUnknownResult(Stored)
const encode = Schema.encodeSync(Stored)

/**
 * A checkpoint file in use by this process.
 *
 * @since 0.4.0
 */
export interface CheckpointFile {
  readonly path: string
  /** What the file held when it was opened (`None`: no file yet). */
  readonly stored: Option.Option<Events.Checkpoint>
  /** Replaces the checkpoint, durably (see the module's description). */
  readonly write: (checkpoint: Events.Checkpoint) => Effect.Effect<void, CheckpointWriteError>
}

/**
 * The checkpoint could not be written (a full disk, say): the listener stops rather than deliver events it could not
 * record, which a restart would deliver again.
 *
 * @since 0.4.0
 */
export class CheckpointWriteError extends Schema.TaggedError<CheckpointWriteError>()("CheckpointWriteError", {
  path: Schema.String,
  message: Schema.String
}) {}

const digest = (text: string) =>
  Effect.promise(async () => {
    const bytes = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))
    return Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("")
  })

/**
 * The default checkpoint of a listener: one per base URL, API key and app URL.
 *
 * @since 0.4.0
 */
export const defaultPath = Effect.fn("CheckpointFile.defaultPath")(function*(
  baseUrl: string,
  apiKey: Redacted.Redacted<string>,
  forwardTo: string
) {
  const path = yield* Path.Path
  const state = yield* Config.option(Config.String("XDG_STATE_HOME")).pipe(Effect.orElseSucceed(() => Option.none<string>()))
  const home = yield* Config.option(Config.String("HOME")).pipe(Effect.orElseSucceed(() => Option.none<string>()))
  const base = Option.getOrElse(
    Option.filter(state, (dir) => path.isAbsolute(dir)),
    () => path.join(Option.getOrElse(home, homedir), ".local", "state")
  )
  const name = yield* digest(`${baseUrl}\n${Redacted.value(apiKey)}\n${forwardTo}`)
  return path.join(base, "exa-webhooks", "listen", `${name}.json`)
})

// Whether a process with this id runs (EPERM: it does, as another user).
const running = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { readonly code?: unknown }).code === "EPERM"
  }
}

/**
 * Takes the lock of `file` for the surrounding scope (released when it ends).
 */
const lock = Effect.fn("CheckpointFile.lock")(function*(file: string) {
  const fs = yield* FileSystem.FileSystem
  const lockPath = `${file}.lock`
  const take = fs.writeFile(lockPath, new TextEncoder().encode(`${process.pid}\n`), { flag: "wx", mode: 0o600 })
  for (let tries = 0; tries < 2; tries++) {
    const taken = yield* Effect.result(take)
    if (Result.isSuccess(taken)) {
      yield* Effect.addFinalizer(() => Effect.ignore(fs.remove(lockPath)))
      return
    }
    if (taken.failure.reason._tag !== "AlreadyExists") {
      return yield* new UsageError({ message: `--checkpoint-file: cannot create ${lockPath} (${FileProblem.of(taken.failure, lockPath, { creating: true })})` })
    }
    const holder = Number((yield* fs.readFileString(lockPath).pipe(Effect.orElseSucceed(() => ""))).trim())
    if (Number.isSafeInteger(holder) && holder > 0 && running(holder)) {
      return yield* new UsageError({
        message: `another listener (process ${holder}) is using the checkpoint ${file}; stop it first, or give this one ` +
          `its own --checkpoint-file (if no such listener runs, delete ${lockPath})`
      })
    }
    // Left by a listener that is gone: taken over.
    yield* Effect.ignore(fs.remove(lockPath))
  }
  return yield* new UsageError({ message: `--checkpoint-file: cannot lock ${file}: ${lockPath} keeps reappearing` })
})

/**
 * Opens (locks and reads) the checkpoint at `file`, creating its directory (mode 0700) when missing. A file that is
 * not a checkpoint is a `UsageError` that says to delete it: starting over silently could repeat or skip events.
 *
 * @since 0.4.0
 */
export const open = Effect.fn("CheckpointFile.open")(function*(file: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const absolute = path.resolve(file)
  const directory = path.dirname(absolute)
  yield* fs.makeDirectory(directory, { recursive: true, mode: 0o700 }).pipe(
    Effect.mapError((error) => new UsageError({ message: `--checkpoint-file: cannot create ${directory} (${FileProblem.of(error, directory, { creating: true })})` }))
  )
  yield* lock(absolute)
  const text = yield* fs.readFileString(absolute).pipe(
    Effect.map(Option.some),
    Effect.catch((error) =>
      error.reason._tag === "NotFound"
        ? Effect.succeed(Option.none<string>())
        : Effect.fail(new UsageError({ message: `--checkpoint-file: cannot read ${absolute} (${FileProblem.of(error, absolute)})` }))
    )
  )
  let stored = Option.none<Events.Checkpoint>()
  if (Option.isSome(text)) {
    const decoded = decode(text.value)
    if (Result.isFailure(decoded)) {
      return yield* new UsageError({
        message: `--checkpoint-file: ${absolute} is not a checkpoint of exa-webhooks listen; delete it to start over ` +
          "(with --since to choose where)"
      })
    }
    stored = Option.some(decoded.success)
  }
  const temporary = `${absolute}.${process.pid}.tmp`
  const write = (checkpoint: Events.Checkpoint) =>
    Effect.scoped(Effect.gen(function*() {
      const handle = yield* fs.open(temporary, { flag: "w", mode: 0o600 })
      yield* handle.writeAll(new TextEncoder().encode(`${encode(checkpoint)}\n`))
      yield* handle.sync
    })).pipe(
      Effect.andThen(fs.rename(temporary, absolute)),
      // The rename itself made durable.
      Effect.andThen(Effect.scoped(Effect.flatMap(fs.open(directory, { flag: "r" }), (dir) => dir.sync))),
      Effect.mapError((error) =>
        new CheckpointWriteError({
          path: absolute,
          message: `cannot write the checkpoint ${absolute} (${FileProblem.of(error, absolute, { creating: true })}); stopped so that no event is delivered ` +
            "without being recorded (the last one delivered may come again on the next start)"
        })
      )
    )
  const opened: CheckpointFile = { path: absolute, stored, write }
  return opened
})
