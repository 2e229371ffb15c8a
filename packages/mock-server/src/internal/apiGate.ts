/**
 * The middleware the mock puts around every webhook endpoint of `WebhooksApi` (outside the definition's own
 * `ApiKey` middleware). It wraps the whole of `HttpApiBuilder`'s work for a request (decoding, handler, encoding),
 * which is what lets it keep Exa's order of checks:
 *
 * 1. the API key (401, flat form);
 * 2. the per-key rate limit (429, flat form, `Retry-After`);
 * 3. the injected fault drawn for the request (500/502/503, nothing changed);
 * 4. the body read as JSON (415, 413, 400 `missing_body` / `invalid_json`) and the fields and query parameters the
 *    spec does not define, named with the allowed ones;
 * 5. the builder decodes path, query and payload with the definition's schemas; a `HttpApiSchemaError` becomes a 400
 *    with one problem per field (the names from step 4 win over the schema's own "unexpected key");
 * 6. the handler (404, 409, 400 `invalid_cursor`, or the change);
 * 7. a committed change may meet its ambiguous fault: a 500, or the connection closed.
 *
 * Every failure is answered here, in Exa's body form for its status and with the request id, so nothing reaches the
 * builder's own error rendering (which answers 400/415/413 in another form).
 *
 * @since 0.2.0
 */
import { Validation, WebhooksApi } from "@exa-webhooks/schema"
import { Effect, Exit, Layer, Option, Result, Schema, SchemaAST } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { type HttpApiEndpoint, HttpApiError, HttpApiMiddleware } from "effect/http-api"
import * as ApiKeyCheck from "./apiKeyCheck.ts"
import * as Failures from "./failures.ts"
import type * as FaultInjection from "./faultInjection.ts"
import * as RateLimitHeaders from "./rateLimitHeaders.ts"
import * as RequestChecks from "./requestChecks.ts"
import { RequestState } from "./requestState.ts"
import type * as Store from "./store.ts"
import type * as TokenBucket from "./tokenBucket.ts"
import { routeFailure } from "./unrouted.ts"

/**
 * The settings the gate reads.
 *
 * @category models
 * @since 0.2.0
 */
export interface Settings {
  readonly apiKey: ApiKeyCheck.Expected
  readonly rateLimit: number | undefined
  readonly retryAfter: boolean
  /** The rate-limit headers sent with every response to a request with a valid key (none when empty). */
  readonly rateLimitHeaders: ReadonlyArray<RateLimitHeaders.Style>
}

/**
 * What the gate works on.
 *
 * @category models
 * @since 0.2.0
 */
export interface Deps {
  readonly settings: Settings
  readonly store: Store.Store
  readonly rateLimit: TokenBucket.RateLimit | undefined
  readonly nowMillis: () => number
}

// Shown when a body is missing.
const examples: Record<string, string> = {
  create: `{"url":"https://example.com/hooks/exa","events":["webset.created"]}`,
  update: `{"events":["webset.idle"]}`,
  events: `{"type":"webset.created"}`
}

// The property names of a request shape, each with whether it is a list (a query parameter that may be repeated:
// `types=a&types=b`). The builder keeps codecs derived from the definition's structs (for JSON, for query strings),
// which have no `fields`, but their AST still lists the properties.
const fieldsOf = (schema: Schema.Top | undefined): Readonly<Record<string, boolean>> => {
  const ast = schema === undefined ? undefined : SchemaAST.toType(schema.ast)
  return ast?._tag === "Objects"
    ? Object.fromEntries(ast.propertySignatures.map((p) => [p.name, p.type._tag === "Arrays"]))
    : {}
}

