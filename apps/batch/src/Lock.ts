/**
 * The locks an `apply` holds while it runs, so that two applies never plan the same creates at once:
 *
 * - **local**: `<journal>.lock`, beside the secrets journal, for applies that share a journal (one machine, or one
 *   shared disk). It records who holds it (host, pid, the process's start, since when) and the holder renews it (its
 *   modification time) every third of its lease. A lock whose holder is gone is taken over with a one-line notice: a
 *   pid that no longer runs on this host, a pid that now belongs to another process (pid reuse, pid 1 in a new
 *   container: the recorded start differs), or a lock not renewed for longer than its lease (a holder on another host,
 *   or one that hangs). So a live unrelated pid never blocks for longer than one lease.
 * - **shared**: with a shared store (`--rate-limit-store` / `EXA_RATE_LIMIT_STORE`), a key in that Redis per API key
 *   (hashed, as the rate budget's key: never the key itself) and namespace, for applies on different machines. It is
 *   set with a lease (`PX`) that the holder renews; a holder that dies stops renewing, and the key expires.
 *
 * A second apply waits for the lock up to `--lock-timeout` (default 0: it fails at once, as Terraform's `-lock-timeout`
 * does), then says who holds it: host, pid, since when. A holder that finds its lock taken (it hung past its lease, and
 * another apply took over) stops sending changes.
 *
 * Every value written to the local lock goes first to a temporary file that is then hard-linked into place, which
 * fails rather than replace a lock that appeared meanwhile, so the lock file is never seen half written. A takeover is
 * done under a second short-lived guard file (`<lock>.takeover`), so two applies that both find the same stale lock
 * cannot both take it (the second would otherwise remove the first one's fresh lock).
 *
 * @since 0.4.0
 */
import { Clock, Deferred, Duration, Effect, FileSystem, Schema } from "effect"
import type { Scope } from "effect"
import type { Redis } from "effect/persistence"
import * as FileProblem from "@exa-webhooks/cli-kit/FileProblem"
import * as Os from "node:os"
import * as JournalFile from "./internal/journalFile.ts"

/**
 * Who holds a lock.
 *
 * @since 0.4.0
 */
export const Holder = Schema.Struct({
  /** Unique per acquisition: a holder recognises its own lock by it. */
  id: Schema.String,
  host: Schema.String,
  pid: Schema.Number,
  /** When the process started, as the system counts it (`linux:<boot id>:<ticks>`); absent where unknown. */
  processStart: Schema.optionalKey(Schema.String),
  /** When the lock was taken (ISO 8601). */
  since: Schema.String,
  leaseMillis: Schema.Number
})

/**
 * @since 0.4.0
 */
export type Holder = typeof Holder.Type

/**
 * The lock is held by another apply (and `--lock-timeout` passed), or could not be used. Nothing was sent: exit 2.
 *
 * @since 0.4.0
 */
export class LockError extends Schema.TaggedError<LockError>()("LockError", {
  message: Schema.String,
  holder: Schema.optionalKey(Holder)
}) {}

/**
 * This apply's lock was taken over by another (it hung for longer than its lease): it stops sending changes (exit 1).
 *
 * @since 0.4.0
 */
export class LockLost extends Schema.TaggedError<LockLost>()("LockLost", {
  message: Schema.String
}) {}

/**
 * The defaults: a lease of 30 s renewed every 10 s (a holder must miss three renewals in a row to lose it), polled
 * every 500 ms while waiting.
 *
 * @since 0.4.0
 */
export const defaults = {
  lease: Duration.seconds(30),
  poll: Duration.millis(500)
} as const

/**
 * Options of {@link local} and {@link shared}.
 *
 * @since 0.4.0
 */
export interface Options {
  /** How long to wait for a lock held by another apply; zero: fail at once. */
  readonly timeout: Duration.Duration
  /** One line for a person (a takeover, a wait). */
  readonly notice: (line: string) => Effect.Effect<void>
  readonly lease?: Duration.Duration | undefined
}

/**
 * A held lock.
 *
 * @since 0.4.0
 */
export interface Held {
  readonly holder: Holder
  /** Fails when the lock was lost (taken over by another apply); never succeeds. */
  readonly lost: Effect.Effect<never, LockLost>
}

const decodeHolder = Schema.decodeUnknownOption(Schema.fromJsonString(Holder))

/**
 * "pid 4242 on host ci-runner-7 since 2026-01-01T10:00:00.000Z (lock id ...)"
 *
 * @since 0.4.0
 */
export const describeHolder = (holder: Holder): string =>
  `pid ${holder.pid} on host ${holder.host} since ${holder.since} (lock ${holder.id})`

