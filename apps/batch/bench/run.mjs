// Benchmarks of exa-webhooks-batch (`pnpm bench` / `make bench`); every figure is measured in this one run and
// printed with its target as a ratio. Nothing here is asserted in tests.
//   1. validate of a 100,000-webhook manifest (~11 MB): wall time and peak RSS of the bin (targets: 3 s, 300 MB).
//   2. apply of 500 creates at --rate-limit 50 against the mock limited to 50 requests/second: achieved rate as a
//      share of the limit (target >= 0.95), share of requests answered 429 (<= 1%), failures and duplicates (0).
//   3. plan against 10,000 remote webhooks (5,000 of them this namespace's): wall time and peak RSS.
// Usage: node bench/run.mjs [validate|apply|plan ...]   (default: all three)
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
const bundle = join(root, "apps", "batch", "dist", "exa-webhooks-batch.mjs")
const mockBin = join(root, "bin", "exa-webhooks-mock")
const bootstrapped = join(root, ".tools", "bin", "node")
const node = existsSync(bootstrapped) ? bootstrapped : process.execPath
const work = mkdtempSync(join(tmpdir(), "exa-batch-bench-"))
const KEY = "exa-batch-bench-key-0123456789abcdef"
const only = process.argv.slice(2)
const wanted = (name) => only.length === 0 || only.includes(name)

if (!existsSync(bundle)) {
  console.error(`${bundle} is missing; run 'pnpm run build' first`)
  process.exit(2)
}

// Peak RSS of the child, reported by the child itself on exit (no /usr/bin/time needed).
const rssProbe = "data:text/javascript," + encodeURIComponent(
  "process.on('exit',()=>{require('node:fs').writeFileSync(process.env.BENCH_RSS_FILE,String(process.resourceUsage().maxRSS))})"
    .replace("require('node:fs')", "process.getBuiltinModule('node:fs')")
)

