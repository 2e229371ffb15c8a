import { HttpVerifier, Verifier } from "@exa-webhooks/receiver"
import { Console } from "effect"
import { HttpRouter } from "effect/http"

// POST /hooks/exa: verified events reach your code; anything else is answered 400/401 with the reason.
export const ExaWebhookRoute = HttpRouter.add(
  "POST",
  "/hooks/exa",
  HttpVerifier.handler((event) => Console.log(`verified ${event.type} ${event.id}`))
).pipe(HttpRouter.provideRequest(Verifier.layerConfig())) // reads EXA_WEBHOOK_SECRET (and EXA_WEBHOOK_TOLERANCE)
