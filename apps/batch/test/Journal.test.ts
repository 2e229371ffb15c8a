import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { chmodSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { envFor, journal, manifestOf, mockLayer, run, stats, tempDir, writeManifest } from "./fixtures/batch.ts"

describe("the secrets journal", () => {
  it.live("is created 0600; a journal others can read is refused before anything is sent; a git work tree that does not ignore it gets a warning", () =>
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
      const applied = yield* run(["apply", manifest, "--secrets-file", secrets], { env })
      assert.strictEqual(applied.code, 0, applied.stderr)
      assert.strictEqual(journal(secrets).length, 1)
      assert.notInclude(applied.stderr, "git")

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
