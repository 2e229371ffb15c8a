/**
 * The `WebhooksClient` service: every webhook operation of Exa's Websets API, with input validation, pacing under
 * the rate limit, safe retries and duplicate-safe creates.
 *
 * @example
 * ```ts
 * import { WebhooksClient } from "@exa-webhooks/client"
 * import { FetchHttpClient } from "effect/http"
 *
 * const Webhooks = WebhooksClient.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 * @since 0.1.0
 */
import {
  BaseUrl,
  ClientSettings,
  IdempotencyKey,
  Page,
  RedisUrl,
  ReservedMetadata,
  Validation,
  Webhook,
  WebhookAttempt,
  WebhookId
} from "@exa-webhooks/schema"
import { Config, Context, Duration, Effect, Layer, Option, Redacted, Result, Schema, Stream } from "effect"
import { HttpClient } from "effect/http"
import { RateLimiter } from "effect/persistence"
import * as DuplicateSafeCreate from "./internal/duplicateSafeCreate.ts"
import * as Errors from "./internal/errors.ts"
import * as Executor from "./internal/executor.ts"
import * as Pacing from "./internal/pacing.ts"
import * as Paginate from "./internal/paginate.ts"
import { redactor } from "./internal/redact.ts"
import * as RateLimitStore from "./RateLimitStore.ts"
import * as RetrySchedule from "./internal/retrySchedule.ts"
import * as Route from "./internal/route.ts"
import * as TokenLookup from "./internal/tokenLookup.ts"
import { InvalidOptionsError, UnexpectedResponseError } from "./WebhooksError.ts"
import type { WebhooksError } from "./WebhooksError.ts"

/**
 * Input of {@link WebhooksClient} `create`: the schema's own type, so event names autocomplete and a misspelt one
 * (`"webset.item.enrichd"`) does not compile. It is still checked with the schema before anything is sent, for
 * callers whose values come from JavaScript or from outside.
 *
 * @example
 * ```ts
 * const input: WebhooksClient.CreateInput = { url: "https://example.com/hooks/exa", events: ["webset.item.enriched"] }
 * ```
 * @since 0.1.0
 */
export type CreateInput = Webhook.CreateWebhookParameters

/**
 * Input of `update`: the fields to change, typed like {@link CreateInput}.
 *
 * @since 0.1.0
 */
export type UpdateInput = Webhook.UpdateWebhookParameters

/**
 * What `create` does with a webhook it finds was already created under its idempotency key (by an attempt whose
 * answer was lost, or by an earlier call when `lookupFirst` is set):
 * - `"recreate"` (default): delete it and create it again under the same key, so the caller gets one webhook and
 *   its `secret` (Exa returns the secret only in the create response, and a webhook without it cannot be verified).
 * - `"return"`: return it as found; its `secret` is `null`.
 *
 * @since 0.1.0
 */
export type OnRecovered = DuplicateSafeCreate.OnRecovered

/**
 * Options of `create`. `null` or an unknown field is an `InvalidInputError`, like a bad input.
 *
 * @since 0.1.0
 */
export interface CreateOptions {
  /**
   * Identifies this logical create across retries and processes. Stored in the webhook's metadata under
   * {@link IDEMPOTENCY_METADATA_KEY}; before an ambiguous create is retried, the client looks for a webhook that
   * carries it. Defaults to the value already under that key in `input.metadata`, else a random UUID per call.
   * 1 to 1000 characters.
   */
  readonly idempotencyKey?: string | undefined
  /**
   * Look for a webhook carrying `idempotencyKey` before sending anything (one listing of every webhook, shared with
   * the lookups of concurrent creates), and treat a match as in {@link OnRecovered}. Use it when calling `create`
   * again after a failure whose outcome was unknown (its error message says so). Default `false`.
   */
  readonly lookupFirst?: boolean | undefined
  /** Overrides the layer's {@link Options.onRecovered} for this call. */
  readonly onRecovered?: OnRecovered | undefined
  /**
   * What to do with a webhook that `lookupFirst` finds, or that a concurrent caller with the same key made (see
   * `raceCheck`): a webhook made by another call, whose secret that call may hold and may have deployed. Default:
   * the value of `onRecovered`. `"recreate"` replaces a webhook found by `lookupFirst` (its old secret stops working;
   * `onReplaced` is told) but never one a concurrent caller is still returning: that is an
   * `IdempotencyConflictError`.
   * @since 0.2.0
   */
  readonly onExisting?: OnRecovered | undefined
  /**
   * Called with the webhook that `lookupFirst` found and `"recreate"` is about to delete, so that an application can
   * say that the webhook's old secret stops working.
   * @since 0.2.0
   */
  readonly onReplaced?: ((replaced: Webhook.Webhook) => Effect.Effect<void>) | undefined
  /**
   * After the create, list webhooks once more to find a concurrent create with the same idempotency key (another
   * process): the oldest of them is kept and the others are deleted, so exactly one caller ends with a webhook and
   * its secret. The other gets the kept webhook (`onExisting: "return"`, `secret: null`) or an
   * `IdempotencyConflictError`. Costs one listing of every webhook per create (concurrent creates share one);
   * default `true` when the key came from the caller (`idempotencyKey` or the metadata), `false` for a generated key,
   * which no one else can share. Bulk callers that already serialise their keys can turn it off.
   * @since 0.2.0
   */
  readonly raceCheck?: boolean | undefined
}

