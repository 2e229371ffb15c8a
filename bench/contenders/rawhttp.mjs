// Contender: plain node:http with a keep-alive agent, no library, --concurrency workers: the floor of the transport the
// bins use (cli-kit's NodeTransport), beside raw `fetch`'s. --op create-get. --warm N: a first phase of N from the
// process's start, reported apart as `cold`.
import * as http from "node:http"
import { API_KEY, createBody, parseArgs, report, timed } from "../lib.mjs"

const args = parseArgs(process.argv.slice(2))
const base = new URL(`${args["base-url"]}/websets/v0/webhooks`)
const agent = new http.Agent({ keepAlive: true })
const count = Number(args.count ?? 500)
const concurrency = Number(args.concurrency ?? 32)

const send = (method, path, body) =>
  new Promise((resolve, reject) => {
    const headers = { "x-api-key": API_KEY, ...(body === undefined ? {} : { "content-type": "application/json" }) }
    const request = http.request({ host: base.hostname, port: base.port, path, method, headers, agent }, (response) => {
      const chunks = []
      response.on("data", (chunk) => chunks.push(chunk))
      response.on("end", () => resolve({ status: response.statusCode, body: JSON.parse(Buffer.concat(chunks).toString()) }))
      response.on("error", reject)
    })
    request.on("error", reject)
    request.end(body === undefined ? undefined : JSON.stringify(body))
  })

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

// One phase: `n` creates (items from `offset`), then a get of each.
const phase = async (offset, n) => {
  const indexes = Array.from({ length: n }, (_, i) => offset + i)
  const create = await timed(() => pool(indexes, (i) => send("POST", base.pathname, createBody(i))))
  const get = await timed(() => pool(create.ids, (id) => send("GET", `${base.pathname}/${id}`)))
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

const cold = args.warm === undefined ? undefined : await phase(1_000_000, Number(args.warm))
report({ ...(await phase(0, count)), ...(cold === undefined ? {} : { cold }) })