// When the process `pid` started, as Linux counts it: the boot and the clock ticks since boot (field 22 of
// /proc/PID/stat). Undefined where that cannot be read (another system, a pid that is gone).
const processStart = (pid: number): Effect.Effect<string | undefined, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const stat = yield* fs.readFileString(`/proc/${pid}/stat`)
    const boot = (yield* fs.readFileString("/proc/sys/kernel/random/boot_id")).trim()
    // The command name (field 2) may hold spaces and parentheses: count from the last ")".
    const ticks = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]
    return ticks === undefined ? undefined : `linux:${boot}:${ticks}`
  }).pipe(Effect.orElseSucceed(() => undefined))

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * This process as a lock holder.
 *
 * @since 0.4.0
 */
export const self = (lease: Duration.Duration): Effect.Effect<Holder, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const start = yield* processStart(process.pid)
    const now = yield* Clock.currentTimeMillis
    return {
      id: globalThis.crypto.randomUUID(),
      host: Os.hostname(),
      pid: process.pid,
      ...(start === undefined ? {} : { processStart: start }),
      since: new Date(now).toISOString(),
      leaseMillis: Duration.toMillis(lease)
    }
  })

/** Why a lock found at a path is stale, or `undefined` while its holder may still be working. */
const staleness = (
  holder: Holder | undefined,
  legacyPid: number | undefined,
  ageMillis: number,
  leaseMillis: number
): Effect.Effect<string | undefined, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const here = holder === undefined || holder.host === Os.hostname()
    const pid = holder?.pid ?? legacyPid
    if (here && pid !== undefined && pid > 0) {
      if (!alive(pid)) return `its process (pid ${pid}) is gone`
      if (holder?.processStart !== undefined) {
        const now = yield* processStart(pid)
        if (now !== undefined && now !== holder.processStart) {
          return `pid ${pid} now belongs to another process (the one that took the lock ended)`
        }
      }
    }
    if (ageMillis > leaseMillis) {
      return `it was not renewed for ${Math.round(ageMillis / 1000)} s, longer than its lease of ${Math.round(leaseMillis / 1000)} s`
    }
    return undefined
  })

const kindWord = (kind: JournalFile.Kind["_tag"]) =>
  kind === "Directory" ? "a folder" : kind === "SymbolicLink" ? "a symbolic link" : "not a regular file"

/** Writes `text` to a new temporary file beside `path` and hard-links it to `path`: EEXIST when anything is there. */
const place = (path: string, text: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const temporary = `${path}.${globalThis.crypto.randomUUID().slice(0, 8)}.tmp`
    yield* JournalFile.createExclusive(temporary, text)
    yield* fs.link(temporary, path).pipe(
      Effect.mapError(JournalFile.fail(path)),
      Effect.ensuring(Effect.ignore(JournalFile.remove(temporary)))
    )
  })

const TAKEOVER_GUARD_MILLIS = 10_000

/**
 * Holds the local lock `path` for the scope (see the module's description). `what` names what it guards, for
 * messages. A lock path that is a folder, a link or not a regular file is refused, never removed.
 *
 * @since 0.4.0
 */
