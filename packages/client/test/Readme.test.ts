import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { API_KEY, stats, withMock } from "./fixtures/mock.ts"
import { MockServer } from "@exa-webhooks/mock-server"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const example = readFileSync(new URL("../examples/quickstart.ts", import.meta.url), "utf8")

// Runs a file with this Node, resolving workspace packages to their TypeScript sources, like the tests do.
const run = (file: string, env: Record<string, string>) =>
  Effect.callback<{ readonly code: number; readonly stdout: string; readonly stderr: string }>((resume) => {
    const child = execFile(
      process.execPath,
      ["--conditions=source", file],
      // One Node start that loads the TypeScript sources: ~1.5 s alone, 15 s seen on a loaded 2-core machine.
      { cwd: packageDir, env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: 50_000 },
      (error, stdout, stderr) =>
        resume(Effect.succeed({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }))
    )
    return Effect.sync(() => child.kill())
  })

describe("README", () => {
  it("shows examples/quickstart.ts verbatim as its first example, in ten lines of code", () => {
    const first = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    assert.strictEqual(first, example)
    assert.strictEqual(example.split("\n").filter((line) => line.trim() !== "").length, 10)
  })

  it.live("the quick start runs as written against the mock and creates one webhook", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const result = yield* run("examples/quickstart.ts", { EXA_API_KEY: API_KEY, EXA_BASE_URL: mock.url })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.match(result.stdout, /^Created webhook_\S+: store its secret now, Exa never returns it again\.\n$/)
      const s = yield* stats
      assert.strictEqual(s.webhooks, 1)
      assert.strictEqual(s.creates, 1)
      assert.notInclude(result.stdout + result.stderr, API_KEY)
    }).pipe(Effect.provide(withMock())), 60_000)
})
