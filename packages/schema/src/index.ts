/**
 * Effect Schema for every resource of Exa's Websets webhook API.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as ApiError from "./ApiError.ts"

/**
 * @since 0.1.0
 */
export * as Event from "./Event.ts"

/**
 * @since 0.1.0
 */
export * as EventType from "./EventType.ts"

/**
 * @since 0.1.0
 */
export * as Validation from "./Validation.ts"

/**
 * @since 0.1.0
 */
export * as Webhook from "./Webhook.ts"

/**
 * @since 0.1.0
 */
export * as WebhookAttempt from "./WebhookAttempt.ts"

/**
 * @since 0.2.0
 */
export * as ReservedMetadata from "./ReservedMetadata.ts"

/**
 * @since 0.2.0
 */
export * as WebhookId from "./WebhookId.ts"

/**
 * @since 0.2.0
 */
export * as BaseUrl from "./BaseUrl.ts"

/**
 * @since 0.2.0
 */
export * as IdempotencyKey from "./IdempotencyKey.ts"

/**
 * @since 0.2.0
 */
export * as WebhooksApi from "./WebhooksApi.ts"

/**
 * @since 0.2.0
 */
export * as Ownership from "./Ownership.ts"

/**
 * @since 0.2.0
 */
export * as Page from "./Page.ts"

/**
 * @since 0.4.0
 */
export * as EventId from "./EventId.ts"

/**
 * @since 0.4.0
 */
export * as UrlCredentials from "./UrlCredentials.ts"

/**
 * @since 0.4.0
 */
export * as Entity from "./Entity.ts"

/**
 * @since 0.4.0
 */
export * as Webset from "./Webset.ts"

/**
 * @since 0.4.0
 */
export * as WebsetSearch from "./WebsetSearch.ts"

/**
 * @since 0.4.0
 */
export * as WebsetItem from "./WebsetItem.ts"

/**
 * @since 0.4.0
 */
export * as Import from "./Import.ts"

/**
 * @since 0.4.0
 */
export * as Monitor from "./Monitor.ts"

/**
 * @since 0.4.0
 */
export * as Printable from "./Printable.ts"

/**
 * @since 0.4.0
 */
export * as RequestBody from "./RequestBody.ts"
