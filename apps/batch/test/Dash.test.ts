import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { envFor, lines, manifestOf, mockLayer, run, stats, tempDir, writeManifest } from "./fixtures/batch.ts"

describe("- where a path is taken", () => {
  it.live("--secrets-file - is refused with why (the journal is appended to, locked and synced): exit 2, nothing sent or written", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("dash", 1), dir)
      for (const command of ["plan", "apply", "secret"]) {
        const args = command === "secret" ? [command, manifest, "hook-0", "--secrets-file", "-"] : [command, manifest, "--secrets-file", "-"]
        const result = yield* run(args, { env: envFor(mock) })
        assert.strictEqual(result.code, 2, `${command}: ${result.stderr}`)
        assert.strictEqual(lines(result.stderr).length, 1)
        assert.include(result.stderr, "--secrets-file -: the secrets journal is a file that is appended to, locked and synced")
      }
      assert.strictEqual((yield* stats).requests, 0)
      assert.deepStrictEqual(readdirSync(dir), ["webhooks.yaml"], "no file named -, no journal")
      assert.isFalse(existsSync(join(process.cwd(), "-")))
    }).pipe(Effect.provide(mockLayer())))

  it.live("validate - reads the manifest from standard input, its problems located as <stdin>; plan - is refused", () =>
    Effect.gen(function*() {
      const valid = yield* run(["validate", "-"], { stdin: manifestOf("piped", 2) })
      assert.strictEqual(valid.code, 0, valid.stderr)
      assert.strictEqual(valid.stdout, "-: valid; 2 webhooks in namespace piped\n")
      const broken = yield* run(["validate", "-"], { stdin: "version: 1\nnamespace: piped\nwebhooks:\n  - key: a\n    url: nope\n" })
      assert.strictEqual(broken.code, 2)
      assert.match(broken.stderr, /^<stdin>:5:10: /m)
      const plan = yield* run(["plan", "-"], { stdin: manifestOf("piped", 2) })
      assert.strictEqual(plan.code, 2)
      assert.include(plan.stderr, "MANIFEST -: the manifest's path names it and places its secrets journal")
    }))

  it.live("import --output - writes the manifest to stdout, as without the flag; no file named -", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const toStdout = yield* run(["import", "--namespace", "dash", "--output", "-"], { env: envFor(mock) })
      assert.strictEqual(toStdout.code, 0, toStdout.stderr)
      const plain = yield* run(["import", "--namespace", "dash"], { env: envFor(mock) })
      assert.strictEqual(toStdout.stdout, plain.stdout)
      assert.include(toStdout.stdout, "namespace: dash")
      assert.isFalse(existsSync(join(process.cwd(), "-")))
    }).pipe(Effect.provide(mockLayer())))
})
