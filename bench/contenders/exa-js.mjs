// Contender: the official SDK, as a user would write it. --mode loop (one create after another, each failure caught),
// all (every create at once with Promise.allSettled; Promise.all would stop at the first failure) or pool (--concurrency
// workers, for the overhead figures). --op create | create-get | list-all. --warm N (create, create-get): a first phase
// of N from the process's start, reported apart as `cold`. --retry-429 true: each create wrapped in the retry loop a
// careful user writes around the SDK (below), which has none of its own.
import { Exa } from "exa-js"
import { API_KEY, createBody, parseArgs, report, timed } from "../lib.mjs"

const args = parseArgs(process.argv.slice(2))
const exa = new Exa(API_KEY, args["base-url"])
const webhooks = exa.websets.webhooks
const count = Number(args.count ?? 500)
const concurrency = Number(args.concurrency ?? 32)

// What a careful user adds in twenty lines: on a 429, wait and try again, up to 8 attempts. exa-js's error carries
// the status but not the response's headers, so Retry-After cannot be read: the wait is an exponential backoff with
// full jitter (250 ms doubling, at most 4 s). Only 429 is retried: a 500 after a create may have stored the webhook,
// and sending it again could store it twice.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const with429Retry = async (send) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send()
    } catch (error) {
      if (error?.statusCode !== 429 || attempt >= 8) throw error
      await sleep(Math.random() * Math.min(4_000, 250 * 2 ** (attempt - 1)))
    }
  }
}
const retrying = args["retry-429"] === "true"
const createOne = (i) => {
  const send = () => webhooks.create(createBody(i)).then((w) => w.id)
  return retrying ? with429Retry(send) : send()
}

const tally = async (items, run, mode) => {
  const failed = []
  const errors = {}
  const ids = []
  const one = (i) =>
    run(i).then((id) => ids.push(id), (error) => {
      failed.push(i)
      const key = String(error?.statusCode ?? error?.code ?? error?.name ?? "error")
      errors[key] = (errors[key] ?? 0) + 1
    })
  if (mode === "loop") for (const i of items) await one(i)
  else if (mode === "all") await Promise.allSettled(items.map(one))
  else {
    let next = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < items.length) await one(items[next++])
    }))
  }
  return { failed, errors, ids }
}

const mode = args.mode ?? "pool"
if (args.op === "list-all") {
  // Warm-up outside the timing, as every listing contender does (see the listing section of bench/run.mjs).
  await webhooks.list({ limit: 1 })
  const result = await timed(async () => {
    let n = 0
    for await (const _ of webhooks.listAll({ limit: 200 })) n++
    return { count: n }
  })
  report({ listed: result.count, wallMs: result.wallMs, opCpuMs: result.cpuMs })
} else {
  // One phase: `n` creates (items from `offset`), then, with --op create-get, a get of each.
  const phase = async (offset, n) => {
    const items = Array.from({ length: n }, (_, i) => offset + i)
    const create = await timed(() => tally(items, createOne, mode))
    const out = { ok: create.ids.length, failed: create.failed, errors: create.errors, wallMs: create.wallMs, opCpuMs: create.cpuMs }
    if (args.op === "create-get") {
      const get = await timed(() => tally(create.ids, (id) => webhooks.get(id).then((w) => w.id), mode))
      Object.assign(out, { gets: get.ids.length, getFailed: get.failed.length, getWallMs: get.wallMs, getCpuMs: get.cpuMs })
    }
    return out
  }
  // --warm N: a first phase of N from the process's start, reported apart as `cold`; the figures are the next phase's.
  const cold = args.warm === undefined ? undefined : await phase(1_000_000, Number(args.warm))
  report({ ...(await phase(0, count)), ...(cold === undefined ? {} : { cold }) })
}
