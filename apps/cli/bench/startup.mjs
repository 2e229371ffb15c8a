// Start-up benchmark: `bin/exa-webhooks --help` against `node -e 0` on the same Node, N runs each, medians and their
// ratio. Also reports the bundle run directly (no launcher) and with NODE_COMPILE_CACHE, to show where time goes.
// Usage: node bench/startup.mjs [runs]   (default 25; `pnpm run bench` / `make bench`)
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const runs = Number(process.argv[2] ?? 25)
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
const launcher = join(root, "bin", "exa-webhooks")
const bundle = join(root, "apps", "cli", "dist", "exa-webhooks.mjs")
// The launcher runs the bootstrapped Node when there is one; compare against exactly that binary.
const bootstrapped = join(root, ".tools", "bin", "node")
const node = existsSync(bootstrapped) ? bootstrapped : process.execPath

if (!existsSync(bundle)) {
  console.error(`${bundle} is missing; run 'pnpm run build' first`)
  process.exit(2)
}

const time = (file, args, env = process.env) => {
  const start = process.hrtime.bigint()
  const result = spawnSync(file, args, { env, stdio: ["ignore", "ignore", "pipe"] })
  const millis = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== 0) throw new Error(`${file} ${args.join(" ")} exited ${result.status}: ${result.stderr}`)
  return millis
}

const median = (values) => {
  const sorted = values.toSorted((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const measure = (label, file, args, env) => {
  for (let i = 0; i < 3; i++) time(file, args, env) // warm the OS file cache (and the compile cache, if any)
  const samples = Array.from({ length: runs }, () => time(file, args, env))
  return { label, median: median(samples) }
}

const cacheEnv = { ...process.env, NODE_COMPILE_CACHE: mkdtempSync(join(tmpdir(), "exa-webhooks-ncc-")) }
const results = [measure("node -e 0", node, ["-e", "0"])]
let launcherWorks = true
try {
  results.push(measure("bin/exa-webhooks --help", launcher, ["--help"]))
} catch (error) {
  launcherWorks = false
  console.error(`warning: bin/exa-webhooks --help failed, so only the bundle is measured (${String(error.message).trim()})`)
}
results.push(measure("node dist/exa-webhooks.mjs --help", node, [bundle, "--help"]))
results.push(measure("  same, NODE_COMPILE_CACHE set", node, [bundle, "--help"], cacheEnv))

const baseline = results[0].median
console.log(`start-up, median of ${runs} runs each, Node ${spawnSync(node, ["--version"]).stdout.toString().trim()}`)
for (const { label, median: m } of results) {
  console.log(`  ${label.padEnd(38)} ${m.toFixed(1).padStart(7)} ms   ${(m / baseline).toFixed(2)}x node -e 0`)
}
const headline = results[launcherWorks ? 1 : 2]
console.log(`ratio: ${headline.label} / node -e 0 = ${(headline.median / baseline).toFixed(2)}`)
