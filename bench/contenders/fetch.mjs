// Contender: plain `fetch`, no library, --concurrency workers. The floor any client's overhead is measured against.
// --op create-get | list-all. --warm N (create-get): a first phase of N from the process's start, reported apart as
// `cold`.
import { API_KEY, createBody, parseArgs, report, timed } from "../lib.mjs"

const args = parseArgs(process.argv.slice(2))
const base = `${args["base-url"]}/websets/v0/webhooks`
const headers = { "x-api-key": API_KEY, "content-type": "application/json" }
const count = Number(args.count ?? 500)
const concurrency = Number(args.concurrency ?? 32)

const pool = async (items, run) => {
  const ids = []
  const failed = []
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const item = items[next++]
      const response = await fetch(run.url(item), run.init(item))
      const body = await response.json()
      if (response.status === 200) ids.push(body.id)
      else failed.push(item)
    }
  }))
  return { ids, failed }
}

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
  // One phase: `n` creates (items from `offset`), then a get of each.
  const phase = async (offset, n) => {
    const indexes = Array.from({ length: n }, (_, i) => offset + i)
    const create = await timed(() =>
      pool(indexes, { url: () => base, init: (i) => ({ method: "POST", headers, body: JSON.stringify(createBody(i)) }) })
    )
    const get = await timed(() => pool(create.ids, { url: (id) => `${base}/${id}`, init: () => ({ headers }) }))
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
  // --warm N: a first phase of N from the process's start, reported apart as `cold`; the figures are the next phase's.
  const cold = args.warm === undefined ? undefined : await phase(1_000_000, Number(args.warm))
  report({ ...(await phase(0, count)), ...(cold === undefined ? {} : { cold }) })
}
