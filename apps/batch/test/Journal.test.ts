import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as JournalText from "../src/internal/journalText.ts"
import * as Journal from "../src/Journal.ts"
import { envFor, journal, json, manifestOf, mockLayer, run, runBin, stats, tempDir, writeManifest } from "./fixtures/batch.ts"

describe("the secrets journal", () => {
  it.live("is created 0600; a journal others can read, or another apply holds, is refused before anything is sent; a git work tree that does not ignore it gets a warning", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("perm", 1), dir)
      const secrets = join(dir, "elsewhere.jsonl")

      writeFileSync(secrets, "")
      chmodSync(secrets, 0o644)
      const refused = yield* run(["apply", manifest, "--secrets-file", secrets], { env })
      assert.strictEqual(refused.code, 2, refused.stderr)
      assert.include(refused.stderr, `chmod 600 ${secrets}`)
      assert.include(refused.stderr, "nothing was sent")
      assert.strictEqual((yield* stats).requests, 0)

      chmodSync(secrets, 0o600)
      // Another apply (this test's own process stands in for it) holds the journal: refused, nothing sent.
      writeFileSync(`${secrets}.lock`, `${process.pid}\n`)
      // (A process of its own: the lock names a process other than the one that runs the apply.)
      const locked = yield* runBin(["apply", manifest, "--secrets-file", secrets], { env })
      assert.strictEqual(locked.code, 2, locked.stderr)
      assert.include(locked.stderr, `another apply (pid ${process.pid}) is using the secrets journal`)
      assert.strictEqual((yield* stats).requests, 0)
      // A lock left by a process that is gone (killed) is taken over.
      writeFileSync(`${secrets}.lock`, "999999999\n")
      const applied = yield* run(["apply", manifest, "--secrets-file", secrets], { env })
      assert.strictEqual(applied.code, 0, applied.stderr)
      assert.strictEqual(journal(secrets).length, 1)
      assert.notInclude(applied.stderr, "git")
      assert.isFalse(existsSync(`${secrets}.lock`), "the lock is released")

      // A fresh journal in a git work tree that does not ignore it.
      const repo = tempDir()
      execFileSync("git", ["init", "-q", repo])
      const tracked = writeManifest(manifestOf("git", 1), repo)
      const warned = yield* run(["apply", tracked], { env })
      assert.strictEqual(warned.code, 0, warned.stderr)
      assert.include(warned.stderr, "inside a git work tree and not ignored")
      assert.strictEqual(statSync(join(repo, "webhooks.secrets.jsonl")).mode & 0o777, 0o600)
      writeFileSync(join(repo, ".gitignore"), "*.secrets.jsonl\n")
      const quiet = yield* run(["apply", tracked], { env })
      assert.strictEqual(quiet.code, 0, quiet.stderr)
      assert.notInclude(quiet.stderr, "git work tree")
    }).pipe(Effect.provide(mockLayer())))
})

const entryFor = (key: string, n: number): Journal.Entry => ({
  namespace: "cut",
  key,
  id: `webhook_${n}`,
  url: `https://example.com/hooks/${key}`,
  secret: `whsec_${String(n).repeat(24)}`,
  createdAt: "2026-01-01T00:00:00.000Z"
})

