/**
 * `import`: a manifest for webhooks that already exist (made by hand or with the CLI), so a team can start managing
 * them. Keys are derived from each webhook's URL; `apply --adopt` then tags the existing webhooks instead of creating
 * twins.
 *
 * The manifest is printed (or written to a file), so what it must not show is kept out of it without changing what
 * it means: the password of a URL (the webhook's, or one in its metadata) becomes a `${NAME}` reference to set in the
 * environment, listed in the header; a literal `${...}` in a remote value (not a key) is written `$${...}`, so that
 * it is not read as a reference; a control or invisible format character is written as a YAML escape in a
 * double-quoted string.
 *
 * @since 0.1.0
 */
import { Ownership, Printable, UrlCredentials, type Webhook } from "@exa-webhooks/schema"
import * as YAML from "yaml"
import * as Manifest from "./Manifest.ts"

// What the manifest reads as a reference (see ManifestFile): written with one more `$`, it reads back as itself.
const REFERENCE = /\$(\$?)\{([^}]*)\}/g

const literal = (value: string) => value.replace(REFERENCE, (match) => `$${match}`)

// `hooks-example-com` -> `HOOKS_EXAMPLE_COM`: a part of an environment variable's name.
const namePart = (text: string) => text.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_+|_+$/g, "")

// The second and later URLs of one value get a number.
const suffix = (n: number) => (n === 1 ? "" : `_${n}`)

/**
 * `value` as a manifest writes it, every URL password in it (a userinfo without one, often a token, whole) replaced
 * by a `${NAME}` reference, `NAME` being `prefix` and a number for the second and later ones.
 */
const withoutCredentials = (value: string, prefix: string): string => {
  let count = 0
  return UrlCredentials.rewrite(literal(value), ({ password, user }) => {
    const variable = `${prefix}${suffix(++count)}`
    return password === undefined ? `\${${variable}}` : `${user}:\${${variable}}`
  })
}

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
    const key = Ownership.of(webhook.metadata)?.key ?? unique(slug(webhook.url))
    const prefix = `EXA_WEBHOOK_${namePart(key)}`
    const metadata = Object.fromEntries(
      // Keys are never read as references (values are): they stay as they are.
      Object.entries(Ownership.userPart(webhook.metadata)).map(([field, value]) => [
        field,
        withoutCredentials(value, `${prefix}_${namePart(field)}_PASSWORD`)
      ])
    )
    return {
      key,
      url: withoutCredentials(webhook.url, `${prefix}_URL_PASSWORD`),
      events: [...webhook.events] as Manifest.Entry["events"] & {},
      ...(Object.keys(metadata).length > 0 ? { metadata } : {})
    }
  })
}

/**
 * The environment variables the manifest of `webhooks` refers to in place of URL passwords (see {@link entries}).
 *
 * @since 0.4.0
 */
export const variables = (webhooks: ReadonlyArray<Manifest.Entry>): Array<string> =>
  webhooks.flatMap((webhook) =>
    [webhook.url, ...Object.values(webhook.metadata ?? {})].flatMap((value) =>
      [...value.matchAll(/(?<!\$)\$\{(EXA_WEBHOOK_[A-Z0-9_]+_PASSWORD(?:_\d+)?)\}/g)].map((match) => match[1]!)
    )
  )

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
  const references = variables(webhooks)
  const header = [
    ...(schemaUrl === undefined ? [] : [`# yaml-language-server: $schema=${schemaUrl}`]),
    "# Written by exa-webhooks-batch import. Review it, then run: exa-webhooks-batch apply --adopt FILE",
    "# (--adopt tags these existing webhooks instead of creating new ones; their signing secrets stay unknown",
    "# to exa-webhooks-batch until apply --rotate-missing-secrets replaces them).",
    ...(references.length === 0 ? [] : [
      "# The passwords in these webhooks' URLs are not written here: set each of these environment variables to its",
      "# password (as written in the URL, percent-encoded) before plan or apply:",
      ...references.map((name) => `#   ${name}`)
    ]),
    ...(manifests.length === 0 ? [] : [
      `# Some of them were created by the manifest ${manifests.map(Printable.escape).join(", ")}; a namespace belongs to one manifest, so if`,
      "# this file replaces it, run apply --claim FILE once to take them over."
    ])
  ]
  const document = new YAML.Document({ version: Manifest.VERSION, namespace, webhooks })
  // A string holding a control or invisible character is written double-quoted, where each is an escape.
  YAML.visit(document, {
    Scalar: (_, node) => {
      if (typeof node.value === "string" && !Printable.isPrintable(node.value)) node.type = "QUOTE_DOUBLE"
    }
  })
  const body = Printable.escapeJson(document.toString({ lineWidth: 0 }))
  return `${header.join("\n")}\n${body}`
}
