/**
 * Exported values whose types are inferred from the public entry points, as an application writes them: the
 * declaration emit must name every one through `@exa-webhooks/*` and `effect` alone.
 */
import { ClientSettings, WebhooksClient, WebhooksError } from "@exa-webhooks/client"
import { Verifier, VerifyError } from "@exa-webhooks/receiver"
import { ApiError, Event, EventType, Page, Validation, Webhook, WebhookAttempt, WebhooksApi } from "@exa-webhooks/schema"
import { Effect, Redacted, Schema } from "effect"

// schema ------------------------------------------------------------------------------------------------------------

export const decodeCreate = Schema.decodeUnknownEffect(Webhook.CreateWebhookParameters)
export const decodeEvent = Schema.decodeUnknownEffect(Event.Event)
export const AttemptPage = Page.Page(WebhookAttempt.WebhookAttempt)
export const WebhookPage = Webhook.ListWebhooksResponse
export const limit = Schema.decodeUnknownSync(Page.PageLimit)("50")
export const rateLimit = Schema.decodeUnknownSync(ClientSettings.RateLimitFromString)("5")
export const problems = (error: Schema.SchemaError) => Validation.problems(error.issue)
export const summary = ApiError.summarizeUnknown({ error: "unauthorized" })
export const api = WebhooksApi.WebhooksApi
export const isKnown = EventType.isEventType
export const firstEvent: EventType.EventType = EventType.values[0]

// client ------------------------------------------------------------------------------------------------------------

export const layer = WebhooksClient.layerConfig()

export const createHook = Effect.gen(function*() {
  const webhooks = yield* WebhooksClient.WebhooksClient
  return yield* webhooks.create({ url: "https://example.com/hooks/exa", events: ["webset.item.enriched"] })
})

export const listHooks = Effect.gen(function*() {
  const webhooks = yield* WebhooksClient.WebhooksClient
  return yield* webhooks.list({ limit: 10 })
})

export const deleteQuietly = (id: string) =>
  Effect.gen(function*() {
    const webhooks = yield* WebhooksClient.WebhooksClient
    return yield* webhooks.delete(id)
  }).pipe(Effect.catchTag("NotFoundError", () => Effect.succeed(undefined)))

export const describeError = (error: WebhooksError.WebhooksError) => error._tag

// receiver ----------------------------------------------------------------------------------------------------------

export const verifier = Verifier.layer({ secrets: Redacted.make("whsec_test") })

export const verifyBody = (body: string, signature: string | null) =>
  Verifier.verify({ body, signature }, { secrets: Redacted.make("whsec_test") })

export const isVerifyError = VerifyError.isVerifyError
