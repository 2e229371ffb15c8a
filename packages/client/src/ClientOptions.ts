/**
 * Everything the client can be told, each setting once: its option ({@link Options}), its default and why
 * ({@link defaults}), the environment variable it is read from ({@link env}) and how it is read ({@link fromEnv}).
 * `WebhooksClient.layer` takes the options, `WebhooksClient.layerConfig` a `Config.Wrap` of them.
 *
 * @example
 * ```ts
 * import { ClientOptions, WebhooksClient } from "@exa-webhooks/client"
 *
 * // The environment, except the rate limit.
 * WebhooksClient.layerConfig({ ...ClientOptions.fromEnv, rateLimit: Config.succeed(5) })
 * ```
 * @since 0.3.0
 */
import { BaseUrl, ClientSettings } from "@exa-webhooks/schema"
import type { RedisUrl } from "@exa-webhooks/schema"
import { Config, Duration, Option } from "effect"
import type { Redacted } from "effect"
import type { HttpClient } from "effect/http"
import * as RateLimitStore from "./RateLimitStore.ts"

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
export type OnRecovered = "recreate" | "return"

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
export interface RetryOptions {
  /** Retries after the first attempt (so `maxRetries + 1` attempts at most). `0` turns retries off. */
  readonly maxRetries?: number | undefined
  /** The first backoff ceiling; it doubles on each retry. */
  readonly baseDelay?: Duration.Input | undefined
  /** The largest backoff ceiling. */
  readonly maxDelay?: Duration.Input | undefined
  /**
   * Time budget of one call: the time spent on attempts, on the waits between them and on create's recovery
   * lookups and deletes. A retry whose wait would end past it is not made. Time queued behind the rate limit does not
   * count, neither the call's own nor that of its recovery requests: with 1,000 creates queued at 10 requests/second,
   * a lookup waits minutes for its turn, and that is the limit working, not Exa failing.
   */
  readonly maxElapsed?: Duration.Input | undefined
  /** The longest `Retry-After` the client waits out; a longer one fails at once with the server's value. */
  readonly retryAfterCap?: Duration.Input | undefined
}

/**
 * Everything the client can be told. Only `apiKey` is required.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Sent as `x-api-key`; kept `Redacted` and scrubbed from anything the client reports. */
  readonly apiKey: Redacted.Redacted<string>
  /** Origin (and optional prefix) of the API; `/websets/v0/...` is appended. Default `https://api.exa.ai`. */
  readonly baseUrl?: string | undefined
  /**
   * Requests per second, shared by every fiber using this layer (and every process using the same key in a shared
   * `RateLimiterStore`, see `WebhooksClient.layerFromStore`). Default 10. `Infinity` turns spacing off (a 429 still
   * pauses this process's requests). `"auto"` learns it: it starts at the default, takes the limit the server's
   * rate-limit headers state, slows down on 429s and probes upward while every request passes.
   */
  readonly rateLimit?: number | "auto" | undefined
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
 * What `WebhooksClient.layerConfig` reads: the {@link Options}, and where the rate budget lives.
 *
 * @category models
 * @since 0.1.0
 */
export interface ConfigOptions extends Options {
  /**
   * `redis://[user:password@]host[:port][/db]`: the rate budget is kept in that Redis, shared by every process using
   * the same key and store (`RateLimitStore.layerRedis`); `None`, in this process.
   * @since 0.3.0
   */
  readonly rateLimitStore?: Option.Option<RedisUrl.RedisUrl> | undefined
}

/**
 * The defaults, and why:
 * - `baseUrl: "https://api.exa.ai"`: Exa's production API.
 * - `rateLimit: 10`: the requests per second of Exa's default plan; pacing at the limit avoids 429s instead of
 *   recovering from them. Raise it if your plan allows more. Not `"auto"`: on that plan it gains nothing, since it
 *   must meet the limit (a 429) to find it.
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
 * @category defaults
 * @since 0.1.0
 */
export const defaults = {
  baseUrl: "https://api.exa.ai",
  rateLimit: 10,
  timeout: Duration.seconds(30),
  onRecovered: "recreate",
  retry: {
    maxRetries: 5,
    baseDelay: Duration.millis(500),
    maxDelay: Duration.seconds(8),
    maxElapsed: Duration.seconds(60),
    retryAfterCap: Duration.seconds(60)
  }
} as const

/**
 * The environment variable of each setting that has one.
 *
 * @category configuration
 * @since 0.3.0
 */
export const env = {
  apiKey: "EXA_API_KEY",
  baseUrl: "EXA_BASE_URL",
  rateLimit: "EXA_RATE_LIMIT",
  timeout: "EXA_TIMEOUT",
  rateLimitStore: RateLimitStore.ENV,
  retry: {
    maxRetries: "EXA_MAX_RETRIES",
    baseDelay: "EXA_RETRY_BASE_DELAY",
    maxDelay: "EXA_RETRY_MAX_DELAY",
    maxElapsed: "EXA_RETRY_MAX_ELAPSED",
    retryAfterCap: "EXA_RETRY_AFTER_CAP"
  }
} as const

// Checked with the schema's rules as they are read, so a bad variable fails the layer with a ConfigError naming the
// variable rather than an InvalidOptionsError naming the option.
const optional = <A>(read: Config.Config<A>) => Config.map(Config.option(read), Option.getOrUndefined)
const delay = (name: string) => optional(Config.schema(ClientSettings.DelayFromString, name))

/**
 * Each setting of {@link ConfigOptions} read from its environment variable ({@link env}), with its default. Spread
 * it and replace what your application reads elsewhere; a setting left out of `layerConfig`'s record takes its
 * default, not its variable.
 *
 * @category configuration
 * @since 0.3.0
 */
export const fromEnv = {
  apiKey: Config.Redacted(env.apiKey),
  baseUrl: Config.schema(BaseUrl.BaseUrl, env.baseUrl).pipe(Config.withDefault(defaults.baseUrl)),
  rateLimit: Config.schema(ClientSettings.RateLimitFromString, env.rateLimit).pipe(Config.withDefault(defaults.rateLimit)),
  timeout: Config.schema(ClientSettings.TimeoutFromString, env.timeout).pipe(Config.withDefault(defaults.timeout)),
  retry: Config.all({
    maxRetries: optional(Config.schema(ClientSettings.MaxRetriesFromString, env.retry.maxRetries)),
    baseDelay: delay(env.retry.baseDelay),
    maxDelay: delay(env.retry.maxDelay),
    maxElapsed: delay(env.retry.maxElapsed),
    retryAfterCap: delay(env.retry.retryAfterCap)
  }) as Config.Config<RetryOptions | undefined>,
  rateLimitStore: RateLimitStore.config
} satisfies Config.Wrap<ConfigOptions>
