/**
 * The CLI starts from a V8 startup snapshot when one was built for the local Node (`make snapshot`, snapshot.mjs), and
 * from its plain bundle otherwise. Every other test runs the plain bundle; these run the snapshot path too and check
 * that both behave alike, and that the launcher picks the snapshot only when it fits.
 */
import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, symlinkSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { beforeAll } from "vitest"
import { envFor, HOOK_URL, json, mockLayer, runBin as run } from "./fixtures/cli.ts"

const here = fileURLToPath(new URL("..", import.meta.url))
const snapshotScript = join(here, "snapshot.mjs")
const entry = join(here, "dist", "exa-webhooks.snapshot.cjs")
const launcherDir = fileURLToPath(new URL("../../../bin", import.meta.url))

/** Builds a blob with snapshot.mjs, the way `make snapshot` does; fails the test if none was written. */
const buildBlob = (entryFile: string, blobFile: string) => {
  const result = spawnSync(process.execPath, [snapshotScript, "--force", "--entry", entryFile, "--blob", blobFile], {
    encoding: "utf8"
  })
  if (result.status !== 0 || !existsSync(blobFile)) {
    throw new Error(`snapshot.mjs did not build ${blobFile}: ${result.stdout}${result.stderr}`)
  }
}

const dir = mkdtempSync(join(tmpdir(), "exa-webhooks-snapshot-"))
const blob = join(dir, "exa-webhooks.blob")

beforeAll(() => buildBlob(entry, blob), 120_000)

const fromSnapshot = (args: ReadonlyArray<string>) => [process.execPath, "--snapshot-blob", blob, "--", ...args]

// A dry run's body carries a fresh idempotency key, and every answer of the mock a fresh request id.
const withoutUuids = (text: string) =>
  text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>").replace(/req_\w+/g, "req_<id>")

describe("the start-up snapshot", () => {
  it.live("answers like the plain bundle: help, version, usage errors, dry runs, reads and API errors", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const created = yield* run(["create", "--url", HOOK_URL, "--event", "webset.created", "--json"], { env })
      assert.strictEqual(created.code, 0, created.stderr)
      const id: string = json(created).id
      const cases: ReadonlyArray<ReadonlyArray<string>> = [
        // Node's own options, given after the snapshot's `--`, reach the CLI.
        ["--help"],
        ["--version"],
        ["list", "--help"],
        ["list"],
        ["list", "--json"],
        ["get", id, "--json"],
        ["get", "webhook_missing"],
        ["create", "--url", HOOK_URL, "--event", "webset.created", "--dry-run", "--json"],
        ["create", "--url", "not a url", "--event", "webset.created"],
        ["no-such-command"]
      ]
      for (const args of cases) {
        const plain = yield* run(args, { env })
        const snapshot = yield* run(args, { env, command: fromSnapshot(args) })
        assert.strictEqual(snapshot.code, plain.code, `${args.join(" ")}: ${snapshot.stderr}`)
        assert.strictEqual(withoutUuids(snapshot.stdout), withoutUuids(plain.stdout), args.join(" "))
        assert.strictEqual(withoutUuids(snapshot.stderr), withoutUuids(plain.stderr), args.join(" "))
      }
      const help = yield* run(["--help"], { env, command: fromSnapshot(["--help"]) })
      assert.include(help.stdout, "exa-webhooks <subcommand>")
    }).pipe(Effect.provide(mockLayer())), 120_000)

  it.live("creates through the snapshot: one webhook, its secret printed once", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const args = ["create", "--url", HOOK_URL, "--event", "webset.created", "--json"]
      const result = yield* run(args, { env: envFor(mock), command: fromSnapshot(args) })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.match(json(result).secret, /\S+/)
      assert.strictEqual((yield* mock.stats).webhooks, 1)
    }).pipe(Effect.provide(mockLayer())), 60_000)
})

describe("bin/_launch", () => {
  // A stand-in program in a copy of the launcher's layout: its plain form and its snapshot say which one ran.
  const root = join(dir, "root")
  const program = join(root, "dist", "prog.mjs")
  const programBlob = join(root, "dist", "prog.blob")
  const launcher = join(root, "bin", "prog")

  beforeAll(() => {
    mkdirSync(join(root, "bin"), { recursive: true })
    mkdirSync(join(root, "dist"))
    mkdirSync(join(root, ".tools", "bin"), { recursive: true })
    copyFileSync(join(launcherDir, "_launch"), join(root, "bin", "_launch"))
    symlinkSync(process.execPath, join(root, ".tools", "bin", "node"))
    writeFileSync(launcher, `#!/bin/sh\nset -- dist/prog.mjs "$@"\n. "$(dirname "$(readlink -f "$0")")/_launch"\n`, { mode: 0o755 })
    writeFileSync(program, `console.log("plain " + JSON.stringify(process.argv.slice(2)))\n`)
    const snapshotEntry = join(root, "prog-snapshot.cjs")
    writeFileSync(
      snapshotEntry,
      `require("node:v8").startupSnapshot.setDeserializeMainFunction(() => ` +
        `console.log("snapshot " + JSON.stringify(process.argv.slice(1))))\n`
    )
    buildBlob(snapshotEntry, programBlob)
  }, 120_000)

  const launch = (...args: Array<string>) => {
    const result = spawnSync(launcher, args, { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" } })
    assert.strictEqual(result.status, 0, result.stderr)
    return result.stdout.trim()
  }

  it("runs the snapshot built for this Node, passing every argument through (Node's own flags too)", () => {
    assert.strictEqual(launch("list", "--help", "--version", "--", "x"), `snapshot ["list","--help","--version","--","x"]`)
  })

  it("runs the plain program when the snapshot was built for another Node", () => {
    copyFileSync(`${programBlob}.stamp`, `${programBlob}.stamp.good`)
    writeFileSync(`${programBlob}.stamp`, "1:2:3\n")
    try {
      assert.strictEqual(launch("list"), `plain ["list"]`)
    } finally {
      copyFileSync(`${programBlob}.stamp.good`, `${programBlob}.stamp`)
    }
    assert.strictEqual(launch("list"), `snapshot ["list"]`)
  })

  it("runs the plain program when it is newer than the snapshot (rebuilt since)", () => {
    const later = new Date(Date.now() + 60_000)
    utimesSync(program, later, later)
    try {
      assert.strictEqual(launch("list"), `plain ["list"]`)
    } finally {
      const earlier = new Date(Date.now() - 60_000)
      utimesSync(program, earlier, earlier)
    }
  })

  it("runs the plain program when there is no snapshot", () => {
    renameSync(programBlob, `${programBlob}.away`)
    try {
      assert.strictEqual(launch("--help"), `plain ["--help"]`)
    } finally {
      renameSync(`${programBlob}.away`, programBlob)
    }
  })

  it("is what bin/exa-webhooks runs, with or without a snapshot in apps/cli/dist", () => {
    const result = spawnSync(join(launcherDir, "exa-webhooks"), ["--version"], { encoding: "utf8" })
    assert.strictEqual(result.status, 0, result.stderr)
    const { version } = JSON.parse(readFileSync(join(here, "package.json"), "utf8")) as { version: string }
    assert.strictEqual(result.stdout.trim(), `exa-webhooks ${version}`)
  })
})
