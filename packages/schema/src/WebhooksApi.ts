/**
 * The webhook API of Exa Websets, defined once as an `HttpApi`: the group `webhooks` (six endpoints) and the group
 * `events` (the two endpoints of the Events API, the same event objects a webhook delivers) under `/websets/v0`,
 * with their path parameter, query, payload, success and error schemas, and the API key they need. The mock server
 * implements it with `HttpApiBuilder`; a client derives its requests from it (`HttpApiClient`); the conformance test
 * compares it with the official spec.
 *
 * Request shapes are strict: a field or query parameter the spec does not define is an error (`onExcessProperty:
 * "error"`), and every broken rule is reported, not only the first.
 *
 * @example
 * ```ts
 * import { HttpApiBuilder } from "effect/http-api"
 * import { WebhooksApi } from "@exa-webhooks/schema"
 *
 * HttpApiBuilder.group(WebhooksApi.WebhooksApi, "webhooks", (handlers) => handlers.handleAll({ ... }))
 * ```
 * @since 0.2.0
 */
import { Schema } from "effect"
import {
  HttpApi,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSchema,
  HttpApiSecurity
} from "effect/http-api"
import * as ApiError from "./ApiError.ts"
import * as Event from "./Event.ts"
import { parseOptions } from "./Validation.ts"
import * as Webhook from "./Webhook.ts"
import * as WebhookAttempt from "./WebhookAttempt.ts"

/**
 * Prefix of every Websets path on `https://api.exa.ai`.
 *
 * @category paths
 * @since 0.2.0
 */
export const BASE_PATH = "/websets/v0"

/**
 * The `{id}` path parameter of a webhook: any non-empty text (Exa's ids look like `webhook_...`, but the spec does not
 * promise a form, so an unknown id is a 404, not a 400).
 *
 * @category schemas
 * @since 0.2.0
 */
export const WebhookIdParam = Schema.String.check(Schema.isMinLength(1))

/**
 * The path parameters of the endpoints on one webhook.
 *
 * @category schemas
 * @since 0.2.0
 */
export const WebhookParams = { id: WebhookIdParam }

const nested = (status: number) => ApiError.NestedErrorBody.pipe(HttpApiSchema.status(status))
const flat = (status: number) => ApiError.FlatErrorBody.pipe(HttpApiSchema.status(status))

/**
 * The error responses of the API, by status, in the body form Exa uses for each: the flat form for the gateway's
 * refusals (401, 429), the nested form for everything the API itself answers.
 *
 * @category errors
 * @since 0.2.0
 */
export const Errors = {
  BadRequest: nested(400),
  Unauthorized: flat(401),
  NotFound: nested(404),
  MethodNotAllowed: nested(405),
  Conflict: nested(409),
  PayloadTooLarge: nested(413),
  UnsupportedMediaType: nested(415),
  TooManyRequests: flat(429),
  InternalServerError: nested(500),
  BadGateway: nested(502),
  ServiceUnavailable: nested(503)
} as const

// What any request can meet besides its own errors: overload and upstream failures.
const common = [Errors.TooManyRequests, Errors.InternalServerError, Errors.BadGateway, Errors.ServiceUnavailable] as const
// What a request with a JSON body can meet on top.
const withBody = [Errors.BadRequest, Errors.PayloadTooLarge, Errors.UnsupportedMediaType] as const

/**
 * The API key: the `x-api-key` header (the spec's only security scheme; Exa also takes `Authorization: Bearer`).
 * A missing or wrong key is a 401 in the flat form.
 *
 * @category security
 * @since 0.2.0
 */
export class ApiKey extends HttpApiMiddleware.Service<ApiKey>()("@exa-webhooks/schema/WebhooksApi/ApiKey", {
  security: { apiKey: HttpApiSecurity.apiKey({ key: "x-api-key", in: "header" }) },
  error: Errors.Unauthorized,
  requiredForClient: true
}) {}

/**
 * `POST /v0/webhooks`: creates a webhook; the response is the only one that carries its `secret`.
 *
 * @category endpoints
 * @since 0.2.0
 */
export const create = HttpApiEndpoint.post("create", "/webhooks", {
  payload: Webhook.CreateWebhookParameters,
  success: Webhook.Webhook,
  error: [...withBody, Errors.Conflict, ...common]
})

