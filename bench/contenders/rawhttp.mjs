// Contender: plain node:http with a keep-alive agent, no library, --concurrency workers: the floor of any node:http
// transport, beside raw `fetch`'s. --op create-get. --warm N: a first phase of N from the
// process's start, reported apart as `cold`.
import * as http from "node:http"
import { API_KEY, createGetPhases, parseArgs, report } from "../lib.mjs"

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

const warm = args.warm === undefined ? undefined : Number(args.warm)
report(await createGetPhases({ send: (method, path, body) => send(method, `${base.pathname}${path}`, body), count, warm, concurrency }))
