import { HttpVerifier, Inbox, Verifier } from "@exa-webhooks/receiver"
import { Console, Layer } from "effect"
import { HttpRouter } from "effect/http"

// POST /hooks/exa: each verified event reaches your code once; anything else is answered 400/401 with the reason.
export const ExaWebhookRoute = HttpRouter.add(
  "POST",
  "/hooks/exa",
  HttpVerifier.handlerOnce((event) => Console.log(`verified ${event.type} ${event.id}`))
).pipe(
  HttpRouter.provideRequest(Layer.mergeAll(
    Verifier.layerConfig(), // reads EXA_WEBHOOK_SECRET (and EXA_WEBHOOK_TOLERANCE)
    Inbox.layerMemory() // or Inbox.layerRedis() with NodeRedis.layer, shared by every replica
  ))
)
