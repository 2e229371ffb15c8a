import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { WebhooksClient } from "@exa-webhooks/client"
import * as Transport from "@exa-webhooks/client/Transport"
import { Console, Effect, FileSystem, Layer } from "effect"

const secretFile = "exa-webhook.secret"

const program = Effect.gen(function*() {
  const webhooks = yield* WebhooksClient.WebhooksClient
  // The idempotency key names this webhook: a rerun finds the one it made instead of creating another.
  const hook = yield* webhooks.create(
    { url: "https://example.com/hooks/exa", events: ["webset.item.enriched"] },
    { idempotencyKey: "quickstart", lookupFirst: true, onExisting: "return" }
  )
  if (hook.secret === null) {
    return yield* Console.log(`${hook.id} already exists, nothing created; its secret is where the first run put it.`)
  }
  // Exa returns the signing secret once, in this response: keep it in a file only you can read, never on screen.
  const fs = yield* FileSystem.FileSystem
  yield* fs.writeFileString(secretFile, hook.secret, { mode: 0o600 })
  yield* Console.log(`Created ${hook.id}; its signing secret is in ${secretFile} (mode 0600).`)
})

const layer = Layer.mergeAll(
  WebhooksClient.layerConfig().pipe(Layer.provide(Transport.layerConfig())),
  NodeFileSystem.layer
)
program.pipe(Effect.provide(layer), NodeRuntime.runMain)
