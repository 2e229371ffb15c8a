/**
 * Ownership of a webhook by a manifest: the namespace, key and manifest that `exa-webhooks-batch` stores in a webhook's
 * metadata (under the reserved keys of `ReservedMetadata`), and the rules they follow. They are webhook rules, not
 * file rules: the tags are metadata values, so they obey the metadata limits, and user metadata may not claim the
 * reserved keys (in any case) nor hold two keys that differ only in case.
 *
 * A namespace belongs to one manifest: the manifest tag says which one created a webhook, so a second manifest using
 * the same namespace sees those webhooks as another's, never as its orphans.
 *
 * @example
 * ```ts
 * Ownership.tags("growth-team", "crm-sync", "infra/webhooks.yaml")
 * // { "exa-webhooks.namespace": "growth-team", "exa-webhooks.key": "crm-sync", "exa-webhooks.manifest": "infra/webhooks.yaml" }
 * Ownership.of(webhook.metadata) // { namespace: "growth-team", key: "crm-sync", manifest: "infra/webhooks.yaml" } or undefined
 * ```
 * @since 0.2.0
 */
import { Schema } from "effect"
import * as ReservedMetadata from "./ReservedMetadata.ts"
import { MAX_METADATA_VALUE_LENGTH, Metadata } from "./Webhook.ts"
import { quote } from "./Validation.ts"

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
        `${what} ${quote(value)} may hold only letters, digits and . _ : / -, and must start with a letter or digit, e.g. "${example}"`
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
 * The name of a manifest, stored under `ReservedMetadata.MANIFEST` on every webhook it creates.
 *
 * @category schemas
 * @since 0.4.0
 */
export const ManifestName = name("manifest name", ReservedMetadata.MANIFEST, "infra/webhooks.yaml")

/**
 * Why `keys` cannot all be told apart: the first two that differ only in case (`Team` and `team`), or `undefined`.
 * Such keys read as one to a person and to case-insensitive tools, and the second never overrides the first.
 *
 * @category validation
 * @since 0.4.0
 */
export const caseClash = (keys: Iterable<string>): string | undefined => {
  const seen = new Map<string, string>()
  for (const key of keys) {
    const folded = key.toLowerCase()
    const earlier = seen.get(folded)
    if (earlier !== undefined && earlier !== key) {
      return `${JSON.stringify(earlier)} and ${JSON.stringify(key)} differ only in case; use one spelling`
    }
    seen.set(folded, key)
  }
  return undefined
}

/**
 * Metadata a person writes: `Webhook.Metadata` whose keys stay out of the reserved `exa-webhooks.` prefix (in any
 * case) and differ in more than case.
 *
 * @category schemas
 * @since 0.2.0
 */
export const UserMetadata = Metadata.check(
  Schema.makeFilter((metadata: Readonly<Record<string, string>>) => {
    const reserved = Object.keys(metadata).filter(ReservedMetadata.isReserved)
    if (reserved.length > 0) {
      return `metadata keys starting with "${ReservedMetadata.PREFIX}" (in any case) are reserved for exa-webhooks itself; rename ${
        reserved.map((key) => JSON.stringify(key)).join(", ")
      }`
    }
    const clash = caseClash(Object.keys(metadata))
    return clash === undefined || `metadata keys ${clash}`
  }, { expected: `metadata without keys starting with "${ReservedMetadata.PREFIX}", no two differing only in case` })
)

/**
 * The metadata entries that mark a webhook as owned by `namespace` under `key`, created by the manifest `manifest`.
 *
 * @category metadata
 * @since 0.2.0
 */
export const tags = (namespace: string, key: string, manifest?: string): Record<string, string> => ({
  [ReservedMetadata.NAMESPACE]: namespace,
  [ReservedMetadata.MANIFEST_KEY]: key,
  ...(manifest === undefined ? {} : { [ReservedMetadata.MANIFEST]: manifest })
})

/**
 * Who owns a webhook, from its metadata: `undefined` when it carries no namespace (a webhook made by hand or by the
 * CLI). A namespace without a key is owned but unkeyed (`key: undefined`); `manifest` is `undefined` on webhooks
 * created before manifests were recorded.
 *
 * @category metadata
 * @since 0.2.0
 */
export const of = (
  metadata: Readonly<Record<string, string>> | null | undefined
): { readonly namespace: string; readonly key: string | undefined; readonly manifest: string | undefined } | undefined => {
  const namespace = metadata?.[ReservedMetadata.NAMESPACE]
  return namespace === undefined
    ? undefined
    : { namespace, key: metadata?.[ReservedMetadata.MANIFEST_KEY], manifest: metadata?.[ReservedMetadata.MANIFEST] }
}

/**
 * The metadata a person wrote, without the reserved entries.
 *
 * @category metadata
 * @since 0.2.0
 */
export const userPart = (metadata: Readonly<Record<string, string>> | null | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(metadata ?? {}).filter(([key]) => !ReservedMetadata.isReserved(key)))