/**
 * `GET /v0/webhooks`: one page of webhooks, newest first.
 *
 * @category endpoints
 * @since 0.2.0
 */
export const list = HttpApiEndpoint.get("list", "/webhooks", {
  query: Webhook.ListWebhooksQuery,
  success: Webhook.ListWebhooksResponse,
  error: [Errors.BadRequest, ...common]
})

/**
 * `GET /v0/webhooks/{id}`.
 *
 * @category endpoints
 * @since 0.2.0
 */
export const get = HttpApiEndpoint.get("get", "/webhooks/:id", {
  params: WebhookParams,
  success: Webhook.Webhook,
  error: [Errors.NotFound, ...common]
})

/**
 * `PATCH /v0/webhooks/{id}`: changes the fields given, keeps the status.
 *
 * @category endpoints
 * @since 0.2.0
 */
export const update = HttpApiEndpoint.patch("update", "/webhooks/:id", {
  params: WebhookParams,
  payload: Webhook.UpdateWebhookParameters,
  success: Webhook.Webhook,
  error: [...withBody, Errors.NotFound, ...common]
})

/**
 * `DELETE /v0/webhooks/{id}`: answers with the webhook as it was.
 *
 * @category endpoints
 * @since 0.2.0
 */
export const remove = HttpApiEndpoint.delete("delete", "/webhooks/:id", {
  params: WebhookParams,
  success: Webhook.Webhook,
  error: [Errors.NotFound, ...common]
})

/**
 * `GET /v0/webhooks/{id}/attempts`: one page of delivery attempts, newest first.
 *
 * @category endpoints
 * @since 0.2.0
 */
export const attempts = HttpApiEndpoint.get("attempts", "/webhooks/:id/attempts", {
  params: WebhookParams,
  query: WebhookAttempt.ListWebhookAttemptsQuery,
  success: WebhookAttempt.ListWebhookAttemptsResponse,
  error: [Errors.BadRequest, Errors.NotFound, ...common]
})

/**
 * The webhook endpoints, in the spec's order, under {@link BASE_PATH}, all behind the {@link ApiKey}.
 *
 * @category groups
 * @since 0.2.0
 */
export class Webhooks extends HttpApiGroup.make("webhooks")
  .add(create, list, get, update, remove, attempts)
  .middleware(ApiKey)
  .prefix(BASE_PATH)
{}

/**
 * The `{id}` path parameter of an event: any non-empty text, as for a webhook (an unknown id is a 404). A client
 * checks what it sends with `EventId` first.
 *
 * @category schemas
 * @since 0.4.0
 */
export const EventIdParam = WebhookIdParam

/**
 * The path parameters of `GET /v0/events/{id}`.
 *
 * @category schemas
 * @since 0.4.0
 */
export const EventParams = { id: EventIdParam }

/**
 * `GET /v0/events`: one page of events, newest first, filtered by `types` and by `createdAfter` / `createdBefore`
 * (both inclusive).
 *
 * @category endpoints
 * @since 0.4.0
 */
export const listEvents = HttpApiEndpoint.get("list", "/events", {
  query: Event.ListEventsQuery,
  success: Event.ListEventsResponse,
  error: [Errors.BadRequest, ...common]
})

/**
 * `GET /v0/events/{id}`: one event, as delivered.
 *
 * @category endpoints
 * @since 0.4.0
 */
export const getEvent = HttpApiEndpoint.get("get", "/events/:id", {
  params: EventParams,
  success: Event.ReceivedEvent,
  error: [Errors.NotFound, ...common]
})

/**
 * The Events API, in the spec's order, under {@link BASE_PATH}, behind the {@link ApiKey}.
 *
 * @category groups
 * @since 0.4.0
 */
export class Events extends HttpApiGroup.make("events")
  .add(listEvents, getEvent)
  .middleware(ApiKey)
  .prefix(BASE_PATH)
{}

// Person-written input: report every broken rule, and refuse what the spec does not define.
const strict = { ...parseOptions, onExcessProperty: "error" } as const

/**
 * The whole API.
 *
 * @category api
 * @since 0.2.0
 */
export class WebhooksApi extends HttpApi.make("exa-websets-webhooks")
  .add(Webhooks)
  .add(Events)
  .annotate(HttpApi.PayloadParseOptions, strict)
  .annotate(HttpApi.QueryParseOptions, strict)
{}
