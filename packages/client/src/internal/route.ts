/**
 * The client's requests, read off the one API definition (`WebhooksApi` in `@exa-webhooks/schema`, the `HttpApi` the
 * mock serves with `HttpApiBuilder`): method, path, success schema, and the query and payload codecs of each endpoint
 * come from its `HttpApiEndpoint`, so a change to the definition changes the client's requests with it.
 *
 * Why not `HttpApiClient` itself: it builds one `HttpClient` call per endpoint with its own decoding and error
 * mapping, while every request of this client must go through the executor (pacing, classified retries, redaction,
 * the duplicate-safe create's recovery between attempts). Reading the endpoint's schemas keeps one definition and
 * that one pipeline.
 */
import { WebhooksApi } from "@exa-webhooks/schema"
import type { Schema } from "effect"
import type { HttpApiEndpoint } from "effect/http-api"
import type { Call } from "./executor.ts"

/** A decoder of the success body as the endpoint declares it. */
type SuccessOf<E> = Schema.Codec<HttpApiEndpoint.Success<E>["Type"], HttpApiEndpoint.Success<E>["Encoded"]>

/** The query codec (`never` for an endpoint without one). */
type QueryOf<E> = [HttpApiEndpoint.Query<E>] extends [never] ? never
  : Schema.Codec<HttpApiEndpoint.Query<E>["Type"], HttpApiEndpoint.Query<E>["Encoded"]>

/** The JSON payload codec (`never` for an endpoint without a body). */
type PayloadOf<E> = [HttpApiEndpoint.Payload<E>] extends [never] ? never
  : Schema.Codec<HttpApiEndpoint.Payload<E>["Type"], HttpApiEndpoint.Payload<E>["Encoded"]>

/** One endpoint of the API, as the client sends it. */
export interface Route<E extends HttpApiEndpoint.Top> {
  readonly method: Call["method"]
  /** The full path (prefix included), `:id` replaced by the URL-encoded `id`. */
  readonly path: (id?: string) => string
  readonly success: SuccessOf<E>
  readonly query: QueryOf<E>
  readonly payload: PayloadOf<E>
}

const METHODS: ReadonlySet<string> = new Set<Call["method"]>(["GET", "POST", "PATCH", "DELETE"])

/**
 * The route of an endpoint. Throws at import time when the definition has a shape this client cannot send (several
 * success schemas, a method it does not use): a programming error caught by any test that loads the client.
 */
export const make = <E extends HttpApiEndpoint.Top>(endpoint: E): Route<E> => {
  const [success, ...more] = endpoint.success
  if (success === undefined || more.length > 0) {
    throw new Error(`route ${endpoint.identifier}: expected exactly one success schema, got ${endpoint.success.size}`)
  }
  if (!METHODS.has(endpoint.method)) throw new Error(`route ${endpoint.identifier}: method ${endpoint.method}`)
  const json = endpoint.payload.get("application/json")
  const template = endpoint.path
  // Split once at `:id`, rather than a regular expression per request.
  const at = template.search(/:id\b/)
  const before = at === -1 ? template : template.slice(0, at)
  const after = at === -1 ? "" : template.slice(at + 3)
  return {
    method: endpoint.method as Call["method"],
    path: (id) => (id === undefined || at === -1 ? template : before + encodeURIComponent(id) + after),
    success: success as SuccessOf<E>,
    query: endpoint.query as QueryOf<E>,
    payload: json?.schemas[0] as PayloadOf<E>
  }
}

const endpoints = WebhooksApi.Webhooks.endpoints

/** `POST /websets/v0/webhooks`. */
export const create = make(endpoints.create)
/** `GET /websets/v0/webhooks`. */
export const list = make(endpoints.list)
/** `GET /websets/v0/webhooks/{id}`. */
export const get = make(endpoints.get)
/** `PATCH /websets/v0/webhooks/{id}`. */
export const update = make(endpoints.update)
/** `DELETE /websets/v0/webhooks/{id}`. */
export const remove = make(endpoints.delete)
/** `GET /websets/v0/webhooks/{id}/attempts`. */
export const attempts = make(endpoints.attempts)
/** `GET /websets/v0/events`. */
export const listEvents = make(WebhooksApi.Events.endpoints.list)
/** `GET /websets/v0/events/{id}`. */
export const getEvent = make(WebhooksApi.Events.endpoints.get)