/**
 * Options of `update`.
 *
 * @since 0.2.0
 */
export interface UpdateOptions {
  /**
   * When `input.metadata` is given, keep the webhook's reserved metadata (keys under `exa-webhooks.`, such as its
   * idempotency key) that `input.metadata` does not mention; this costs a `get` first. Default `true`; `false`
   * replaces the metadata with exactly `input.metadata`, which is how a reserved key is removed on purpose.
   */
  readonly keepReserved?: boolean | undefined
}

/**
 * Page options of `list` / `listAll`.
 *
 * @since 0.1.0
 */
export interface ListOptions {
  readonly cursor?: string | undefined
  /** 1..200; `list` sends none by default (Exa's default is 25), `listAll` asks for 200 to make fewer requests. */
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
 * Metadata key under which `create` stores its idempotency key. Reserved: a value the caller puts there is used as
 * the idempotency key.
 *
 * @since 0.1.0
 */
export const IDEMPOTENCY_METADATA_KEY = ReservedMetadata.IDEMPOTENCY_KEY

/**
 * The operations.
 *
 * @since 0.1.0
 */
export interface Service {
  /**
   * `POST /v0/webhooks`. The result is the only place the webhook's `secret` is ever returned. Duplicate-safe: an
   * attempt whose outcome is unknown is never re-sent before the client has looked for the webhook it may have
   * created (see {@link CreateOptions}).
   */
  readonly create: (input: CreateInput, options?: CreateOptions) => Effect.Effect<Webhook.Webhook, WebhooksError>
  /** `GET /v0/webhooks/{id}` (`secret` is `null`). */
  readonly get: (id: string) => Effect.Effect<Webhook.Webhook, WebhooksError>
  /** One page of `GET /v0/webhooks`. */
  readonly list: (options?: ListOptions) => Effect.Effect<Webhook.ListWebhooksResponse, WebhooksError>
  /** Every webhook, page after page, each at most once even when webhooks are added while it pages. */
  readonly listAll: (options?: Omit<ListOptions, "cursor">) => Stream.Stream<Webhook.Webhook, WebhooksError>
  /**
   * `PATCH /v0/webhooks/{id}`: fields not given stay as they are. New `metadata` replaces the old, except for the
   * reserved keys it does not mention, which are kept (see {@link UpdateOptions}).
   */
  readonly update: (id: string, input: UpdateInput, options?: UpdateOptions) => Effect.Effect<Webhook.Webhook, WebhooksError>
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
 *   const webhooks = yield* WebhooksClient.WebhooksClient
 *   const hook = yield* webhooks.create({ url: "https://example.com/hooks/exa", events: ["webset.created"] })
 *   yield* Console.log(hook.id)
 * })
 * ```
 * @since 0.1.0
 */
export class WebhooksClient extends Context.Service<WebhooksClient, Service>()("@exa-webhooks/client/WebhooksClient") {}

/**
 * Everything the client can be told. Only `apiKey` is required.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Sent as `x-api-key`; kept `Redacted` and scrubbed from anything the client reports. */
  readonly apiKey: Redacted.Redacted<string>
  /** Origin (and optional prefix) of the API; `/websets/v0/...` is appended. Default `https://api.exa.ai`. */
  readonly baseUrl?: string | undefined
  /**
   * Requests per second, shared by every fiber using this layer (and every process using the same key in a shared
   * `RateLimiterStore`, see {@link layerFromStore}). Default 10. `Infinity` turns spacing off (a 429 still pauses
   * this process's requests).
   */
  readonly rateLimit?: number | undefined
  /**
   * The key under which the limiter keeps this client's budget. Default: `"exa-webhooks:"` and the first 16 hex
   * characters of the SHA-256 of the base URL, a line break and the API key (never the key itself), so that every
   * process using one key against one API shares one budget in a shared store.
   */
  readonly rateLimitKey?: string | undefined
  /** Longest wait for one attempt's complete response (time queued behind the rate limit not counted). Default 30 s. */
  readonly timeout?: Duration.Input | undefined
  /** Retry knobs, see {@link RetryOptions}. */
  readonly retry?: RetryOptions | undefined
  /** See {@link OnRecovered}. Default `"recreate"`. */
  readonly onRecovered?: OnRecovered | undefined
  /**
   * Changes the underlying `HttpClient` (add headers, log requests, ...). It sees each request with the base URL and
   * the client's headers already set, and runs inside the client's pacing and retries (once per attempt).
   */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
}

