/**
 * The client's options checked and completed with their defaults, once, when the layer is built: an option out of
 * range fails with `InvalidOptionsError` naming it. Each rule is `BaseUrl` (the schema package's) or `ClientSettings`,
 * the one the bins' flags and the environment are checked by.
 */
import { BaseUrl } from "@exa-webhooks/schema"
import * as ClientSettings from "../ClientSettings.ts"
import { Duration, Effect, Option, Redacted } from "effect"
import { defaults } from "../ClientOptions.ts"
import type { Options, RetryOptions } from "../ClientOptions.ts"
import { InvalidOptionsError } from "../WebhooksError.ts"
import type { Policy } from "./retrySchedule.ts"

/** What the rest of the client is built from. */
export interface Settings {
  /** Without a trailing `/`. */
  readonly baseUrl: string
  readonly rateLimit: number | "auto"
  readonly rateLimitKey: string
  readonly timeout: Duration.Duration
  readonly policy: Policy
}

// Shows a base URL without its credentials (a value that breaks the rule may carry them).
const maskedUrl = (value: string) =>
  value.replace(/^([a-z][a-z\d+.-]*:\/\/)?[^/]*@/i, (_, scheme: string | undefined) => `${scheme ?? ""}****@`)

const invalid = (option: string, value: unknown, rule: string) =>
  new InvalidOptionsError({ option, value: typeof value === "string" ? value : String(value), rule })

const durationOf = (
  option: string,
  input: Duration.Input,
  problem: (duration: Duration.Input) => string | undefined
): Effect.Effect<Duration.Duration, InvalidOptionsError> => {
  const decoded = Duration.fromInput(input)
  const found = Option.isSome(decoded) ? problem(decoded.value) : problem(Number.NaN)
  return found === undefined && Option.isSome(decoded)
    ? Effect.succeed(decoded.value)
    : Effect.fail(invalid(option, input, found ?? `expected a duration such as "30 seconds"; got ${String(input)}`))
}

/**
 * The limiter key of a client without `rateLimitKey`: `"exa-webhooks:"` and the first 16 hex characters of
 * SHA-256(base URL, a line break, API key). Stable across processes, so several processes with one key share one
 * budget in a shared store; it names neither the key nor the URL.
 */
export const defaultRateLimitKey = (baseUrl: string, apiKey: Redacted.Redacted<string>): Effect.Effect<string> =>
  Effect.promise(async () => {
    const bytes = new TextEncoder().encode(`${baseUrl.replace(/\/+$/, "")}\n${Redacted.value(apiKey)}`)
    const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes))
    return `exa-webhooks:${Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("")}`
  })

/** The options checked and completed with the defaults. */
export const resolve = Effect.fnUntraced(function*(options: Options) {
  const given = options.baseUrl ?? defaults.baseUrl
  const problem = BaseUrl.problem(given)
  if (problem !== undefined) return yield* invalid("baseUrl", maskedUrl(given), problem)
  const baseUrl = given.replace(/\/+$/, "")
  const rateLimit = options.rateLimit ?? defaults.rateLimit
  // `Infinity` is the client's own extra: pacing off.
  const rateProblem = rateLimit === ClientSettings.AUTO || rateLimit === Infinity
    ? undefined
    : typeof rateLimit !== "number"
    ? `must be a positive number of requests per second; got ${String(rateLimit)}`
    : ClientSettings.rateLimitProblem(rateLimit)
  if (rateProblem !== undefined) {
    return yield* invalid("rateLimit", rateLimit, `${rateProblem} (or "auto": learned from the server; or Infinity: no pacing)`)
  }
  if (options.rateLimitKey !== undefined && (typeof options.rateLimitKey !== "string" || options.rateLimitKey === "")) {
    return yield* invalid("rateLimitKey", options.rateLimitKey, "expected a non-empty string")
  }
  const timeout = yield* durationOf("timeout", options.timeout ?? defaults.timeout, ClientSettings.timeoutProblem)
  const retry = options.retry ?? {}
  const maxRetries = retry.maxRetries ?? defaults.retry.maxRetries
  const retriesProblem = ClientSettings.maxRetriesProblem(maxRetries)
  if (retriesProblem !== undefined) return yield* invalid("retry.maxRetries", maxRetries, retriesProblem)
  const delay = (option: keyof RetryOptions & string, input: Duration.Input) =>
    Effect.map(durationOf(`retry.${option}`, input, ClientSettings.delayProblem), Duration.toMillis)
  const policy: Policy = {
    maxRetries,
    baseDelayMillis: yield* delay("baseDelay", retry.baseDelay ?? defaults.retry.baseDelay),
    maxDelayMillis: yield* delay("maxDelay", retry.maxDelay ?? defaults.retry.maxDelay),
    maxElapsedMillis: yield* delay("maxElapsed", retry.maxElapsed ?? defaults.retry.maxElapsed),
    retryAfterCapMillis: yield* delay("retryAfterCap", retry.retryAfterCap ?? defaults.retry.retryAfterCap)
  }
  const rateLimitKey = options.rateLimitKey ?? (yield* defaultRateLimitKey(baseUrl, options.apiKey))
  const settings: Settings = { baseUrl, rateLimit, rateLimitKey, timeout, policy }
  return settings
})
