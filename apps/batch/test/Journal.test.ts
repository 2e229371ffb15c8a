import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { envFor, journal, manifestOf, mockLayer, run, stats, tempDir, writeManifest } from "./fixtures/batch.ts"

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
      const locked = yield* run(["apply", manifest, "--secrets-file", secrets], { env })
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