/**
 * Knobs of the retries (`Options.retry`): every field is optional and falls back to `defaults.retry`.
 *
 * @example
 * ```ts
 * WebhooksClient.layer({ apiKey, retry: { maxRetries: 2, maxElapsed: "10 seconds" } })
 * ```
 * @category models
 * @since 0.3.0
 */
export type RetryOptions = RetrySchedule.Options

/**
 * The defaults, and why:
 * - `baseUrl: "https://api.exa.ai"`: Exa's production API.
 * - `rateLimit: 10`: the requests per second of Exa's default plan; pacing at the limit avoids 429s instead of
 *   recovering from them. Raise it if your plan allows more.
 * - `timeout: 30 s`: webhook calls answer in well under a second; 30 s tolerates a slow network and still notices a
 *   connection that hangs.
 * - `onRecovered: "recreate"`: a recovered webhook has no secret (Exa returns it only on create), and a webhook
 *   whose deliveries cannot be verified is of little use.
 * - `retry.maxRetries: 5`: six attempts ride out a deploy blip or a short burst of 5xx (about 15 s of backoff at
 *   most) without holding a caller for minutes.
 * - `retry.baseDelay: 500 ms`, `retry.maxDelay: 8 s`: the first retry comes quickly (most transient faults last well
 *   under a second); doubling reaches the 8 s ceiling on the fifth retry, and full jitter spreads many callers over
 *   that window so they do not come back together.
 * - `retry.maxElapsed: 60 s`: whatever the counts say, a caller learns within about a minute that Exa is not
 *   answering.
 * - `retry.retryAfterCap: 60 s`: Exa's limits are per second, so a longer `Retry-After` signals an outage or an
 *   exhausted quota; it is reported (`RateLimitError.retryAfter`) rather than slept through.
 *
 * @since 0.1.0
 */
export const defaults = {
  baseUrl: "https://api.exa.ai",
  rateLimit: 10,
  timeout: Duration.seconds(30),
  onRecovered: "recreate",
  retry: RetrySchedule.defaults
} as const


const inputOptions = { errors: "all", onExcessProperty: "error" } as const

const OnRecoveredSchema = Schema.Literals(["recreate", "return"])

const isEffectFunction = Schema.declare(
  (u: unknown): u is (replaced: Webhook.Webhook) => Effect.Effect<void> => typeof u === "function",
  { expected: "a function" }
)

const CreateOptionsSchema = Schema.Struct({
  idempotencyKey: Schema.optional(IdempotencyKey.IdempotencyKey),
  lookupFirst: Schema.optional(Schema.Boolean),
  onRecovered: Schema.optional(OnRecoveredSchema),
  onExisting: Schema.optional(OnRecoveredSchema),
  onReplaced: Schema.optional(isEffectFunction),
  raceCheck: Schema.optional(Schema.Boolean)
})

const UpdateOptionsSchema = Schema.Struct({ keepReserved: Schema.optional(Schema.Boolean) })

// `list(null)` must fail like any bad input, not throw reading the fields of null.
const OptionsObject = Schema.Record(Schema.String, Schema.Unknown)

// Options such as `{ cursor: undefined }` mean "not given"; the query schemas use exact optional keys.
const defined = <A extends object>(options: A): Partial<A> =>
  typeof options === "object" && options !== null
    ? Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<A>
    : options

// Each schema's decoder under `inputOptions`, built on first use (the default one is `Executor.decoderOf`).
const fullDecoders = new WeakMap<object, (input: unknown) => Result.Result<unknown, Schema.SchemaError>>()

// Whether every own key of `input` is in `output`, at every depth of plain objects and arrays. A default decode drops
// unknown keys; when it dropped none it agrees with `onExcessProperty: "error"`. Anything else (a key renamed, a
// value turned into a class) reads as "not covered", and the input gets the full check.
const keysCovered = (input: unknown, output: unknown): boolean => {
  if (typeof input !== "object" || input === null) return true
  if (Array.isArray(input)) {
    if (!Array.isArray(output) || input.length !== output.length) return false
    for (let i = 0; i < input.length; i++) if (!keysCovered(input[i], output[i])) return false
    return true
  }
  if (Object.getPrototypeOf(input) !== Object.prototype) return true
  if (typeof output !== "object" || output === null) return false
  const keys = Reflect.ownKeys(input)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    if (!Object.hasOwn(output, key)) return false
    if (!keysCovered((input as Record<PropertyKey, unknown>)[key], (output as Record<PropertyKey, unknown>)[key])) return false
  }
  return true
}

/**
 * `input` checked by `schema` under `inputOptions` (every problem, unknown fields refused). Valid input, the common
 * case, takes the schema's default decode, whose fast route skips the generator the full options need (3 KB and most
 * of a create's validation time, measured with the sampling heap profiler); whatever that decode refuses or would
 * have trimmed is checked again in full, so the problems reported are the full check's.
 */
