// The benchmark runner behind `make bench` and `pnpm bench`: every benchmark one after another, all traffic to the
// mock on 127.0.0.1, a time budget (15 minutes unless told: a section that would not fit is not started, and the run
// stops at the budget), and docs/benchmarks.md written from this one run (every ratio in it compares figures measured
// here, contenders interleaved, medians with min and max where a figure is repeated).
//
// Usage: node bench/run.mjs [--only startup,throughput,chaos,overhead,listing,lookups,scale,batch-plan,batch-manifests,
//        capacity,shared-budget,autopace] [--runs N] [--budget-minutes M] [--autopace-limits 5,10,25,50]
//        [--out docs/benchmarks.md]
// Needs a build (`make setup`). Sections whose program is missing on this branch (apps/batch) print a line and are
// skipped; adding a contender is one entry in `throughputContenders` or `startupCommands`.
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus, tmpdir, totalmem } from "node:os"
import { join, resolve as resolvePath } from "node:path"
import {
  API_KEY,
  batchManifest,
  batchManifestJson,
  benchDir,
  children,
  countItems,
  createBody,
  fmt,
  listStored,
  median,
  node,
  parseArgs,
  peakRssMiB,
  redisServerBinary,
  root,
  runJson,
  spread,
  startMock,
  startRedis
} from "./lib.mjs"
import { startupHeadline, startupSection } from "./startup/run.mjs"

const options = parseArgs(process.argv.slice(2))
const only = options.only?.split(",")
const RUNS = Number(options.runs ?? 15)
const OUT = resolvePath(root, options.out ?? "docs/benchmarks.md")
// `make bench BUDGET=M` passes `--budget-minutes M`; every section takes about 21 minutes on 2 cores (the estimates
// below), so the default runs those that users feel most and lists the rest as not measured.
const BUDGET_MS = Number(options["budget-minutes"] ?? 15) * 60_000
const began = performance.now()
const elapsed = () => performance.now() - began
const contender = (name) => join(benchDir, "contenders", name)
const log = (line) => console.log(line)

/** What did not run, and why; listed at the end of the document. */
const skipped = []

// ---------------------------------------------------------------------------------------------------------------
// Contenders. (a) runs once apps/batch is built; the others always.
// ---------------------------------------------------------------------------------------------------------------

/** Throughput and chaos contenders: `args(limit)` are the script's flags; `limit` is the mock's rate or undefined. */
export const throughputContenders = [
  {
    id: "a",
    label: "`exa-webhooks-batch apply`",
    script: "batch-apply.mjs",
    args: (limit) => (limit === undefined ? [] : ["--client-rate", String(limit)])
  },
  { id: "b", label: "exa-js, sequential loop", script: "exa-js.mjs", args: () => ["--mode", "loop", "--op", "create"] },
  { id: "c", label: "exa-js, `Promise.all`", script: "exa-js.mjs", args: () => ["--mode", "all", "--op", "create"] },
  {
    id: "d",
    label: "our client, `Effect.forEach` (concurrency 64)",
    script: "ours.mjs",
    args: (limit) => ["--op", "create", "--concurrency", "64", "--client-rate", String(limit ?? "Infinity")]
  },
  // exa-js has no retries: the same two with the 429 retry loop a careful user writes (contenders/exa-js.mjs).
  {
    id: "e",
    label: "exa-js, sequential loop + 20-line 429 retry",
    script: "exa-js.mjs",
    args: () => ["--mode", "loop", "--op", "create", "--retry-429", "true"]
  },
  {
    id: "f",
    label: "exa-js, `Promise.all` + 20-line 429 retry",
    script: "exa-js.mjs",
    args: () => ["--mode", "all", "--op", "create", "--retry-429", "true"]
  }
]

// ---------------------------------------------------------------------------------------------------------------
// 6. Start-up
// ---------------------------------------------------------------------------------------------------------------

// In bench/startup/run.mjs (runs on its own too).
const startup = () => startupSection({ runs: RUNS, log, skipped })

// ---------------------------------------------------------------------------------------------------------------
// 2 and 3. Throughput under a limit, and chaos
// ---------------------------------------------------------------------------------------------------------------

const CREATES = 500

/** Runs every contender against one mock, resetting it before each; counts from the mock's stats and store. */
const race = async (mockArgs, limit) => {
  const mock = await startMock(mockArgs)
  const rows = []
  try {
    for (const c of throughputContenders) {
      await mock.reset()
      const result = await runJson(contender(c.script), ["--base-url", mock.url, "--count", String(CREATES), ...c.args(limit)], {
        timeoutMillis: 180_000
      })
      if (result.skipped !== undefined) {
        const line = `(${c.id}) ${c.label.replaceAll("`", "")}: ${result.skipped}`
        if (!skipped.includes(line)) skipped.push(line)
        log(`  (${c.id}) skipped: ${result.skipped}`)
        continue
      }
      const stats = await mock.stats()
      const { created, duplicates, items } = countItems(await listStored(mock.url))
      // A contender that reports which creates failed; batch's failures are the entries not stored.
      const failedItems = result.failed ?? Array.from({ length: CREATES }, (_, i) => i).filter((i) => !items.has(String(i)))
      const ghosts = failedItems.filter((i) => items.has(String(i))).length
      const row = {
        ...c,
        wallMs: result.wallMs,
        created,
        duplicates,
        failed: failedItems.length,
        ghosts,
        rateLimited: stats.rateLimited,
        requests: stats.requests,
        faults: stats.faults,
        perSecond: created / (result.wallMs / 1000),
        note: result.exitCode !== undefined && result.exitCode !== 0 ? `exit ${result.exitCode}: ${result.stderrTail}` : ""
      }
      rows.push(row)
      log(`  (${c.id}) ${fmt(row.wallMs / 1000, 1)} s, ${created} created, ${row.failed} failed, ${duplicates} duplicates, ` +
        `${row.rateLimited} x 429`)
    }
  } finally {
    await mock.stop()
  }
  return rows
}

// ---------------------------------------------------------------------------------------------------------------
// A pace that finds the limit: `--rate-limit auto` against servers whose limit the client is not told
// ---------------------------------------------------------------------------------------------------------------

// Without headers, then with each form the mock can send.
const AUTO_HEADERS = [undefined, "ratelimit-policy", "ratelimit", "x-ratelimit"]

/** One run's cells of the autopace table: its share of the limit, and its 429s. */
const paceCell = (r) => r === undefined ? "" : `${fmt(r.ofLimit, 2)} | ${r.rateLimited} (${fmt((100 * r.rateLimited) / r.requests, 1)}%)`

/** 500 creates by our client at `rate` against a mock of its own at `limit` (with `headers`), one process each. */
const paceRun = async (limit, headers, rate, startAfterMillis) => {
  const mock = await startMock(["--rate-limit", String(limit), ...(headers === undefined ? [] : ["--rate-limit-headers", headers])])
  try {
    await new Promise((resolve) => setTimeout(resolve, startAfterMillis))
    const result = await runJson(contender("ours.mjs"), [
      "--base-url", mock.url, "--count", String(CREATES), "--op", "create", "--concurrency", "64", "--client-rate", rate
    ], { timeoutMillis: 240_000 })
    const stats = await mock.stats()
    const { created } = countItems(await listStored(mock.url))
    return {
      created,
      failed: result.failed.length,
      rateLimited: stats.rateLimited,
      requests: stats.requests,
      ofLimit: created / (result.wallMs / 1000) / limit,
      wallMs: result.wallMs
    }
  } finally {
    await mock.stop()
  }
}

