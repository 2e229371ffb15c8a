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
import { BaseUrl } from "@exa-webhooks/schema"
import { Config, Duration, Option, Schema } from "effect"
import type { Redacted } from "effect"
import type { HttpClient } from "effect/http"
import * as ClientSettings from "./ClientSettings.ts"
import * as RateLimitStore from "./RateLimitStore.ts"
import * as RedisUrl from "./RedisUrl.ts"

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
 * One setting as every front end states it: the option it sets, the environment variable it is read from, the flag
 * the bins offer for it, its rule (a schema from the text a person types), its default and one line saying what it
 * is. {@link settings} holds them all; {@link env} and {@link fromEnv} are read off it, and so are the bins' flags,
 * the ENVIRONMENT section of their help and the names an error's advice gives a setting.
 *
 * @category settings
 * @since 0.5.0
 */
export interface Setting<A = unknown, E = string> {
  /** The option of {@link Options} it sets, as `WebhooksError.Setting` names it (`rateLimit`, `retry.maxRetries`). */
  readonly option: string
  /** The environment variable it is read from. */
  readonly env: string
  /**
   * The bins' flag (without `--`) and the name of its value, when they offer one; `file`: the flag names a file that
   * holds the value (the key is never typed on a command line).
   */
  readonly flag?: { readonly name: string; readonly metavar: string; readonly file?: boolean | undefined } | undefined
  /** The rule, from the text of the variable or the flag; `encode` gives the text of a value (its default, say). */
  readonly schema: Schema.ConstraintCodec<A, E>
  /** The value when nothing sets it; `undefined`: none (the key is required; no store means this process's own). */
  readonly default?: A | undefined
  /** What it is, in a few words (no default, no variable name: they are shown from the fields above). */
  readonly description: string
}

/**
 * A {@link Setting} the bins offer a flag for.
 *
 * @category settings
 * @since 0.5.0
 */
export type Flagged<A = unknown, E = string> = Setting<A, E> & { readonly flag: NonNullable<Setting<A, E>["flag"]> }

function setting<A, E = string>(value: Flagged<A, E>): Flagged<A, E>
function setting<A, E = string>(value: Setting<A, E>): Setting<A, E>
function setting<A, E>(value: Setting<A, E>): Setting<A, E> {
  return value
}

/**
 * Every setting the client reads from the environment, once (see {@link Setting}).
 *
 * @category settings
 * @since 0.5.0
 */
export const settings = {
  apiKey: setting({
    option: "apiKey",
    env: "EXA_API_KEY",
    flag: { name: "api-key-file", metavar: "PATH", file: true },
    schema: Schema.Redacted(Schema.String),
    description: "the API key"
  }),
  baseUrl: setting({
    option: "baseUrl",
    env: "EXA_BASE_URL",
    flag: { name: "base-url", metavar: "URL" },
    schema: BaseUrl.BaseUrl,
    default: defaults.baseUrl,
    description: "the API's base URL"
  }),
  rateLimit: setting({
    option: "rateLimit",
    env: "EXA_RATE_LIMIT",
    flag: { name: "rate-limit", metavar: "N" },
    schema: ClientSettings.RateLimitFromString,
    default: defaults.rateLimit,
    description: "requests per second, shared by every request of the run, or auto to learn it from the server's answers"
  }),
  timeout: setting({
    option: "timeout",
    env: "EXA_TIMEOUT",
    flag: { name: "timeout", metavar: "DURATION" },
    schema: ClientSettings.TimeoutFromString,
    default: defaults.timeout,
    description: "how long one request may take"
  }),
  rateLimitStore: setting({
    option: "rateLimitStore",
    env: RateLimitStore.ENV,
    flag: { name: "rate-limit-store", metavar: "URL" },
    schema: RedisUrl.RedisUrlString,
    description: "redis://[user:password@]host[:port][/db]: one rate budget shared by every process using this key and " +
      `store; one that stops answering fails the run within ${ClientSettings.formatDuration(RateLimitStore.defaults.outageWait)}`
  }),
  maxRetries: setting({
    option: "retry.maxRetries",
    env: "EXA_MAX_RETRIES",
    schema: ClientSettings.MaxRetriesFromString,
    default: defaults.retry.maxRetries,
    description: "retries of a failed request that is safe to repeat"
  }),
  retryBaseDelay: setting({
    option: "retry.baseDelay",
    env: "EXA_RETRY_BASE_DELAY",
    schema: ClientSettings.DelayFromString,
    default: defaults.retry.baseDelay,
    description: "the longest wait before the first retry (doubled for each later one)"
  }),
  retryMaxDelay: setting({
    option: "retry.maxDelay",
    env: "EXA_RETRY_MAX_DELAY",
    schema: ClientSettings.DelayFromString,
    default: defaults.retry.maxDelay,
    description: "the longest wait before any retry"
  }),
  retryMaxElapsed: setting({
    option: "retry.maxElapsed",
    env: "EXA_RETRY_MAX_ELAPSED",
    schema: ClientSettings.DelayFromString,
    default: defaults.retry.maxElapsed,
    description: "how long one call may keep retrying"
  }),
  retryAfterCap: setting({
    option: "retry.retryAfterCap",
    env: "EXA_RETRY_AFTER_CAP",
    schema: ClientSettings.DelayFromString,
    default: defaults.retry.retryAfterCap,
    description: "the longest Retry-After waited out; a longer one fails at once"
  })
} as const

