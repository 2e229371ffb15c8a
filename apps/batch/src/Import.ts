/**
 * `import`: a manifest for webhooks that already exist (made by hand or with the CLI), so a team can start managing
 * them. Keys are derived from each webhook's URL; `apply --adopt` then tags the existing webhooks instead of creating
 * twins.
 *
 * @since 0.1.0
 */
import { Ownership, type Webhook } from "@exa-webhooks/schema"
import * as YAML from "yaml"
import * as Manifest from "./Manifest.ts"

// `https://hooks.example.com/exa/crm` -> `hooks-example-com-exa-crm`.
const slug = (url: string): string => {
  const parsed = URL.canParse(url) ? new URL(url) : undefined
  const text = parsed === undefined ? url : `${parsed.hostname}${parsed.pathname}`
  const cleaned = text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "")
  return cleaned === "" ? "webhook" : cleaned
}

/**
 * The manifest entries of `remote` webhooks that no namespace owns, or that `namespace` already owns (their keys
 * kept); webhooks of other namespaces are left out.
 *
 * @since 0.1.0
 */
export const entries = (namespace: string, remote: ReadonlyArray<Webhook.Webhook>): Array<Manifest.Entry> => {
  const used = new Set<string>()
  const unique = (base: string) => {
    let key = base
    for (let n = 2; used.has(key); n++) key = `${base}-${n}`
    used.add(key)
    return key
  }
  const chosen = remote.filter((webhook) => {
    const owner = Ownership.of(webhook.metadata)
    return owner === undefined || owner.namespace === namespace
  })
  // Keys the namespace already uses come first, so a derived key never takes one.
  for (const webhook of chosen) {
    const key = Ownership.of(webhook.metadata)?.key
    if (key !== undefined) used.add(key)
  }
  return chosen.map((webhook) => {
    const metadata = Ownership.userPart(webhook.metadata)
    return {
      key: Ownership.of(webhook.metadata)?.key ?? unique(slug(webhook.url)),
      url: webhook.url,
      events: [...webhook.events] as Manifest.Entry["events"] & {},
      ...(Object.keys(metadata).length > 0 ? { metadata } : {})
    }
  })
}

/**
 * The manifests recorded on the webhooks of `namespace` (see `Ownership`): who created what an import of it lists.
 *
 * @since 0.4.0
 */
export const manifestsOf = (namespace: string, remote: ReadonlyArray<Webhook.Webhook>): Array<string> => [
  ...new Set(remote.flatMap((webhook) => {
    const owner = Ownership.of(webhook.metadata)
    return owner?.namespace === namespace && owner.manifest !== undefined ? [owner.manifest] : []
  }))
]

/**
 * The manifest as YAML text, with a header saying where it came from and what to run next.
 *
 * @since 0.1.0
 */
export const toYaml = (
  namespace: string,
  webhooks: ReadonlyArray<Manifest.Entry>,
  schemaUrl: string | undefined,
  manifests: ReadonlyArray<string> = []
): string => {
  const header = [
    ...(schemaUrl === undefined ? [] : [`# yaml-language-server: $schema=${schemaUrl}`]),
    "# Written by exa-webhooks-batch import. Review it, then run: exa-webhooks-batch apply --adopt FILE",
    "# (--adopt tags these existing webhooks instead of creating new ones; their signing secrets stay unknown",
    "# to exa-webhooks-batch until apply --rotate-missing-secrets replaces them).",
    ...(manifests.length === 0 ? [] : [
      `# Some of them were created by the manifest ${manifests.join(", ")}; a namespace belongs to one manifest, so if`,
      "# this file replaces it, run apply --claim FILE once to take them over."
    ])
  ]
  const body = YAML.stringify({ version: Manifest.VERSION, namespace, webhooks }, { lineWidth: 0 })
  return `${header.join("\n")}\n${body}`
}