/** Runs the bin with `args`; its exit code, output, wall time (ms) and peak RSS (MB). */
const runBin = (args, env = {}) =>
  new Promise((resolve) => {
    const rssFile = join(work, `rss-${Math.random().toString(36).slice(2)}`)
    const started = performance.now()
    const child = spawn(node, [`--import=${rssProbe}`, bundle, ...args], {
      env: { PATH: process.env.PATH, ...env, BENCH_RSS_FILE: rssFile },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("close", (code) => {
      const millis = performance.now() - started
      const rss = existsSync(rssFile) ? Number(readFileSync(rssFile, "utf8")) / 1024 : Number.NaN
      resolve({ code, stdout, stderr, millis, rssMb: rss })
    })
  })

/** Runs `code` (an ES module) in a fresh Node beside this package, measured like {@link runBin}. */
const runCode = (code, args) =>
  new Promise((resolve) => {
    const rssFile = join(work, `rss-${Math.random().toString(36).slice(2)}`)
    const started = performance.now()
    const child = spawn(node, [`--import=${rssProbe}`, "--input-type=module", "-e", code, ...args], {
      cwd: join(root, "apps", "batch"),
      env: { PATH: process.env.PATH, BENCH_RSS_FILE: rssFile },
      stdio: ["ignore", "ignore", "inherit"]
    })
    child.on("close", (exitCode) => {
      const rss = existsSync(rssFile) ? Number(readFileSync(rssFile, "utf8")) / 1024 : Number.NaN
      resolve({ code: exitCode, millis: performance.now() - started, rssMb: rss })
    })
  })

/** Starts the mock with `flags`; its URL and a stop function. */
const startMock = (flags) =>
  new Promise((resolve, reject) => {
    const child = spawn(mockBin, ["--port", "0", "--api-key", KEY, ...flags], { stdio: ["ignore", "pipe", "inherit"] })
    child.stdout.once("data", (chunk) => {
      const url = String(chunk).split("\n")[0].trim()
      resolve({ url, stop: () => child.kill("SIGTERM") })
    })
    child.on("error", reject)
  })

const mockStats = async (url) => (await fetch(`${url}/_mock/stats`)).json()

const manifest = (namespace, count, file) => {
  const lines = ["version: 1", `namespace: ${namespace}`, "defaults: { events: [webset.item.created], metadata: { team: growth } }", "webhooks:"]
  for (let i = 0; i < count; i++) {
    lines.push(`  - key: hook-${i}`, `    url: https://hooks.example.com/exa/team/${i}`, `    events: [webset.item.enriched]`, `    metadata: { owner: o${i % 97} }`)
  }
  writeFileSync(file, `${lines.join("\n")}\n`)
  return file
}

const ratio = (value, target) => (value / target).toFixed(2)
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1)

if (wanted("validate")) {
  const file = manifest("bench", 100_000, join(work, "big.yaml"))
  const size = readFileSync(file).length
  // Baselines on the same machine, in the same minute: a bare parse with each parser (the machine may be shared, so
  // the ratios to them say more than absolute seconds).
  const read = "const text = (await import('node:fs')).readFileSync(process.argv[1], 'utf8');"
  const effectParse = await runCode(`${read} (await import('effect/encoding/Yaml')).parse(text)`, [file])
  const yamlParse = await runCode(`${read} (await import('yaml')).parse(text)`, [file])
  const result = await runBin(["validate", file])
  if (result.code !== 0) throw new Error(`validate failed: ${result.stderr}`)
  console.log(`validate, 100,000 webhooks (${mb(size)} MB): ${(result.millis / 1000).toFixed(2)} s (${ratio(result.millis, 3000)} of the 3 s target), ` +
    `peak RSS ${result.rssMb.toFixed(0)} MB (${ratio(result.rssMb, 300)} of the 300 MB target)`)
  console.log(`  baselines: bare effect/encoding/Yaml parse ${(effectParse.millis / 1000).toFixed(2)} s, ${effectParse.rssMb.toFixed(0)} MB; ` +
    `bare yaml package parse ${(yamlParse.millis / 1000).toFixed(2)} s, ${yamlParse.rssMb.toFixed(0)} MB`)
  console.log(`  validate / bare effect parse: time ${ratio(result.millis, effectParse.millis)}, RSS ${ratio(result.rssMb, effectParse.rssMb)}; ` +
    `validate / bare yaml parse: time ${ratio(result.millis, yamlParse.millis)}, RSS ${ratio(result.rssMb, yamlParse.rssMb)}`)
  // The same file with one problem near its end: the slow path (a full parse with positions) runs only then.
  writeFileSync(file, readFileSync(file, "utf8").replace("url: https://hooks.example.com/exa/team/99990", "url: ftp://hooks.example.com/x"))
  const bad = await runBin(["validate", file])
  console.log(`validate, same file with one bad URL (located via the full parse): exit ${bad.code}, ` +
    `${(bad.millis / 1000).toFixed(2)} s, peak RSS ${bad.rssMb.toFixed(0)} MB; ${bad.stderr.split("\n")[0]}`)
}

if (wanted("apply")) {
  const limit = 50
  const mock = await startMock(["--rate-limit", String(limit)])
  try {
    const file = manifest("bench-apply", 500, join(work, "apply.yaml"))
    const concurrency = 16
    const result = await runBin(["apply", file, "--rate-limit", String(limit), "--concurrency", String(concurrency), "--json"], { EXA_API_KEY: KEY, EXA_BASE_URL: mock.url })
    const stats = await mockStats(mock.url)
    const report = JSON.parse(result.stdout || "{}")
    const seconds = result.millis / 1000
    // Requests the server answered (429s included), per second of the whole run (process start-up included).
    const achieved = stats.requests / seconds
    const listed = await (await fetch(`${mock.url}/websets/v0/webhooks?limit=200`, { headers: { "x-api-key": KEY } })).json()
    const keys = new Set()
    let pages = [listed]
    let cursor = listed.hasMore ? listed.nextCursor : null
    while (cursor !== null) {
      const page = await (await fetch(`${mock.url}/websets/v0/webhooks?limit=200&cursor=${cursor}`, { headers: { "x-api-key": KEY } })).json()
      pages.push(page)
      cursor = page.hasMore ? page.nextCursor : null
    }
    const all = pages.flatMap((page) => page.data)
    for (const webhook of all) keys.add(webhook.metadata["exa-webhooks.key"])
    // The creates' own pace, from the server's timestamps of the first and last one (start-up and listing excluded).
    const created = all.map((webhook) => Date.parse(webhook.createdAt)).toSorted((a, b) => a - b)
    const createRate = (created.length - 1) / ((created.at(-1) - created[0]) / 1000)
    console.log(`apply, 500 creates at --rate-limit ${limit} --concurrency ${concurrency}: exit ${result.code}, ${seconds.toFixed(2)} s in all, ` +
      `creates at ${createRate.toFixed(1)}/s (${ratio(createRate, limit)} of the limit; whole run incl. start-up ${achieved.toFixed(1)}/s = ${ratio(achieved, limit)}), 429s ${stats.rateLimited} (${(100 * stats.rateLimited / stats.requests).toFixed(2)}%), ` +
      `failed ${report.summary?.failed ?? "?"}, remote ${all.length} for ${keys.size} keys (duplicates ${all.length - keys.size}), ` +
      `journaled ${readFileSync(join(work, "apply.secrets.jsonl"), "utf8").trim().split("\n").length}`)
  } finally {
    mock.stop()
  }
}

if (wanted("plan")) {
  const mock = await startMock(["--max-webhooks", "10000"])
  try {
    // 5,000 webhooks of this namespace (half of them drifted) and 5,000 others, created straight through the API.
    let next = 0
    const create = async () => {
      while (next < 10_000) {
        const i = next++
        const ours = i < 5_000
        await fetch(`${mock.url}/websets/v0/webhooks`, {
          method: "POST",
          headers: { "x-api-key": KEY, "content-type": "application/json" },
          body: JSON.stringify({
            url: `https://hooks.example.com/exa/team/${i}`,
            events: ["webset.item.created", "webset.item.enriched"],
            metadata: ours
              ? { team: "growth", owner: `o${(i + (i % 2)) % 97}`, "exa-webhooks.namespace": "bench-plan", "exa-webhooks.key": `hook-${i}` }
              : { team: "someone-else" }
          })
        })
      }
    }
    await Promise.all(Array.from({ length: 16 }, create))
    const file = manifest("bench-plan", 5_000, join(work, "plan.yaml"))
    const before = await mockStats(mock.url)
    const result = await runBin(["plan", file, "--json", "--rate-limit", "1000"], { EXA_API_KEY: KEY, EXA_BASE_URL: mock.url })
    if (result.code !== 0) throw new Error(`plan failed: ${result.stderr}`)
    const after = await mockStats(mock.url)
    const summary = JSON.parse(result.stdout).summary
    console.log(`plan against ${before.webhooks} remote webhooks (5,000 ours): ${(result.millis / 1000).toFixed(2)} s, ` +
      `peak RSS ${result.rssMb.toFixed(0)} MB, ${after.requests - before.requests} list requests; ` +
      `${summary.update} to update, ${summary.unchanged} unchanged, ${summary.create} to create`)
  } finally {
    mock.stop()
  }
}