// The runs of 10/s (50 s each) beside those of 5/s (100 s), started once those are past their start-up; 25/s and 50/s
// on their own: a run of 10 s shares no second of it with another's start-up (beside the 5/s runs, the 50/s ones
// reached only 0.72-0.78 of the limit, told it or not).
const AUTO_WAVES = [[5, 10], [25], [50]].map((wave) =>
  wave.filter((limit) => options["autopace-limits"] === undefined || options["autopace-limits"].split(",").includes(String(limit)))
).filter((wave) => wave.length > 0)
// A run learns in its first seconds, when another process's start-up would take the CPU from it: the runs of a fast
// limit (20 s or less) are started 3 s apart, the first one the learned pace without headers.
const autoStagger = (limit) => limit >= 25 ? 3_000 : 1_000

const autopace = async () => {
  const finished = []
  for (const [w, wave] of AUTO_WAVES.entries()) {
    // The runs of a wave side by side, each with its own mock: a paced run uses a few percent of a core, and one
    // after another they would take 18 minutes. Started a second apart, so that their start-ups do not overlap, and
    // a second limit's runs 8 s after the first's. The default pace's runs of the later limits (50 s each at 10/s,
    // learning nothing) go with the first wave, from 16 s on, so that the later waves last 20 s rather than 50.
    const later = AUTO_WAVES.slice(1).flat()
    const variants = [
      ...wave.flatMap((limit, l) =>
        [
          ...AUTO_HEADERS.map((headers) => ({ limit, headers, key: "auto", rate: "auto" })),
          ...(w === 0 ? [{ limit, headers: undefined, key: "default", rate: "10" }] : []),
          { limit, headers: undefined, key: "told", rate: String(limit) }
        ].map((v, i) => ({ ...v, startAfter: l * 8_000 + i * autoStagger(limit) }))
      ),
      ...(w === 0
        ? later.map((limit, j) => ({ limit, headers: undefined, key: "default", rate: "10", startAfter: 16_000 + j * 1_000 }))
        : [])
    ]
    const done = await Promise.all(variants.map((v) => paceRun(v.limit, v.headers, v.rate, v.startAfter)))
    variants.forEach((v, i) => finished.push({ ...v, result: done[i] }))
  }
  const rows = AUTO_WAVES.flat().toSorted((x, y) => x - y).flatMap((limit) =>
    AUTO_HEADERS.map((headers) => {
      const runs = Object.fromEntries(
        finished.flatMap((v) => (v.limit === limit && v.headers === headers ? [[v.key, v.result]] : []))
      )
      const a = runs.auto
      log(`  auto at ${limit}/s (${headers ?? "no headers"}): ${fmt(a.ofLimit, 2)} of the limit, ${a.rateLimited} x 429 ` +
        `of ${a.requests}, ${a.failed} failed`)
      return { limit, headers, ...runs }
    })
  )
  const lines = [
    "## A pace that finds the limit (`--rate-limit auto`)",
    "",
    `${CREATES} creates, 64 at a time, by our client with \`rateLimit: "auto"\` against the mock at \`--rate-limit N\`, without`,
    "rate-limit headers and with each form the mock can send (`--rate-limit-headers`); beside it, without headers, the",
    "default pace (10/s, not told the limit) and the told pace (`rateLimit: N`). `of limit` is webhooks stored per second",
    "of wall time over N; 429s are the mock's count. Target: `auto` at least 0.9 of the limit with at most 2% of",
    "requests answered 429. One run each (a run is itself 500 requests over 10 to 100 s), each with its own mock; the runs",
    "of 5/s side by side, started a second apart, and those of 10/s beside them from 8 s on; then those of 25/s, then",
    "those of 50/s, started 3 s apart (a paced run uses a few percent of a core, but a run learns in its first seconds,",
    "which must not be shared with another process's start-up); the default pace's runs of 25 and 50/s, which learn",
    "nothing, go with the first wave.",
    "",
    "| limit | headers | auto: of limit | auto: 429s | default 10/s: of limit | default: 429s | told: of limit | told: 429s | failed (auto) |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map((r) =>
      `| ${r.limit}/s | ${r.headers ?? "none"} | ${paceCell(r.auto)} | ${r.default === undefined ? " | " : paceCell(r.default)} | ${
        r.told === undefined ? " | " : paceCell(r.told)
      } | ${r.auto.failed} |`
    ),
    ""
  ]
  return { lines, headline: rows }
}

const throughputTable = (rows, limit) => [
  `| contender | wall s | creates/s${limit === undefined ? "" : " / limit"} | created | failed | duplicates | 429s served | requests |`,
  "|---|---:|---:|---:|---:|---:|---:|---:|",
  ...rows.map((r) =>
    `| (${r.id}) ${r.label} | ${fmt(r.wallMs / 1000, 1)} | ${
      limit === undefined ? fmt(r.perSecond) : fmt(r.perSecond / limit, 2)
    } | ${r.created} | ${r.failed} | ${r.duplicates} | ${r.rateLimited} | ${r.requests} |`
  )
]

const LIMITS = [50, 200]

const throughput = async () => {
  const lines = [
    "## Throughput under a rate limit",
    "",
    `${CREATES} creates against the mock at \`--rate-limit N\` (requests per second per key), each contender in its own`,
    "process, one after another, the mock reset before each. `creates/s / limit` is webhooks stored per second of wall",
    "time divided by the limit (1.00 = the whole allowance used for creates). `failed` is creates the contender",
    "reported as failed; `duplicates` are webhooks stored more than once for one item; 429s come from `/_mock/stats`.",
    "Our client is given the plan's limit as `rateLimit`, as its README says to; its default pace (not told the limit)",
    "and `rateLimit: \"auto\"` are beside the told pace in the next section. exa-js has no retries: (e) and (f) wrap each",
    "create in the 429 retry a careful user writes (`bench/contenders/exa-js.mjs`: up to 8 attempts, jittered backoff",
    "from 250 ms; exa-js's error has no headers, so no `Retry-After`; 429 only, since re-sending a create after a 500",
    "could store it twice).",
    ""
  ]
  const headline = {}
  for (const limit of LIMITS) {
    log(`throughput at --rate-limit ${limit}`)
    const rows = await race(["--rate-limit", String(limit)], limit)
    lines.push(`### \`--rate-limit ${limit}\``, "", ...throughputTable(rows, limit), "")
    headline[limit] = rows
    for (const row of rows.filter((r) => r.note !== "")) lines.push(`- (${row.id}): ${row.note}`)
  }
  return { lines, headline }
}

const chaos = async () => {
  log("chaos: --rate-limit 50 --fault-rate 0.1 --ambiguous-fault-rate 0.05 --seed 7")
  const rows = await race(["--rate-limit", "50", "--fault-rate", "0.1", "--ambiguous-fault-rate", "0.05", "--seed", "7"], 50)
  const lines = [
    "## Chaos",
    "",
    `The same ${CREATES} creates at \`--rate-limit 50 --fault-rate 0.1 --ambiguous-fault-rate 0.05 --seed 7\`: one request`,
    "in ten answered 500/502/503 before anything changes, and one successful create in twenty applied and then answered",
    "with a 500 or a dropped connection. `unknown` counts creates reported as failed although the webhook exists (the",
    "caller cannot tell; retrying them blindly makes duplicates).",
    "",
    "| contender | wall s | created | failed | of which exist (unknown) | duplicates | 429s | faults injected |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map((r) =>
      `| (${r.id}) ${r.label} | ${fmt(r.wallMs / 1000, 1)} | ${r.created} | ${r.failed} | ${r.ghosts} | ${r.duplicates} | ${r.rateLimited} | ${r.faults} |`
    ),
    ""
  ]
  return { lines, headline: rows }
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Overhead with no limit, listing 10,000, the lookup of an ambiguous create
// ---------------------------------------------------------------------------------------------------------------