const validate = <A>(
  schema: Schema.Decoder<A>,
  input: unknown,
  prefix?: string
): Result.Result<A, ReadonlyArray<Errors.Problem>> => {
  const fast = Executor.decoderOf(schema)(input)
  if (Result.isSuccess(fast) && keysCovered(input, fast.success)) return fast as Result.Result<A, never>
  let full = fullDecoders.get(schema)
  if (full === undefined) {
    full = Schema.decodeUnknownResult(schema, inputOptions)
    fullDecoders.set(schema, full)
  }
  return Result.mapError(full(input) as Result.Result<A, Schema.SchemaError>, (error) => Errors.problemsOf(error.issue, prefix))
}

// A query codec encodes to text fields (its Encoded type is the wider string tree of `HttpApiEndpoint` queries).
const encodeQuery = (
  schema: Schema.Encoder<unknown>,
  input: unknown
): Result.Result<Readonly<Record<string, string>>, ReadonlyArray<Errors.Problem>> =>
  Result.mapError(
    Schema.encodeUnknownResult(schema, inputOptions)(input) as Result.Result<Readonly<Record<string, string>>, Schema.SchemaError>,
    (error) => Errors.problemsOf(error.issue)
  )

/** The query of a list call; a non-object `options` is reported by {@link validateOptions} alone. */
const queryOf = (schema: Schema.Encoder<unknown>, options: unknown) =>
  typeof options === "object" && options !== null ? encodeQuery(schema, defined(options)) : Result.succeed({})

/** The options argument: an object (problems named `options`), whose fields `schema` checks (named by field). */
const validateOptions = <A>(
  schema: Schema.Decoder<A>,
  options: unknown
): Result.Result<A, ReadonlyArray<Errors.Problem>> =>
  typeof options === "object" && options !== null
    ? validate(schema, options)
    // Never a success: anything that is not an object fails the record check.
    : validate(OptionsObject, options, "options") as Result.Result<never, ReadonlyArray<Errors.Problem>>

/** Fails with one `InvalidInputError` listing the problems of every argument, or returns the validated values. */
const validated = <const T extends ReadonlyArray<Result.Result<unknown, ReadonlyArray<Errors.Problem>>>>(
  operation: Errors.Operation,
  results: T
): Effect.Effect<{ -readonly [K in keyof T]: T[K] extends Result.Result<infer A, unknown> ? A : never }, WebhooksError> => {
  const problems = results.flatMap((result) => (Result.isFailure(result) ? result.failure : []))
  return problems.length > 0
    ? Effect.fail(Errors.invalidInput(operation, problems))
    : Effect.succeed(results.map((result) => (result as Result.Success<unknown, never>).success) as never)
}

// Shows a base URL without its credentials (a value that breaks the rule may carry them).
const maskedUrl = (value: string) => value.replace(/^([a-z][a-z\d+.-]*:\/\/)?[^/]*@/i, (_, scheme: string | undefined) => `${scheme ?? ""}****@`)

const invalidOption = (option: string, value: unknown, rule: string) =>
  new InvalidOptionsError({
    option,
    value: typeof value === "string" ? value : String(value),
    message: `invalid client option ${option}: ${rule}`
  })

// Each rule is the schema's (`ClientSettings`), the same one the bins' flags and the environment are checked by.
const durationMillis = (
  option: string,
  input: Duration.Input,
  problem: (duration: Duration.Input) => string | undefined
): Effect.Effect<number, InvalidOptionsError> => {
  const decoded = Duration.fromInput(input)
  const found = Option.isSome(decoded) ? problem(decoded.value) : problem(Number.NaN)
  return found === undefined && Option.isSome(decoded)
    ? Effect.succeed(Duration.toMillis(decoded.value))
    : Effect.fail(invalidOption(option, input, found ?? `expected a duration such as "30 seconds"; got ${String(input)}`))
}

