import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { WebhooksClient } from "@exa-webhooks/client"
import { Effect, Layer, Redacted, Stream } from "effect"
import { API_KEY, parseArgs } from "../lib.mjs"
const args = parseArgs(process.argv.slice(2))
const Webhooks = WebhooksClient.layer({ apiKey: Redacted.make(API_KEY), baseUrl: args["base-url"], rateLimit: Infinity }).pipe(Layer.provide(NodeHttpClient.layerUndici))
const program = Effect.gen(function*() {
  const webhooks = yield* WebhooksClient.WebhooksClient
  for (let i = 0; i < 4; i++) {
    const s = performance.now()
    const n = yield* Stream.runCount(webhooks.listAll())
    console.log("listAll", n, Math.round(performance.now() - s))
  }
  for (let i = 0; i < 2; i++) {
    const s = performance.now()
    let cursor
    for (let p = 0; p < 50; p++) { const page = yield* webhooks.list({ limit: 200, cursor }); cursor = page.nextCursor ?? undefined }
    console.log("list loop", Math.round(performance.now() - s))
  }
  for (let i = 0; i < 2; i++) {
    const s = performance.now()
    let cursor
    for (let p = 0; p < 50; p++) { const r = yield* Effect.promise(() => fetch(`${args["base-url"]}/websets/v0/webhooks?limit=200${cursor ? `&cursor=${cursor}` : ""}`, { headers: { "x-api-key": API_KEY } }).then((r) => r.json())); cursor = r.nextCursor ?? undefined }
    console.log("fetch loop", Math.round(performance.now() - s))
  }
})
await Effect.runPromise(program.pipe(Effect.provide(Webhooks)))
