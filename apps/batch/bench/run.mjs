// Benchmarks of exa-webhooks-batch (`pnpm bench`; `make bench` runs the `manifests` and `plan` sections); every
// figure is measured in this one run, every ratio against a baseline measured interleaved with it (each round runs
// every case once, in rotating order), medians of at least 5 with min and max. Nothing here is asserted in tests.
//   manifests: reading manifests, printed as markdown tables:
//     - 100,000 webhooks (~13 MB): validate of the valid file against the same file with one bad entry near its end
//       (targets: locating costs at most 1.5x the valid file's time and 300 MB); a 64 MiB file with one bad entry
//       (exit 2, never a crash) and one byte more (refused before it is read); bare parses with effect's YAML parser
//       and the yaml package for reference.
//     - 10,000 webhooks in every style (block, comments, flow, JSON, JSON with a comment, one-line JSON, anchors and
//       merge keys) against the block file (target: at most 2x).
//     - hostile files under 1 MB (alias bombs, deep nesting, tiny values, ...) against a valid 1 MB file (target:
//       each judged in under 1 s).
//   apply: 500 creates at --rate-limit 50 against the mock limited to 50 requests/second: achieved rate as a share
//     of the limit (target >= 0.95), share of requests answered 429 (<= 1%), failures and duplicates (0).
//   plan: plan against 10,000 remote webhooks (5,000 of them this namespace's): wall time and peak RSS.
// Usage: node bench/run.mjs [manifests|apply|plan ...] [--runs N]   (default: all, 5 runs)
// BENCH_BATCH_BUNDLE=path/to/exa-webhooks-batch.mjs measures another build (e.g. an older one, for a before/after).
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
const bundle = process.env.BENCH_BATCH_BUNDLE ?? join(root, "apps", "batch", "dist", "exa-webhooks-batch.mjs")
const mockBin = join(root, "bin", "exa-webhooks-mock")
const bootstrapped = join(root, ".tools", "bin", "node")
const node = existsSync(bootstrapped) ? bootstrapped : process.execPath
const work = mkdtempSync(join(tmpdir(), "exa-batch-bench-"))
const KEY = "exa-batch-bench-key-0123456789abcdef"
const argv = process.argv.slice(2)
const runsAt = argv.indexOf("--runs")
const RUNS = runsAt === -1 ? 5 : Number(argv[runsAt + 1])
const only = argv.filter((arg, i) => !arg.startsWith("--") && (runsAt === -1 || i !== runsAt + 1))
const wanted = (name) => only.length === 0 || only.includes(name)

if (!existsSync(bundle)) {
  console.error(`${bundle} is missing; run 'pnpm run build' first`)
  process.exit(2)
}

// Peak RSS and CPU time of the child, reported by the child itself on exit (no /usr/bin/time needed).
const usageProbe = "data:text/javascript," + encodeURIComponent(
  "process.on('exit',()=>{const u=process.resourceUsage();process.getBuiltinModule('node:fs').writeFileSync(process.env.BENCH_USAGE_FILE," +
    "JSON.stringify({rss:u.maxRSS,cpu:u.userCPUTime+u.systemCPUTime}))})"
)
const rssProbe = usageProbe

/** Runs the bin with `args`; its exit code, output, wall time (ms), CPU time (ms) and peak RSS (MB). */
const runBin = (args, env = {}, timeoutMs = 600_000) =>
  new Promise((resolve) => {
    const usageFile = join(work, `usage-${Math.random().toString(36).slice(2)}`)
    const started = performance.now()
    const child = spawn(node, [`--import=${usageProbe}`, bundle, ...args], {
      env: { PATH: process.env.PATH, ...env, BENCH_USAGE_FILE: usageFile },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, timeoutMs)
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer)
      const millis = performance.now() - started
      const usage = existsSync(usageFile) ? JSON.parse(readFileSync(usageFile, "utf8")) : { rss: Number.NaN, cpu: Number.NaN }
      // A crash (out of memory: SIGABRT) or the stop at the timeout shows as such, never as an exit code.
      const code = timedOut ? `stopped after ${timeoutMs / 1000} s` : exitCode ?? `crashed (${signal})`
      resolve({ code, stdout, stderr, millis, cpuMs: usage.cpu / 1000, rssMb: usage.rss / 1024, timedOut })
    })
  })

