/**
 * Metadata keys that exa-webhooks itself writes on a webhook: everything under the `exa-webhooks.` prefix. The client
 * stores a create's idempotency key there, and the batch app its ownership tags (namespace and manifest key). Keys
 * under the prefix are ours: user input may not set them, and an update must not drop them by accident.
 *
 * @example
 * ```ts
 * ReservedMetadata.isReserved("exa-webhooks.namespace") // true
 * ReservedMetadata.isReserved("team")                   // false
 * ```
 * @since 0.2.0
 */

/**
 * Every key that starts with this prefix is reserved.
 *
 * @since 0.2.0
 */
export const PREFIX = "exa-webhooks."

/**
 * The key under which the client stores a create's idempotency key.
 *
 * @since 0.2.0
 */
export const IDEMPOTENCY_KEY = "exa-webhooks.idempotency-key"

/**
 * The key under which the batch app stores the namespace (owner) of a webhook it manages.
 *
 * @since 0.2.0
 */
export const NAMESPACE = "exa-webhooks.namespace"

/**
 * The key under which the batch app stores a managed webhook's stable key within its namespace.
 *
 * @since 0.2.0
 */
export const MANIFEST_KEY = "exa-webhooks.key"

/**
 * Whether a metadata key is reserved for exa-webhooks.
 *
 * @since 0.2.0
 */
export const isReserved = (key: string): boolean => key.startsWith(PREFIX)

/**
 * The reserved entries of a metadata record (empty when there are none).
 *
 * @since 0.2.0
 */
export const pick = (metadata: Readonly<Record<string, string>> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(metadata ?? {}).filter(([key]) => isReserved(key)))