// Steps 4: what is wrong before the schemas look at the values.
const precheck = (endpoint: HttpApiEndpoint.Top, request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    const early: Array<{ readonly path: string; readonly message: string }> = []
    const payload = endpoint.payload.get("application/json")
    if (endpoint.query !== undefined) {
      const search = request.url.indexOf("?")
      const params = new URLSearchParams(search === -1 ? "" : request.url.slice(search + 1))
      early.push(...RequestChecks.queryProblems(fieldsOf(endpoint.query), params))
      if (payload !== undefined) {
        // The query is checked before the body is read, so it is decoded here, ahead of the builder.
        const decoded = Schema.decodeUnknownExit(endpoint.query as Schema.Codec<unknown>, strict)(Object.fromEntries(params))
        if (early.length > 0 || Exit.isFailure(decoded)) {
          const named = new Set(early.map((p) => p.path))
          const issue = Exit.findErrorOption(decoded)
          return yield* RequestChecks.invalid("query", [
            ...early,
            ...Option.match(issue, {
              onNone: () => [],
              onSome: (error) => Validation.problems(error.issue).filter((p) => !named.has(p.path))
            })
          ])
        }
      }
    }
    if (payload !== undefined) {
      // Only the content types the definition declares: the builder decodes nothing else.
      const json = yield* RequestChecks.readJson(
        request,
        examples[endpoint.identifier] ?? "{}",
        (type) => endpoint.payload.has(type)
      )
      early.push(...RequestChecks.unknownKeys(fieldsOf(payload.schemas[0]), json, "field"))
    }
    return early
  })

const where = { Query: "query", Payload: "request body" } as const

const strict = { ...Validation.parseOptions, onExcessProperty: "error" } as const

// Step 5: the builder's decoding failure, as Exa's 400.
const schemaFailure = (
  request: HttpServerRequest.HttpServerRequest,
  error: HttpApiError.HttpApiSchemaError,
  early: ReadonlyArray<{ readonly path: string; readonly message: string }>
): Failures.ApiFailure => {
  if (error.kind !== "Query" && error.kind !== "Payload") {
    // An empty id ("/webhooks/"): the path names no webhook and no list, as no route has it.
    return routeFailure(request.method, request.url.split("?")[0]!)
  }
  const named = new Set(early.map((p) => p.path))
  return RequestChecks.invalid(where[error.kind], [
    ...early,
    ...Validation.problems(error.cause.issue).filter((p) => !named.has(p.path))
  ])
}

// Step 2: the key's token, and the headers that say where its quota stands.
const rateLimited = (deps: Deps, key: string) => {
  if (deps.rateLimit === undefined) return { failure: undefined, headers: {} }
  const now = deps.nowMillis()
  const decision = deps.rateLimit.take(key, now)
  const headers = RateLimitHeaders.make(deps.settings.rateLimitHeaders, decision.quota, now)
  if (decision.allowed) return { failure: undefined, headers }
  deps.store.bump("rateLimited")
  const failure = new Failures.RateLimited({
    retryAfterMillis: decision.retryAfterMillis,
    message: `This API key is over the rate limit of ${deps.settings.rateLimit} requests per second; retry ` +
      `after ${Failures.retryAfterSeconds(decision.retryAfterMillis)} s`
  })
  return { failure, headers }
}

const injected = (deps: Deps, fault: FaultInjection.FaultStatus) => {
  deps.store.bump("faults")
  return new Failures.InjectedFault({
    status: fault,
    applied: false,
    message: `The server failed before handling the request (a fault injected by exa-webhooks-mock ` +
      `--fault-rate); nothing was changed, so retrying is safe`
  })
}

// Step 7, for a change that was committed.
const ambiguous = (deps: Deps, state: RequestState["Service"], kind: FaultInjection.AmbiguousKind) => {
  deps.store.bump("faults")
  deps.store.bump("ambiguousFaults")
  if (kind === "drop") {
    deps.store.bump("droppedConnections")
    state.dropped = true
    return undefined
  }
  return new Failures.InjectedFault({
    status: 500,
    applied: true,
    message: "The server failed while answering (a fault injected by exa-webhooks-mock " +
      "--ambiguous-fault-rate); the request may or may not have been applied"
  })
}

/**
 * The gate, as a middleware of the mock's own.
 *
 * @category middleware
 * @since 0.2.0
 */
export class ApiGate extends HttpApiMiddleware.Service<ApiGate>()("@exa-webhooks/mock-server/internal/ApiGate") {}

