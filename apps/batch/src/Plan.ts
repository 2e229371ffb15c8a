/**
 * The plan: what must change remotely for the manifest to hold, computed from one listing of every remote webhook.
 *
 * Remote webhooks are matched to the manifest by their ownership tags (namespace and key, see `Ownership` in the
 * schema package). A webhook without this namespace is never touched and never counted as ours; the one exception is
 * `--adopt`, which tags an untagged webhook whose URL and events equal a manifest entry's instead of creating a twin.
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
  readonly field: "url" | "events" | "metadata"
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
  | { readonly _tag: "Duplicate"; readonly key: string; readonly id: string; readonly url: string }

/**
 * The plan of one manifest.
 *
 * @since 0.1.0
 */
export interface Plan {
  readonly namespace: string
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
export const diff = (remote: Webhook.Webhook, webhook: Manifest.Desired): Array<Change> => {
  const changes: Array<Change> = []
  if (remote.url !== webhook.url) changes.push({ field: "url", from: remote.url, to: webhook.url })
  if (!sameEvents(remote.events, webhook.events)) changes.push({ field: "events", from: remote.events, to: webhook.events })
  const user = Ownership.userPart(remote.metadata)
  if (!sameRecord(user, webhook.metadata)) changes.push({ field: "metadata", from: user, to: webhook.metadata })
  return changes
}

const createdAt = (webhook: Webhook.Webhook) => webhook.createdAt.epochMilliseconds

/**
 * Computes the plan of `webhooks` (a manifest's, merged) in `namespace` against every `remote` webhook.
 *
 * @since 0.1.0
 */
export const make = (
  namespace: string,
  webhooks: ReadonlyArray<Manifest.Desired>,
  remote: ReadonlyArray<Webhook.Webhook>,
  options: Options
): Plan => {
  const ours = new Map<string, Array<Webhook.Webhook>>()
  const actions: Array<Action> = []
  const untagged = new Map<string, Array<Webhook.Webhook>>()
  for (const webhook of remote) {
    const owner = Ownership.of(webhook.metadata)
    if (owner === undefined) {
      if (options.adopt) {
        const key = eventsKey(webhook.url, webhook.events)
        const list = untagged.get(key) ?? []
        list.push(webhook)
        untagged.set(key, list)
      }
      continue
    }
    if (owner.namespace !== namespace) continue
    if (owner.key === undefined) {
      actions.push({ _tag: "Orphan", key: undefined, id: webhook.id, url: webhook.url })
      continue
    }
    const list = ours.get(owner.key) ?? []
    list.push(webhook)
    ours.set(owner.key, list)
  }
  const wanted = new Set(webhooks.map((webhook) => webhook.key))
  for (const webhook of webhooks) {
    const found = ours.get(webhook.key)
    if (found === undefined || found.length === 0) {
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
    // Two of ours under one key (a rotation cut short, say): keep the one whose secret we hold, else the oldest.
    const [keep, ...extra] = found.toSorted((a, b) =>
      Number(options.journaled.has(b.id)) - Number(options.journaled.has(a.id)) || createdAt(a) - createdAt(b)
    )
    const changes = diff(keep!, webhook)
    const missingSecret = !options.journaled.has(keep!.id)
    actions.push(
      changes.length === 0
        ? { _tag: "Unchanged", key: webhook.key, id: keep!.id, webhook, missingSecret }
        : { _tag: "Update", key: webhook.key, id: keep!.id, webhook, changes, remoteMetadata: keep!.metadata, missingSecret }
    )
    for (const duplicate of extra) actions.push({ _tag: "Duplicate", key: webhook.key, id: duplicate.id, url: duplicate.url })
  }
  for (const [key, found] of ours) {
    if (wanted.has(key)) continue
    for (const webhook of found) actions.push({ _tag: "Orphan", key, id: webhook.id, url: webhook.url })
  }
  return { namespace, actions, remoteCount: remote.length }
}

/**
 * The update body of a change to `webhook`: only the fields that differ; the metadata keeps every reserved entry of
 * the remote webhook (its idempotency key and ownership tags) and adds the tags when adopting.
 *
 * @since 0.1.0
 */
export const updateBody = (
  namespace: string,
  action: Extract<Action, { readonly _tag: "Update" | "Adopt" }>
) => {
  const fields = new Set(action.changes.map((change) => change.field))
  const metadataChanges = fields.has("metadata") || action._tag === "Adopt"
  return {
    ...(fields.has("url") ? { url: action.webhook.url } : {}),
    ...(fields.has("events") ? { events: action.webhook.events } : {}),
    ...(metadataChanges
      ? {
        metadata: {
          ...action.webhook.metadata,
          ...ReservedMetadata.pick(action.remoteMetadata),
          ...Ownership.tags(namespace, action.key)
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
    missingSecrets: plan.actions.filter((action) =>
      action._tag === "Adopt" || ((action._tag === "Unchanged" || action._tag === "Update") && action.missingSecret)
    ).length
  }
}

/**
 * Whether applying the plan would change anything remotely (orphans count: `--prune` deletes them).
 *
 * @since 0.1.0
 */
export const hasChanges = (plan: Plan): boolean =>
  plan.actions.some((action) => action._tag !== "Unchanged")
