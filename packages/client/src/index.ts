/**
 * A retrying, rate-aware, duplicate-safe Effect client for Exa's Websets webhook API. Its Node transport (effect's
 * `NodeHttpClient`, keep-alive, the proxy from the environment) is `@exa-webhooks/client/Transport`, not exported here: it needs
 * `@effect/platform-node`.
 *
 * @since 0.1.0
 */

/**
 * @since 0.3.0
 */
export * as ClientOptions from "./ClientOptions.ts"

/**
 * @since 0.2.0
 */
export * as ClientSettings from "./ClientSettings.ts"

/**
 * @since 0.4.0
 */
export * as Events from "./Events.ts"

/**
 * @since 0.3.0
 */
export * as RateLimitStore from "./RateLimitStore.ts"

/**
 * @since 0.3.0
 */
export * as RedisUrl from "./RedisUrl.ts"

/**
 * @since 0.1.0
 */
export * as WebhooksClient from "./WebhooksClient.ts"

/**
 * @since 0.1.0
 */
export * as WebhooksError from "./WebhooksError.ts"
