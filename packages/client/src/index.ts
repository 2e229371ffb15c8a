/**
 * A retrying, rate-aware, duplicate-safe Effect client for Exa's Websets webhook API.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as RateGate from "./RateGate.ts"

/**
 * @since 0.2.0
 */
export * as RateLimitStore from "./RateLimitStore.ts"

/**
 * @since 0.1.0
 */
export * as RetryPolicy from "./RetryPolicy.ts"

/**
 * @since 0.1.0
 */
export * as WebhooksClient from "./WebhooksClient.ts"

/**
 * @since 0.1.0
 */
export * as WebhooksError from "./WebhooksError.ts"