// Per request: the figures are those of OVERHEAD_COUNT creates and gets after a first OVERHEAD_WARM from the process's
// start, which are reported apart (cold: they include compiling the HTTP stack and the client's code).
const OVERHEAD_COUNT = 1000
const OVERHEAD_WARM = 300
const OVERHEAD_ROUNDS = 5

/** The steps of the overhead section's ladder, in the order they are added to the bare client. */
const LADDER = [
  { part: "input", label: "input checked (schema)" },
  { part: "decode", label: "body decoded (Webhook schema)" },
  { part: "timeout", label: "`Effect.timeoutOrElse`" },
  { part: "retry", label: "`Effect.retry` (Schedule)" },
  { part: "span", label: "operation span" }
]

const overhead = async () => {
  const mock = await startMock()
  const contenders = [
    // The bins' and the README's transport (the client's Transport: effect's NodeHttpClient over node:http keep-alive
    // agents when no proxy is set), and on it effect's HttpClient alone (`--bare`: no validation, decoding, retries,
    // pacing or timeout), the floor of any client built on it and the reference of the client's own cost.
    { key: "ours-transport", label: "our client (Transport, the bins')", script: "ours.mjs", args: ["--concurrency", "32", "--transport", "transport"] },
    {
      key: "bare-transport",
      label: "effect's HttpClient alone (Transport)",
      script: "ours.mjs",
      args: ["--concurrency", "32", "--transport", "transport", "--bare", "true"]
    },
    // The same pair with tracing off on both sides by effect's settings (`--tracing off`): what an application that
    // records no spans can set, for our client and the bare one alike.
    {
      key: "ours-transport-untraced",
      label: "our client (Transport), tracing off",
      script: "ours.mjs",
      args: ["--concurrency", "32", "--transport", "transport", "--tracing", "off"]
    },
    {
      key: "bare-transport-untraced",
      label: "effect's HttpClient alone (Transport), tracing off",
      script: "ours.mjs",
      args: ["--concurrency", "32", "--transport", "transport", "--bare", "true", "--tracing", "off"]
    },
    // The ladder from the bare client to ours: effect's parts the client is made of, added one at a time to the bare
    // client, each as the client uses it (`--parts`, contenders/ours.mjs). Each step's cost is its CPU per request less
    // the step below's; what is left between the top step and our client is the client's own code.
    ...LADDER.map((_, i) => ({
      key: `ladder-${i}`,
      label: `bare + ${LADDER.slice(0, i + 1).map((s) => s.label).join(" + ")}`,
      script: "ours.mjs",
      args: ["--concurrency", "32", "--transport", "transport", "--bare", "true", "--parts", LADDER.slice(0, i + 1).map((s) => s.part).join(",")]
    })),
    // The Transport's path through a proxy: effect's NodeHttpClient over undici.
    { key: "ours-undici", label: "our client (undici, the proxied path)", script: "ours.mjs", args: ["--concurrency", "32", "--transport", "undici"] },
    { key: "fetch", label: "raw `fetch`", script: "fetch.mjs", args: ["--concurrency", "32"] },
    // The floor of the bins' transport: node:http with a keep-alive agent and nothing else.
    { key: "raw-node-http", label: "raw `node:http` (keep-alive agent)", script: "rawhttp.mjs", args: ["--concurrency", "32"] },
    { key: "exa-js", label: "exa-js", script: "exa-js.mjs", args: ["--mode", "pool", "--concurrency", "32"] }
  ]
  const samples = new Map(contenders.map((c) => [c.key, []]))
  try {
    for (let round = 0; round < OVERHEAD_ROUNDS; round++) {
      for (let j = 0; j < contenders.length; j++) {
        const c = contenders[(round + j) % contenders.length]
        await mock.reset()
        const r = await runJson(contender(c.script), [
          "--base-url",
          mock.url,
          "--op",
          "create-get",
          "--count",
          String(OVERHEAD_COUNT),
          "--warm",
          String(OVERHEAD_WARM),
          ...c.args
        ])
        for (const phase of [r, r.cold]) {
          if (phase.failed.length > 0 || phase.getFailed > 0) {
            throw new Error(`${c.label}: ${phase.failed.length} creates, ${phase.getFailed} gets failed`)
          }
        }
        samples.get(c.key).push(r)
      }
    }
  } finally {
    await mock.stop()
  }
  const m = (key, f) => median(samples.get(key).map(f))
  const all = (key, f) => samples.get(key).map(f)
  const pick = {
    creates: (r) => r.ok / (r.wallMs / 1000),
    gets: (r) => r.gets / (r.getWallMs / 1000),
    cpuCreate: (r) => r.opCpuMs / r.ok,
    cpuGet: (r) => r.getCpuMs / r.gets,
    rss: (r) => r.maxRssMiB,
    coldCreates: (r) => r.cold.ok / (r.cold.wallMs / 1000),
    coldGets: (r) => r.cold.gets / (r.cold.getWallMs / 1000)
  }
  const figures = Object.fromEntries(contenders.map((c) => [
    c.key,
    Object.fromEntries(Object.entries(pick).map(([field, f]) => [field, m(c.key, f)]))
  ]))
  const f = figures.fetch
  const h = figures["raw-node-http"]
  // Per round: the client's CPU per request over the bare client's, both on the Transport and measured in that round.
  const ratios = (field, ours = "ours-transport", bare = "bare-transport") =>
    samples.get(ours).map((r, i) => pick[field](r) / pick[field](samples.get(bare)[i]))
  const ratioRange = (field, ours, bare) => `${spread(ratios(field, ours, bare), 2)}x`
  figures.vsBare = { cpuCreate: median(ratios("cpuCreate")), cpuGet: median(ratios("cpuGet")) }
  const ladderKeys = ["bare-transport", ...LADDER.map((_, i) => `ladder-${i}`), "ours-transport"]
  const ladderRows = () =>
    ladderKeys.map((key, i) => {
      const label = key === "bare-transport"
        ? "effect's bare `HttpClient` (Transport)"
        : key === "ours-transport"
        ? "our client (its own code on top of the step above)"
        : `+ ${LADDER[i - 1].label}`
      const step = (field) => i === 0 ? "" : `${fmt((figures[key][field] - figures[ladderKeys[i - 1]][field]) * 1000)}`
      return `| ${label} | ${spread(all(key, pick.cpuCreate).map((v) => v * 1000))} | ${step("cpuCreate")} | ` +
        `${spread(all(key, pick.cpuGet).map((v) => v * 1000))} | ${step("cpuGet")} |`
    })
  figures.ladder = Object.fromEntries(ladderKeys.map((key) => [key, { cpuCreate: figures[key].cpuCreate, cpuGet: figures[key].cpuGet }]))
  figures.vsBareRange = { cpuCreate: ratioRange("cpuCreate"), cpuGet: ratioRange("cpuGet") }
  figures.vsBareUntraced = {
    cpuCreate: median(ratios("cpuCreate", "ours-transport-untraced", "bare-transport-untraced")),
    cpuGet: median(ratios("cpuGet", "ours-transport-untraced", "bare-transport-untraced"))
  }
  const lines = [
    "## Overhead with no limit",
    "",
    `Per request: ${OVERHEAD_COUNT.toLocaleString("en")} creates, then a get of each, 32 at a time, against the mock with no limit, in a process`,
    `that has already made ${OVERHEAD_WARM} creates and gets; ${OVERHEAD_ROUNDS} rounds with the contenders interleaved, medians. CPU is the client`,
    "process's user+system time per request; peak RSS is the client process's. The mock shares the 2 cores, so",
    "requests/s are bounded by it for every contender. The last two columns are those first",
    `${OVERHEAD_WARM} from the process's start (cold: compiling the HTTP stack and the client's code is in them).`,
    "",
    "CPU per request is given against both floors: raw `node:http` with a keep-alive agent (the floor of the bins'",
    "transport) and raw `fetch` (what exa-js uses). Figures are medians (min-max) of the rounds; ratios are of medians.",
    "",
    "| contender | creates/s | gets/s | CPU ms / create | CPU ms / get | CPU/create vs node:http | vs fetch | CPU/get vs node:http | vs fetch | peak RSS MiB | cold: creates/s vs fetch | cold: gets/s vs fetch |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...contenders.map((c) => {
      const x = figures[c.key]
      return `| ${c.label} | ${spread(all(c.key, pick.creates))} | ${spread(all(c.key, pick.gets))} | ` +
        `${spread(all(c.key, pick.cpuCreate), 3)} | ${spread(all(c.key, pick.cpuGet), 3)} | ` +
        `${fmt(x.cpuCreate / h.cpuCreate, 2)}x | ${fmt(x.cpuCreate / f.cpuCreate, 2)}x | ` +
        `${fmt(x.cpuGet / h.cpuGet, 2)}x | ${fmt(x.cpuGet / f.cpuGet, 2)}x | ${fmt(x.rss)} | ` +
        `${fmt(x.coldCreates / f.coldCreates, 2)}x | ${fmt(x.coldGets / f.coldGets, 2)}x |`
    }),
    "",
    // The target: the client's CPU per request at most 1.15x that of effect's bare HttpClient on the same transport.
    `The client's CPU per request against effect's bare \`HttpClient\` on the same transport (Transport), per round ` +
      `(median, min-max of the ${OVERHEAD_ROUNDS} rounds; target at most 1.15x): creates ${ratioRange("cpuCreate")}, gets ${ratioRange("cpuGet")}; ` +
      `with tracing off on both sides (effect's \`References.TracerEnabled\` false and \`HttpClient.TracerDisabledWhen\` always: ` +
      `no span on either side, like with like) creates ${ratioRange("cpuCreate", "ours-transport-untraced", "bare-transport-untraced")}, ` +
      `gets ${ratioRange("cpuGet", "ours-transport-untraced", "bare-transport-untraced")}. With tracing on, the bare client makes one span ` +
      "per request (effect's HTTP span) and ours two (the operation's, and the HTTP span beneath it). The Transport is " +
      "node:http without a proxy (undici only through one), so the undici row above is the proxied path's.",
    "",
    "Where the difference goes: effect's parts the client is made of, added one at a time to the bare client (each as",
    "the client uses it; `bench/contenders/ours.mjs --parts`), CPU per request, median (min-max) of the rounds; a step's",
    "cost is its median less the step above it. The last row is what the client's own code adds on top of effect's",
    "parts (input normalisation, the pacer's check, the error mapping, the call records). A step's cost smaller than",
    "the spread of its two rows is within this run's noise (a negative one is only that).",
    "",
    "| step | CPU µs / create | step's cost | CPU µs / get | step's cost |",
    "|---|---:|---:|---:|---:|",
    ...ladderRows(),
    ""
  ]
  log(`overhead: ours ${fmt(figures["ours-transport"].creates)} creates/s, fetch ${fmt(f.creates)}, exa-js ${fmt(figures["exa-js"].creates)}`)
  return { lines, headline: figures }
}