/** The options checked and completed with the defaults; a value out of range is an `InvalidOptionsError`. */
const resolve = Effect.fnUntraced(function*(options: Options) {
  const given = options.baseUrl ?? defaults.baseUrl
  const problem = BaseUrl.problem(given)
  if (problem !== undefined) return yield* new InvalidOptionsError({ option: "baseUrl", value: maskedUrl(given), message: `invalid client option baseUrl: ${problem}` })
  const baseUrl = given.replace(/\/+$/, "")
  const rateLimit = options.rateLimit ?? defaults.rateLimit
  // `Infinity` is the client's own extra: pacing off.
  const rateProblem = typeof rateLimit !== "number"
    ? `must be a positive number of requests per second; got ${String(rateLimit)}`
    : rateLimit === Infinity
    ? undefined
    : ClientSettings.rateLimitProblem(rateLimit)
  if (rateProblem !== undefined) return yield* invalidOption("rateLimit", rateLimit, `${rateProblem} (or Infinity: no pacing)`)
  if (options.rateLimitKey !== undefined && (typeof options.rateLimitKey !== "string" || options.rateLimitKey === "")) {
    return yield* invalidOption("rateLimitKey", options.rateLimitKey, "expected a non-empty string")
  }
  const timeoutMillis = yield* durationMillis("timeout", options.timeout ?? defaults.timeout, ClientSettings.timeoutProblem)
  const retry = options.retry ?? {}
  const maxRetries = retry.maxRetries ?? RetrySchedule.defaults.maxRetries
  const retriesProblem = ClientSettings.maxRetriesProblem(maxRetries)
  if (retriesProblem !== undefined) return yield* invalidOption("retry.maxRetries", maxRetries, retriesProblem)
  const delay = (option: keyof RetryOptions & string, input: Duration.Input) =>
    durationMillis(`retry.${option}`, input, ClientSettings.delayProblem)
  const policy: RetrySchedule.Policy = {
    maxRetries,
    baseDelayMillis: yield* delay("baseDelay", retry.baseDelay ?? RetrySchedule.defaults.baseDelay),
    maxDelayMillis: yield* delay("maxDelay", retry.maxDelay ?? RetrySchedule.defaults.maxDelay),
    maxElapsedMillis: yield* delay("maxElapsed", retry.maxElapsed ?? RetrySchedule.defaults.maxElapsed),
    retryAfterCapMillis: yield* delay("retryAfterCap", retry.retryAfterCap ?? RetrySchedule.defaults.retryAfterCap)
  }
  const rateLimitKey = options.rateLimitKey ?? (yield* defaultRateLimitKey(baseUrl, options.apiKey))
  return { baseUrl, rateLimit, rateLimitKey, timeoutMillis, policy }
})

/**
 * The limiter key of a client without `rateLimitKey`: `"exa-webhooks:"` and the first 16 hex characters of
 * SHA-256(base URL, a line break, API key). Stable across processes, so several processes with one key share one
 * budget in a shared store; it names neither the key nor the URL.
 *
 * @example
 * ```ts
 * const key = yield* WebhooksClient.defaultRateLimitKey("https://api.exa.ai", apiKey)
 * ```
 * @category constructors
 * @since 0.3.0
 */
export const defaultRateLimitKey = (baseUrl: string, apiKey: Redacted.Redacted<string>): Effect.Effect<string> =>
  Effect.promise(async () => {
    const bytes = new TextEncoder().encode(`${baseUrl.replace(/\/+$/, "")}\n${Redacted.value(apiKey)}`)
    const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes))
    return `exa-webhooks:${Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("")}`
  })

/** The validated query of one page of `GET /webhooks`, or the `InvalidInputError` for `options`. */
const listCall = (options: ListOptions) => {
  const path = Route.list.path()
  return Effect.map(
    validated({ method: Route.list.method, path }, [
      validateOptions(OptionsObject, options),
      queryOf(Route.list.query, options)
    ]),
    ([, urlParams]) => ({ method: Route.list.method, path, urlParams })
  )
}

/** The validated call of one page of `GET /webhooks/{id}/attempts`. */
const attemptsCall = (id: string, options: AttemptsOptions) => {
  const path = Route.attempts.path(id)
  return Effect.map(
    validated({ method: Route.attempts.method, path }, [
      validate(WebhookId.WebhookId, id, "id"),
      validateOptions(OptionsObject, options),
      queryOf(Route.attempts.query, options)
    ]),
    ([, , urlParams]) => ({ method: Route.attempts.method, path, urlParams })
  )
}

/**
 * Builds the service from an `HttpClient` and the `RateLimiterStore` that paces it (see {@link layerFromStore}).
 * Out-of-range options fail here, when the layer is built, with an `InvalidOptionsError` naming the option.
 *
 * @since 0.1.0
 */
export const make = (clientOptions: Options): Effect.Effect<
  Service,
  InvalidOptionsError,
  HttpClient.HttpClient | RateLimiter.RateLimiterStore
> => makeWith(clientOptions, {})

/**
 * Runs an operation in its span, as `Effect.fn(name)` does, when the application traces (a tracer of its own is
 * installed); the request's span from `HttpClient` is then a child of it.
 *
 * - Without the call-site stack trace that `Effect.fn` captures on every call (it sets `Error.stackTraceLimit` and
 *   builds an `Error` each time): measured in `make bench` (overhead), that capture cost a request 0.1-0.2 ms of CPU.
 * - Not under effect's built-in tracer, which keeps its spans nowhere: there the span could not be read, and it cost a
 *   create a fifth of its CPU (`make bench` overhead, 3 rounds pinned to one core: 0.39-0.42 ms against 0.33 ms per
 *   create). Most of it is garbage collection: with the span, every young collection kept about 8 MB more alive
 *   (`--trace-gc`: 830 ms of scavenges against 300 ms over 8,000 creates and gets). The request's own span is there
 *   either way.
 */
const traced = (name: string) => {
  const withSpan = Effect.withSpan(name, undefined, { captureStackTrace: false })
  return <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiber((fiber) => (Executor.tracing(fiber) ? withSpan(effect) : effect))
}

