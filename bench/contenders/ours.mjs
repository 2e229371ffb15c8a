// Contender: @exa-webhooks/client as a user would write it: one layer, a plain `Effect.forEach` at high concurrency.
// --client-rate is the layer's `rateLimit` (requests per second; "Infinity" turns pacing off), set to the plan's limit
// as its docs say. --op create | create-get | list-all | lookup (the cost of a create that looks itself up first,
// which is what follows an ambiguous failure: one listing of every webhook, then the create) | ambiguous (`--count`
// concurrent creates against a mock whose every create is applied and then fails: each looks its webhook up before
// anything is re-sent; reports the list requests those lookups cost). --warm N (create, create-get): a first phase of N
// from the process's start, reported apart as `cold`.
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { WebhooksClient } from "@exa-webhooks/client"
import * as Transport from "@exa-webhooks/client/Transport"
import * as Webhook from "@exa-webhooks/schema/Webhook"
import { Data, Effect, Exit, Layer, Redacted, References, Result, Schedule, Schema, Stream } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { API_KEY, createBody, parseArgs, report } from "../lib.mjs"

const args = parseArgs(process.argv.slice(2))
const count = Number(args.count ?? 500)
const concurrency = Number(args.concurrency ?? 64)
// --transport transport (default; the bins' and the README's: @exa-webhooks/client/Transport, effect's NodeHttpClient
// over node:http keep-alive agents when no proxy is set, as here), undici (NodeHttpClient.layerUndici: the Transport's
// path through a proxy) or fetch (FetchHttpClient over Node's fetch).
const transport = args.transport === "undici"
  ? NodeHttpClient.layerUndici
  : args.transport === "fetch"
  ? NodeHttpClient.layerFetch
  : Transport.layer()

// GET /webhooks requests sent (counted once per attempt), for --op ambiguous.
let listRequests = 0
const Webhooks = WebhooksClient.layer({
  apiKey: Redacted.make(API_KEY),
  baseUrl: args["base-url"],
  rateLimit: args["client-rate"] === "auto" ? "auto" : Number(args["client-rate"] ?? "Infinity"),
  ...(args.op === "ambiguous"
    ? {
      onRecovered: "return",
      transformClient: HttpClient.mapRequest((request) => {
        if (request.method === "GET" && new URL(request.url).pathname.endsWith("/webhooks")) listRequests++
        return request
      })
    }
    : {})
}).pipe(Layer.provide(transport))

const timed = (effect) =>
  Effect.gen(function*() {
    const start = performance.now()
    const cpu = process.cpuUsage()
    const result = yield* effect
    const used = process.cpuUsage(cpu)
    return { ...result, wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 }
  })

// Runs `run` over `items`, `concurrency` at a time, keeping what the other contenders keep of each: the id of what
// succeeded, the item that failed (and its error's tag); the result itself is dropped as soon as it arrives.
const each = (items, run) =>
  Effect.suspend(() => {
    const ids = []
    const failed = []
    const errors = {}
    return Effect.forEach(items, (item) =>
      Effect.map(Effect.exit(run(item)), (exit) => {
        if (Exit.isSuccess(exit)) return void ids.push(exit.value.id)
        failed.push(item)
        const tag = String(exit.cause.reasons?.[0]?.error?._tag ?? "defect")
        errors[tag] = (errors[tag] ?? 0) + 1
      }), { concurrency, discard: true }).pipe(Effect.as({ ids, failed, errors }))
  })