const FILL = 10_000

// `tolerant`: against a mock with ambiguous faults a create fails after it was applied; what counts is the store.
const fill = async (url, n, { tolerant = false } = {}) => {
  let next = 0
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (next < n) {
      const i = next++
      const sent = fetch(`${url}/websets/v0/webhooks`, {
        method: "POST",
        headers: { "x-api-key": API_KEY, "content-type": "application/json" },
        body: JSON.stringify(createBody(i))
      })
      // A dropped connection rejects; the create was applied all the same.
      const response = tolerant ? await sent.catch(() => undefined) : await sent
      if (response === undefined) continue
      if (response.status !== 200 && !tolerant) throw new Error(`fill ${i}: HTTP ${response.status}`)
      await response.arrayBuffer()
    }
  }))
}

const listing = async () => {
  // One above the default store limit, so the lookup benchmark can create while 10,000 are present.
  const mock = await startMock(["--max-webhooks", String(FILL + 1)])
  const contenders = [
    // Over the bins' and the README's transport (the client's Transport), and over undici (its path through a proxy).
    { key: "ours", label: "our client, `listAll` (`Stream.runCount`), Transport (the bins')", script: "ours.mjs", args: ["--transport", "transport"] },
    { key: "ours-undici", label: "our client, `listAll`, undici (the proxied path)", script: "ours.mjs", args: ["--transport", "undici"] },
    { key: "fetch", label: "raw `fetch`, page loop (limit 200)", script: "fetch.mjs", args: [] },
    { key: "exa-js", label: "exa-js, `listAll({ limit: 200 })`", script: "exa-js.mjs", args: [] }
  ]
  const samples = new Map(contenders.map((c) => [c.key, []]))
  let lookup
  try {
    await fill(mock.url, FILL)
    for (let round = 0; round < OVERHEAD_ROUNDS; round++) {
      for (let j = 0; j < contenders.length; j++) {
        const c = contenders[(round + j) % contenders.length]
        const r = await runJson(contender(c.script), ["--base-url", mock.url, "--op", "list-all", ...c.args])
        if (r.listed !== FILL) throw new Error(`${c.label} listed ${r.listed} of ${FILL}`)
        samples.get(c.key).push(r)
      }
    }
    lookup = await runJson(contender("ours.mjs"), ["--base-url", mock.url, "--op", "lookup", "--count", "5"])
  } finally {
    await mock.stop()
  }
  const m = (key, f) => median(samples.get(key).map(f))
  const wall = Object.fromEntries(contenders.map((c) => [c.key, m(c.key, (r) => r.wallMs)]))
  const rss = Object.fromEntries(contenders.map((c) => [c.key, m(c.key, (r) => r.maxRssMiB)]))
  // The listing's own CPU (user + system of the client process while it lists): unlike wall time, it does not depend
  // on whether the client could decode one page while the mock served the next.
  const cpu = Object.fromEntries(contenders.map((c) => [c.key, m(c.key, (r) => r.opCpuMs)]))
  const plain = median(lookup.plainMs)
  const looked = median(lookup.lookupMs)
  const lines = [
    `## Listing ${FILL.toLocaleString("en")} webhooks, and the lookup of an ambiguous create`,
    "",
    `Every webhook of a mock holding ${FILL.toLocaleString("en")} (50 pages of 200); ${OVERHEAD_ROUNDS} rounds interleaved, median (min-max);`,
    "ratios are of medians.",
    "Each contender first lists one webhook, untimed: exa-js reads `globalThis.fetch` when it is imported, which loads",
    "Node's fetch before any timing, while the raw fetch loop and our client would otherwise load their HTTP stack",
    "inside the timed listing.",
    "",
    "| contender | wall ms | vs raw fetch | vs exa-js | CPU ms | CPU vs exa-js | peak RSS MiB |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...contenders.map((c) =>
      `| ${c.label} | ${spread(samples.get(c.key).map((r) => r.wallMs))} | ${fmt(wall[c.key] / wall.fetch, 2)}x | ` +
      `${fmt(wall[c.key] / wall["exa-js"], 2)}x | ${spread(samples.get(c.key).map((r) => r.opCpuMs))} | ` +
      `${fmt(cpu[c.key] / cpu["exa-js"], 2)}x | ${fmt(rss[c.key])} |`
    ),
    "",
    `A create whose outcome was unknown is looked up before it is sent again: one listing of every webhook for its`,
    `idempotency key. With ${FILL.toLocaleString("en")} webhooks present, a create with \`lookupFirst: true\` (the same lookup) took`,
    `${fmt(looked)} ms against ${fmt(plain)} ms for a plain create (medians of ${lookup.plainMs.length}, alternating): ` +
      `**${fmt(looked / plain, 1)}x**, i.e. about ${fmt(looked - plain)} ms per ambiguous create at this size.`,
    ""
  ]
  log(`listing: ours ${fmt(wall.ours)} ms (CPU ${fmt(cpu.ours)}), ours over undici ${fmt(wall["ours-undici"])} ms ` +
    `(CPU ${fmt(cpu["ours-undici"])}), fetch ${fmt(wall.fetch)} ms (CPU ${fmt(cpu.fetch)}), ` +
    `exa-js ${fmt(wall["exa-js"])} ms (CPU ${fmt(cpu["exa-js"])}); lookup ${fmt(looked / plain, 1)}x a create`)
  return { lines, headline: { wall, cpu, looked, plain } }
}