/** Annotates the operation's span, when it has one (see {@link traced}). */
const annotateOperation = (attributes: Record<string, unknown>): Effect.Effect<void> =>
  Effect.withFiber((fiber) =>
    Executor.tracing(fiber) ? Effect.annotateCurrentSpan(attributes) : Effect.void
  )

const makeWith = Effect.fnUntraced(function*(clientOptions: Options, env: Errors.Context["env"]) {
  const settings = yield* resolve(clientOptions)
  const baseClient = yield* HttpClient.HttpClient
  const pacer = yield* Pacing.make({ key: settings.rateLimitKey, requestsPerSecond: settings.rateLimit })
  const executor = Executor.make({
    client: baseClient,
    transformClient: clientOptions.transformClient,
    baseUrl: settings.baseUrl,
    apiKey: clientOptions.apiKey,
    timeoutMillis: settings.timeoutMillis,
    policy: settings.policy,
    pacer,
    env
  })
  const onRecovered = clientOptions.onRecovered ?? defaults.onRecovered

  const getTraced = traced("WebhooksClient.get")
  const get = (id: string) =>
    getTraced(Effect.suspend(() => {
      const call = { method: Route.get.method, path: Route.get.path(id) }
      const checked = validate(WebhookId.WebhookId, id, "id")
      return Result.isFailure(checked)
        ? Effect.fail(Errors.invalidInput(call, checked.failure))
        : executor.request(call, Route.get.success, Webhook.fromWire)
    }))

  const list = Effect.fnUntraced(function*(options: ListOptions = {}) {
    return yield* executor.request(yield* listCall(options), Route.list.success)
  }, traced("WebhooksClient.list"))

  const update = Effect.fnUntraced(
    function*(id: string, input: UpdateInput, options: UpdateOptions = {}) {
      const call = { method: Route.update.method, path: Route.update.path(id) }
      const [, params, given] = yield* validated(call, [
        validate(WebhookId.WebhookId, id, "id"),
        // The endpoint's payload, and at least one field (an empty PATCH costs a request to learn nothing).
        validate(Webhook.UpdateWebhookChanges, input),
        validateOptions(UpdateOptionsSchema, options)
      ])
      let changes = params
      if (params.metadata !== undefined && given.keepReserved !== false) {
        // PATCH replaces the whole metadata: without this, a `team` update would drop the idempotency key (and a
        // later create with that key would make a second webhook) or the batch app's ownership tags.
        const current = yield* get(id)
        changes = { ...params, metadata: { ...ReservedMetadata.pick(current.metadata), ...params.metadata } }
      }
      const body = Schema.encodeSync(Route.update.payload)(changes)
      // PATCH sets fields to given values, so sending it twice is harmless.
      return yield* executor.request({ ...call, body }, Route.update.success, Webhook.fromWire)
    },
    traced("WebhooksClient.update")
  )

  const remove = Effect.fnUntraced(function*(id: string) {
    const call = { method: Route.remove.method, path: Route.remove.path(id) }
    yield* validated(call, [validate(WebhookId.WebhookId, id, "id")])
    // A repeated DELETE of a webhook the first one removed answers 404, which the caller sees as NotFoundError.
    return yield* executor.request(call, Route.remove.success)
  }, traced("WebhooksClient.delete"))

  const attempts = Effect.fnUntraced(function*(id: string, options: AttemptsOptions = {}) {
    return yield* executor.request(yield* attemptsCall(id, options), Route.attempts.success)
  }, traced("WebhooksClient.attempts"))

  // What an item that does not decode shows of itself; the key is never in it, even if a webhook's data echoes it.
  const redact = redactor(Redacted.value(clientOptions.apiKey))

  /**
   * `listAll` / `listAllAttempts`: pages fetched as envelopes, their items decoded with `item` one page behind. With
   * `select`, only the items it keeps are decoded (and emitted).
   */
  const pagesOf = <A extends { readonly id: string }>(
    first: Effect.Effect<Executor.Call, WebhooksError>,
    item: Schema.Decoder<A>,
    select?: (raw: unknown) => boolean,
    quick?: (raw: unknown) => A | undefined
  ): Stream.Stream<A, WebhooksError> => {
    const decodeItems = Paginate.itemsDecoder(item, quick)
    return Stream.unwrap(Effect.map(first, (call) =>
      Paginate.make({
        path: call.path,
        page: (cursor) =>
          executor.request(
            cursor === undefined ? call : { ...call, urlParams: { ...call.urlParams, cursor } },
            Paginate.Envelope
          ),
        decode: (all) => {
          const data = select === undefined ? all : all.filter(select)
          return Effect.mapError(decodeItems(data), (error) => {
            const [problem] = Validation.problems(error.issue)
            const detail = problem === undefined ? "" : ` (${problem.path === "" ? "" : `${problem.path}: `}${redact(problem.message)})`
            const snippet = redact(JSON.stringify(data))
            return new UnexpectedResponseError({
              method: call.method,
              path: call.path,
              status: 200,
              snippet: snippet.length > 500 ? `${snippet.slice(0, 500)}…` : snippet,
              message: `${call.method} ${call.path}: Exa answered 200 with a page this client cannot read${detail}. The API ` +
                "may have changed; upgrade @exa-webhooks/client or report it with the snippet."
            })
          })
        }
      })))
  }

  const listAll = (options: Omit<ListOptions, "cursor"> = {}) =>
    pagesOf(listCall({ limit: Page.PAGE_LIMIT.maximum, ...defined(options) }), Webhook.Webhook, undefined, Webhook.fromWire)

  /** Every webhook `select` keeps, decoded (only those). */
  const listSelected = (select: (raw: unknown) => boolean) =>
    pagesOf(listCall({ limit: Page.PAGE_LIMIT.maximum }), Webhook.Webhook, select, Webhook.fromWire)

  const listAllAttempts = (id: string, options: Omit<AttemptsOptions, "cursor"> = {}) =>
    pagesOf(
      attemptsCall(id, { limit: Page.PAGE_LIMIT.maximum, ...defined(options) }),
      WebhookAttempt.WebhookAttempt,
      undefined,
      WebhookAttempt.fromWire
    )

  // Concurrent lookups (ambiguous creates, lookupFirst, race checks) share one listing; see internal/tokenLookup.ts.
  const findByToken = yield* TokenLookup.make(listSelected, IDEMPOTENCY_METADATA_KEY)

  const create = Effect.fnUntraced(function*(input: CreateInput, options: CreateOptions = {}) {
    const path = Route.create.path()
    const [params, given] = yield* validated({ method: Route.create.method, path }, [
      validate(Route.create.payload, input),
      validateOptions(CreateOptionsSchema, options)
    ])
    const fromCaller = given.idempotencyKey ?? params.metadata?.[IDEMPOTENCY_METADATA_KEY]
    const token = fromCaller || (yield* Effect.sync(() => globalThis.crypto.randomUUID()))
    const body = Schema.encodeSync(Route.create.payload)({
      ...params,
      metadata: { ...params.metadata, [IDEMPOTENCY_METADATA_KEY]: token }
    })
    yield* annotateOperation({ idempotencyKey: token })
    const recovered = given.onRecovered ?? onRecovered
    return yield* DuplicateSafeCreate.run({ executor, findByToken, remove }, {
      body,
      token,
      onRecovered: recovered,
      onExisting: given.onExisting ?? recovered,
      onReplaced: given.onReplaced,
      lookupFirst: given.lookupFirst ?? false,
      raceCheck: given.raceCheck ?? Boolean(fromCaller)
    })
  }, traced("WebhooksClient.create"))

  return WebhooksClient.of({
    create,
    get,
    list,
    listAll,
    update,
    delete: remove,
    attempts,
    listAllAttempts
  })
})

