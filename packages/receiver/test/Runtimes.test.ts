/**
 * The dependency-free entry, for real, in every runtime it claims: examples/fetch-handler.ts (a Workers-style Fetch
 * handler, `fetch(request, env)`) served by Node, Bun, Deno and Cloudflare's workerd, each started as its own process
 * from the npm packages of the workspace. In each, the mock delivers a signed event through a relay that records it;
 * the receiver verifies it (204), refuses the same delivery replayed (200, processed once), a tampered one (401) and
 * a stale one (401).
 *
 * A runtime that cannot run on this machine is skipped with one line, except under CI=true, where that fails.
 */
import { describe, it } from "@effect/vitest"
import { Effect, type Scope } from "effect"
import * as esbuild from "esbuild"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { exercise, freePort, packageDir, type Running, serve } from "./fixtures/support.ts"

const bin = (name: string) => join(packageDir, "node_modules/.bin", name)

const versionOf = (command: string, args: ReadonlyArray<string>): string | undefined => {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 60_000 })
  return result.status === 0 ? result.stdout.trim().split("\n")[0] : undefined
}

interface Runtime {
  readonly name: string
  readonly version: () => string | undefined
  readonly start: (secret: string) => Effect.Effect<Running, never, Scope.Scope>
}

// workerd serves what wrangler would deploy: the handler bundled into one module (conditions of a Workers build, and
// the workspace's `source`), with the secret as a binding read from the environment.
const workerd = (secret: string) =>
  Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "exa-receiver-workerd-"))),
      (made) => Effect.sync(() => rmSync(made, { recursive: true, force: true }))
    )
    yield* Effect.promise(() =>
      esbuild.build({
        entryPoints: [join(packageDir, "examples/fetch-handler.ts")],
        bundle: true,
        format: "esm",
        platform: "neutral",
        conditions: ["source", "workerd", "worker", "browser"],
        outfile: join(dir, "worker.js"),
        logLevel: "silent"
      })
    )
    const port = yield* freePort
    writeFileSync(
      join(dir, "config.capnp"),
      `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "EXA_WEBHOOK_SECRET", fromEnvironment = "EXA_WEBHOOK_SECRET") ],
);
`
    )
    return yield* serve(bin("workerd"), ["serve", "--verbose", join(dir, "config.capnp")], { EXA_WEBHOOK_SECRET: secret }, `http://127.0.0.1:${port}`)
  })

const runtimes: ReadonlyArray<Runtime> = [
  {
    name: "Node",
    version: () => process.version,
    start: (secret) => serve(process.execPath, ["--conditions=source", "test/runtimes/node.mjs"], { EXA_WEBHOOK_SECRET: secret })
  },
  {
    name: "Bun",
    version: () => versionOf(bin("bun"), ["--version"]),
    start: (secret) => serve(bin("bun"), ["--conditions=source", "test/runtimes/bun.mjs"], { EXA_WEBHOOK_SECRET: secret })
  },
  {
    name: "Deno",
    version: () => versionOf(bin("deno"), ["--version"]),
    start: (secret) =>
      serve(bin("deno"), [
        "run",
        "--no-lock",
        "--conditions=source",
        "--allow-net=127.0.0.1",
        "--allow-env=EXA_WEBHOOK_SECRET",
        "test/runtimes/deno.mjs"
      ], { EXA_WEBHOOK_SECRET: secret, DENO_NO_UPDATE_CHECK: "1" })
  },
  {
    name: "workerd",
    version: () => versionOf(bin("workerd"), ["--version"]),
    start: workerd
  }
]

// Whether a runtime runs here: one line when it does not (an error under CI=true, where every runtime must run).
const available = (runtime: Runtime, version: string | undefined): boolean => {
  if (version !== undefined) return true
  if (process.env["CI"] === "true") {
    throw new Error(`${runtime.name} does not run here, and CI=true requires every runtime test: run 'make setup' (pnpm install runs its install script)`)
  }
  process.stderr.write(`${runtime.name} is not installed or cannot run on this machine: skipping its receiver test\n`)
  return false
}

describe("the Fetch handler of the dependency-free entry, in every runtime", () => {
  for (const runtime of runtimes) {
    const version = runtime.version()
    it.live.skipIf(!available(runtime, version))(
      `${runtime.name} ${version ?? ""}: verifies the mock's delivery, processes a replay of it once, refuses a tampered or stale one`,
      () => exercise(runtime.start),
      120_000
    )
  }
})
