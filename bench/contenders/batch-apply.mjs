// Contender (a): `exa-webhooks-batch apply <manifest> --base-url <url> --json` of a manifest with --count
// entries (`batchManifest` in ../lib.mjs). Skipped (reports `skipped`) while the batch app is not built.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { API_KEY, batchManifest, parseArgs, report, root } from "../lib.mjs"

const args = parseArgs(process.argv.slice(2))
const count = Number(args.count ?? 500)
const bin = join(root, "bin", "exa-webhooks-batch")
const built = join(root, "apps", "batch", "dist")

if (!existsSync(bin) || !existsSync(built)) {
  report({ skipped: `${existsSync(bin) ? "apps/batch is not built" : "bin/exa-webhooks-batch does not exist"} on this branch` })
  process.exit(0)
}

const dir = mkdtempSync(join(tmpdir(), "exa-webhooks-bench-"))
const file = join(dir, "webhooks.yaml")
writeFileSync(file, batchManifest(count))
const start = performance.now()
const result = spawnSync(bin, ["apply", file, "--base-url", args["base-url"], "--json"], {
  env: { ...process.env, EXA_API_KEY: API_KEY, ...(args["client-rate"] ? { EXA_RATE_LIMIT: args["client-rate"] } : {}) },
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024
})
const wallMs = performance.now() - start
rmSync(dir, { recursive: true, force: true })
// Which entries failed is read from the mock afterwards (an entry that is not stored failed); the exit code and the
// tail of stderr are kept for the report.
report({ wallMs, exitCode: result.status, stderrTail: String(result.stderr ?? "").trim().split("\n").slice(-2).join(" | ") })
