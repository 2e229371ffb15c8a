/**
 * The `WebhooksClient` service: every webhook operation of Exa's Websets API, with input validation, pacing under
 * the rate limit, safe retries and duplicate-safe creates.
 *
 * @since 0.1.0
 */
import type { Webhook, WebhookAttempt } from "@exa-webhooks/schema"
import { Context } from "effect"
import type { Effect, Stream } from "effect"
import type { WebhooksError } from "./WebhooksError.ts"

/**
 * Input of {@link WebhooksClient} `create`, in its wire form (plain strings); it is decoded with the schema before
 * anything is sent.
 *
 * @since 0.1.0
 */
export type CreateInput = typeof Webhook.CreateWebhookParameters.Encoded

/**
 * Input of `update`, in its wire form.
 *
 * @since 0.1.0
 */
export type UpdateInput = typeof Webhook.UpdateWebhookParameters.Encoded

/**
 * Options of `create`.
 *
 * @since 0.1.0
 */
export interface CreateOptions {
  /**
   * Identifies this logical create across retries and processes. Stored in the webhook's metadata under
   * {@link IDEMPOTENCY_METADATA_KEY}; before an ambiguous create is retried, the client looks for a webhook that
   * carries it. Defaults to a random UUID per call.
   */
  readonly idempotencyKey?: string | undefined
}

/**
 * Page options of `list` / `listAll`.
 *
 * @since 0.1.0
 */
export interface ListOptions {
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

/**
 * Page and filter options of `attempts` / `listAllAttempts`.
 *
 * @since 0.1.0
 */
export interface AttemptsOptions extends ListOptions {
  readonly eventType?: string | undefined
  readonly successful?: boolean | undefined
}

/**
 * Metadata key under which `create` stores its idempotency key.
 *
 * @since 0.1.0
 */
export const IDEMPOTENCY_METADATA_KEY = "exa-webhooks.idempotency-key"

/**
 * The operations.
 *
 * @since 0.1.0
 */
export interface Service {
  /** `POST /v0/webhooks`. The result is the only place the webhook's `secret` is ever returned. */
  readonly create: (input: CreateInput, options?: CreateOptions) => Effect.Effect<Webhook.Webhook, WebhooksError>
  /** `GET /v0/webhooks/{id}` (`secret` is `null`). */
  readonly get: (id: string) => Effect.Effect<Webhook.Webhook, WebhooksError>
  /** One page of `GET /v0/webhooks`. */
  readonly list: (options?: ListOptions) => Effect.Effect<Webhook.ListWebhooksResponse, WebhooksError>
  /** Every webhook, page after page. */
  readonly listAll: (options?: Omit<ListOptions, "cursor">) => Stream.Stream<Webhook.Webhook, WebhooksError>
  /** `PATCH /v0/webhooks/{id}`: fields not given stay as they are. */
  readonly update: (id: string, input: UpdateInput) => Effect.Effect<Webhook.Webhook, WebhooksError>
  /** `DELETE /v0/webhooks/{id}`: answers with the deleted webhook. */
  readonly delete: (id: string) => Effect.Effect<Webhook.Webhook, WebhooksError>
  /** One page of `GET /v0/webhooks/{id}/attempts`, newest first. */
  readonly attempts: (
    id: string,
    options?: AttemptsOptions
  ) => Effect.Effect<WebhookAttempt.ListWebhookAttemptsResponse, WebhooksError>
  /** Every attempt, page after page, newest first. */
  readonly listAllAttempts: (
    id: string,
    options?: Omit<AttemptsOptions, "cursor">
  ) => Stream.Stream<WebhookAttempt.WebhookAttempt, WebhooksError>
}

/**
 * The service tag.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function*() {
 *   const webhooks = yield* WebhooksClient
 *   const hook = yield* webhooks.create({ url: "https://example.com/hooks/exa", events: ["webset.created"] })
 *   yield* Console.log(hook.id, Redacted.make(hook.secret))
 * })
 * ```
 * @since 0.1.0
 */
export class WebhooksClient extends Context.Service<WebhooksClient, Service>()("@exa-webhooks/client/WebhooksClient") {}
