/**
 * The plan: what must change remotely for the manifest to hold, computed from one listing of every remote webhook.
 *
 * Remote webhooks are matched to the manifest by their ownership tags (namespace, key and manifest, see `Ownership` in
 * the schema package). A webhook without this namespace is never touched and never counted as ours; the one
 * exception is `--adopt`, which tags an untagged webhook whose URL and events equal a manifest entry's instead of
 * creating a twin.
 *
 * A namespace belongs to one manifest. A webhook of this namespace is this manifest's when its manifest tag is this
 * manifest's name, or when it has no manifest tag (created before manifests were recorded) and its id is in this
 * manifest's journal. Another manifest's webhooks (and those of the namespace written in another case) are listed,
 * never touched: a key of ours that another manifest holds is a conflict, not a create, and `--prune` deletes only
 * this manifest's orphans. A webhook with no manifest tag and no journal entry is claimed when its key is one of ours
 * (the update adds the tag), and otherwise left alone. `--claim` takes over another manifest's webhooks of this
 * namespace (after the manifest file was moved or renamed).
 *
 * @since 0.1.0
 */
import type { Webhook } from "@exa-webhooks/schema"
import { Ownership, ReservedMetadata } from "@exa-webhooks/schema"
import type * as Manifest from "./Manifest.ts"

/**
 * One field that differs: `from` is the remote value, `to` the manifest's.
 *
 * @since 0.1.0
 */
export interface Change {
  /** `manifest`: the webhook is claimed for this manifest (its manifest tag is added or replaced). */
  readonly field: "url" | "events" | "metadata" | "manifest"
  readonly from: unknown
  readonly to: unknown
}

/**
 * What happens to one webhook. `missingSecret` marks a remote webhook of ours whose secret is not in the journal
 * (created just before a crash, adopted, or made elsewhere).
 *
 * @since 0.1.0
 */
export type Action =
  | { readonly _tag: "Create"; readonly key: string; readonly webhook: Manifest.Desired }
  | {
    readonly _tag: "Update"
    readonly key: string
    readonly id: string
    readonly webhook: Manifest.Desired
    readonly changes: ReadonlyArray<Change>
    readonly remoteMetadata: Readonly<Record<string, string>>
    readonly missingSecret: boolean
  }
  | { readonly _tag: "Unchanged"; readonly key: string; readonly id: string; readonly webhook: Manifest.Desired; readonly missingSecret: boolean }
  | {
    readonly _tag: "Adopt"
    readonly key: string
    readonly id: string
    readonly webhook: Manifest.Desired
    readonly changes: ReadonlyArray<Change>
    readonly remoteMetadata: Readonly<Record<string, string>>
  }
  | { readonly _tag: "Orphan"; readonly key: string | undefined; readonly id: string; readonly url: string }
  /**
   * A second webhook of this manifest under one key. `keptId` is the one kept (the one whose secret this journal
   * holds, else the oldest); `journaled` whether this one's secret is in this journal. `deletable` when apply deletes
   * it: this journal shows this manifest created it (or chose to replace it, in a rotation), or the user asked
   * (`--delete-duplicates`, `--delete-duplicate ID`). Otherwise another apply (another checkout, another CI runner) may
   * have made it and hold its secret: it is reported, never deleted.
   */
  | {
    readonly _tag: "Duplicate"
    readonly key: string
    readonly id: string
    readonly url: string
    readonly keptId: string
    readonly keptJournaled: boolean
    readonly journaled: boolean
    readonly deletable: boolean
  }
  /** A key of this manifest that another manifest's webhook holds: nothing is created or changed for it. */
  | { readonly _tag: "Conflict"; readonly key: string; readonly id: string; readonly url: string; readonly claimant: string }
  /** Another manifest's webhook in this namespace (or in the namespace written in another case): never touched. */
  | {
    readonly _tag: "Foreign"
    readonly key: string | undefined
    readonly id: string
    readonly url: string
    readonly claimant: string
  }
  /** A webhook of this namespace that no manifest recorded, whose key is not this manifest's: never pruned. */
  | { readonly _tag: "Unclaimed"; readonly key: string | undefined; readonly id: string; readonly url: string }

