/**
 * A retrying, rate-aware, duplicate-safe Effect client for Exa's Websets webhook API.
 *
 * @since 0.1.0
 */

/**
 * @since 0.3.0
 */
export * as RateLimitStore from "./RateLimitStore.ts"

/**
 * @since 0.1.0
 */
export * as WebhooksClient from "./WebhooksClient.ts"

/**
 * @since 0.1.0
 */
export * as WebhooksError from "./WebhooksError.ts"
