/**
 * The `WebhooksClient` service: every webhook operation of Exa's Websets API, with input validation, pacing under
 * the rate limit, safe retries and duplicate-safe creates. The options live in `ClientOptions`, the operations in
 * `internal/operations.ts`; this module is the service and its layers.
 *
 * @example
 * ```ts
 * import { WebhooksClient } from "@exa-webhooks/client"
 * import * as Transport from "@exa-webhooks/client/Transport"
 *
 * const Webhooks = WebhooksClient.layerConfig().pipe(Layer.provide(Transport.layerConfig()))
 * ```
 * @since 0.1.0
 */
import type { ReservedMetadata, Webhook, WebhookAttempt } from "@exa-webhooks/schema"
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"
import type { Stream } from "effect"
import { HttpClient } from "effect/http"
import { RateLimiter } from "effect/persistence"
import * as ClientOptions from "./ClientOptions.ts"
import type * as Events from "./Events.ts"
import * as Errors from "./internal/errors.ts"
import * as EventOperations from "./internal/events.ts"
import * as Executor from "./internal/executor.ts"
import * as Operations from "./internal/operations.ts"
import * as Pacing from "./internal/pacing.ts"
import { redactor } from "./internal/redact.ts"
import * as Settings from "./internal/settings.ts"
import * as RateLimitStore from "./RateLimitStore.ts"
import type { InvalidOptionsError, WebhooksError } from "./WebhooksError.ts"

/**
 * Input of {@link WebhooksClient} `create`: the schema's own type, so event names autocomplete and a misspelt one
 * (`"webset.item.enrichd"`) does not compile. It is still checked with the schema before anything is sent, for
 * callers whose values come from JavaScript or from outside.
 *
 * @example
 * ```ts
 * const input: WebhooksClient.CreateInput = { url: "https://example.com/hooks/exa", events: ["webset.item.enriched"] }
 * ```
 * @category models
 * @since 0.1.0
 */
export type CreateInput = Webhook.CreateWebhookParameters

/**
 * Input of `update`: the fields to change, typed like {@link CreateInput}.
 *
 * @category models
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
 * @category models
 * @since 0.1.0
 */
export type OnRecovered = ClientOptions.OnRecovered

/**
 * Options of `create`. `null` or an unknown field is an `InvalidInputError`, like a bad input.
 *
 * @category models
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
 * @category models
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
 * @category models
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
 * @category models
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
 * @category constants
 * @since 0.1.0
 */
export const IDEMPOTENCY_METADATA_KEY: typeof ReservedMetadata.IDEMPOTENCY_KEY = Operations.IDEMPOTENCY_METADATA_KEY

/**
 * The operations.
 *
 * @category models
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
  /**
   * The Events API (`GET /v0/events`, `GET /v0/events/{id}`) and a stream of new events from a checkpoint, paced by
   * the same limiter as every other request (see `Events`).
   * @since 0.4.0
   */
  readonly events: Events.Service
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
 * @category services
 * @since 0.1.0
 */
export class WebhooksClient extends Context.Service<WebhooksClient, Service>()("@exa-webhooks/client/WebhooksClient") {}

/**
 * Everything the client can be told (see `ClientOptions`). Only `apiKey` is required.
 *
 * @category models
 * @since 0.1.0
 */
export type Options = ClientOptions.Options

/**
 * Knobs of the retries (`Options.retry`), see `ClientOptions.RetryOptions`.
 *
 * @category models
 * @since 0.3.0
 */
export type RetryOptions = ClientOptions.RetryOptions

/**
 * What {@link layerConfig} reads, see `ClientOptions.ConfigOptions`.
 *
 * @category models
 * @since 0.1.0
 */
export type ConfigOptions = ClientOptions.ConfigOptions

/**
 * The defaults of every option, and why: `ClientOptions.defaults`.
 *
 * @category defaults
 * @since 0.1.0
 */
export const defaults: typeof ClientOptions.defaults = ClientOptions.defaults

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
export const defaultRateLimitKey: (baseUrl: string, apiKey: Redacted.Redacted<string>) => Effect.Effect<string> =
  Settings.defaultRateLimitKey