/**
 * The service from explicit options, paced through the `RateLimiterStore` the context provides: provide a shared
 * store (Redis, say) and every process using the same API key against the same API shares one rate budget. Needs an
 * `HttpClient` too.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "effect/persistence"
 *
 * const Webhooks = WebhooksClient.layerFromStore({ apiKey: Redacted.make(key) }).pipe(
 *   Layer.provide([FetchHttpClient.layer, RateLimiter.layerStoreMemory])
 * )
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layerFromStore = (
  options: Options
): Layer.Layer<WebhooksClient, InvalidOptionsError, HttpClient.HttpClient | RateLimiter.RateLimiterStore> =>
  Layer.effect(WebhooksClient, make(options))

/**
 * The service from explicit options, paced in this process's memory (one store per build of the layer: provide the
 * layer once and share it); needs an `HttpClient`. {@link layerFromStore} is the same with a store of your choice.
 *
 * @example
 * ```ts
 * import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
 *
 * const Webhooks = WebhooksClient.layer({ apiKey: Redacted.make(key), rateLimit: 5 }).pipe(
 *   Layer.provide(NodeHttpClient.layerUndici)
 * )
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<WebhooksClient, InvalidOptionsError, HttpClient.HttpClient> =>
  layerFromStore(options).pipe(Layer.provide(RateLimiter.layerStoreMemory))

/**
 * Where {@link layerConfig} reads each setting. Every field is optional; a given `Config` replaces the environment
 * variable named in its comment.
 *
 * @since 0.1.0
 */
