/**
 * Plans and apply reports as people read them (text) and as programs read them (`--json`, one document).
 *
 * Every value that comes from the manifest or from Exa (a URL, an id, an event, metadata) is escaped where it is
 * placed in the text (`Printable.escape`): remote metadata holding an escape sequence, a carriage return, a line break
 * or a bidi override cannot clear the screen or print a fake "0 to create". (`Output` masks the password of any URL
 * in what is printed, and escapes JSON documents.)
 *
 * @since 0.1.0
 */
import { Printable } from "@exa-webhooks/schema"
import * as Plan from "./Plan.ts"

const text = Printable.escape

const show = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map((item) => text(String(item))).join(", ")}]`
    : typeof value === "object" && value !== null
    ? `{${Object.entries(value).map(([k, v]) => `${text(k)}: ${text(String(v))}`).join(", ")}}`
    : text(String(value))

const changeText = (change: Plan.Change): string => {
  if (change.field === "events") {
    const from = new Set(change.from as ReadonlyArray<string>)
    const to = new Set(change.to as ReadonlyArray<string>)
    const added = [...to].filter((event) => !from.has(event))
    const removed = [...from].filter((event) => !to.has(event))
    return `events ${[...added.map((e) => `+${text(e)}`), ...removed.map((e) => `-${text(e)}`)].join(" ")}`
  }
  if (change.field === "manifest") {
    return `claim for this manifest (${change.from === null ? "no manifest recorded" : `recorded: ${String(change.from)}`})`
  }
  if (change.field === "metadata") {
    const from = change.from as Readonly<Record<string, string>>
    const to = change.to as Readonly<Record<string, string>>
    const parts = [
      ...Object.keys(to).filter((k) => from[k] !== to[k]).map((k) =>
        k in from ? `${text(k)}: ${text(from[k]!)} -> ${text(to[k]!)}` : `+${text(k)}: ${text(to[k]!)}`
      ),
      ...Object.keys(from).filter((k) => !(k in to)).map((k) => `-${text(k)}`)
    ]
    return `metadata ${parts.join(", ")}`
  }
  return `${change.field}: ${show(change.from)} -> ${show(change.to)}`
}

const secretNote = "secret not in the journal (apply --rotate-missing-secrets replaces the webhook)"

/**
 * Why a key of this manifest is neither created nor changed: another manifest's webhook holds it.
 *
 * @since 0.4.0
 */
export const conflictText = (action: Extract<Plan.Action, { readonly _tag: "Conflict" }>): string =>
  `the key ${action.key} is held by webhook ${text(action.id)} of ${text(action.claimant)}; nothing is created for it (a second ` +
  "webhook under one key would receive every event twice)"

/**
 * The warning for a namespace that another manifest (or the namespace in another case) also claims, and what to do.
 *
 * @since 0.4.0
 */
export const claimantsWarning = (plan: Plan.Plan): string | undefined => {
  const claimants = Plan.claimants(plan)
  if (claimants.size === 0) return undefined
  const listed = [...claimants].map(([claimant, n]) => `${text(claimant)} (${n} webhook${n === 1 ? "" : "s"})`).join(", ")
  return `the namespace ${plan.namespace} is also used by ${listed}; a namespace belongs to one manifest, so those ` +
    `webhooks are never changed or pruned from here. Give one of the manifests another namespace, or, if the other ` +
    `is this manifest (${plan.manifest}) before a move or rename, run apply --claim to take its webhooks over`
}

/**
 * One line per action that matters (unchanged ones only with `verbose`), then the counts.
 *
 * @since 0.1.0
 */
export const planText = (plan: Plan.Plan, summary: ReturnType<typeof Plan.summary>, verbose = false): string => {
  const lines: Array<string> = []
  for (const action of plan.actions) {
    switch (action._tag) {
      case "Create":
        lines.push(`+ create     ${action.key}  ${text(action.webhook.url)}  [${action.webhook.events.join(", ")}]`)
        break
      case "Update":
        lines.push(`~ update     ${action.key} (${text(action.id)})  ${action.changes.map(changeText).join("; ")}`)
        if (action.missingSecret) lines.push(`! secret     ${action.key} (${text(action.id)})  ${secretNote}`)
        break
      case "Adopt":
        lines.push(
          `> adopt      ${action.key} (${text(action.id)})  tag an existing untagged webhook${
            action.changes.length > 0 ? `; ${action.changes.map(changeText).join("; ")}` : ""
          }; its ${secretNote}`
        )
        break
      case "Unchanged":
        if (verbose) lines.push(`= unchanged  ${action.key} (${text(action.id)})`)
        if (action.missingSecret) lines.push(`! secret     ${action.key} (${text(action.id)})  ${secretNote}`)
        break
      case "Orphan":
        lines.push(
          `- orphaned   ${action.key === undefined ? "(no key)" : text(action.key)} (${text(action.id)})  ${text(action.url)}  ` +
            "(apply --prune deletes it)"
        )
        break
      case "Duplicate":
        lines.push(`- duplicate  ${action.key} (${text(action.id)})  a second webhook under this key; apply deletes it`)
        break
      case "Conflict":
        lines.push(`! conflict   ${action.key} (${text(action.id)})  ${conflictText(action)}`)
        break
      case "Foreign":
        lines.push(
          `  other      ${action.key === undefined ? "(no key)" : text(action.key)} (${text(action.id)})  ${text(action.url)}  ` +
            `of ${text(action.claimant)}; never touched`
        )
        break
      case "Unclaimed":
        lines.push(
          `  unclaimed  ${action.key === undefined ? "(no key)" : text(action.key)} (${text(action.id)})  ${text(action.url)}  ` +
            "no manifest recorded and not in this one; never pruned"
        )
        break
    }
  }
  const counts = `${summary.create} to create, ${summary.update} to update, ${summary.adopt} to adopt, ` +
    `${summary.unchanged} unchanged, ${summary.orphaned} orphaned` +
    (summary.duplicates > 0 ? `, ${summary.duplicates} duplicates` : "") +
    (summary.conflicts > 0 ? `, ${summary.conflicts} in conflict` : "") +
    (summary.others > 0 ? `, ${summary.others} of another manifest` : "") +
    (summary.unclaimed > 0 ? `, ${summary.unclaimed} unclaimed` : "") +
    (summary.missingSecrets > 0 ? `, ${summary.missingSecrets} without a journaled secret` : "")
  return [
    `Plan for namespace ${plan.namespace}, manifest ${plan.manifest} (${plan.remoteCount} remote webhooks seen): ${counts}.`,
    ...lines
  ].join("\n")
}

/**
 * The plan as one JSON document.
 *
 * @since 0.1.0
 */
export const planDocument = (file: string, plan: Plan.Plan, summary: ReturnType<typeof Plan.summary>) => ({
  manifest: file,
  name: plan.manifest,
  namespace: plan.namespace,
  remoteWebhooks: plan.remoteCount,
  summary,
  changesPending: Plan.hasChanges(plan),
  actions: plan.actions.map((action) => {
    switch (action._tag) {
      case "Create":
        return { action: "create", key: action.key, url: action.webhook.url, events: action.webhook.events, metadata: action.webhook.metadata }
      case "Update":
        return { action: "update", key: action.key, id: action.id, changes: action.changes, missingSecret: action.missingSecret }
      case "Adopt":
        return { action: "adopt", key: action.key, id: action.id, changes: action.changes, missingSecret: true }
      case "Unchanged":
        return { action: "unchanged", key: action.key, id: action.id, missingSecret: action.missingSecret }
      case "Orphan":
        return { action: "orphaned", key: action.key ?? null, id: action.id, url: action.url }
      case "Duplicate":
        return { action: "duplicate", key: action.key, id: action.id, url: action.url }
      case "Conflict":
        return { action: "conflict", key: action.key, id: action.id, url: action.url, claimant: action.claimant }
      case "Foreign":
        return { action: "other", key: action.key ?? null, id: action.id, url: action.url, claimant: action.claimant }
      case "Unclaimed":
        return { action: "unclaimed", key: action.key ?? null, id: action.id, url: action.url }
    }
  })
})
