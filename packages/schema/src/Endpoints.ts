/**
 * The webhook endpoints as a plain table (method, path, query, body, success schema), read off the one definition,
 * {@link WebhooksApi.WebhooksApi}. Kept for code that only needs a path (`pathOf`); new code should use the `HttpApi`.
 *
 * @since 0.1.0
 */
import type { Schema } from "effect"
import * as Webhook from "./Webhook.ts"
import * as WebhookAttempt from "./WebhookAttempt.ts"
import * as WebhooksApi from "./WebhooksApi.ts"

/**
 * Prefix of every Websets path on `https://api.exa.ai`.
 *
 * @category paths
 * @since 0.1.0
 */
export const BASE_PATH = WebhooksApi.BASE_PATH

/**
 * One endpoint. `path` is relative to {@link BASE_PATH}; `:id` stands for the webhook id.
 *
 * @category models
 * @since 0.1.0
 */
export interface Endpoint<
  Method extends "GET" | "POST" | "PATCH" | "DELETE",
  Query extends Schema.Top | undefined,
  Body extends Schema.Top | undefined,
  Success extends Schema.Top
> {
  readonly method: Method
  readonly path: string
  readonly query: Query
  readonly body: Body
  readonly success: Success
}

const endpoints = WebhooksApi.Webhooks.endpoints

// Method and path come from the HttpApi definition; the path is kept relative to BASE_PATH.
const endpoint = <
  const Method extends "GET" | "POST" | "PATCH" | "DELETE",
  Query extends Schema.Top | undefined,
  Body extends Schema.Top | undefined,
  Success extends Schema.Top
>(
  defined: { readonly method: string; readonly path: string },
  e: Omit<Endpoint<Method, Query, Body, Success>, "path">
): Endpoint<Method, Query, Body, Success> => {
  if (defined.method !== e.method) throw new Error(`Endpoints: ${defined.path} is ${defined.method}, not ${e.method}`)
  return { ...e, path: defined.path.slice(BASE_PATH.length) }
}

/**
 * `POST /v0/webhooks`: creates a webhook; the response is the only one that carries its `secret`.
 *
 * @category endpoints
 * @since 0.1.0
 */
export const create = endpoint(endpoints.create, {
  method: "POST",
  query: undefined,
  body: Webhook.CreateWebhookParameters,
  success: Webhook.Webhook
})

/**
 * `GET /v0/webhooks`: one page of webhooks.
 *
 * @category endpoints
 * @since 0.1.0
 */
export const list = endpoint(endpoints.list, {
  method: "GET",
  query: Webhook.ListWebhooksQuery,
  body: undefined,
  success: Webhook.ListWebhooksResponse
})

/**
 * `GET /v0/webhooks/{id}`.
 *
 * @category endpoints
 * @since 0.1.0
 */
export const get = endpoint(endpoints.get, {
  method: "GET",
  query: undefined,
  body: undefined,
  success: Webhook.Webhook
})

/**
 * `PATCH /v0/webhooks/{id}`: changes the fields given, keeps the status.
 *
 * @category endpoints
 * @since 0.1.0
 */
export const update = endpoint(endpoints.update, {
  method: "PATCH",
  query: undefined,
  body: Webhook.UpdateWebhookParameters,
  success: Webhook.Webhook
})

/**
 * `DELETE /v0/webhooks/{id}`: answers with the webhook as it was.
 *
 * @category endpoints
 * @since 0.1.0
 */
export const remove = endpoint(endpoints.delete, {
  method: "DELETE",
  query: undefined,
  body: undefined,
  success: Webhook.Webhook
})

/**
 * `GET /v0/webhooks/{id}/attempts`: one page of delivery attempts, newest first.
 *
 * @category endpoints
 * @since 0.1.0
 */
export const attempts = endpoint(endpoints.attempts, {
  method: "GET",
  query: WebhookAttempt.ListWebhookAttemptsQuery,
  body: undefined,
  success: WebhookAttempt.ListWebhookAttemptsResponse
})

/**
 * Every endpoint, in the spec's order.
 *
 * @category endpoints
 * @since 0.1.0
 */
export const all = [create, list, get, update, remove, attempts] as const

/**
 * The full path of an endpoint for a webhook id (URL-encoded), e.g. `/websets/v0/webhooks/wh_1/attempts`.
 *
 * @category endpoints
 * @since 0.1.0
 */
export const pathOf = (e: { readonly path: string }, id?: string): string =>
  BASE_PATH + (id === undefined ? e.path : e.path.replace(":id", encodeURIComponent(id)))
