// Shared by the benchmark runner and its contenders: statistics, the mock's life, child processes that report JSON.
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

export const root = join(dirname(fileURLToPath(import.meta.url)), "..")
export const benchDir = join(root, "bench")
const bootstrapped = join(root, ".tools", "bin", "node")
/** The Node every contender runs on: the bootstrapped one the launchers use, else this one. */
export const node = existsSync(bootstrapped) ? bootstrapped : process.execPath
export const API_KEY = "bench-key"

export const median = (values) => {
  if (values.length === 0) return Number.NaN
  const sorted = values.toSorted((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** `median (min-max)` of `values`, each with `digits` decimals: every repeated figure is printed with its spread. */
export const spread = (values, digits = 0) =>
  values.length === 0
    ? "n/a"
    : `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)})`

/** Peak resident memory so far of a live process, in MiB (VmHWM), or NaN once it is gone. */
export const peakRssMiB = (pid) => {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024
  } catch {
    return Number.NaN
  }
}

/** Every child started here, so a deadline can stop them all. */
export const children = new Set()

/** Starts `bin/exa-webhooks-mock` on a free loopback port with `args`; resolves once it prints its URL. */
/** Sends `signal` to a child we started and resolves once it has exited (at once if it already has). */
const stopChild = (child, signal) =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once("exit", () => {
      children.delete(child)
      resolve()
    })
    child.kill(signal)
  })

export const startMock = async (args = []) => {
  const child = spawn(join(root, "bin", "exa-webhooks-mock"), ["--port", "0", "--host", "127.0.0.1", ...args], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  children.add(child)
  let stderr = ""
  child.stderr.on("data", (chunk) => (stderr += chunk))
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next()
  if (first.done || !first.value.startsWith("http://127.0.0.1:")) {
    child.kill("SIGKILL")
    throw new Error(`the mock did not start: ${stderr.trim()}`)
  }
  const url = first.value.trim()
  const control = async (method, path) => {
    const response = await fetch(`${url}/_mock/${path}`, { method })
    if (response.status !== 200) throw new Error(`${method} /_mock/${path}: HTTP ${response.status}`)
    return response.json()
  }
  return {
    url,
    pid: child.pid,
    stats: () => control("GET", "stats"),
    reset: () => control("POST", "reset"),
    stop: () => stopChild(child, "SIGTERM")
  }
}

/**
 * Runs `node <script> <args>`; the script prints one JSON object as its last stdout line. Resolves with it plus the
 * child's wall time and peak RSS (sampled from /proc while it runs).
 */
export const runJson = (script, args, { timeoutMillis = 120_000 } = {}) =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(node, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    children.add(child)
    let stdout = ""
    let stderr = ""
    let peak = 0
    const sampler = setInterval(() => {
      const now = peakRssMiB(child.pid)
      if (now > peak) peak = now
    }, 25)
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMillis)
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("close", (code) => {
      clearInterval(sampler)
      clearTimeout(timer)
      children.delete(child)
      const last = stdout.trim().split("\n").at(-1)
      try {
        if (code !== 0) throw new Error(`exit ${code}`)
        resolve({ ...JSON.parse(last), childWallMs: performance.now() - started, sampledPeakRssMiB: peak })
      } catch (error) {
        reject(new Error(`${script} ${args.join(" ")}: ${error.message}\n${stderr.trim().slice(-2000)}`))
      }
    })
  })

/** Parses `--name value` pairs. */
export const parseArgs = (argv) => {
  const out = {}
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, "")] = argv[i + 1]
  return out
}

/** Runs the async `f`, adding the wall time and this process's CPU time it took to its result. */
export const timed = async (f) => {
  const start = performance.now()
  const cpu = process.cpuUsage()
  const result = await f()
  const used = process.cpuUsage(cpu)
  return { ...result, wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 }
}

/**
 * The create-get run of a library-free contender (raw fetch, raw node:http): `count` creates, then a get of each,
 * `concurrency` at a time, after a first phase of `warm` from the process's start (reported apart as `cold`). `send`
 * makes one request (`body` for a create) and resolves to `{ status, body }` (the parsed JSON).
 */
export const createGetPhases = async ({ send, count, warm, concurrency }) => {
  const pool = async (items, run) => {
    const ids = []
    const failed = []
    let next = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++]
        const response = await run(item)
        if (response.status === 200) ids.push(response.body.id)
        else failed.push(item)
      }
    }))
    return { ids, failed }
  }
  const phase = async (offset, n) => {
    const indexes = Array.from({ length: n }, (_, i) => offset + i)
    const create = await timed(() => pool(indexes, (i) => send("POST", "", createBody(i))))
    const get = await timed(() => pool(create.ids, (id) => send("GET", `/${id}`)))
    return {
      ok: create.ids.length,
      failed: create.failed,
      wallMs: create.wallMs,
      opCpuMs: create.cpuMs,
      gets: get.ids.length,
      getFailed: get.failed.length,
      getWallMs: get.wallMs,
      getCpuMs: get.cpuMs
    }
  }
  const cold = warm === undefined ? undefined : await phase(1_000_000, warm)
  return { ...(await phase(0, count)), ...(cold === undefined ? {} : { cold }) }
}