// 50 ambiguous creates against 10,000 webhooks: what their recovery lookups cost. Every create the mock applies is
// answered with a 500 or a dropped connection (`--ambiguous-fault-rate 1`), so each create looks for its webhook
// before anything is sent again; concurrent lookups share one listing (packages/client/src/internal/tokenLookup.ts).
const AMBIGUOUS = 50

const lookups = async () => {
  const mock = await startMock(["--max-webhooks", String(FILL + AMBIGUOUS), "--ambiguous-fault-rate", "1", "--seed", "7"])
  let r
  try {
    await fill(mock.url, FILL, { tolerant: true })
    r = await runJson(contender("ours.mjs"), ["--base-url", mock.url, "--op", "ambiguous", "--count", String(AMBIGUOUS)])
  } finally {
    await mock.stop()
  }
  if (r.failed > 0 || r.ok !== AMBIGUOUS) throw new Error(`ambiguous creates: ${r.failed} failed (${JSON.stringify(r.errors)})`)
  const pages = Math.ceil((FILL + AMBIGUOUS) / 200)
  const lines = [
    `## ${AMBIGUOUS} ambiguous creates against ${FILL.toLocaleString("en")} webhooks`,
    "",
    `${AMBIGUOUS} concurrent creates (pacing off) against a mock that applies every create and then answers it with a 500`,
    "or a dropped connection, so each create must look for its webhook (one listing of every webhook) before it could",
    "be sent again. One listing is " + pages + " pages of 200.",
    "",
    "| | list requests | listings | wall ms |",
    "|---|---:|---:|---:|",
    `| one listing per lookup (the client before lookups were coalesced) | ${AMBIGUOUS * pages} | ${AMBIGUOUS} | |`,
    `| our client: concurrent lookups share a listing | ${r.listRequests} | ${fmt(r.listRequests / pages, 1)} | ${fmt(r.wallMs)} |`,
    ""
  ]
  log(`lookups: ${AMBIGUOUS} ambiguous creates cost ${r.listRequests} list requests (${fmt(r.listRequests / pages, 1)} listings; ` +
    `${AMBIGUOUS * pages} without sharing) in ${fmt(r.wallMs)} ms`)
  return { lines, headline: { listRequests: r.listRequests, pages } }
}

// ---------------------------------------------------------------------------------------------------------------
// 5. Scale of the batch app's validate and plan (runs once apps/batch is built)
// ---------------------------------------------------------------------------------------------------------------

/** Runs a command, sampling its peak RSS from /proc (the launchers exec node, so the pid is node's). */
const measured = (file, args, env) =>
  new Promise((resolve) => {
    const start = performance.now()
    const child = spawn(file, args, { env, stdio: ["ignore", "ignore", "pipe"] })
    children.add(child)
    let peak = 0
    let stderr = ""
    child.stderr.on("data", (chunk) => (stderr += chunk))
    const sampler = setInterval(() => (peak = Math.max(peak, peakRssMiB(child.pid) || 0)), 20)
    child.on("close", (code) => {
      clearInterval(sampler)
      children.delete(child)
      resolve({ code, wallMs: performance.now() - start, peak, stderr })
    })
  })

