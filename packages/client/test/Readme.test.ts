import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { API_KEY, stats, withMock } from "./fixtures/mock.ts"
import { MockServer } from "@exa-webhooks/mock-server"

const exampleFile = fileURLToPath(new URL("../examples/quickstart.ts", import.meta.url))
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const example = readFileSync(new URL("../examples/quickstart.ts", import.meta.url), "utf8")

// Runs a file with this Node, resolving workspace packages to their TypeScript sources, like the tests do.
const run = (file: string, cwd: string, env: Record<string, string>) =>
  Effect.callback<{ readonly code: number; readonly stdout: string; readonly stderr: string }>((resume) => {
    const child = execFile(
      process.execPath,
      ["--conditions=source", file],
      // One Node start that loads the TypeScript sources: ~1.5 s alone, 15 s seen on a loaded 2-core machine.
      { cwd, env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: 50_000 },
      (error, stdout, stderr) =>
        resume(Effect.succeed({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }))
    )
    return Effect.sync(() => child.kill())
  })

describe("README", () => {
  it("shows examples/quickstart.ts verbatim as its first example, in at most 30 lines of code", () => {
    const first = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    assert.strictEqual(first, example)
    assert.isAtMost(example.split("\n").filter((line) => line.trim() !== "").length, 30)
  })

  it.live("the quick start runs as written against the mock: one webhook, its secret in a 0600 file; a rerun creates nothing", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "quickstart-"))),
        (made) => Effect.sync(() => rmSync(made, { recursive: true, force: true }))
      )
      const env = { EXA_API_KEY: API_KEY, EXA_BASE_URL: mock.url }
      const first = yield* run(exampleFile, dir, env)
      assert.strictEqual(first.code, 0, first.stderr)
      const id = /^Created (webhook_\S+); its signing secret is in exa-webhook\.secret \(mode 0600\)\.\n$/.exec(first.stdout)?.[1]
      assert.isDefined(id, first.stdout)
      const secretFile = join(dir, "exa-webhook.secret")
      assert.strictEqual(statSync(secretFile).mode & 0o777, 0o600)
      const secret = readFileSync(secretFile, "utf8")
      assert.isAbove(secret.length, 0)
      assert.notInclude(first.stdout + first.stderr, secret)

      const second = yield* run(exampleFile, dir, env)
      assert.strictEqual(second.code, 0, second.stderr)
      assert.match(second.stdout, new RegExp(`^${id} already exists, nothing created`))
      assert.strictEqual(readFileSync(secretFile, "utf8"), secret)
      const s = yield* stats
      assert.strictEqual(s.webhooks, 1)
      assert.strictEqual(s.creates, 1)
      assert.notInclude(first.stdout + first.stderr + second.stdout + second.stderr, API_KEY)
    }).pipe(Effect.scoped, Effect.provide(withMock())), 90_000)
})
