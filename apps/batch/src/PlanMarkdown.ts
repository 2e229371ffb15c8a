/**
 * A plan as Markdown (`plan --format markdown`), for a CI job to post on a pull request: a headline with the counts,
 * a table of what `apply` would do, the webhooks whose secret is missing, and what it leaves alone.
 *
 * Every value from the manifest or from Exa (keys, ids, URLs, metadata) is written so that it cannot become markup: in
 * a code span when it fits one (with no backtick or line break in it), otherwise with every character Markdown or HTML
 * reads (`| < > [ ] * _ ~ # @` ...) as a numeric character reference, so a URL can neither break the table, inject
 * HTML or a link, nor @-mention anyone. Control characters are shown escaped (`Printable.escape`). A URL's password is
 * never shown (`Output` masks what is printed).
 *
 * @since 0.4.0
 */
import type * as UrlProbe from "@exa-webhooks/cli-kit/UrlProbe"
import { Printable } from "@exa-webhooks/schema"
import * as Plan from "./Plan.ts"

// Anything Markdown, GitHub's extensions or HTML give a meaning to.
const SPECIAL = /[\\`*_{}[\]()<>#+\-.!|~@&:"'=$%^]/g

/**
 * `value` as inert Markdown text.
 *
 * @since 0.4.0
 */
export const text = (value: string): string =>
  Printable.escape(value).replace(SPECIAL, (c) => `&#${c.charCodeAt(0)};`)

/**
 * `value` as a code span when it can be one, else as {@link text}.
 *
 * @since 0.4.0
 */
export const code = (value: string): string => {
  const escaped = Printable.escape(value)
  return /[`\n\r|]/.test(escaped) || escaped.length === 0 ? text(value) : `\`${escaped}\``
}

const row = (cells: ReadonlyArray<string>) => `| ${cells.join(" | ")} |`

const changeText = (change: Plan.Change): string => {
  switch (change.field) {
    case "url":
      return `url → ${code(String(change.to))}`
    case "events":
      return "events"
    case "metadata":
      return "metadata"
    case "manifest":
      return "claimed for this manifest"
  }
}

/**
 * The plan as Markdown.
 *
 * @since 0.4.0
 */
export const render = (file: string, plan: Plan.Plan, summary: ReturnType<typeof Plan.summary>): string => {
  const rows: Array<string> = []
  const left: Array<string> = []
  for (const action of plan.actions) {
    switch (action._tag) {
      case "Create":
        rows.push(row(["create", code(action.key), "", code(action.webhook.url)]))
        break
      case "Update":
        rows.push(row(["update", code(action.key), code(action.id), action.changes.map(changeText).join(", ")]))
        break
      case "Adopt":
        rows.push(row(["adopt", code(action.key), code(action.id), "tag an existing webhook (its secret stays unknown)"]))
        break
      case "Orphan":
        rows.push(row(["orphaned", action.key === undefined ? "" : code(action.key), code(action.id), "apply --prune deletes it"]))
        break
      case "Duplicate":
        if (action.deletable) rows.push(row(["delete duplicate", code(action.key), code(action.id), `kept: ${code(action.keptId)}`]))
        else left.push(`- duplicate ${code(action.key)}: ${code(action.id)} besides ${code(action.keptId)}; not created from this journal, left alone`)
        break
      case "Conflict":
        left.push(`- conflict ${code(action.key)}: held by ${code(action.id)} of ${text(action.claimant)}`)
        break
      case "Foreign":
      case "Unclaimed":
      case "Unchanged":
        break
    }
  }
  const missing = Plan.missingSecrets(plan)
  const pending = Plan.hasChanges(plan)
  const headline = `${summary.create} to create, ${summary.update} to update, ${summary.adopt} to adopt, ` +
    `${summary.orphaned} orphaned, ${summary.unchanged} unchanged` +
    (missing.length > 0 ? `, **${missing.length} without a secret**` : "")
  return [
    `### exa-webhooks-batch plan: ${code(file)}`,
    "",
    `Namespace ${code(plan.namespace)}, manifest ${code(plan.manifest)}: ${headline}.`,
    "",
    ...(rows.length === 0
      ? [pending ? "" : "No changes: the remote webhooks match the manifest."]
      : [row(["action", "key", "webhook", "what"]), row(["---", "---", "---", "---"]), ...rows]),
    ...(missing.length === 0 ? [] : [
      "",
      `**Secrets missing** (no journal or secret sink holds them; \`apply --rotate-missing-secrets\` replaces these webhooks):`,
      "",
      ...missing.map((m) => `- ${code(m.key)} (${code(m.id)})`)
    ]),
    ...(left.length === 0 ? [] : ["", "**Left alone:**", "", ...left])
  ].join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()
}

/**
 * The results of `plan --check-urls`, to follow {@link render}: each URL's finding, as inert text.
 *
 * @since 0.4.0
 */
export const urlChecks = (checks: ReadonlyArray<UrlProbe.Check>): string =>
  ["", "", "**URL checks** (one `HEAD` from the machine that ran the plan):", "", ...checks.map((c) => `- ${c.ok ? "ok" : "**FAIL**"}: ${text(c.message)}`)]
    .join("\n")