export interface ConfigOptions {
  /** `EXA_API_KEY` (required). */
  readonly apiKey?: Config.Config<Redacted.Redacted<string>> | undefined
  /** `EXA_BASE_URL`, default `https://api.exa.ai`. */
  readonly baseUrl?: Config.Config<string> | undefined
  /** `EXA_RATE_LIMIT` (requests per second), default 10. */
  readonly rateLimit?: Config.Config<number> | undefined
  /** `EXA_TIMEOUT` (e.g. `"30 seconds"`), default 30 s. */
  readonly timeout?: Config.Config<Duration.Duration> | undefined
  /**
   * `EXA_MAX_RETRIES`, `EXA_RETRY_BASE_DELAY`, `EXA_RETRY_MAX_DELAY`, `EXA_RETRY_MAX_ELAPSED`,
   * `EXA_RETRY_AFTER_CAP`; each defaults as in `defaults.retry`.
   */
  readonly retry?: Config.Config<RetryOptions> | undefined
  /**
   * `EXA_RATE_LIMIT_STORE` (`redis://[user:password@]host[:port][/db]`): where the rate budget lives, shared by
   * every process using the same key and store; unset, in this process. See `RateLimitStore.layerConfig`.
   * @since 0.3.0
   */
  readonly rateLimitStore?: Config.Config<Option.Option<RedisUrl.RedisUrl>> | undefined
  /** Not configuration: passed through as in {@link Options}. */
  readonly rateLimitKey?: string | undefined
  /** Not configuration but code: passed through as in {@link Options}. */
  readonly onRecovered?: OnRecovered | undefined
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
}

// Checked here with the schema's rules, not only in `make`, so a bad variable fails the layer with a ConfigError
// naming the variable rather than an InvalidOptionsError naming the option.
const optionalDuration = (name: string) => Config.option(Config.schema(ClientSettings.DelayFromString, name))

/**
 * The retry knobs from the environment (see {@link ConfigOptions.retry}).
 *
 * @since 0.1.0
 */
export const retryConfig: Config.Config<RetryOptions> = Config.all({
  maxRetries: Config.option(Config.schema(ClientSettings.MaxRetriesFromString, "EXA_MAX_RETRIES")),
  baseDelay: optionalDuration("EXA_RETRY_BASE_DELAY"),
  maxDelay: optionalDuration("EXA_RETRY_MAX_DELAY"),
  maxElapsed: optionalDuration("EXA_RETRY_MAX_ELAPSED"),
  retryAfterCap: optionalDuration("EXA_RETRY_AFTER_CAP")
}).pipe(Config.map((knobs): RetryOptions => ({
  maxRetries: Option.getOrUndefined(knobs.maxRetries),
  baseDelay: Option.getOrUndefined(knobs.baseDelay),
  maxDelay: Option.getOrUndefined(knobs.maxDelay),
  maxElapsed: Option.getOrUndefined(knobs.maxElapsed),
  retryAfterCap: Option.getOrUndefined(knobs.retryAfterCap)
})))

/**
 * Reads every setting of {@link Options} from configuration (by default the environment), see
 * {@link ConfigOptions}. A missing `EXA_API_KEY` or a malformed value fails the layer with a `ConfigError` naming
 * the variable. With `EXA_RATE_LIMIT_STORE` set, the rate budget is kept in that Redis (`RateLimitStore.layerRedis`),
 * and a store that cannot be reached fails the layer with `RateLimitStoreUnavailableError`.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "effect/http"
 *
 * const Webhooks = WebhooksClient.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  options: ConfigOptions = {}
): Layer.Layer<
  WebhooksClient,
  Config.ConfigError | InvalidOptionsError | RateLimitStore.RateLimitStoreUnavailableError,
  HttpClient.HttpClient
> =>
  Layer.effect(WebhooksClient, makeConfig(options)).pipe(
    // The rate budget: in this process's memory (one store per build of the layer), or in the store that
    // EXA_RATE_LIMIT_STORE (or `rateLimitStore`) names.
    Layer.provide(RateLimitStore.layerConfig({ url: options.rateLimitStore }))
  )

const makeConfig = Effect.fnUntraced(function*(options: ConfigOptions) {
  const settings = yield* Config.all({
    apiKey: options.apiKey ?? Config.Redacted("EXA_API_KEY"),
    baseUrl: options.baseUrl ??
      Config.schema(BaseUrl.BaseUrl, "EXA_BASE_URL").pipe(Config.withDefault(defaults.baseUrl)),
    rateLimit: options.rateLimit ??
      Config.schema(ClientSettings.RateLimitFromString, "EXA_RATE_LIMIT").pipe(
        Config.withDefault(defaults.rateLimit)
      ),
    timeout: options.timeout ??
      Config.schema(ClientSettings.TimeoutFromString, "EXA_TIMEOUT").pipe(Config.withDefault(defaults.timeout)),
    retry: options.retry ?? retryConfig
  })
  // Errors name a variable only when the setting was read from it (a given `Config` may come from anywhere).
  const env: Errors.Context["env"] = {
    ...(options.apiKey === undefined ? { apiKey: "EXA_API_KEY" } : {}),
    ...(options.rateLimit === undefined ? { rateLimit: "EXA_RATE_LIMIT" } : {}),
    ...(options.timeout === undefined ? { timeout: "EXA_TIMEOUT" } : {})
  }
  return yield* makeWith({
    ...settings,
    ...(options.rateLimitKey === undefined ? {} : { rateLimitKey: options.rateLimitKey }),
    ...(options.onRecovered === undefined ? {} : { onRecovered: options.onRecovered }),
    ...(options.transformClient === undefined ? {} : { transformClient: options.transformClient })
  }, env)
})