/** What a contender prints when it is done: resource use of its own process, measured from inside. */
export const report = (fields) => {
  const usage = process.resourceUsage()
  console.log(JSON.stringify({
    ...fields,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    maxRssMiB: usage.maxRSS / 1024
  }))
}

/** Stored webhooks, by raw paging (limit 200); what every count of "created" and "duplicates" is taken from. */
export const listStored = async (url) => {
  const all = []
  let cursor
  for (;;) {
    const query = new URLSearchParams({ limit: "200", ...(cursor === undefined ? {} : { cursor }) })
    let response
    // The chaos section's mock still injects faults (and limits the rate) while the result is counted: the count
    // pages on through them (a GET changes nothing, so asking again is safe).
    for (let attempt = 1; ; attempt++) {
      response = await fetch(`${url}/websets/v0/webhooks?${query}`, { headers: { "x-api-key": API_KEY } })
      if (response.status === 200 || attempt >= 50 || !(response.status === 429 || response.status >= 500)) break
      await response.arrayBuffer()
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    if (response.status !== 200) throw new Error(`listing: HTTP ${response.status}`)
    const page = await response.json()
    all.push(...page.data)
    if (!page.hasMore) return all
    cursor = page.nextCursor
  }
}

/** Metadata key every benchmark create carries: the item's index, to count what was created and what twice. */
export const ITEM_KEY = "bench-item"

/** The create body of item `i`. */
export const createBody = (i) => ({
  url: `http://127.0.0.1:9/bench/${i}`,
  events: ["webset.created", "webset.item.enriched"],
  metadata: { [ITEM_KEY]: String(i) }
})

/** Of the stored webhooks: how many items exist, how many extra copies there are, and which items exist. */
export const countItems = (stored) => {
  const copies = new Map()
  for (const webhook of stored) {
    const item = webhook.metadata?.[ITEM_KEY]
    if (item !== undefined) copies.set(item, (copies.get(item) ?? 0) + 1)
  }
  let duplicates = 0
  for (const n of copies.values()) duplicates += n - 1
  return { created: copies.size, duplicates, items: new Set(copies.keys()) }
}

export const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a")

/** The same manifest as {@link batchManifest}, written as pretty-printed JSON (which is YAML too). */
export const batchManifestJson = (n) =>
  `${JSON.stringify({
    version: 1,
    namespace: "bench",
    webhooks: Array.from({ length: n }, (_, i) => {
      const body = createBody(i)
      return { key: `bench-${i}`, url: body.url, events: body.events, metadata: { [ITEM_KEY]: `${i}` } }
    })
  }, null, 2)}\n`

/**
 * A batch manifest of `n` webhooks in the `bench` namespace, each with a stable key, as block-style YAML (the form
 * the batch README shows). JSON is valid YAML too, but effect's YAML parser takes time that grows much faster than
 * the file on JSON-style (flow) text: 1,000 entries took 1.5 s and 10,000 did not finish in 5 minutes.
 */
export const batchManifest = (n) => {
  const lines = ["version: 1", "namespace: bench", "webhooks:"]
  for (let i = 0; i < n; i++) {
    const body = createBody(i)
    lines.push(
      `  - key: bench-${i}`,
      `    url: ${body.url}`,
      `    events: [${body.events.join(", ")}]`,
      `    metadata: { ${ITEM_KEY}: "${i}" }`
    )
  }
  return `${lines.join("\n")}\n`
}

/** Where `redis-server` is (Debian's package, which `make setup` installs when it can), or undefined. */
export const redisServerBinary = () =>
  ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"].find((file) => existsSync(file))

/** Starts `redis-server` on a free loopback port with persistence off; resolves once it accepts connections. */
export const startRedis = async () => {
  const binary = redisServerBinary()
  if (binary === undefined) throw new Error("redis-server is not installed")
  const { createServer } = await import("node:net")
  const port = await new Promise((resolve, reject) => {
    const server = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port: free } = server.address()
      server.close(() => resolve(free))
    })
  })
  const child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  children.add(child)
  let output = ""
  await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk
      if (output.includes("Ready to accept connections")) resolve()
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.once("exit", (code) => reject(new Error(`redis-server exited ${code}: ${output.trim().slice(-300)}`)))
  })
  return {
    url: `redis://127.0.0.1:${port}/0`,
    stop: () => stopChild(child, "SIGKILL")
  }
}