// --bare true: effect's HttpClient alone over the same transport (execute, read the body, JSON.parse; no validation,
// decoding, retries, pacing or timeout), the floor of any client built on it: a reference for the client's own cost.
// --parts input,decode,timeout,retry,span (with --bare): effect's parts the client is made of, added to the bare
// client one by one, each used as the client uses it (the create's input checked by its schema, the body decoded by
// the Webhook schema, Effect.timeoutOrElse, Effect.retry with a jittered exponential Schedule and a `while`, an
// operation span without a stack capture): the overhead section's ladder, which says what each part costs.
const parts = new Set((args.parts ?? "").split(",").filter((part) => part !== ""))
const checkInput = Schema.decodeUnknownResult(Webhook.CreateWebhookParameters)
const decodeWebhook = Schema.decodeUnknownResult(Schema.fromJsonString(Webhook.Webhook))
const fromResult = (result) => Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure)
class Retryable extends Data.TaggedError("Retryable") {
  get isRetryable() {
    return true
  }
}
const retrySchedule = Schedule.exponential("500 millis").pipe(
  Schedule.jittered,
  Schedule.upTo({ times: 5 }),
  Schedule.while(({ input }) => input?.isRetryable === true)
)
const bare = Effect.gen(function*() {
  const http = yield* HttpClient.HttpClient
  const base = `${args["base-url"]}/websets/v0/webhooks`
  const headers = { "x-api-key": API_KEY }
  const read = parts.has("decode") ? (text) => fromResult(decodeWebhook(text)) : (text) => Effect.succeed(JSON.parse(text))
  const exchange = (request) => Effect.flatMap(http.execute(request), (response) => Effect.flatMap(response.text, read))
  const bounded = parts.has("timeout")
    ? (request) => Effect.timeoutOrElse(exchange(request), { duration: "30 seconds", orElse: () => Effect.fail(new Retryable()) })
    : exchange
  const retried = parts.has("retry") ? (request) => Effect.retry(bounded(request), retrySchedule) : bounded
  const send = parts.has("span")
    ? (name, request) => Effect.withSpan(retried(request), name, { captureStackTrace: false })
    : (_, request) => retried(request)
  const input = parts.has("input") ? (body) => fromResult(checkInput(body)) : Effect.succeed
  return {
    create: (body) =>
      Effect.flatMap(input(body), (checked) =>
        send("WebhooksClient.create", HttpClientRequest.bodyJsonUnsafe(HttpClientRequest.post(base, { headers }), checked))),
    get: (id) => send("WebhooksClient.get", HttpClientRequest.get(`${base}/${id}`, { headers }))
  }
})

const program = Effect.gen(function*() {
  const webhooks = args.bare === undefined ? yield* WebhooksClient.WebhooksClient : yield* bare
  if (args.op === "list-all") {
    // Warm-up outside the timing, as every listing contender does (see the listing section of bench/run.mjs).
    yield* webhooks.list({ limit: 1 })
    const result = yield* timed(Effect.map(Stream.runCount(webhooks.listAll()), (n) => ({ count: n })))
    return { listed: result.count, wallMs: result.wallMs, opCpuMs: result.cpuMs }
  }
  if (args.op === "lookup") {
    // Alternating plain and looked-up creates, each deleted again so the store stays at its size.
    const plain = []
    const lookup = []
    for (let i = 0; i < count; i++) {
      for (const [lookupFirst, samples] of [[false, plain], [true, lookup]]) {
        const start = performance.now()
        const hook = yield* webhooks.create(createBody(1_000_000 + i), { lookupFirst })
        samples.push(performance.now() - start)
        yield* webhooks.delete(hook.id)
      }
    }
    return { plainMs: plain, lookupMs: lookup }
  }
  if (args.op === "ambiguous") {
    const indexes = Array.from({ length: count }, (_, i) => i)
    const result = yield* timed(each(indexes, (i) => webhooks.create(createBody(2_000_000 + i), { raceCheck: false })))
    return { ok: result.ids.length, failed: result.failed.length, errors: result.errors, listRequests, wallMs: result.wallMs }
  }
  // One phase: `n` creates (items from `offset`), then, with --op create-get, a get of each.
  const phase = (offset, n) =>
    Effect.gen(function*() {
      const indexes = Array.from({ length: n }, (_, i) => offset + i)
      const create = yield* timed(each(indexes, (i) => webhooks.create(createBody(i))))
      const out = { ok: create.ids.length, failed: create.failed, errors: create.errors, wallMs: create.wallMs, opCpuMs: create.cpuMs }
      if (args.op === "create-get") {
        const get = yield* timed(each(create.ids, (id) => webhooks.get(id)))
        Object.assign(out, { gets: get.ids.length, getFailed: get.failed.length, getWallMs: get.wallMs, getCpuMs: get.cpuMs })
      }
      return out
    })
  // --warm N: a first phase of N from the process's start, reported apart as `cold`; the figures are the next phase's.
  const cold = args.warm === undefined ? undefined : yield* phase(1_000_000, Number(args.warm))
  return { ...(yield* phase(0, count)), ...(cold === undefined ? {} : { cold }) }
})

// --tracing off: effect's own settings for an application that records no spans, given to both our client and the
// bare one alike (like with like): no span is registered (`References.TracerEnabled`) and the HTTP client makes none
// (`HttpClient.TracerDisabledWhen`).
const tracing = args.tracing === "off"
  ? (effect) =>
    effect.pipe(
      Effect.provideService(References.TracerEnabled, false),
      Effect.provideService(HttpClient.TracerDisabledWhen, () => true)
    )
  : (effect) => effect

report(await Effect.runPromise(tracing(program).pipe(Effect.provide(args.bare === undefined ? Webhooks : transport))))
