// Memory and throughput of the standalone mock, filled to its default limit of 10,000 webhooks with the largest
// metadata a webhook may carry (here 10 values of 1,000 characters), by 50 concurrent clients over loopback.
// Figures are ratios measured in this one run: resident memory full / empty, and creates per second with the
// ambiguous-fault machinery on (rate 0) against a plain run.
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("../../../bin/exa-webhooks-mock", import.meta.url))
const WEBHOOKS = 10_000
const CONCURRENCY = 50
const metadata = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`key${i}`, "x".repeat(1000)]))

const rssMiB = (pid) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024
}

const start = async (args) => {
  const child = spawn(bin, ["--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] })
  const [url] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value])
  // The launcher execs node, so the child's pid is the server's.
  return { url, pid: child.pid, stop: () => new Promise((resolve) => { child.once("exit", resolve); child.kill("SIGTERM") }) }
}

const fill = async (url) => {
  let next = 0
  const began = performance.now()
  const worker = async () => {
    while (next < WEBHOOKS) {
      const i = next++
      const response = await fetch(`${url}/websets/v0/webhooks`, {
        method: "POST",
        headers: { "x-api-key": "bench", "content-type": "application/json" },
        body: JSON.stringify({ url: `http://127.0.0.1:9/hook/${i}`, events: ["webset.created"], metadata })
      })
      if (response.status !== 200) throw new Error(`create ${i}: HTTP ${response.status} ${await response.text()}`)
      await response.arrayBuffer()
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return WEBHOOKS / ((performance.now() - began) / 1000)
}

const run = async (label, args) => {
  const server = await start(args)
  const empty = rssMiB(server.pid)
  const perSecond = await fill(server.url)
  globalThis.gc?.()
  const full = rssMiB(server.pid)
  await server.stop()
  return { label, empty, full, perSecond }
}

const plain = await run("plain", [])
const faulty = await run("fault machinery on (rates 0)", ["--seed", "1", "--fault-rate", "0", "--ambiguous-fault-rate", "0"])
console.log(`mock capacity: ${WEBHOOKS} webhooks with 10 KB of metadata each, ${CONCURRENCY} concurrent clients, Node ${process.version}`)
for (const r of [plain, faulty]) {
  console.log(
    `  ${r.label.padEnd(30)} RSS empty ${r.empty.toFixed(0).padStart(4)} MiB, full ${r.full.toFixed(0).padStart(4)} MiB ` +
      `(${(r.full / r.empty).toFixed(2)}x), ${r.perSecond.toFixed(0)} creates/s`
  )
}
console.log(`ratio: full/empty RSS = ${(plain.full / plain.empty).toFixed(2)}; creates/s fault machinery on/plain = ${(faulty.perSecond / plain.perSecond).toFixed(2)}`)