/** Runs `code` (an ES module) in a fresh Node beside this package, measured like {@link runBin}. */
const runCode = (code, args) =>
  new Promise((resolve) => {
    const usageFile = join(work, `usage-${Math.random().toString(36).slice(2)}`)
    const started = performance.now()
    const child = spawn(node, [`--import=${rssProbe}`, "--input-type=module", "-e", code, ...args], {
      cwd: join(root, "apps", "batch"),
      env: { PATH: process.env.PATH, BENCH_USAGE_FILE: usageFile },
      stdio: ["ignore", "ignore", "inherit"]
    })
    child.on("close", (exitCode) => {
      const usage = existsSync(usageFile) ? JSON.parse(readFileSync(usageFile, "utf8")) : { rss: Number.NaN, cpu: Number.NaN }
      resolve({ code: exitCode, millis: performance.now() - started, cpuMs: usage.cpu / 1000, rssMb: usage.rss / 1024 })
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

// Manifests ---------------------------------------------------------------------------------------------------------

const median = (values) => {
  const sorted = values.toSorted((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const f1 = (ms) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : "n/a")
const spread = (values) => `${f1(median(values))} (${f1(Math.min(...values))}-${f1(Math.max(...values))})`

/**
 * Runs every case once per round, `RUNS` rounds, the order rotating each round; per case: the runs, and their
 * median wall time, CPU time and peak RSS.
 */
const interleaved = async (cases) => {
  const runs = new Map(cases.map((c) => [c.name, []]))
  for (let round = 0; round < RUNS; round++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + round) % cases.length]
      runs.get(c.name).push(await (c.run ?? (() => runBin(["validate", c.file], {}, c.timeoutMs ?? 120_000)))())
    }
  }
  return new Map(cases.map((c) => {
    const r = runs.get(c.name)
    return [c.name, {
      runs: r,
      wall: median(r.map((x) => x.millis)),
      cpu: median(r.map((x) => x.cpuMs)),
      rss: median(r.map((x) => x.rssMb)),
      codes: [...new Set(r.map((x) => x.code))].join("/"),
      row: `${spread(r.map((x) => x.millis))} | ${spread(r.map((x) => x.cpuMs))} | ${median(r.map((x) => x.rssMb)).toFixed(0)}`
    }]
  }))
}

const entry = (i, url = `https://hooks.example.com/exa/team/${i}`) => ({
  key: `hook-${i}`,
  url,
  events: ["webset.item.created", "webset.item.enriched"],
  metadata: { owner: `o${i % 97}`, team: "growth" }
})
const head = "version: 1\nnamespace: bench\n"
const blockEntry = (w) =>
  `  - key: ${w.key}\n    url: ${w.url}\n    events: [${w.events.join(", ")}]\n    metadata: { owner: ${w.metadata.owner}, team: ${w.metadata.team} }\n`
const styles = (n) => {
  const items = Array.from({ length: n }, (_, i) => entry(i))
  const json = JSON.stringify({ version: 1, namespace: "bench", webhooks: items }, null, 2)
  return {
    "block (baseline)": `${head}webhooks:\n${items.map(blockEntry).join("")}`,
    "block, a comment on every entry": `${head}webhooks:\n${items.map((w) => `  # ${w.key}\n${blockEntry(w).replace("\n", " # the key\n")}`).join("")}`,
    "flow, one entry a line": `${head}webhooks: [\n${items.map((w) => `  {key: ${w.key}, url: ${w.url}, events: [${w.events.join(", ")}], metadata: {owner: ${w.metadata.owner}, team: ${w.metadata.team}}}`).join(",\n")}\n]\n`,
    "flow, one field a line": `${head}webhooks: [\n${items.map((w) => `  {\n    key: ${w.key},\n    url: ${w.url},\n    events: [${w.events.join(", ")}],\n    metadata: {owner: ${w.metadata.owner}, team: ${w.metadata.team}}\n  }`).join(",\n")}\n]\n`,
    "JSON, pretty-printed": `${json}\n`,
    "JSON, pretty-printed, one leading # comment": `# generated\n${json}\n`,
    "JSON, one line": `${JSON.stringify({ version: 1, namespace: "bench", webhooks: items })}\n`,
    "anchors and merge keys": `${head}defaults: &d { metadata: { team: growth } }\nwebhooks:\n${items.map((w) => `  - <<: &e { events: [${w.events.join(", ")}] }\n    key: ${w.key}\n    url: ${w.url}\n    metadata: { owner: ${w.metadata.owner}, team: ${w.metadata.team} }\n`).join("")}`
  }
}

// Hostile files under 1 MB: each must be judged (exit 0 or 2) in under a second.
const fill = (unit, budget = 1_000_000 - 200) => unit.repeat(Math.floor(budget / unit.length))
const hostile = () => {
  const laughs = ["l0: &l0 [lol]"]
  for (let i = 1; i <= 10; i++) laughs.push(`l${i}: &l${i} [${Array.from({ length: 9 }, () => `*l${i - 1}`).join(", ")}]`)
  const validEntries = []
  for (let i = 0, size = 0; size < 990_000; i++) {
    const text = blockEntry(entry(i))
    validEntries.push(text)
    size += text.length
  }
  const wide = Array.from({ length: 40 }, (_, i) => `k${i}: v${i}`).join(", ")
  return {
    "a valid 1 MB manifest (baseline)": `${head}webhooks:\n${validEntries.join("")}`,
    "a billion laughs (10 levels of 9 aliases, 0.6 KB)": `${head}${laughs.join("\n")}\nwebhooks: []\n`,
    "one alias of a 40-key mapping per entry, up to 1 MB": `${head}m: &m { ${wide} }\nwebhooks:\n${fill("  - { key: k, url: https://x, metadata: *m }\n")}`,
    "10,000 nested lists": `${head}webhooks: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`,
    "1 MB of empty mappings": `${head}webhooks: [${fill("{}, ")}{}]\n`,
    "1 MB of one-letter values": `${head}webhooks: [${fill("a, ")}a]\n`,
    "1 MB of aliases to one value": `${head}a: &a x\nwebhooks: [${fill("*a, ")}*a]\n`,
    "every URL an unset variable": `${head}webhooks:\n${validEntries.map((e) => e.replace(/url: \S+/, "url: ${EXA_BENCH_UNSET}/x")).join("")}`,
    "every event misspelled": `${head}webhooks:\n${validEntries.map((e) => e.replace("webset.item.created", "webset.item.create")).join("")}`,
    "every entry the same key": `${head}webhooks:\n${validEntries.map((e) => e.replace(/key: \S+/, "key: same")).join("")}`,
    "one-line JSON cut short at its end": `${JSON.stringify({ version: 1, namespace: "bench", webhooks: Array.from({ length: 6000 }, (_, i) => entry(i)) }).slice(0, 990_000)}\n`
  }
}

const manifests = async () => {
  const lines = []
  // 1. 100,000 webhooks: valid, and with one bad entry near the end.
  const big = join(work, "big.yaml")
  const items = Array.from({ length: 100_000 }, (_, i) => entry(i))
  writeFileSync(big, `${head}webhooks:\n${items.map(blockEntry).join("")}`)
  const bad = join(work, "big-bad.yaml")
  writeFileSync(bad, readFileSync(big, "utf8").replace("url: https://hooks.example.com/exa/team/99990\n", "url: ftp://hooks.example.com/x\n"))
  const read = "const text = (await import('node:fs')).readFileSync(process.argv[1], 'utf8');"
  const large = await interleaved([
    { name: "valid", file: big },
    { name: "one bad entry", file: bad },
    // The strongest alternative: effect's YAML parser alone (no checks, no positions) on the valid file.
    { name: "bare parse, effect/encoding/Yaml", run: () => runCode(`${read} (await import('effect/encoding/Yaml')).parse(text)`, [big]) }
  ])
  // The yaml package's document (what located problems before) is far slower: measured once, for reference.
  const yamlOnce = await runCode(`${read} (await import('yaml')).parse(text)`, [big])
  const valid = large.get("valid")
  const broken = large.get("one bad entry")
  const megabytes = (readFileSync(big).length / 1024 / 1024).toFixed(1)
  lines.push(
    `### 100,000 webhooks (${megabytes} MiB, block style)`,
    "",
    `Medians of ${RUNS} runs (min-max), interleaved. Targets: locating one problem at most 1.5x the valid file's time, at most 300 MB.`,
    "",
    "| case | exit | wall s | CPU s | peak RSS MB | / valid (wall, CPU) |",
    "|---|---:|---:|---:|---:|---:|",
    ...[...large].map(([name, r]) =>
      `| ${name} | ${r.codes} | ${r.row} | ${(r.wall / valid.wall).toFixed(2)}x, ${(r.cpu / valid.cpu).toFixed(2)}x |`
    ),
    `| bare parse, yaml package (one run) | ${yamlOnce.code} | ${f1(yamlOnce.millis)} | ${f1(yamlOnce.cpuMs)} | ${yamlOnce.rssMb.toFixed(0)} | ` +
    `${(yamlOnce.millis / valid.wall).toFixed(2)}x, ${(yamlOnce.cpuMs / valid.cpu).toFixed(2)}x |`,
    "",
    `Locating one problem: **${(broken.cpu / valid.cpu).toFixed(2)}x** the valid file's CPU time (${(broken.wall / valid.wall).toFixed(2)}x its wall time), ` +
      `peak RSS **${broken.rss.toFixed(0)} MB**; ${broken.runs[0].stderr.split("\n")[0].replace(work, "…")}`,
    ""
  )
  // 2. The largest file read, with one bad entry at its end, and one byte more.
  const limit = 64 * 1024 * 1024
  const huge = join(work, "huge.yaml")
  const chunks = [`${head}webhooks:\n`]
  let size = chunks[0].length
  for (let i = 0; ; i++) {
    const text = blockEntry(entry(i))
    if (size + text.length > limit - 200) break
    chunks.push(text)
    size += text.length
  }
  chunks[chunks.length - 1] = chunks.at(-1).replace("url: https:", "url: ftp:")
  writeFileSync(huge, chunks.join(""))
  const hugeRun = await runBin(["validate", huge], {}, 300_000)
  const over = join(work, "over.yaml")
  writeFileSync(over, `${chunks.join("")}${"#".repeat(limit - size - 1)}\n`.padEnd(limit + 1, "#"))
  const overRun = await runBin(["validate", over])
  lines.push(
    "### The size limit (64 MiB)",
    "",
    "| file | exit | wall s | CPU s | peak RSS MB | first line |",
    "|---|---:|---:|---:|---:|---|",
    `| ${(size / 1024 / 1024).toFixed(1)} MiB, ${chunks.length - 1} webhooks, the last one bad | ${hugeRun.code} | ` +
      `${f1(hugeRun.millis)} | ${f1(hugeRun.cpuMs)} | ${hugeRun.rssMb.toFixed(0)} | ${hugeRun.stderr.split("\n")[0].replace(work, "…").slice(0, 100)} |`,
    `| 64 MiB + 1 byte | ${overRun.code} | ${f1(overRun.millis)} | ${f1(overRun.cpuMs)} | ${overRun.rssMb.toFixed(0)} | ${overRun.stderr.split("\n")[0].replace(work, "…").slice(0, 100)} |`,
    ""
  )
  // 3. Every style of 10,000 webhooks against the block file.
  const styleCases = Object.entries(styles(10_000)).map(([name, text], i) => {
    const file = join(work, `style-${i}.yaml`)
    writeFileSync(file, text)
    return { name, file }
  })
  const styled = await interleaved(styleCases)
  const block = styled.get("block (baseline)")
  lines.push(
    "### 10,000 webhooks in every style",
    "",
    `Medians of ${RUNS} runs (min-max), interleaved. Target: every style at most 2x the block file.`,
    "",
    "| style | exit | wall s | CPU s | peak RSS MB | / block (wall, CPU) |",
    "|---|---:|---:|---:|---:|---:|",
    ...[...styled].map(([name, r]) => `| ${name} | ${r.codes} | ${r.row} | ${(r.wall / block.wall).toFixed(2)}x, ${(r.cpu / block.cpu).toFixed(2)}x |`),
    "",
    `Slowest style: **${Math.max(...[...styled.values()].map((r) => r.cpu / block.cpu)).toFixed(2)}x** the block file's CPU time.`,
    ""
  )
  // 4. Hostile files under 1 MB.
  const hostileCases = Object.entries(hostile()).map(([name, text], i) => {
    const file = join(work, `hostile-${i}.yaml`)
    writeFileSync(file, text)
    return { name, file, timeoutMs: 30_000 }
  })
  const judged = await interleaved(hostileCases)
  const slowest = Math.max(...[...judged.values()].map((r) => r.cpu))
  const slowestWall = Math.max(...[...judged.values()].map((r) => r.wall))
  lines.push(
    "### Hostile manifests under 1 MB",
    "",
    `Medians of ${RUNS} runs (min-max), interleaved; process start-up included. Target: each judged (exit 0 or 2) in under 1 s.`,
    "",
    "| file | bytes | exit | wall s | CPU s | peak RSS MB | first line |",
    "|---|---:|---:|---:|---:|---:|---|",
    ...hostileCases.map(({ name, file }) => {
      const r = judged.get(name)
      return `| ${name} | ${readFileSync(file).length} | ${r.codes} | ${r.row} | ${r.runs[0].stderr.split("\n")[0].replace(work, "…").slice(0, 90).replaceAll("|", "\\|")} |`
    }),
    "",
    `Slowest: **${f1(slowest)} s** of CPU time (${f1(slowestWall)} s wall; medians).`,
    ""
  )
  console.log(lines.join("\n"))
}

if (wanted("manifests")) await manifests()

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
              ? {
                team: "growth",
                owner: `o${(i + (i % 2)) % 97}`,
                "exa-webhooks.namespace": "bench-plan",
                "exa-webhooks.key": `hook-${i}`,
                // The name of plan.yaml outside a git work tree: these are that manifest's webhooks.
                "exa-webhooks.manifest": "plan.yaml"
              }
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
