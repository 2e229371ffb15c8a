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
import * as Text from "@exa-webhooks/cli-kit/Text"
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

// The mark and word of each kind of action, in the plan's colours: green adds, yellow changes, red removes,
// magenta needs a person's attention, dim is left alone.
const MARKS = {
  create: Text.green("+ create"),
  update: Text.yellow("~ update"),
  adopt: Text.cyan("> adopt"),
  unchanged: Text.dim("= unchanged"),
  secret: Text.magenta("! secret"),
  orphaned: Text.red("- orphaned"),
  duplicate: Text.red("- duplicate"),
  duplicateKept: Text.magenta("! duplicate"),
  conflict: Text.magenta("! conflict"),
  other: Text.dim("  other"),
  unclaimed: Text.dim("  unclaimed")
} as const

const where = (journaled: boolean) => (journaled ? "secret in this journal" : "secret not in this journal")

/**
 * The plan line of a second webhook under one key: both ids, which one's secret this journal holds, and whether apply
 * deletes it.
 *
 * @since 0.4.0
 */
export const duplicateLine = (action: Extract<Plan.Action, { readonly _tag: "Duplicate" }>): string =>
  `${action.deletable ? "- duplicate" : "! duplicate"}  ${action.key} ${text(action.id)} ${duplicateDetail(action)}`

// The plan row's detail of a duplicate, after its id.
const duplicateDetail = (action: Extract<Plan.Action, { readonly _tag: "Duplicate" }>): string => {
  const both = `(${where(action.journaled)}) besides ${text(action.keptId)} (kept; ${where(action.keptJournaled)})`
  return action.deletable
    ? `${both}; apply deletes ${text(action.id)}`
    : `${both}; this journal did not create it (another apply may hold its secret): both are left alone; ` +
      `apply --delete-duplicate ${text(action.id)} (or --delete-duplicates) deletes it`
}

/**
 * One line per action that matters (unchanged ones only with `verbose`), in aligned columns (what, key, id,
 * details), after a line of counts.
 *
 * @since 0.1.0
 */
export const planText = (plan: Plan.Plan, summary: ReturnType<typeof Plan.summary>, verbose = false): Text.Text => {
  const rows: Array<ReadonlyArray<Text.Text>> = []
  const row = (mark: Text.Text, key: string | undefined, id: string | undefined, detail: string) =>
    rows.push([mark, key === undefined ? "(no key)" : text(key), id === undefined ? "" : `(${text(id)})`, detail])
  for (const action of plan.actions) {
    switch (action._tag) {
      case "Create":
        row(MARKS.create, action.key, undefined, `${text(action.webhook.url)}  [${action.webhook.events.map(text).join(", ")}]`)
        break
      case "Update":
        row(MARKS.update, action.key, action.id, action.changes.map(changeText).join("; "))
        if (action.missingSecret) row(MARKS.secret, action.key, action.id, secretNote)
        break
      case "Adopt":
        row(
          MARKS.adopt,
          action.key,
          action.id,
          `tag an existing untagged webhook${action.changes.length > 0 ? `; ${action.changes.map(changeText).join("; ")}` : ""}; its ${secretNote}`
        )
        break
      case "Unchanged":
        if (verbose) row(MARKS.unchanged, action.key, action.id, "")
        if (action.missingSecret) row(MARKS.secret, action.key, action.id, secretNote)
        break
      case "Orphan":
        row(MARKS.orphaned, action.key, action.id, `${text(action.url)}  (apply --prune deletes it)`)
        break
      case "Duplicate":
        row(action.deletable ? MARKS.duplicate : MARKS.duplicateKept, action.key, action.id, duplicateDetail(action))
        break
      case "Conflict":
        row(MARKS.conflict, action.key, action.id, conflictText(action))
        break
      case "Foreign":
        row(MARKS.other, action.key, action.id, `${text(action.url)}  of ${text(action.claimant)}; never touched`)
        break
      case "Unclaimed":
        row(MARKS.unclaimed, action.key, action.id, `${text(action.url)}  no manifest recorded and not in this one; never pruned`)
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
  return Text.join([
    `Plan for namespace ${plan.namespace}, manifest ${plan.manifest} (${plan.remoteCount} remote webhooks seen): ${counts}.`,
    ...Text.columns(rows)
  ], "\n")
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
        return {
          action: "duplicate",
          key: action.key,
          id: action.id,
          url: action.url,
          keptId: action.keptId,
          journaled: action.journaled,
          keptJournaled: action.keptJournaled,
          deletes: action.deletable
        }
      case "Conflict":
        return { action: "conflict", key: action.key, id: action.id, url: action.url, claimant: action.claimant }
      case "Foreign":
        return { action: "other", key: action.key ?? null, id: action.id, url: action.url, claimant: action.claimant }
      case "Unclaimed":
        return { action: "unclaimed", key: action.key ?? null, id: action.id, url: action.url }
    }
  })
})
