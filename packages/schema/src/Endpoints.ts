/**
 * The webhook endpoints of the Websets API, defined once: method, path, query, body and success schema. The client
 * builds its requests from this table and the mock server routes and validates with it, so the two cannot drift.
 *
 * @since 0.1.0
 */
import type { Schema } from "effect"
import * as Webhook from "./Webhook.ts"
import * as WebhookAttempt from "./WebhookAttempt.ts"

/**
 * Prefix of every Websets path on `https://api.exa.ai`.
 *
 * @since 0.1.0
 */
export const BASE_PATH = "/websets/v0"

/**
 * One endpoint. `path` is relative to {@link BASE_PATH}; `:id` stands for the webhook id.
 *
 * @since 0.1.0
 */
export interface Endpoint<
  Method extends "GET" | "POST" | "PATCH" | "DELETE",
  Query extends Schema.Top | undefined,
  Body extends Schema.Top | undefined,
  Success extends Schema.Top
> {
  readonly name: string
  readonly method: Method
  readonly path: string
  readonly query: Query
  readonly body: Body
  readonly success: Success
}

const endpoint = <
  const Method extends "GET" | "POST" | "PATCH" | "DELETE",
  Query extends Schema.Top | undefined,
  Body extends Schema.Top | undefined,
  Success extends Schema.Top
>(e: Endpoint<Method, Query, Body, Success>) => e

/**
 * `POST /v0/webhooks`: creates a webhook; the response is the only one that carries its `secret`.
 *
 * @since 0.1.0
 */
export const create = endpoint({
  name: "create",
  method: "POST",
  path: "/webhooks",
  query: undefined,
  body: Webhook.CreateWebhookParameters,
  success: Webhook.Webhook
})

/**
 * `GET /v0/webhooks`: one page of webhooks.
 *
 * @since 0.1.0
 */
export const list = endpoint({
  name: "list",
  method: "GET",
  path: "/webhooks",
  query: Webhook.ListWebhooksQuery,
  body: undefined,
  success: Webhook.ListWebhooksResponse
})

/**
 * `GET /v0/webhooks/{id}`.
 *
 * @since 0.1.0
 */
export const get = endpoint({
  name: "get",
  method: "GET",
  path: "/webhooks/:id",
  query: undefined,
  body: undefined,
  success: Webhook.Webhook
})

/**
 * `PATCH /v0/webhooks/{id}`: changes the fields given, keeps the status.
 *
 * @since 0.1.0
 */
export const update = endpoint({
  name: "update",
  method: "PATCH",
  path: "/webhooks/:id",
  query: undefined,
  body: Webhook.UpdateWebhookParameters,
  success: Webhook.Webhook
})

/**
 * `DELETE /v0/webhooks/{id}`: answers with the webhook as it was.
 *
 * @since 0.1.0
 */
export const remove = endpoint({
  name: "delete",
  method: "DELETE",
  path: "/webhooks/:id",
  query: undefined,
  body: undefined,
  success: Webhook.Webhook
})

/**
 * `GET /v0/webhooks/{id}/attempts`: one page of delivery attempts, newest first.
 *
 * @since 0.1.0
 */
export const attempts = endpoint({
  name: "attempts",
  method: "GET",
  path: "/webhooks/:id/attempts",
  query: WebhookAttempt.ListWebhookAttemptsQuery,
  body: undefined,
  success: WebhookAttempt.ListWebhookAttemptsResponse
})

/**
 * Every endpoint, in the spec's order.
 *
 * @since 0.1.0
 */
export const all = [create, list, get, update, remove, attempts] as const

/**
 * The full path of an endpoint for a webhook id (URL-encoded), e.g. `/websets/v0/webhooks/wh_1/attempts`.
 *
 * @since 0.1.0
 */
export const pathOf = (e: { readonly path: string }, id?: string): string =>
  BASE_PATH + (id === undefined ? e.path : e.path.replace(":id", encodeURIComponent(id)))
