/**
 * The journal's lock (`<journal>.lock`): who holds it (host, pid, process start, since), and when a lock left behind
 * is taken over: a dead pid, a pid now used by another process (pid 1 in a new container), a lock not renewed for
 * longer than its lease (a holder on another host). A live holder is waited for (`--lock-timeout`) or named.
 */
import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { envFor, manifestOf, mockLayer, runBin as run, stats, tempDir, writeManifest } from "./fixtures/batch.ts"

const lockOf = (dir: string) => join(dir, "webhooks.secrets.jsonl.lock")

const holder = (fields: Partial<{ host: string; pid: number; processStart: string; since: string }>) =>
  JSON.stringify({
    id: "lock-left-behind",
    host: hostname(),
    pid: 999_999_999,
    since: "2026-01-01T10:00:00.000Z",
    leaseMillis: 30_000,
    ...fields
  })

describe("the journal's lock", () => {
  it.live("records who holds it while an apply runs, and is gone after", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("lock-fields", 1), dir)
      let seen: Record<string, unknown> | undefined
      const result = yield* run(["apply", manifest, "--secrets-to", `cat > /dev/null; cp ${lockOf(dir)} ${dir}/seen`], { env: envFor(mock) })
      assert.strictEqual(result.code, 0, result.stderr)
      seen = JSON.parse(readFileSync(join(dir, "seen"), "utf8"))
      assert.strictEqual(seen!["host"], hostname())
      assert.isNumber(seen!["pid"])
      assert.match(String(seen!["since"]), /^\d{4}-\d\d-\d\dT/)
      assert.match(String(seen!["processStart"]), /^linux:/)
      assert.isFalse(existsSync(lockOf(dir)))
    }).pipe(Effect.provide(mockLayer())))

  it.live("taken over, with one line saying why: a dead pid; a pid now used by another process (reused, pid 1 in a new container); not renewed for longer than its lease", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const cases: ReadonlyArray<readonly [string, string, () => void]> = [
        ["dead pid", "its process (pid 999999999) is gone", () => {}],
        // This test's own process is alive, but it is not the one that took the lock (another start time).
        ["reused pid", `pid ${process.pid} now belongs to another process`, () => {}],
        ["pid 1", "pid 1 now belongs to another process", () => {}],
        ["another host, not renewed", "it was not renewed for", () => {}]
      ]
      for (const [name, says] of cases) {
        const dir = tempDir()
        const manifest = writeManifest(manifestOf(`stale-${name.replace(/[^a-z0-9]/g, "-")}`, 1), dir)
        const lock = lockOf(dir)
        if (name === "dead pid") writeFileSync(lock, holder({}))
        if (name === "reused pid") writeFileSync(lock, holder({ pid: process.pid, processStart: "linux:another-boot:1" }))
        if (name === "pid 1") writeFileSync(lock, holder({ pid: 1, processStart: "linux:another-container:7" }))
        if (name === "another host, not renewed") {
          writeFileSync(lock, holder({ host: "ci-runner-elsewhere", pid: 4242 }))
          const longAgo = new Date(Date.now() - 120_000)
          utimesSync(lock, longAgo, longAgo)
        }
        const result = yield* run(["apply", manifest], { env: envFor(mock) })
        assert.strictEqual(result.code, 0, `${name}: ${result.stderr}`)
        const notice = result.stderr.split("\n").filter((line) => line.includes("took over the lock"))
        assert.strictEqual(notice.length, 1, `${name}: one line: ${result.stderr}`)
        assert.include(notice[0], says, name)
        assert.isFalse(existsSync(lock), `${name}: released`)
      }
    }).pipe(Effect.provide(mockLayer())))

  it.live("a live holder on another host: named (host, pid, since), nothing sent; --lock-timeout waits, then says it is still held", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("held", 1), dir)
      writeFileSync(lockOf(dir), holder({ host: "ci-runner-elsewhere", pid: 4242 }))
      const busy = yield* run(["apply", manifest], { env: envFor(mock) })
      assert.strictEqual(busy.code, 2, busy.stderr)
      assert.include(busy.stderr, "another apply (pid 4242 on host ci-runner-elsewhere since 2026-01-01T10:00:00.000Z")
      assert.include(busy.stderr, "nothing was sent")
      const started = Date.now()
      const waited = yield* run(["apply", manifest, "--lock-timeout", "1500ms"], { env: envFor(mock) })
      assert.strictEqual(waited.code, 2, waited.stderr)
      assert.isAtLeast(Date.now() - started, 1500)
      assert.include(waited.stderr, "waiting up to 1s 500ms")
      assert.include(waited.stderr, "still held after --lock-timeout")
      assert.strictEqual((yield* stats).requests, 0)
      assert.isTrue(existsSync(lockOf(dir)), "another's lock is never removed while it is live")
    }).pipe(Effect.provide(mockLayer())))
})