export const local = Effect.fn("Lock.local")(function*(
  path: string,
  what: string,
  options: Options
): Effect.fn.Return<Held, LockError, FileSystem.FileSystem | Scope.Scope> {
  const lease = options.lease ?? defaults.lease
  const me = yield* self(lease)
  const text = JSON.stringify(me)
  const cannot = (doing: string) => (error: JournalFile.FileError) =>
    new LockError({
      message: `cannot ${doing} the lock file ${path} (${FileProblem.describe(error.code, error.path, error.detail)}); ` +
        "pass a writable file path with --secrets-file"
    })
  const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(options.timeout)
  let waitingSaid = false

  // One attempt: true when taken, else the holder that keeps it.
  const attempt = Effect.gen(function*() {
    const placed = yield* place(path, text).pipe(
      Effect.as(true),
      Effect.catchIf((error) => error.code === "EEXIST", () => Effect.succeed(false)),
      Effect.mapError(cannot("create"))
    )
    if (placed) return { taken: true as const }
    const kind = yield* JournalFile.kind(path).pipe(Effect.mapError(cannot("read")))
    if (kind._tag === "Absent") return { taken: false as const, holder: undefined, retry: true }
    if (kind._tag !== "File") {
      return yield* new LockError({
        message: `the lock file ${path} of ${what} is ${kindWord(kind._tag)}; remove it (no apply uses it) or pass another --secrets-file`
      })
    }
    const raw = new TextDecoder().decode(yield* JournalFile.readBytes(path).pipe(Effect.mapError(cannot("read"))))
    const holder = decodeHolder(raw.trim())
    const found = holder._tag === "Some" ? holder.value : undefined
    // A lock written by an earlier version holds only its pid.
    const legacyPid = found === undefined && /^\d+\s*$/.test(raw) ? Number.parseInt(raw, 10) : undefined
    const now = yield* Clock.currentTimeMillis
    const age = now - (kind.mtime?.getTime() ?? now)
    const stale = yield* staleness(found, legacyPid, age, found?.leaseMillis ?? Duration.toMillis(lease))
    if (stale === undefined) return { taken: false as const, holder: found, legacyPid, retry: false }
    // Take it over under the guard, if the lock is still the one judged stale.
    const guard = `${path}.takeover`
    const guarded = yield* JournalFile.createExclusive(guard, text).pipe(
      Effect.as(true),
      Effect.catchIf((error) => error.code === "EEXIST", () =>
        JournalFile.kind(guard).pipe(
          Effect.flatMap((g) =>
            g._tag === "File" && g.mtime !== undefined && now - g.mtime.getTime() > TAKEOVER_GUARD_MILLIS
              ? Effect.as(JournalFile.remove(guard), false)
              : Effect.succeed(false)
          )
        )),
      Effect.mapError(cannot("take over"))
    )
    if (!guarded) return { taken: false as const, holder: found, legacyPid, retry: true }
    return yield* Effect.gen(function*() {
      const again = new TextDecoder().decode(yield* JournalFile.readBytes(path).pipe(Effect.orElseSucceed(() => new Uint8Array())))
      if (again !== raw) return { taken: false as const, holder: found, legacyPid, retry: true }
      yield* JournalFile.remove(path).pipe(Effect.mapError(cannot("remove the stale")))
      const placedNow = yield* place(path, text).pipe(
        Effect.as(true),
        Effect.catchIf((error) => error.code === "EEXIST", () => Effect.succeed(false)),
        Effect.mapError(cannot("create"))
      )
      if (!placedNow) return { taken: false as const, holder: undefined, retry: true }
      yield* options.notice(
        `took over the lock of ${what} (${path}) from ${
          found === undefined ? `pid ${legacyPid ?? "unknown"}` : describeHolder(found)
        }: ${stale}`
      )
      return { taken: true as const }
    }).pipe(Effect.ensuring(Effect.ignore(JournalFile.remove(guard))))
  })

  while (true) {
    const result = yield* attempt
    if (result.taken) break
    const now = yield* Clock.currentTimeMillis
    if (now >= deadline && !result.retry) {
      const who = result.holder === undefined
        ? result.legacyPid === undefined ? "another apply" : `another apply (pid ${result.legacyPid})`
        : `another apply (${describeHolder(result.holder)})`
      return yield* new LockError({
        message: `${who} is using ${what}; ${
          Duration.toMillis(options.timeout) > 0 ? `it was still held after --lock-timeout ${Duration.format(options.timeout)}` : "wait for it to finish, or pass --lock-timeout 10m to wait"
        } (if no apply is running, the lock ${path} is taken over once its holder is gone or its lease ends)`,
        ...(result.holder === undefined ? {} : { holder: result.holder })
      })
    }
    if (!waitingSaid && !result.retry) {
      waitingSaid = true
      yield* options.notice(
        `waiting up to ${Duration.format(options.timeout)} for ${what}, held by ${
          result.holder === undefined ? "another apply" : describeHolder(result.holder)
        }`
      )
    }
    yield* Effect.sleep(result.retry ? Duration.millis(20) : defaults.poll)
  }

  const lost = yield* Deferred.make<never, LockLost>()
  const stillMine = JournalFile.readBytes(path).pipe(
    Effect.map((bytes) => decodeHolder(new TextDecoder().decode(bytes).trim())),
    Effect.map((found) => found._tag === "Some" && found.value.id === me.id),
    Effect.orElseSucceed(() => false)
  )
  // Renew every third of the lease; a lock no longer ours (taken over while this process hung) stops the apply.
  yield* Effect.forkScoped(Effect.gen(function*() {
    while (true) {
      yield* Effect.sleep(Duration.millis(Duration.toMillis(lease) / 3))
      if (!(yield* stillMine)) {
        yield* Deferred.fail(
          lost,
          new LockLost({ message: `the lock of ${what} (${path}) was taken over by another apply while this one was not renewing it; stopped sending changes` })
        )
        return
      }
      yield* Effect.ignore(JournalFile.touch(path))
    }
  }))
  yield* Effect.addFinalizer(() => Effect.flatMap(stillMine, (mine) => (mine ? Effect.ignore(JournalFile.remove(path)) : Effect.void)))
  return { holder: me, lost: Deferred.await(lost) }
})

const CALL_TIMEOUT = Duration.seconds(2)

// Replaces the key's value when it still is the stale one seen: a takeover that cannot take a fresh lock.
const TAKEOVER = `if redis.call("GET", KEYS[1]) == ARGV[1] then
  redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
  return 1
end
return 0`

