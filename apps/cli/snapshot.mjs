// Builds dist/exa-webhooks.blob, a V8 startup snapshot of the CLI (`node --build-snapshot` of the bundled
// src/snapshot.ts), for exactly the Node running this script; opt-in with `make snapshot` (it measured no faster than
// the plain bundle with Node's compile cache: docs/benchmarks.md, "Start-up"). The stamp next to
// it names that Node binary (size, mtime, inode: `stat -L -c %s:%Y:%i`), and bin/_launch uses the snapshot only when
// the stamp matches the Node it runs and the blob is newer than the bundle; otherwise it runs the plain bundle.
// A failed build is a warning, not an error: the plain bundle works everywhere, only slower to start.
// Usage: node snapshot.mjs [--force] [--entry FILE --blob FILE]   (defaults: the CLI's, in dist/; tests pass others)
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const option = (name, fallback) => {
  const at = process.argv.indexOf(name)
  return at === -1 ? fallback : resolve(process.argv[at + 1])
}
const entry = option("--entry", join(here, "dist", "exa-webhooks.snapshot.cjs"))
const blob = option("--blob", join(here, "dist", "exa-webhooks.blob"))
const stampFile = `${blob}.stamp`

/** What `stat -L -c %s:%Y:%i` prints for the Node binary. */
const stampOf = (file) => {
  const stat = statSync(realpathSync(file))
  return `${stat.size}:${Math.floor(stat.mtimeMs / 1000)}:${stat.ino}`
}

if (!existsSync(entry)) {
  console.error(`snapshot: ${entry} is missing; run 'pnpm run build' in apps/cli first`)
  process.exit(2)
}
const stamp = stampOf(process.execPath)
const upToDate = existsSync(blob) && existsSync(stampFile) && readFileSync(stampFile, "utf8").trim() === stamp &&
  statSync(blob).mtimeMs > statSync(entry).mtimeMs
if (upToDate && !process.argv.includes("--force")) process.exit(0)

rmSync(blob, { force: true })
rmSync(stampFile, { force: true })
const partial = `${blob}.partial`
const result = spawnSync(process.execPath, ["--snapshot-blob", partial, "--build-snapshot", entry], {
  cwd: dirname(entry),
  encoding: "utf8",
  // Node warns that some built-in modules are "not yet fully verified" in snapshots; the CLI's tests run from the
  // snapshot too (test/Snapshot.test.ts), so the warnings are kept out of every `make` run.
  stdio: ["ignore", "pipe", "pipe"]
})
if (result.status !== 0 || !existsSync(partial)) {
  rmSync(partial, { force: true })
  console.warn(`snapshot: could not build a start-up snapshot (the CLI runs from its plain bundle): ${
    String(result.stderr).trim().split("\n").slice(-3).join(" ")
  }`)
  process.exit(0)
}
renameSync(partial, blob)
writeFileSync(stampFile, `${stamp}\n`)
console.log(`snapshot: built ${blob} for Node ${process.version}`)
