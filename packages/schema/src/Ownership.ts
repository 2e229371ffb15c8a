/**
 * Ownership of a webhook by a manifest: the namespace and key that `exa-webhooks-batch` stores in a webhook's metadata
 * (under the reserved keys of `ReservedMetadata`), and the rules they follow. They are webhook rules, not file rules:
 * the tags are metadata values, so they obey the metadata limits, and user metadata may not claim the reserved keys.
 *
 * @example
 * ```ts
 * Ownership.tags("growth-team", "crm-sync")
 * // { "exa-webhooks.namespace": "growth-team", "exa-webhooks.key": "crm-sync" }
 * Ownership.of(webhook.metadata) // { namespace: "growth-team", key: "crm-sync" } or undefined
 * ```
 * @since 0.2.0
 */
import { Schema } from "effect"
import * as ReservedMetadata from "./ReservedMetadata.ts"
import { MAX_METADATA_VALUE_LENGTH, Metadata } from "./Webhook.ts"

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/

// A name is stored as a metadata value, so the metadata value limit bounds it; the pattern keeps it printable and
// free of whitespace so it reads the same in a terminal, a file name and a URL.
const name = (what: string, metadataKey: string, example: string) =>
  Schema.String.check(
    Schema.makeFilter((value: string) => {
      if (value.length === 0) return `${what} must not be empty, e.g. "${example}"`
      if (value.length > MAX_METADATA_VALUE_LENGTH) {
        return `${what} is stored as the metadata value ${metadataKey}, so it is at most ${MAX_METADATA_VALUE_LENGTH} characters; this one has ${value.length}`
      }
      return NAME.test(value) ||
        `${what} ${JSON.stringify(value)} may hold only letters, digits and . _ : / -, and must start with a letter or digit, e.g. "${example}"`
    }, {
      expected: `a ${what} such as "${example}"`,
      toJsonSchema: () => ({ minLength: 1, maxLength: MAX_METADATA_VALUE_LENGTH, pattern: NAME.source })
    })
  )

/**
 * The owner of a set of webhooks (a team, a service), stored under `ReservedMetadata.NAMESPACE`.
 *
 * @category schemas
 * @since 0.2.0
 */
export const Namespace = name("namespace", ReservedMetadata.NAMESPACE, "growth-team")

/**
 * A webhook's stable identity within its namespace, stored under `ReservedMetadata.MANIFEST_KEY`.
 *
 * @category schemas
 * @since 0.2.0
 */
export const Key = name("key", ReservedMetadata.MANIFEST_KEY, "crm-sync")

/**
 * Metadata a person writes: `Webhook.Metadata` whose keys stay out of the reserved `exa-webhooks.` prefix.
 *
 * @category schemas
 * @since 0.2.0
 */
export const UserMetadata = Metadata.check(
  Schema.makeFilter((metadata: Readonly<Record<string, string>>) => {
    const reserved = Object.keys(metadata).filter(ReservedMetadata.isReserved)
    return reserved.length === 0 ||
      `metadata keys starting with "${ReservedMetadata.PREFIX}" are reserved for exa-webhooks itself; rename ${
        reserved.map((key) => JSON.stringify(key)).join(", ")
      }`
  }, { expected: `metadata without keys starting with "${ReservedMetadata.PREFIX}"` })
)

/**
 * The metadata entries that mark a webhook as owned by `namespace` under `key`.
 *
 * @category metadata
 * @since 0.2.0
 */
export const tags = (namespace: string, key: string): Record<string, string> => ({
  [ReservedMetadata.NAMESPACE]: namespace,
  [ReservedMetadata.MANIFEST_KEY]: key
})

/**
 * Who owns a webhook, from its metadata: `undefined` when it carries no namespace (a webhook made by hand or by the
 * CLI). A namespace without a key is owned but unkeyed (`key: undefined`).
 *
 * @category metadata
 * @since 0.2.0
 */
export const of = (
  metadata: Readonly<Record<string, string>> | null | undefined
): { readonly namespace: string; readonly key: string | undefined } | undefined => {
  const namespace = metadata?.[ReservedMetadata.NAMESPACE]
  return namespace === undefined ? undefined : { namespace, key: metadata?.[ReservedMetadata.MANIFEST_KEY] }
}

/**
 * The metadata a person wrote, without the reserved entries.
 *
 * @category metadata
 * @since 0.2.0
 */
export const userPart = (metadata: Readonly<Record<string, string>> | null | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(metadata ?? {}).filter(([key]) => !ReservedMetadata.isReserved(key)))