/**
 * What the mock serves: the definition, with the gate around every endpoint of every group.
 *
 * @category api
 * @since 0.4.0
 */
export const MockApi = WebhooksApi.WebhooksApi.middleware(ApiGate)

// Steps 4 and 5: the body read and the unknown names found first, then the builder's decoding (and what follows).
const validated = (
  httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>,
  endpoint: HttpApiEndpoint.Top,
  request: HttpServerRequest.HttpServerRequest,
  failed: (failure: Failures.ApiFailure) => Effect.Effect<HttpServerResponse.HttpServerResponse>
) =>
  Effect.gen(function*() {
    const early = yield* Effect.result(precheck(endpoint, request))
    if (Result.isFailure(early)) return yield* failed(early.failure)
    return yield* httpEffect.pipe(
      Effect.catchIf(HttpApiError.HttpApiSchemaError.is, (error) => failed(schemaFailure(request, error, early.success)))
    )
  })

const failedWith = (state: RequestState["Service"], settings: { readonly retryAfter: boolean }) =>
(failure: Failures.ApiFailure) => Effect.succeed(Failures.toResponse(failure, state.requestId, settings))

const gate = (deps: Deps) =>
(
  httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>,
  endpoint: HttpApiEndpoint.Top
): Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, RequestState | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const state = yield* RequestState
    const request = yield* HttpServerRequest.HttpServerRequest
    const failed = failedWith(state, deps.settings)
    const key = ApiKeyCheck.authenticate(request.headers, deps.settings.apiKey)
    if (Result.isFailure(key)) return yield* failed(key.failure)
    const limited = rateLimited(deps, key.success)
    return yield* Effect.gen(function*() {
      if (limited.failure !== undefined) return yield* failed(limited.failure)
      if (state.fate.fault !== undefined) return yield* failed(injected(deps, state.fate.fault))
      const response = yield* validated(httpEffect, endpoint, request, failed)
      if (response.status !== 200 || endpoint.method === "GET" || state.fate.ambiguous === undefined) return response
      const fault = ambiguous(deps, state, state.fate.ambiguous)
      return fault === undefined ? response : yield* failed(fault)
    }).pipe(Effect.map((response) => HttpServerResponse.setHeaders(response, limited.headers)))
  })

/**
 * The same checks of body and query, and the same error rendering, for the mock's own control routes (which need
 * no key and meet no limit or fault).
 *
 * @category middleware
 * @since 0.2.0
 */
export class ControlGate extends HttpApiMiddleware.Service<ControlGate>()(
  "@exa-webhooks/mock-server/internal/ControlGate"
) {}

/**
 * {@link ControlGate} as a layer.
 *
 * @category layers
 * @since 0.2.0
 */
export const controlLayer: Layer.Layer<ControlGate> = Layer.succeed(
  ControlGate,
  (httpEffect, { endpoint }) =>
    Effect.gen(function*() {
      const state = yield* RequestState
      const request = yield* HttpServerRequest.HttpServerRequest
      return yield* validated(httpEffect as any, endpoint, request, failedWith(state, { retryAfter: true }))
    }) as any
)

/**
 * The gate, and the definition's `ApiKey` middleware, as layers for `HttpApiBuilder.layer(MockApi)`.
 *
 * `ApiKey` lets every request through: the gate, outside it, has checked the key already. The key must be checked
 * before the rate limit (a request without a key spends no token), and a security middleware cannot hold the
 * checks that follow it: the builder wraps what runs inside a security middleware so that its schema errors reach
 * only the middleware outside.
 *
 * @category layers
 * @since 0.2.0
 */
export const layer = (deps: Deps): Layer.Layer<ApiGate | WebhooksApi.ApiKey> =>
  Layer.mergeAll(
    Layer.succeed(ApiGate, (httpEffect, { endpoint }) => gate(deps)(httpEffect, endpoint) as any),
    Layer.succeed(WebhooksApi.ApiKey, { apiKey: (httpEffect) => httpEffect })
  )
