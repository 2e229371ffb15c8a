// Start-up of both bins as a user starts them, against `node -e 0` and an exa-js script doing the same, measured
// interleaved in one run. Used by bench/run.mjs (section "startup"); runs on its own too:
//   node bench/startup/run.mjs [--runs N]
// Each bin is started as npm installs it: its bin file (bin/<name>.cjs, the Node guard) executed directly, the way a
// shell runs the link npm puts on PATH. CPU time (user + system of the child, from GNU time, 10 ms resolution) is
// reported beside wall time: on a shared machine it is the steadier of the two.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { API_KEY, batchManifest, benchDir, createBody, fmt, median, node, parseArgs, root, startMock } from "../lib.mjs"

const cliBin = join(root, "apps", "cli", "bin", "exa-webhooks.cjs")
const batchBin = join(root, "apps", "batch", "bin", "exa-webhooks-batch.cjs")
const script = join(benchDir, "startup", "exa-js-script.mjs")

/** The targets of issue 25: `--help` of both bins and `list`, as ratios to `node -e 0` (and `list` to exa-js). */
export const TARGETS = { help: 1.5, list: 2.5 }

const commandsOf = ({ snapshotBlob, manifest }) => [
  { key: "node", label: "`node -e 0`", file: node, args: ["-e", "0"] },
  { key: "help", label: "`exa-webhooks --help`", file: cliBin, args: ["--help"] },
  { key: "help-sub", label: "`exa-webhooks create --help`", file: cliBin, args: ["create", "--help"] },
  { key: "batch-help", label: "`exa-webhooks-batch --help`", file: batchBin, args: ["--help"] },
  { key: "help-js", label: "exa-js script, usage text", file: node, args: [script, "help"] },
  {
    key: "dry",
    label: "`exa-webhooks create --dry-run`",
    file: cliBin,
    args: ["create", "--dry-run", "--url", "http://127.0.0.1:9/hook", "--event", "webset.created"]
  },
  { key: "dry-js", label: "exa-js script, print the create request", file: node, args: [script, "create-dry-run"] },
  { key: "list", label: "`exa-webhooks list`", file: cliBin, args: ["list"] },
  { key: "list-js", label: "exa-js script, `webhooks.list()`", file: node, args: [script, "list"] },
  {
    key: "batch-validate",
    label: "`exa-webhooks-batch validate` (5 webhooks)",
    file: batchBin,
    args: ["validate", manifest]
  },
  ...(snapshotBlob === undefined ? [] : [
    {
      key: "list-snap",
      label: "`list` from a V8 startup snapshot (`node --snapshot-blob`, no guard)",
      file: node,
      args: ["--snapshot-blob", snapshotBlob, "--", "list"]
    }
  ])
]

const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined

const timeOnce = (command, env) => {
  const [file, args] = gnuTime === undefined
    ? [command.file, command.args]
    : [gnuTime, ["-f", "cpu-seconds %U %S", command.file, ...command.args]]
  const start = process.hrtime.bigint()
  const result = spawnSync(file, args, { env, stdio: ["ignore", "pipe", "pipe"] })
  const wall = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== 0) {
    throw new Error(`${command.label} exited ${result.status}: ${String(result.stderr).trim().slice(0, 500)}`)
  }
  const cpu = /cpu-seconds ([\d.]+) ([\d.]+)\s*$/.exec(String(result.stderr))
  return { wall, cpu: cpu === null ? Number.NaN : (Number(cpu[1]) + Number(cpu[2])) * 1000 }
}

/** The headline line of the start-up section (bench/run.mjs puts it at the top of docs/benchmarks.md). */
export const startupHeadline = (s) =>
  `- Start-up (wall time, against \`node -e 0\` in the same run): \`exa-webhooks --help\` **${fmt(s.help, 2)}x**, ` +
  `\`exa-webhooks-batch --help\` **${fmt(s.batchHelp, 2)}x** (target ${TARGETS.help}x); \`exa-webhooks list\` ` +
  `**${fmt(s.list, 2)}x** (target ${TARGETS.list}x; the exa-js script ${fmt(s.jsList, 2)}x, so ours takes ` +
  `**${fmt(s.listVsJs, 2)}x** its time). In CPU time: \`--help\` ${fmt(s.cpuHelp, 2)}x and ${fmt(s.cpuBatchHelp, 2)}x, ` +
  `\`list\` ${fmt(s.cpuList, 2)}x (${fmt(s.cpuListVsJs, 2)}x the exa-js script's).`

const stats = (values) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) })
const span = (s, digits) => `${fmt(s.median, digits)} (${fmt(s.min, digits)}-${fmt(s.max, digits)})`

/**
 * Measures every command `runs` times (at least 5; at most two minutes of rounds), interleaved in rotating order.
 * Returns `{ lines, headline }`: the markdown section and the ratios bench/run.mjs puts in the headline.
 */