const makeWith = Effect.fnUntraced(function*(options: Options, env: Errors.Context["env"]) {
  const settings = yield* Settings.resolve(options)
  const pacer = yield* Pacing.make({
    key: settings.rateLimitKey,
    requestsPerSecond: settings.rateLimit,
    initial: defaults.rateLimit
  })
  const executor = Executor.make({
    client: yield* HttpClient.HttpClient,
    transformClient: options.transformClient,
    baseUrl: settings.baseUrl,
    apiKey: options.apiKey,
    timeout: settings.timeout,
    policy: settings.policy,
    pacer,
    env
  })
  const context: Errors.Context = {
    baseUrl: settings.baseUrl,
    origin: new URL(settings.baseUrl).origin,
    redact: redactor(Redacted.value(options.apiKey)),
    env
  }
  const webhooks = yield* Operations.make({
    executor,
    context,
    apiKey: options.apiKey,
    onRecovered: options.onRecovered ?? defaults.onRecovered
  })
  // One executor, so the events are paced by the same limiter (and key) as every other request.
  return WebhooksClient.of({ ...webhooks, events: EventOperations.make({ executor, context, apiKey: options.apiKey }) })
})

/**
 * Builds the service from an `HttpClient` and the `RateLimiterStore` that paces it (see {@link layerFromStore}).
 * Out-of-range options fail here, when the layer is built, with an `InvalidOptionsError` naming the option.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<
  Service,
  InvalidOptionsError,
  HttpClient.HttpClient | RateLimiter.RateLimiterStore
> => makeWith(options, {})

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
 *   Layer.provide([Transport.layer(), RateLimiter.layerStoreMemory])
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
 * import * as Transport from "@exa-webhooks/client/Transport"
 *
 * const Webhooks = WebhooksClient.layer({ apiKey: Redacted.make(key), rateLimit: 5 }).pipe(
 *   Layer.provide(Transport.layerConfig())
 * )
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<WebhooksClient, InvalidOptionsError, HttpClient.HttpClient> =>
  layerFromStore(options).pipe(Layer.provide(RateLimiter.layerStoreMemory))

/**
 * Reads every setting from configuration: by default `ClientOptions.fromEnv`, each setting from its environment
 * variable (`EXA_API_KEY`, `EXA_BASE_URL`, `EXA_RATE_LIMIT`, ...: `ClientOptions.env`) or its default. Give a record
 * to read some settings elsewhere (`{ ...ClientOptions.fromEnv, rateLimit: Config.succeed(5) }`; a setting left out
 * takes its default), or one `Config` of them all. A missing `EXA_API_KEY` or a malformed value fails the layer with a
 * `ConfigError` naming the variable. With a rate-limit store (`EXA_RATE_LIMIT_STORE`) the budget is kept in that
 * Redis (`RateLimitStore.layerRedis`), and a store that cannot be reached fails the layer with
 * `RateLimitStoreUnavailableError`. The advice of an error names a variable only for a setting read from it.
 *
 * @example
 * ```ts
 * import * as Transport from "@exa-webhooks/client/Transport"
 *
 * const Webhooks = WebhooksClient.layerConfig().pipe(Layer.provide(Transport.layerConfig()))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerConfig = (
  options: Config.Wrap<ConfigOptions> = ClientOptions.fromEnv
): Layer.Layer<
  WebhooksClient,
  Config.ConfigError | InvalidOptionsError | RateLimitStore.RateLimitStoreUnavailableError,
  HttpClient.HttpClient
> =>
  Layer.unwrap(Effect.gen(function*() {
    const { rateLimitStore, ...given } = yield* Config.unwrap(options)
    // A setting names its variable in errors only when it was read from it.
    const record = Config.isConfig(options) ? {} : options as Record<string, unknown>
    const env: Errors.Context["env"] = {
      ...(record.apiKey === ClientOptions.fromEnv.apiKey ? { apiKey: ClientOptions.env.apiKey } : {}),
      ...(record.rateLimit === ClientOptions.fromEnv.rateLimit ? { rateLimit: ClientOptions.env.rateLimit } : {}),
      ...(record.timeout === ClientOptions.fromEnv.timeout ? { timeout: ClientOptions.env.timeout } : {})
    }
    return Layer.effect(WebhooksClient, makeWith(given, env)).pipe(
      // The rate budget: in this process's memory (one store per build of the layer), or in the given store.
      Layer.provide(RateLimitStore.layerConfig({ url: Config.succeed(rateLimitStore ?? Option.none()) }))
    )
  }))
