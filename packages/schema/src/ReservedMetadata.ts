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
import { quote } from "./Validation.ts"

/**
 * Every key that starts with this prefix, in any case, is reserved.
 *
 * @category constants
 * @since 0.2.0
 */
export const PREFIX = "exa-webhooks."

/**
 * The key under which the client stores a create's idempotency key.
 *
 * @category constants
 * @since 0.2.0
 */
export const IDEMPOTENCY_KEY = "exa-webhooks.idempotency-key"

/**
 * The key under which the batch app stores the namespace (owner) of a webhook it manages.
 *
 * @category constants
 * @since 0.2.0
 */
export const NAMESPACE = "exa-webhooks.namespace"

/**
 * The key under which the batch app stores a managed webhook's stable key within its namespace.
 *
 * @category constants
 * @since 0.2.0
 */
export const MANIFEST_KEY = "exa-webhooks.key"

/**
 * The key under which the batch app stores the identity of the manifest that created a webhook: a namespace belongs to
 * one manifest, and `--prune` deletes only what this manifest created.
 *
 * @category constants
 * @since 0.4.0
 */
export const MANIFEST = "exa-webhooks.manifest"

/**
 * The key under which the batch app records which `apply` run sent a create (a random id per run): when the answer to
 * a create is lost, the run recognises its own webhook (and may replace it to learn its secret) without ever deleting
 * one that another apply, running at the same time, created under the same idempotency key.
 *
 * @category constants
 * @since 0.4.0
 */
export const APPLY_RUN = "exa-webhooks.apply-run"

/**
 * The key under which the batch app records that a secret sink (`apply --secrets-to`) took a webhook's secret: the
 * sink's fingerprint. The next `plan`, in a CI job whose journal is gone, then knows the secret is held.
 *
 * @category constants
 * @since 0.4.0
 */
export const SECRET_SINK = "exa-webhooks.secret-sink"

/**
 * Whether a metadata key is reserved for exa-webhooks: it starts with {@link PREFIX} in any case, so that
 * `EXA-WEBHOOKS.namespace` cannot pass for (or be mistaken for) the tag a tool wrote.
 *
 * @category guards
 * @since 0.2.0
 */
export const isReserved = (key: string): boolean =>
  key.length >= PREFIX.length && key.slice(0, PREFIX.length).toLowerCase() === PREFIX

/**
 * The reserved entries of a metadata record (empty when there are none).
 *
 * @category metadata
 * @since 0.2.0
 */
export const pick = (metadata: Readonly<Record<string, string>> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(metadata ?? {}).filter(([key]) => isReserved(key)))

/**
 * Why metadata a person typed may not be sent as is: the first reserved key it sets, or `undefined`. Applications
 * refuse such input (the CLI exits 2 naming the flag); the client itself accepts reserved keys, since exa-webhooks'
 * own tools write them through it.
 *
 * @example
 * ```ts
 * ReservedMetadata.problem({ "exa-webhooks.idempotency-key": "k" })
 * // "the metadata key \"exa-webhooks.idempotency-key\" is reserved ..."
 * ```
 * @category validation
 * @since 0.2.0
 */
export const problem = (metadata: Readonly<Record<string, string>> | undefined): string | undefined => {
  const key = Object.keys(metadata ?? {}).find(isReserved)
  return key === undefined
    ? undefined
    : `the metadata key ${quote(key)} is reserved: keys under ` +
      `"${PREFIX}" (in any case) are written by exa-webhooks itself (idempotency key, batch ownership); choose another key`
}