/**
 * A setting's default as a person would type it (`10`, `30 seconds`), or `undefined` when it has none.
 *
 * @category settings
 * @since 0.5.0
 */
export const defaultText = <A, E>(entry: Setting<A, E>): string | undefined =>
  entry.default === undefined ? undefined : String(Schema.encodeSync(entry.schema)(entry.default))

/**
 * The environment variable of each setting that has one (read off {@link settings}).
 *
 * @category configuration
 * @since 0.3.0
 */
export const env = {
  apiKey: settings.apiKey.env,
  baseUrl: settings.baseUrl.env,
  rateLimit: settings.rateLimit.env,
  timeout: settings.timeout.env,
  rateLimitStore: settings.rateLimitStore.env,
  retry: {
    maxRetries: settings.maxRetries.env,
    baseDelay: settings.retryBaseDelay.env,
    maxDelay: settings.retryMaxDelay.env,
    maxElapsed: settings.retryMaxElapsed.env,
    retryAfterCap: settings.retryAfterCap.env
  }
} as const

/**
 * A setting read from its variable, checked by its rule: its default when the variable is unset.
 *
 * @category configuration
 * @since 0.5.0
 */
export const config = <A, E>(entry: Setting<A, E>): Config.Config<A> => {
  const read = Config.schema(entry.schema, entry.env)
  return entry.default === undefined ? read : Config.withDefault(read, entry.default)
}

// Checked with the rules as they are read, so a bad variable fails the layer with a ConfigError naming the variable
// rather than an InvalidOptionsError naming the option. The retry knobs are left `undefined` when unset: the client's
// own defaults apply (the same values).
const optional = <A, E>(entry: Setting<A, E>) => Config.map(Config.option(Config.schema(entry.schema, entry.env)), Option.getOrUndefined)

/**
 * Each setting of {@link ConfigOptions} read from its environment variable ({@link settings}), with its default.
 * Spread it and replace what your application reads elsewhere; a setting left out of `layerConfig`'s record takes
 * its default, not its variable.
 *
 * @category configuration
 * @since 0.3.0
 */
export const fromEnv = {
  apiKey: config(settings.apiKey),
  baseUrl: config(settings.baseUrl),
  rateLimit: config(settings.rateLimit),
  timeout: config(settings.timeout),
  retry: Config.all({
    maxRetries: optional(settings.maxRetries),
    baseDelay: optional(settings.retryBaseDelay),
    maxDelay: optional(settings.retryMaxDelay),
    maxElapsed: optional(settings.retryMaxElapsed),
    retryAfterCap: optional(settings.retryAfterCap)
  }) as Config.Config<RetryOptions | undefined>,
  rateLimitStore: RateLimitStore.config
} satisfies Config.Wrap<ConfigOptions>