const scale = async () => {
  const batch = join(root, "bin", "exa-webhooks-batch")
  if (!existsSync(batch) || !existsSync(join(root, "apps", "batch", "dist"))) {
    skipped.push("scale of `exa-webhooks-batch validate` / `plan`: apps/batch is not on this branch")
    log("scale: skipped (bin/exa-webhooks-batch is not built on this branch)")
    return { lines: [], headline: undefined }
  }
  const mock = await startMock()
  const dir = mkdtempSync(join(tmpdir(), "exa-webhooks-bench-scale-"))
  const rows = []
  try {
    const env = { ...process.env, EXA_API_KEY: API_KEY }
    for (const n of [1_000, 10_000, 100_000]) {
      const file = join(dir, `manifest-${n}.yaml`)
      writeFileSync(file, batchManifest(n))
      for (const [verb, extra] of [["validate", []], ["plan", ["--base-url", mock.url]]]) {
        const r = await measured(batch, [verb, file, ...extra], env)
        rows.push({ n, verb, ...r })
        log(`  ${verb} ${n}: ${fmt(r.wallMs)} ms, ${fmt(r.peak)} MiB, exit ${r.code}`)
      }
    }
    // A JSON manifest spans many lines of flow collections, which effect's YAML parser once took minutes over.
    const json = join(dir, "manifest-10000.json")
    writeFileSync(json, batchManifestJson(10_000))
    const r = await measured(batch, ["validate", json], env)
    rows.push({ n: 10_000, verb: "validate", format: "JSON", ...r })
    log(`  validate 10000 (pretty JSON): ${fmt(r.wallMs)} ms, ${fmt(r.peak)} MiB, exit ${r.code}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await mock.stop()
  }
  const first = (verb) => rows.find((r) => r.verb === verb)
  return {
    lines: [
      "## Scale of `validate` and `plan`",
      "",
      "| command | entries | wall ms | peak RSS MiB | time vs 1k | exit |",
      "|---|---:|---:|---:|---:|---:|",
      ...rows.map((r) =>
        `| \`${r.verb}\`${r.format === undefined ? "" : ` (${r.format})`} | ${r.n.toLocaleString("en")} | ${fmt(r.wallMs)} | ${fmt(r.peak)} | ${fmt(r.wallMs / first(r.verb).wallMs, 1)}x | ${r.code} |`
      ),
      ""
    ],
    headline: rows
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The mock's own capacity benchmark (packages/mock-server/bench/capacity.mjs), run as it is
// ---------------------------------------------------------------------------------------------------------------

const capacity = async () => {
  const script = join(root, "packages", "mock-server", "bench", "capacity.mjs")
  const r = spawnSync(node, [script], { encoding: "utf8", timeout: 150_000 })
  if (r.status !== 0) throw new Error(`capacity.mjs exited ${r.status}: ${String(r.stderr).trim().slice(-500)}`)
  const out = r.stdout.trim().split("\n")
  out.forEach(log)
  return {
    lines: ["## The mock's capacity", "", "From `packages/mock-server/bench/capacity.mjs`:", "", "```", ...out, "```", ""],
    headline: undefined
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The batch app's plan against 10,000 remote webhooks (apps/batch/bench/run.mjs plan), run as it is
// ---------------------------------------------------------------------------------------------------------------

const batchPlan = async () => {
  const script = join(root, "apps", "batch", "bench", "run.mjs")
  const r = spawnSync(node, [script, "plan"], { encoding: "utf8", timeout: 150_000 })
  if (r.status !== 0) throw new Error(`apps/batch/bench/run.mjs plan exited ${r.status}: ${String(r.stderr).trim().slice(-500)}`)
  const out = r.stdout.trim().split("\n")
  out.forEach(log)
  return {
    lines: ["## `exa-webhooks-batch plan` against 10,000 remote webhooks", "", "From `apps/batch/bench/run.mjs plan`:", "", "```", ...out, "```", ""],
    headline: out.find((line) => line.startsWith("plan against"))
  }
}


// ---------------------------------------------------------------------------------------------------------------
// The batch app's manifests: size, style and hostile input (apps/batch/bench/run.mjs manifests), run as it is
// ---------------------------------------------------------------------------------------------------------------

const batchManifests = async () => {
  const script = join(root, "apps", "batch", "bench", "run.mjs")
  const r = spawnSync(node, [script, "manifests"], { encoding: "utf8", timeout: 540_000 })
  if (r.status !== 0) throw new Error(`apps/batch/bench/run.mjs manifests exited ${r.status}: ${String(r.stderr).trim().slice(-500)}`)
  const out = r.stdout.trim().split("\n")
  out.forEach(log)
  // Its bold figures, in order: locating / valid CPU, locating's peak RSS, the slowest style / block, the slowest
  // hostile file's seconds.
  const bold = [...r.stdout.matchAll(/\*\*([\d.]+)/g)].map((m) => Number(m[1]))
  return {
    lines: ["## `exa-webhooks-batch` manifests: size, style, hostile input", "", "From `apps/batch/bench/run.mjs manifests`.", "", ...out, ""],
    headline: bold.length >= 4 ? { locate: bold[0], locateRss: bold[1], style: bold[2], hostile: bold[3] } : undefined
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Several processes, one key: the rate budget shared through Redis (runs when redis-server and apps/batch are here)
// ---------------------------------------------------------------------------------------------------------------

const SHARED_PROCESSES = 4
const SHARED_CREATES = 125
const SHARED_LIMIT = 50
const SHARED_CREATES_AT_10 = 50

/** A manifest of `n` webhooks in `namespace` (block YAML, as in `batchManifest`). */
const namespacedManifest = (namespace, n) => batchManifest(n).replace(/^namespace: bench$/m, `namespace: ${namespace}`)

/**
 * Runs SHARED_PROCESSES applies of `creates` webhooks each at once against a fresh mock at `limit`/s, each with
 * `--rate-limit rate` (told the limit, or "auto"; none: the default) and the store when given; what the mock saw.
 */
const applyTogether = async (batch, dir, store, { rate = String(SHARED_LIMIT), limit = SHARED_LIMIT, creates = SHARED_CREATES } = {}) => {
  const mock = await startMock(["--rate-limit", String(limit)])
  try {
    const files = Array.from({ length: SHARED_PROCESSES }, (_, i) => {
      const file = join(dir, `${store === undefined ? "alone" : "shared"}-${rate}-${limit}-${i}.yaml`)
      writeFileSync(file, namespacedManifest(`job-${i}`, creates))
      return file
    })
    const env = { ...process.env, EXA_API_KEY: API_KEY, NO_COLOR: "1" }
    // The mock's request counter, sampled: when the first request arrived and when the last one did. Process
    // start-up on a busy machine (seconds, and unequal) is then not counted against the pacing.
    let first
    let last
    let seen = 0
    const sampling = { on: true }
    const sampler = (async () => {
      while (sampling.on) {
        const { requests } = await mock.stats()
        const now = performance.now()
        if (requests > 0 && first === undefined) first = now
        if (requests > seen) {
          seen = requests
          last = now
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })()
    const started = performance.now()
    const runs = await Promise.all(files.map((file) =>
      measured(batch, [
        "apply", file, "--base-url", mock.url, "--json", ...(rate === "default" ? [] : ["--rate-limit", rate]),
        ...(store === undefined ? [] : ["--rate-limit-store", store])
      ], env)
    ))
    const wallMs = performance.now() - started
    sampling.on = false
    await sampler
    const stats = await mock.stats()
    const stored = await listStored(mock.url)
    const copies = new Map()
    for (const webhook of stored) {
      const id = `${webhook.metadata?.["exa-webhooks.namespace"]}/${webhook.metadata?.["exa-webhooks.key"]}`
      copies.set(id, (copies.get(id) ?? 0) + 1)
    }
    const duplicates = [...copies.values()].reduce((sum, n) => sum + n - 1, 0)
    const answered = stats.requests - stats.rateLimited
    return {
      wallMs,
      exits: runs.map((r) => r.code),
      stderr: runs.map((r) => r.stderr.trim().split("\n").at(-1)).filter((line) => line !== ""),
      requests: stats.requests,
      rateLimited: stats.rateLimited,
      created: copies.size,
      duplicates,
      ofLimit: answered / (wallMs / 1000) / limit,
      activeMs: last - first,
      // n requests from the first to the last span n - 1 intervals.
      ofLimitActive: (answered - 1) / ((last - first) / 1000) / limit,
      share429: stats.requests === 0 ? Number.NaN : stats.rateLimited / stats.requests
    }
  } finally {
    await mock.stop()
  }
}

/** One row of the shared-budget table. */
const sharedBudgetRow = (label, r) =>
  `| ${label} | ${fmt(r.wallMs / 1000, 1)} | ${fmt(r.activeMs / 1000, 1)} | ${r.requests} | ${r.rateLimited} | ` +
  `${fmt(r.share429 * 100, 2)}% | ${fmt(r.ofLimitActive, 2)}x | ${fmt(r.ofLimit, 2)}x | ${r.created} | ${r.duplicates} | ${r.exits.join(" ")} |`

const sharedBudget = async () => {
  const batch = join(root, "bin", "exa-webhooks-batch")
  if (!existsSync(batch) || !existsSync(join(root, "apps", "batch", "dist"))) {
    skipped.push("shared-budget: bin/exa-webhooks-batch is not built on this branch")
    log("shared-budget: skipped (bin/exa-webhooks-batch is not built)")
    return { lines: [], headline: undefined }
  }
  if (redisServerBinary() === undefined) {
    skipped.push("shared-budget: redis-server is not installed (`make setup` installs it as root with apt-get)")
    log("shared-budget: skipped (redis-server is not installed)")
    return { lines: [], headline: undefined }
  }
  const dir = mkdtempSync(join(tmpdir(), "exa-webhooks-bench-shared-"))
  const redis = await startRedis()
  let shared
  let alone
  let autoShared
  let autoAlone
  let defaultAt10
  let autoAt10
  try {
    shared = await applyTogether(batch, dir, redis.url)
    alone = await applyTogether(batch, dir, undefined)
    // Not told the limit: `--rate-limit auto`, learning one rate through the store, or each process on its own.
    autoShared = await applyTogether(batch, dir, redis.url, { rate: "auto" })
    autoAlone = await applyTogether(batch, dir, undefined, { rate: "auto" })
    // Two jobs started without a store on Exa's default plan: the default pace (10/s each), and auto, each learning.
    defaultAt10 = await applyTogether(batch, dir, undefined, { rate: "default", limit: 10, creates: SHARED_CREATES_AT_10 })
    autoAt10 = await applyTogether(batch, dir, undefined, { rate: "auto", limit: 10, creates: SHARED_CREATES_AT_10 })
  } finally {
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  for (
    const [label, r] of [
      ["shared", shared],
      ["alone", alone],
      ["auto, shared", autoShared],
      ["auto, alone", autoAlone],
      ["default at 10/s, alone", defaultAt10],
      ["auto at 10/s, alone", autoAt10]
    ]
  ) {
    log(`  ${label}: ${fmt(r.ofLimitActive, 2)}x the limit while sending (${fmt(r.ofLimit, 2)}x over the whole run), ` +
      `${r.rateLimited} x 429 of ${r.requests} (${fmt(r.share429 * 100, 2)}%), ` +
      `${r.created} created, ${r.duplicates} duplicates, exits ${r.exits.join(" ")}`)
  }
  const total = SHARED_PROCESSES * SHARED_CREATES
  return {
    lines: [
      "## Several processes, one key: the rate budget shared through Redis",
      "",
      `${SHARED_PROCESSES} \`exa-webhooks-batch apply\` processes started together, each creating ${SHARED_CREATES} webhooks ` +
        `(its own namespace, the same API key, \`--rate-limit ${SHARED_LIMIT}\`) against the mock at ${SHARED_LIMIT} requests/second; ` +
        "once with `--rate-limit-store` pointing all of them at one `redis-server`, once without (each process paces itself to the " +
        "whole limit); then the same two with `--rate-limit auto` instead of the limit (with the store, they learn one rate " +
        `together; without it, each learns its own). "of the limit": requests answered other than 429 per second, over ${SHARED_LIMIT}; "while sending" ` +
        "counts from the first request the mock received to the last (its counter sampled every 20 ms), \"whole run\" from " +
        "the start of the processes to the end of the last (start-up of four processes on a busy machine included). " +
        "Targets with the store: at least 0.9x, at most 1% answered 429, no duplicates.",
      "",
      "| budget | wall s | sending s | requests | 429s | 429 share | of the limit, while sending | of the limit, whole run | created | duplicates | exit codes |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
      sharedBudgetRow("shared through Redis", shared),
      sharedBudgetRow("per process (no store)", alone),
      sharedBudgetRow("`auto`, learned through Redis", autoShared),
      sharedBudgetRow("`auto`, per process (no store)", autoAlone),
      "",
      `The same ${SHARED_PROCESSES} processes, ${SHARED_CREATES_AT_10} creates each, against the mock at 10/s (Exa's published limit), no store: ` +
        "not told the limit, at the default pace (10/s each), and with `--rate-limit auto`.",
      "",
      "| pace | wall s | sending s | requests | 429s | 429 share | of the limit, while sending | of the limit, whole run | created | duplicates | exit codes |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
      sharedBudgetRow("default (10/s each)", defaultAt10),
      sharedBudgetRow("`auto`, each learning alone", autoAt10),
      "",
      `Every run should create all its webhooks (${total} in the first table); a process whose requests were refused more often than its retries allow ` +
        "reports those entries as failed (exit 1), and the next apply would create them.",
      ""
    ],
    headline: { shared, alone, autoShared, autoAlone, defaultAt10, autoAt10 }
  }
}

// ---------------------------------------------------------------------------------------------------------------

// In the order of what users feel most; the estimates are a run's durations on 2 shared cores, so that a section
// is started only when it fits in what is left of the budget.
const sections = [
  { name: "startup", run: startup, estimateMs: 60_000 },
  { name: "throughput", run: throughput, estimateMs: 70_000 },
  { name: "chaos", run: chaos, estimateMs: 60_000 },
  { name: "autopace", run: autopace, estimateMs: 170_000 },
  { name: "overhead", run: overhead, estimateMs: 220_000 },
  { name: "listing", run: listing, estimateMs: 60_000 },
  { name: "lookups", run: lookups, estimateMs: 30_000 },
  { name: "batch-plan", run: batchPlan, estimateMs: 40_000 },
  { name: "batch-manifests", run: batchManifests, estimateMs: 180_000 },
  { name: "shared-budget", run: sharedBudget, estimateMs: 150_000 },
  { name: "scale", run: scale, estimateMs: 90_000 },
  { name: "capacity", run: capacity, estimateMs: 90_000 }
]

const results = {}
const machine = () => {
  const cpu = cpus()
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim()
  return `${cpu.length} x ${cpu[0]?.model ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.platform} ` +
    `${process.arch}; Node ${version}`
}

/** The share of a run's requests answered 429, as a percentage. */
const rateLimitedShare = (r) => `${fmt((100 * r.rateLimited) / r.requests, 1)}%`

const headlineLines = () => {
  const out = []
  const s = results.startup?.headline
  if (s !== undefined) out.push(startupHeadline(s))
  const t = results.throughput?.headline?.[50]
  if (t !== undefined) {
    const cell = (id) => {
      const r = t.find((x) => x.id === id)
      return r === undefined
        ? "not run"
        : `${r.created} stored, ${r.failed} failed, ${fmt(r.perSecond / 50, 2)}x the limit, ${r.requests} requests (${r.rateLimited} x 429)`
    }
    out.push(
      `- 500 creates under a limit of 50/s: our client told the limit ${cell("d")}; \`exa-webhooks-batch apply\` ${cell("a")}; ` +
        `exa-js in a loop ${cell("b")}; with \`Promise.all\` ${cell("c")}; exa-js with a 20-line 429 retry, in a loop ${cell("e")}, ` +
        `with \`Promise.all\` ${cell("f")}.`
    )
  }
  const ap = results.autopace?.headline
  if (ap !== undefined) {
    const plain = ap.filter((r) => r.headers === undefined)
    const headed = ap.filter((r) => r.headers !== undefined)
    const per = (pick) => plain.map((r) => pick(r)).join(" / ")
    const share = rateLimitedShare
    out.push(
      `- A pace that finds the limit, 500 creates against the mock at ${plain.map((r) => r.limit).join(" / ")} requests/s, ` +
        `not told the limit: \`--rate-limit auto\` reached ${per((r) => fmt(r.auto.ofLimit, 2))} of it with ` +
        `${per((r) => share(r.auto))} answered 429 (target at least 0.9 and at most 2%); with the mock's rate-limit headers ` +
        `${fmt(Math.min(...headed.map((r) => r.auto.ofLimit)), 2)} at worst and ${Math.max(...headed.map((r) => r.auto.rateLimited))} x 429 at most. ` +
        `The default pace (10/s): ${per((r) => fmt(r.default.ofLimit, 2))} with ${per((r) => share(r.default))} answered 429; ` +
        `told the limit: ${per((r) => fmt(r.told.ofLimit, 2))}.`
    )
  }
  const ch = results.chaos?.headline
  if (ch !== undefined) {
    out.push(
      `- The same 500 with 10% of requests failing and 5% of creates applied but answered with an error: ${
        ch.map((r) => `${r.label} ${r.failed} failed (${r.ghosts} of them in fact created), ${r.duplicates} duplicates`).join("; ")
      }.`
    )
  }
  const sb = results["shared-budget"]?.headline
  if (sb !== undefined) {
    out.push(
      `- ${SHARED_PROCESSES} processes x ${SHARED_CREATES} creates, one key, mock at ${SHARED_LIMIT}/s: with the budget shared through ` +
        `Redis ${fmt(sb.shared.ofLimitActive, 2)}x the limit while sending, ${fmt(sb.shared.share429 * 100, 2)}% answered 429, ` +
        `${sb.shared.duplicates} duplicates; each process on its own ${fmt(sb.alone.share429 * 100, 2)}% answered 429. ` +
        `Not told the limit (\`--rate-limit auto\`): learning one rate through Redis ${fmt(sb.autoShared.ofLimitActive, 2)}x, ` +
        `${fmt(sb.autoShared.share429 * 100, 2)}% answered 429; each learning alone ${fmt(sb.autoAlone.ofLimitActive, 2)}x, ` +
        `${fmt(sb.autoAlone.share429 * 100, 2)}%.`
    )
  }
  const o = results.overhead?.headline
  if (o !== undefined) {
    out.push(
      `- CPU per request with no limit (median of ${OVERHEAD_ROUNDS} interleaved rounds), our client on the Transport (the bins'): ` +
        `create ${fmt(o["ours-transport"].cpuCreate * 1000)} µs, get ${fmt(o["ours-transport"].cpuGet * 1000)} µs; ` +
        `${fmt(o["ours-transport"].cpuCreate / o["raw-node-http"].cpuCreate, 2)}x and ` +
        `${fmt(o["ours-transport"].cpuGet / o["raw-node-http"].cpuGet, 2)}x raw \`node:http\` (the transport's floor), ` +
        `${fmt(o["ours-transport"].cpuCreate / o.fetch.cpuCreate, 2)}x and ${fmt(o["ours-transport"].cpuGet / o.fetch.cpuGet, 2)}x raw \`fetch\`, ` +
        `${fmt(o["ours-transport"].cpuCreate / o["exa-js"].cpuCreate, 2)}x and ${fmt(o["ours-transport"].cpuGet / o["exa-js"].cpuGet, 2)}x exa-js. ` +
        `Against effect's bare HttpClient on the same transport (target at most 1.15x): creates ${o.vsBareRange.cpuCreate}, ` +
        `gets ${o.vsBareRange.cpuGet} (per round, median (min-max)); ${fmt(o.vsBareUntraced.cpuCreate, 2)}x and ` +
        `${fmt(o.vsBareUntraced.cpuGet, 2)}x with tracing off on both sides. Where the difference goes (µs per create / get, ` +
        `each of effect's parts added in turn to the bare client): ${
          Object.keys(o.ladder).slice(1).map((key, i, keys) => {
            const below = o.ladder[i === 0 ? "bare-transport" : keys[i - 1]]
            const name = key === "ours-transport" ? "the client's own code" : LADDER[i].label
            return `${name} ${fmt((o.ladder[key].cpuCreate - below.cpuCreate) * 1000)} / ${fmt((o.ladder[key].cpuGet - below.cpuGet) * 1000)}`
          }).join(", ")
        }.`
    )
  }
  const l = results.listing?.headline
  if (l !== undefined) {
    out.push(
      `- Listing 10,000 webhooks (median of ${OVERHEAD_ROUNDS} interleaved): our \`listAll\` over the Transport ` +
        `${fmt(l.wall.ours / l.wall["exa-js"], 2)}x the wall time of exa-js and ${fmt(l.cpu.ours / l.cpu["exa-js"], 2)}x its CPU ` +
        `(raw fetch ${fmt(l.wall.fetch / l.wall["exa-js"], 2)}x and ${fmt(l.cpu.fetch / l.cpu["exa-js"], 2)}x); over undici (the proxied path) ` +
        `${fmt(l.wall["ours-undici"] / l.wall["exa-js"], 2)}x and ${fmt(l.cpu["ours-undici"] / l.cpu["exa-js"], 2)}x.`
    )
  }
  const m = results["batch-manifests"]?.headline
  if (m !== undefined) {
    out.push(
      `- Manifests: locating one bad entry among 100,000 costs ${fmt(m.locate, 2)}x the CPU time of validating the valid file ` +
        `(target 1.5x) at ${fmt(m.locateRss)} MB (target 300); every style of 10,000 entries within ${fmt(m.style, 2)}x the block ` +
        `file (target 2x); the slowest hostile file under 1 MB judged in ${fmt(m.hostile, 2)} s (target 1 s).`
    )
  }
  const p = results["batch-plan"]?.headline
  if (p !== undefined) out.push(`- \`exa-webhooks-batch plan\` of 5,000 entries against the mock holding the remote webhooks: ${p.replace(/^plan against /, "")}.`)
  const k = results.lookups?.headline
  if (k !== undefined) {
    out.push(
      `- ${AMBIGUOUS} ambiguous creates against 10,000 webhooks: their lookups cost ${k.listRequests} list requests ` +
        `(${fmt(k.listRequests / k.pages, 1)} listings; one listing per lookup would be ${AMBIGUOUS * k.pages}).`
    )
  }
  return out
}

const write = (note) => {
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z")
  const took = `${fmt(elapsed() / 1000)} s${note === undefined ? "" : `; ${note}`}`
  // The headline with the run it comes from, as the README carries it (between its bench:headline markers).
  const headline = [
    `Run of ${date} on ${machine()}; took ${took}; budget ${fmt(BUDGET_MS / 60_000, 1)} minutes` +
      `${only === undefined ? "" : `; only ${only.join(", ")}`}.`,
    "",
    ...headlineLines(),
    ...(skipped.length === 0 ? [] : [`- Not measured in this run: ${skipped.map((line) => line.split(":")[0]).join("; ")} (see docs/benchmarks.md).`])
  ]
  const text = [
    "# Benchmarks",
    "",
    "Generated by `make bench` (`node bench/run.mjs`); do not edit by hand. Every figure below was measured in the run",
    "described here; ratios compare figures from this same run. All traffic goes to the mock on 127.0.0.1.",
    "",
    `- Machine: ${machine()}`,
    `- Date: ${date}`,
    `- Took ${took}`,
    "- The machine is shared (other jobs were running): absolute times are noisy, the ratios less so.",
    "",
    "## Headline",
    "",
    ...headline,
    "",
    ...Object.values(results).flatMap((r) => r.lines),
    ...(skipped.length === 0 ? [] : ["## Not measured in this run", "", ...skipped.map((s) => `- ${s}`), ""])
  ].join("\n")
  writeFileSync(OUT, text)
  log(`wrote ${OUT}`)
  // The README's copy of the headline, between its markers (only for the default output, a full run).
  const readme = join(root, "README.md")
  const marked = /(<!-- bench:headline -->\n)[\s\S]*?(<!-- \/bench:headline -->)/
  if (OUT === resolvePath(root, "docs/benchmarks.md") && only === undefined && existsSync(readme)) {
    const before = readFileSync(readme, "utf8")
    if (marked.test(before)) {
      writeFileSync(readme, before.replace(marked, (_, open, close) => `${open}${headline.join("\n")}\n${close}`))
      log(`updated the headline in ${readme}`)
    }
  }
}

const stopAll = () => {
  for (const child of children) child.kill("SIGKILL")
}

const deadline = setTimeout(() => {
  skipped.push(`the run hit its ${fmt(BUDGET_MS / 60_000, 1)}-minute stop; sections after the last one shown did not run`)
  stopAll()
  write("stopped at the deadline")
  process.exit(1)
}, BUDGET_MS + 20_000)
deadline.unref()

let failures = 0
log(`benchmarks: ${machine()}`)
for (const section of sections) {
  if (only !== undefined && !only.includes(section.name)) continue
  if (elapsed() + section.estimateMs > BUDGET_MS) {
    skipped.push(`${section.name}: not started, it would not finish within the ${fmt(BUDGET_MS / 60_000, 1)}-minute budget`)
    log(`${section.name}: skipped (time budget)`)
    continue
  }
  const start = performance.now()
  try {
    results[section.name] = await section.run()
  } catch (error) {
    failures++
    skipped.push(`${section.name}: failed: ${String(error.message).split("\n")[0]}`)
    console.error(`${section.name} failed: ${error.stack ?? error}`)
    stopAll()
  }
  log(`${section.name}: ${fmt((performance.now() - start) / 1000, 1)} s`)
}
write()
clearTimeout(deadline)
process.exit(failures === 0 ? 0 : 1)
