// Contender: plain `fetch`, no library, --concurrency workers. The floor any client's overhead is measured against.
// --op create-get | list-all. --warm N (create-get): a first phase of N from the process's start, reported apart as
// `cold`.
import { API_KEY, createGetPhases, parseArgs, report, timed } from "../lib.mjs"

const args = parseArgs(process.argv.slice(2))
const base = `${args["base-url"]}/websets/v0/webhooks`
const headers = { "x-api-key": API_KEY, "content-type": "application/json" }
const count = Number(args.count ?? 500)
const concurrency = Number(args.concurrency ?? 32)

if (args.op === "list-all") {
  // Warm-up outside the timing, as every listing contender does (see the listing section of bench/run.mjs).
  await (await fetch(`${base}?limit=1`, { headers })).json()
  const result = await timed(async () => {
    let n = 0
    let cursor
    for (;;) {
      const query = new URLSearchParams({ limit: "200", ...(cursor === undefined ? {} : { cursor }) })
      const page = await (await fetch(`${base}?${query}`, { headers })).json()
      n += page.data.length
      if (!page.hasMore) return { count: n }
      cursor = page.nextCursor
    }
  })
  report({ listed: result.count, wallMs: result.wallMs, opCpuMs: result.cpuMs })
} else {
  const send = async (method, path, body) => {
    const init = body === undefined ? { headers } : { method, headers, body: JSON.stringify(body) }
    const response = await fetch(`${base}${path}`, init)
    return { status: response.status, body: await response.json() }
  }
  const warm = args.warm === undefined ? undefined : Number(args.warm)
  report(await createGetPhases({ send, count, warm, concurrency }))
}