/**
 * The plan of one manifest.
 *
 * @since 0.1.0
 */
export interface Plan {
  readonly namespace: string
  /** The name of this manifest, stored on every webhook it creates. */
  readonly manifest: string
  readonly actions: ReadonlyArray<Action>
  /** Remote webhooks seen in all (ours and others'). */
  readonly remoteCount: number
}

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Tag an untagged remote webhook with the same URL and events instead of creating a new one. */
  readonly adopt: boolean
  /** Ids whose secret is in the journal. */
  readonly journaled: ReadonlySet<string>
  /** Take over the webhooks of this namespace that another manifest created. */
  readonly claim?: boolean | undefined
  /**
   * Ids of webhooks this journal shows this manifest created or chose to replace (its entries' ids and `replaces`):
   * a duplicate among them is deleted. Default: `journaled`.
   */
  readonly created?: ReadonlySet<string> | undefined
  /** Delete every duplicate (`--delete-duplicates`), or these ones (`--delete-duplicate ID`). */
  readonly deleteDuplicates?: boolean | ReadonlySet<string> | undefined
}

const sameEvents = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => {
  const set = new Set(a)
  return set.size === new Set(b).size && b.every((event) => set.has(event))
}

const sameRecord = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
}

const eventsKey = (url: string, events: ReadonlyArray<string>) => `${url}\n${[...new Set(events)].toSorted().join(",")}`

/**
 * The fields of `remote` that differ from `webhook` (events compared as sets, metadata without the reserved keys).
 *
 * @since 0.1.0
 */
export const diff = (remote: Webhook.Webhook, webhook: Manifest.Desired, manifest?: string): Array<Change> => {
  const changes: Array<Change> = []
  if (remote.url !== webhook.url) changes.push({ field: "url", from: remote.url, to: webhook.url })
  if (!sameEvents(remote.events, webhook.events)) changes.push({ field: "events", from: remote.events, to: webhook.events })
  const user = Ownership.userPart(remote.metadata)
  if (!sameRecord(user, webhook.metadata)) changes.push({ field: "metadata", from: user, to: webhook.metadata })
  const recorded = Ownership.of(remote.metadata)?.manifest
  if (manifest !== undefined && recorded !== manifest) changes.push({ field: "manifest", from: recorded ?? null, to: manifest })
  return changes
}

const createdAt = (webhook: Webhook.Webhook) => webhook.createdAt.epochMilliseconds