// Sets the key when it is ours: renews the lease, or (with a lease of 0) deletes it.
const RENEW = `if redis.call("GET", KEYS[1]) == ARGV[1] then
  if ARGV[2] == "0" then return redis.call("DEL", KEYS[1]) end
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`

/**
 * Holds the shared lock `key` in the Redis `redis` for the scope (see the module's description). `what` names what it
 * guards and `store` the store (never with a password), for messages.
 *
 * @since 0.4.0
 */
export const shared = Effect.fn("Lock.shared")(function*(
  redis: Redis.Redis["Service"],
  key: string,
  what: string,
  store: string,
  options: Options
): Effect.fn.Return<Held, LockError, FileSystem.FileSystem | Scope.Scope> {
  const lease = options.lease ?? defaults.lease
  const leaseMillis = String(Duration.toMillis(lease))
  const me = yield* self(lease)
  const value = JSON.stringify(me)
  // Every call bounded: a store that stops answering (stopped, a half-open path) must not hold up the end of a run.
  const send = <A>(command: string, ...args: ReadonlyArray<string>) =>
    redis.send<A>(command, ...args).pipe(
      Effect.timeoutOrElse({
        duration: CALL_TIMEOUT,
        orElse: () => Effect.fail(new Error(`no answer within ${Duration.format(CALL_TIMEOUT)}`))
      })
    )
  const failed = (doing: string) => (error: unknown) =>
    new LockError({
      message: `cannot ${doing} the lock of ${what} in the shared store ${store} (${
        String((error as { readonly cause?: { readonly message?: string } })?.cause?.message ?? error).split("\n")[0]
      }); nothing was sent`
    })
  const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(options.timeout)
  let waitingSaid = false
  while (true) {
    const set = yield* send<string | null>("SET", key, value, "NX", "PX", leaseMillis).pipe(Effect.mapError(failed("take")))
    if (set === "OK") break
    const current = yield* send<string | null>("GET", key).pipe(Effect.mapError(failed("read")))
    if (current === null) continue
    const holder = decodeHolder(current)
    const found = holder._tag === "Some" ? holder.value : undefined
    // A holder on this host whose process is gone (killed while the store did not answer its release) need not be
    // waited out for the rest of its lease.
    const stale = found === undefined ? undefined : yield* staleness(found, undefined, 0, Number.POSITIVE_INFINITY)
    if (stale !== undefined && found !== undefined) {
      const taken = yield* send<number>("EVAL", TAKEOVER, "1", key, current, value, leaseMillis).pipe(
        Effect.mapError(failed("take over"))
      )
      if (taken === 1) {
        yield* options.notice(`took over the lock of ${what} in ${store} from ${describeHolder(found)}: ${stale}`)
        break
      }
      continue
    }
    const now = yield* Clock.currentTimeMillis
    if (now >= deadline) {
      const ttl = yield* send<number>("PTTL", key).pipe(Effect.orElseSucceed(() => -1))
      return yield* new LockError({
        message: `another apply (${found === undefined ? "unknown holder" : describeHolder(found)}) holds the lock of ${what} in the ` +
          `shared store ${store}; ${
            Duration.toMillis(options.timeout) > 0 ? `it was still held after --lock-timeout ${Duration.format(options.timeout)}` : "pass --lock-timeout 10m to wait for it"
          } (its lease ends in ${ttl > 0 ? `${Math.ceil(ttl / 1000)} s` : "moments"} unless its holder renews it)`,
        ...(found === undefined ? {} : { holder: found })
      })
    }
    if (!waitingSaid) {
      waitingSaid = true
      yield* options.notice(
        `waiting up to ${Duration.format(options.timeout)} for the lock of ${what} in ${store}, held by ${
          found === undefined ? "another apply" : describeHolder(found)
        }`
      )
    }
    yield* Effect.sleep(defaults.poll)
  }
  const renew = (millis: string) => send<number>("EVAL", RENEW, "1", key, value, millis)
  const lost = yield* Deferred.make<never, LockLost>()
  yield* Effect.forkScoped(Effect.gen(function*() {
    while (true) {
      yield* Effect.sleep(Duration.millis(Duration.toMillis(lease) / 3))
      // A store that does not answer is retried at the next renewal; the lease covers two missed ones.
      const renewed = yield* renew(leaseMillis).pipe(Effect.orElseSucceed(() => -1))
      if (renewed === 0) {
        yield* Deferred.fail(
          lost,
          new LockLost({
            message: `the lease of the lock of ${what} in ${store} ran out before it was renewed (another apply may hold it now); ` +
              "stopped sending changes"
          })
        )
        return
      }
    }
  }))
  yield* Effect.addFinalizer(() => Effect.ignore(renew("0")))
  return { holder: me, lost: Deferred.await(lost) }
})