export const startupSection = async ({ runs = 15, log = console.log, skipped = [] } = {}) => {
  const mock = await startMock()
  // One compile cache for everything measured, fresh for this run, warmed below: a user's second run onwards.
  const cache = mkdtempSync(join(tmpdir(), "exa-webhooks-bench-ncc-"))
  try {
    for (let i = 0; i < 5; i++) {
      await fetch(`${mock.url}/websets/v0/webhooks`, {
        method: "POST",
        headers: { "x-api-key": API_KEY, "content-type": "application/json" },
        body: JSON.stringify(createBody(i))
      })
    }
    const env = { ...process.env, NODE_COMPILE_CACHE: cache, EXA_API_KEY: API_KEY, EXA_BASE_URL: mock.url }
    delete env.NO_COLOR
    // The snapshot row: what `list` costs when started from a V8 snapshot (needs `node --snapshot-blob` on the
    // command line, so a second process behind an npm bin); built here for this run and this Node.
    const blob = join(cache, "exa-webhooks.blob")
    const snapshotScript = join(root, "apps", "cli", "snapshot.mjs")
    const built = existsSync(snapshotScript)
      ? spawnSync(node, [snapshotScript, "--force", "--blob", blob], { encoding: "utf8" })
      : undefined
    const snapshotBlob = built?.status === 0 && existsSync(blob) ? blob : undefined
    if (snapshotBlob === undefined) skipped.push("start-up from a V8 snapshot: none could be built")
    const manifest = join(cache, "webhooks.yaml")
    writeFileSync(manifest, batchManifest(5))
    const commands = commandsOf({ snapshotBlob, manifest })
    for (const command of commands) for (let i = 0; i < 3; i++) timeOnce(command, env) // file and compile caches warm
    const samples = new Map(commands.map((c) => [c.key, []]))
    const load = [loadavg()[0]]
    const sectionStart = performance.now()
    let rounds = 0
    for (let round = 0; round < Math.max(5, runs) && (round < 5 || performance.now() - sectionStart < 120_000); round++) {
      rounds++
      for (let j = 0; j < commands.length; j++) {
        const command = commands[(round + j) % commands.length]
        samples.get(command.key).push(timeOnce(command, env))
      }
    }
    load.push(loadavg()[0])
    const wall = Object.fromEntries([...samples].map(([key, values]) => [key, stats(values.map((v) => v.wall))]))
    const cpu = Object.fromEntries([...samples].map(([key, values]) => [key, stats(values.map((v) => v.cpu))]))
    const ratio = (key, versus) => wall[key].median / wall[versus].median
    const cpuRatio = (key, versus) => cpu[key].median / cpu[versus].median
    const versusOf = { help: "help-js", "help-sub": "help-js", "batch-help": "help-js", dry: "dry-js", list: "list-js" }
    const row = (c) => {
      const versus = versusOf[c.key]
      return `| ${c.label} | ${span(wall[c.key], 1)} | ${fmt(ratio(c.key, "node"), 2)}x | ${
        versus === undefined ? "" : `${fmt(ratio(c.key, versus), 2)}x`
      } | ${span(cpu[c.key], 0)} | ${fmt(cpuRatio(c.key, "node"), 2)}x |`
    }
    const headline = {
      help: ratio("help", "node"),
      batchHelp: ratio("batch-help", "node"),
      list: ratio("list", "node"),
      listVsJs: ratio("list", "list-js"),
      jsList: ratio("list-js", "node"),
      cpuHelp: cpuRatio("help", "node"),
      cpuBatchHelp: cpuRatio("batch-help", "node"),
      cpuList: cpuRatio("list", "node"),
      cpuListVsJs: cpuRatio("list", "list-js")
    }
    const lines = [
      "## Start-up",
      "",
      `Median (min-max) of ${rounds} runs each, every command once per round in rotating order, on one Node; one fresh`,
      "`NODE_COMPILE_CACHE` shared by every command and warmed by three runs of each first (what a user's second run",
      "onwards sees); `NO_COLOR` unset, stdout a pipe. Each bin is started as npm links it: its `bin/*.cjs` (the Node",
      "guard) executed directly. `list` and the exa-js script run against the mock holding 5 webhooks. CPU is user + system",
      `of the child (GNU time, 10 ms resolution). Load average ${fmt(load[0], 2)} before, ${fmt(load[1], 2)} after.`,
      `Targets: \`--help\` of both bins at most ${TARGETS.help}x \`node -e 0\`; \`list\` at most ${TARGETS.list}x and faster`,
      "than the exa-js script.",
      "",
      "| command | wall ms | / `node -e 0` | / exa-js script | CPU ms | CPU / `node -e 0` |",
      "|---|---:|---:|---:|---:|---:|",
      ...commands.map(row),
      "",
      "`--help` (every command's, both bins) is served by the bin file from text rendered at build time, before the",
      "bundle loads; the bundle is split so that a command loads only what it uses (Redis, YAML on first use).",
      ""
    ]
    log(
      `start-up: --help ${fmt(headline.help, 2)}x node -e 0, batch --help ${fmt(headline.batchHelp, 2)}x, list ${
        fmt(headline.list, 2)
      }x (exa-js ${fmt(headline.jsList, 2)}x; list/exa-js ${fmt(headline.listVsJs, 2)}x); CPU ${fmt(headline.cpuHelp, 2)}x, ${
        fmt(headline.cpuBatchHelp, 2)
      }x, ${fmt(headline.cpuList, 2)}x`
    )
    return { lines, headline }
  } finally {
    rmSync(cache, { recursive: true, force: true })
    await mock.stop()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = parseArgs(process.argv.slice(2))
  const { lines } = await startupSection({ runs: Number(options.runs ?? 7) })
  console.log(lines.join("\n"))
}