const push = <V>(map: Map<string, Array<V>>, key: string, value: V) => {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

/**
 * Computes the plan of `webhooks` (a manifest's, merged) in `namespace`, for the manifest named `manifest`, against
 * every `remote` webhook.
 *
 * @since 0.1.0
 */
export const make = (
  namespace: string,
  manifest: string,
  webhooks: ReadonlyArray<Manifest.Desired>,
  remote: ReadonlyArray<Webhook.Webhook>,
  options: Options
): Plan => {
  // Per key: this manifest's webhooks, and those no manifest recorded (claimable); another manifest's by key.
  const ours = new Map<string, Array<Webhook.Webhook>>()
  const unrecorded = new Map<string, Array<Webhook.Webhook>>()
  const foreign = new Map<string, Array<{ readonly webhook: Webhook.Webhook; readonly claimant: string }>>()
  const actions: Array<Action> = []
  const untagged = new Map<string, Array<Webhook.Webhook>>()
  const folded = namespace.toLowerCase()
  for (const webhook of remote) {
    const owner = Ownership.of(webhook.metadata)
    if (owner === undefined) {
      if (options.adopt) push(untagged, eventsKey(webhook.url, webhook.events), webhook)
      continue
    }
    if (owner.namespace.toLowerCase() !== folded) continue
    const claimant = owner.namespace !== namespace
      ? `the namespace ${JSON.stringify(owner.namespace)}, which differs from this one only in case`
      : owner.manifest !== undefined && owner.manifest !== manifest && options.claim !== true
      ? `the manifest ${owner.manifest}`
      : undefined
    if (claimant !== undefined) {
      if (owner.key === undefined) actions.push({ _tag: "Foreign", key: undefined, id: webhook.id, url: webhook.url, claimant })
      else push(foreign, owner.key, { webhook, claimant })
      continue
    }
    const mine = owner.manifest !== undefined || options.journaled.has(webhook.id)
    if (owner.key === undefined) {
      actions.push(
        mine
          ? { _tag: "Orphan", key: undefined, id: webhook.id, url: webhook.url }
          : { _tag: "Unclaimed", key: undefined, id: webhook.id, url: webhook.url }
      )
      continue
    }
    push(mine ? ours : unrecorded, owner.key, webhook)
  }
  const wanted = new Set(webhooks.map((webhook) => webhook.key))
  for (const webhook of webhooks) {
    const mine = ours.get(webhook.key) ?? []
    const claimable = unrecorded.get(webhook.key) ?? []
    if (mine.length === 0 && claimable.length === 0) {
      const held = foreign.get(webhook.key)?.[0]
      if (held !== undefined) {
        actions.push({ _tag: "Conflict", key: webhook.key, id: held.webhook.id, url: held.webhook.url, claimant: held.claimant })
        continue
      }
      const twin = options.adopt ? untagged.get(eventsKey(webhook.url, webhook.events))?.shift() : undefined
      if (twin !== undefined) {
        actions.push({
          _tag: "Adopt",
          key: webhook.key,
          id: twin.id,
          webhook,
          changes: diff(twin, webhook),
          remoteMetadata: twin.metadata
        })
      } else {
        actions.push({ _tag: "Create", key: webhook.key, webhook })
      }
      continue
    }
    // Two under one key (a rotation cut short, say): keep the one whose secret we hold, then one this manifest
    // recorded, else the oldest. A second one of ours is deleted; one no manifest recorded is only left alone.
    const [keep, ...extra] = [...mine, ...claimable].toSorted((a, b) =>
      Number(options.journaled.has(b.id)) - Number(options.journaled.has(a.id)) ||
      Number(mine.includes(b)) - Number(mine.includes(a)) ||
      createdAt(a) - createdAt(b)
    )
    const changes = diff(keep!, webhook, manifest)
    const missingSecret = !options.journaled.has(keep!.id)
    actions.push(
      changes.length === 0
        ? { _tag: "Unchanged", key: webhook.key, id: keep!.id, webhook, missingSecret }
        : { _tag: "Update", key: webhook.key, id: keep!.id, webhook, changes, remoteMetadata: keep!.metadata, missingSecret }
    )
    for (const other of extra) {
      const asked = options.deleteDuplicates === true ||
        (typeof options.deleteDuplicates === "object" && options.deleteDuplicates.has(other.id))
      actions.push(
        mine.includes(other)
          ? {
            _tag: "Duplicate",
            key: webhook.key,
            id: other.id,
            url: other.url,
            keptId: keep!.id,
            keptJournaled: options.journaled.has(keep!.id),
            journaled: options.journaled.has(other.id),
            deletable: asked || (options.created ?? options.journaled).has(other.id)
          }
          : { _tag: "Unclaimed", key: webhook.key, id: other.id, url: other.url }
      )
    }
  }
  for (const [key, found] of ours) {
    if (wanted.has(key)) continue
    for (const webhook of found) actions.push({ _tag: "Orphan", key, id: webhook.id, url: webhook.url })
  }
  for (const [key, found] of unrecorded) {
    if (wanted.has(key)) continue
    for (const webhook of found) actions.push({ _tag: "Unclaimed", key, id: webhook.id, url: webhook.url })
  }
  for (const [key, found] of foreign) {
    const conflicted = wanted.has(key) && (ours.get(key) ?? unrecorded.get(key)) === undefined
    for (const [i, { claimant, webhook }] of found.entries()) {
      // The one a conflict names is listed there already.
      if (conflicted && i === 0) continue
      actions.push({ _tag: "Foreign", key, id: webhook.id, url: webhook.url, claimant })
    }
  }
  return { namespace, manifest, actions, remoteCount: remote.length }
}

/**
 * The update body of a change to `webhook`: only the fields that differ; the metadata keeps every reserved entry of
 * the remote webhook (its idempotency key and ownership tags) and adds the tags when adopting.
 *
 * @since 0.1.0
 */
export const updateBody = (
  plan: Pick<Plan, "namespace" | "manifest">,
  action: Extract<Action, { readonly _tag: "Update" | "Adopt" }>
) => {
  const fields = new Set(action.changes.map((change) => change.field))
  const metadataChanges = fields.has("metadata") || fields.has("manifest") || action._tag === "Adopt"
  return {
    ...(fields.has("url") ? { url: action.webhook.url } : {}),
    ...(fields.has("events") ? { events: action.webhook.events } : {}),
    ...(metadataChanges
      ? {
        metadata: {
          ...action.webhook.metadata,
          ...ReservedMetadata.pick(action.remoteMetadata),
          ...Ownership.tags(plan.namespace, action.key, plan.manifest)
        }
      }
      : {})
  }
}

/**
 * Counts of each kind of action.
 *
 * @since 0.1.0
 */
export const summary = (plan: Plan) => {
  const count = (tag: Action["_tag"]) => plan.actions.filter((action) => action._tag === tag).length
  return {
    create: count("Create"),
    update: count("Update"),
    adopt: count("Adopt"),
    unchanged: count("Unchanged"),
    orphaned: count("Orphan"),
    duplicates: count("Duplicate"),
    conflicts: count("Conflict"),
    others: count("Foreign"),
    unclaimed: count("Unclaimed"),
    missingSecrets: missingSecrets(plan).length
  }
}

/**
 * Whether applying the plan would change anything remotely (orphans count: `--prune` deletes them; what belongs to
 * another manifest or to none does not: apply never touches it).
 *
 * @since 0.1.0
 */
export const hasChanges = (plan: Plan): boolean =>
  plan.actions.some((action) =>
    action._tag !== "Unchanged" && action._tag !== "Conflict" && action._tag !== "Foreign" && action._tag !== "Unclaimed" &&
    !(action._tag === "Duplicate" && !action.deletable)
  )

/**
 * The webhooks of this manifest whose secret is held nowhere this tool knows of (not in the journal, not taken by a
 * secret sink): `key` and `id` of each kept webhook, in plan order.
 *
 * @since 0.4.0
 */
export const missingSecrets = (plan: Plan): ReadonlyArray<{ readonly key: string; readonly id: string }> =>
  plan.actions.flatMap((action) =>
    action._tag === "Adopt" || ((action._tag === "Unchanged" || action._tag === "Update") && action.missingSecret)
      ? [{ key: action.key, id: action.id }]
      : []
  )

/**
 * Whether `plan --detailed-exit-code` exits 3: changes are pending, or a webhook's secret is missing (a CI job should
 * not pass while a webhook of the manifest cannot be verified).
 *
 * @since 0.4.0
 */
export const needsAttention = (plan: Plan): boolean => hasChanges(plan) || missingSecrets(plan).length > 0

/**
 * Who else claims this plan's namespace: each claimant with the webhooks of it the plan saw (conflicts included).
 *
 * @since 0.4.0
 */
export const claimants = (plan: Plan): ReadonlyMap<string, number> => {
  const found = new Map<string, number>()
  for (const action of plan.actions) {
    if (action._tag === "Conflict" || action._tag === "Foreign") found.set(action.claimant, (found.get(action.claimant) ?? 0) + 1)
  }
  return found
}
