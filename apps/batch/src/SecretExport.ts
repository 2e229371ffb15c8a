/**
 * A webhook's secret as it leaves the tool: the JSON document a secret sink reads on stdin (`apply --secrets-to`), the
 * documents of `secret --all --format json`, and the `NAME=value` lines of `secret --all --format env`, whose names
 * are derived from the keys the same way everywhere (`EXA_WEBHOOK_SECRET_CRM_SYNC` for `crm-sync`), so that a sink
 * writing `gh secret set "$EXA_WEBHOOK_SECRET_NAME"` and a later `secret --all --format env` agree.
 *
 * @since 0.4.0
 */
import { Redacted } from "effect"

/**
 * One secret, with what says which webhook it signs.
 *
 * @since 0.4.0
 */
export interface Secret {
  readonly namespace: string
  readonly key: string
  readonly id: string
  readonly url: string
  readonly secret: Redacted.Redacted<string>
}

/**
 * The variable name of a key's secret: `EXA_WEBHOOK_SECRET_` and the key in capitals, every character other than a
 * letter or a digit as `_` (GitHub's secret names and POSIX shells accept exactly these).
 *
 * @since 0.4.0
 */
export const envName = (key: string): string => `EXA_WEBHOOK_SECRET_${key.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`

/**
 * The JSON document of a secret (one line, no line break).
 *
 * @since 0.4.0
 */
export const document = (secret: Secret): string =>
  JSON.stringify({
    namespace: secret.namespace,
    key: secret.key,
    id: secret.id,
    url: secret.url,
    secret: Redacted.value(secret.secret)
  })

// Characters a secret may have in an env line as it is (Exa's are `whsec_` and hex): nothing a shell, dotenv or
// $GITHUB_ENV would read differently.
const PLAIN = /^[A-Za-z0-9_+/=.:-]+$/

/**
 * Why `secrets` cannot be written as env lines: two keys with one name, or a secret that would need quoting.
 *
 * @since 0.4.0
 */
export const envProblem = (secrets: ReadonlyArray<Secret>): string | undefined => {
  const seen = new Map<string, string>()
  for (const secret of secrets) {
    const name = envName(secret.key)
    const other = seen.get(name)
    if (other !== undefined) {
      return `the keys ${other} and ${secret.key} both become ${name}; use --format json, or rename one key`
    }
    seen.set(name, secret.key)
    if (!PLAIN.test(Redacted.value(secret.secret))) {
      return `the secret of ${secret.key} has characters an env line would have to quote; use --format json`
    }
  }
  return undefined
}

/**
 * `NAME=value` lines, one per secret.
 *
 * @since 0.4.0
 */
export const envLines = (secrets: ReadonlyArray<Secret>): string =>
  secrets.map((secret) => `${envName(secret.key)}=${Redacted.value(secret.secret)}`).join("\n")