describe("a journal whose last line was cut short", () => {
  it.effect("at every byte of its last entry: the next entry starts on its own line, and the cut bytes are kept in <journal>.partial", () =>
    Effect.gen(function*() {
      const [first, second, next] = [entryFor("a", 1), entryFor("b", 2), entryFor("c", 3)]
      const whole = JournalText.line(first) + JournalText.line(second)
      const secondStart = JournalText.line(first).length
      for (let length = secondStart; length <= whole.length; length++) {
        const path = join(tempDir(), "cut.secrets.jsonl")
        writeFileSync(path, whole.slice(0, length), { mode: 0o600 })
        const warnings = yield* Effect.scoped(Effect.gen(function*() {
          const opened = yield* Journal.open(path)
          yield* opened.append(next)
          return opened.warnings
        }))
        const text = readFileSync(path, "utf8")
        const lines = text.split("\n")
        assert.strictEqual(lines.at(-1), "", `${length}: the journal ends with a line break`)
        const cut = length > secondStart && length < whole.length - 1
        // Cut only before its line break, the second entry is whole: it is kept and completed.
        const kept = length >= whole.length - 1 ? [first, second, next] : [first, next]
        assert.deepStrictEqual(lines.slice(0, -1).map((line) => JSON.parse(line)), kept, `${length}: ${text}`)
        const aside = Journal.partialPath(path)
        if (cut) {
          assert.strictEqual(readFileSync(aside, "utf8"), `${whole.slice(secondStart, length)}\n`, `${length}`)
          assert.strictEqual(statSync(aside).mode & 0o777, 0o600)
          assert.isTrue(warnings.some((warning) => warning.includes(aside) && warning.includes("line 2")), `${length}: ${warnings.join("; ")}`)
        } else {
          assert.isFalse(existsSync(aside), `${length}: nothing to keep aside`)
          assert.deepStrictEqual(warnings, [])
        }
        const read = yield* Journal.read(path)
        assert.deepStrictEqual(read.entries, kept)
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it("an entry glued onto a cut line by an older version is still read", () => {
    const glued = `${JournalText.line(entryFor("a", 1)).slice(0, 30)}${JournalText.line(entryFor("b", 2))}`
    const parsed = JournalText.parse(JournalText.line(entryFor("z", 0)) + glued)
    assert.deepStrictEqual(parsed.entries.map((entry) => entry.key), ["z", "b"])
    assert.deepStrictEqual(parsed.unreadable, [])
  })

  it.live("end to end: apply, cut a few bytes off the journal, add a key, apply again: the new key's secret is readable and the next plan finds it", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("cutshort", 2), dir)
      const secrets = join(dir, "webhooks.secrets.jsonl")
      assert.strictEqual((yield* run(["apply", manifest], { env })).code, 0)
      const text = readFileSync(secrets, "utf8")
      writeFileSync(secrets, text.slice(0, text.length - 7))
      writeManifest(manifestOf("cutshort", 3), dir)
      const again = yield* run(["apply", manifest], { env })
      assert.strictEqual(again.code, 0, again.stderr)
      assert.match(again.stdout, /1 created/)
      const secret = yield* run(["secret", manifest, "hook-2"], { env: {} })
      assert.strictEqual(secret.code, 0, secret.stderr)
      assert.match(secret.stdout, /^whsec_/)
      assert.include(again.stderr, `${secrets}.partial`)
      assert.strictEqual(readFileSync(`${secrets}.partial`, "utf8"), `${text.split("\n").at(-2)!.slice(0, -6)}\n`)
      const plan = yield* run(["plan", manifest, "--json"], { env })
      assert.strictEqual(plan.code, 0, plan.stderr)
      // The cut entry's webhook lost its secret (it is in .partial); the new one did not.
      assert.strictEqual(json(plan).summary.missingSecrets, 1)
    }).pipe(Effect.provide(mockLayer())))
})

describe("--secrets-file that is not a journal", () => {
  it.live("the manifest itself, another file, a symbolic link, a folder, a missing folder, /proc, a lock that is a folder or a link: exit 2, nothing sent, nothing written", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("notjournal", 1), dir)
      const manifestText = readFileSync(manifest, "utf8")
      const other = writeManifest("just: some yaml\n", dir, "other.yaml")
      // Private files, so that only their not being journals can refuse them.
      chmodSync(manifest, 0o600)
      chmodSync(other, 0o600)
      const target = join(dir, "target.jsonl")
      writeFileSync(target, "", { mode: 0o600 })
      const link = join(dir, "link.jsonl")
      symlinkSync(target, link)
      const dangling = join(dir, "dangling.jsonl")
      symlinkSync(join(dir, "nowhere.jsonl"), dangling)
      const folder = join(dir, "folder.jsonl")
      mkdirSync(folder)
      const lockedByFolder = join(dir, "a.jsonl")
      mkdirSync(`${lockedByFolder}.lock`)
      const lockedByLink = join(dir, "b.jsonl")
      symlinkSync(join(dir, "elsewhere"), `${lockedByLink}.lock`)
      // Plan reads the journal but never writes it, so it takes no lock: the lock cases are apply's alone.
      const cases: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
        [manifest, "is the manifest itself", ["apply", "plan"]],
        [other, "is not a secrets journal", ["apply", "plan"]],
        [link, "is a symbolic link", ["apply", "plan"]],
        [dangling, "is a symbolic link", ["apply", "plan"]],
        [folder, "is a folder", ["apply", "plan"]],
        [join(dir, "missing", "j.jsonl"), "does not exist", ["apply"]],
        [join(other, "j.jsonl"), "is not a folder", ["apply"]],
        ["/proc/exa-webhooks-test/j.jsonl", "does not exist", ["apply"]],
        ["", "path is empty", ["apply", "plan"]],
        ["/dev/null", "not a regular file", ["apply", "plan"]],
        ["/dev/stdout", "is a symbolic link", ["apply", "plan"]],
        [join(dir, "x".repeat(300), "j.jsonl"), "the path is too long", ["apply"]],
        [lockedByFolder, "is a folder; remove it", ["apply"]],
        [lockedByLink, "is a symbolic link; remove it", ["apply"]]
      ]
      for (const [path, says, commands] of cases) {
        for (const command of commands) {
          const result = yield* run([command, manifest, "--secrets-file", path], { env })
          assert.strictEqual(result.code, 2, `${command} ${path}: ${result.stderr}`)
          assert.include(result.stderr, says, `${command} ${path}`)
          assert.include(result.stderr, "nothing was sent", `${command} ${path}`)
          assert.notInclude(result.stderr, "internal error")
        }
      }
      assert.strictEqual((yield* stats).requests, 0, "no request reached the mock")
      assert.strictEqual(readFileSync(manifest, "utf8"), manifestText)
      assert.strictEqual(readFileSync(target, "utf8"), "")
      assert.isFalse(existsSync(join(dir, "nowhere.jsonl")))
      assert.isTrue(statSync(`${lockedByFolder}.lock`).isDirectory(), "a lock folder is never removed")
      const secret = yield* run(["secret", manifest, "hook-0", "--secrets-file", link], { env: {} })
      assert.strictEqual(secret.code, 2, secret.stderr)
      assert.include(secret.stderr, "is a symbolic link")
    }).pipe(Effect.provide(mockLayer())))
})
