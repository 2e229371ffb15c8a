import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { WebhooksClient } from "@exa-webhooks/client"
import * as Transport from "@exa-webhooks/client/Transport"
import { Console, Effect, Layer } from "effect"

const program = Effect.gen(function*() {
  const webhooks = yield* WebhooksClient.WebhooksClient
  const hook = yield* webhooks.create({ url: "https://example.com/hooks/exa", events: ["webset.item.enriched"] })
  yield* Console.log(`Created ${hook.id}: store its secret now, Exa never returns it again.`)
})

program.pipe(Effect.provide(WebhooksClient.layerConfig().pipe(Layer.provide(Transport.layerConfig()))), NodeRuntime.runMain)
