/**
 * Carrying out a plan: every change through the client (one shared limiter, bounded concurrency), every created
 * webhook's secret into the journal before the create counts as done, and one failed item never stopping the others.
 *
 * A create and the journal write that follows it are uninterruptible: Ctrl-C waits for a create already sent, so its
 * secret is kept rather than lost.
 *
 * @since 0.1.0
 */
import { WebhooksClient, WebhooksError } from "@exa-webhooks/client"
import type { Webhook } from "@exa-webhooks/schema"
import { Effect } from "effect"
import type * as Journal from "./Journal.ts"
import * as Manifest from "./Manifest.ts"
import * as Plan from "./Plan.ts"
import type { Progress } from "./Progress.ts"
import * as Render from "./Render.ts"

/**
 * Options of {@link run}.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly concurrency: number
  /** Delete orphans. */
  readonly prune: boolean
  /** Replace webhooks of ours whose secret is not in the journal with new ones whose secret is. */
  readonly rotateMissingSecrets: boolean
}

/**
 * What happened to one item.
 *
 * @since 0.1.0
 */
export interface Outcome {
  readonly key: string | null
  readonly result: "created" | "updated" | "adopted" | "rotated" | "deleted" | "unchanged" | "kept" | "untouched" | "failed"
  readonly id: string | null
  /** The id of the webhook a rotation replaced. */
  readonly replaced?: string | undefined
  readonly error?: { readonly type: string; readonly message: string } | undefined
  /** Ours, but its secret is not in the journal. */
  readonly missingSecret?: boolean | undefined
}

/**
 * How `exa-webhooks-batch` sets the client settings that an error's advice can be about.
 *
 * @since 0.3.0
 */
export const settingNames: Readonly<Record<string, string>> = {
  apiKey: "EXA_API_KEY or --api-key-file",
  rateLimit: "--rate-limit or EXA_RATE_LIMIT",
  timeout: "EXA_TIMEOUT"
}

const errorOf = (error: unknown) => {
  // A client error renders its advice from its fields, naming the batch app's own flags and variables.
  if (WebhooksError.isWebhooksError(error)) {
    // One line: an InvalidInputError lists its problems on lines of their own.
    const text = WebhooksError.format(error, { name: (s) => settingNames[s.option] ?? s.env })
    return { type: error._tag, message: text.replace(/\n- /g, " ").replace(/\n/g, " ") }
  }
  const tagged = error as { readonly _tag?: string; readonly message?: string }
  return { type: tagged._tag ?? "Error", message: String(tagged.message ?? error).split("\n")[0]! }
}

/**
 * Whether an action sends anything under these options.
 *
 * @since 0.1.0
 */
export const mutates = (action: Plan.Action, options: Options): boolean => {
  switch (action._tag) {
    case "Unchanged":
      return action.missingSecret && options.rotateMissingSecrets
    case "Orphan":
      return options.prune
    case "Conflict":
    case "Foreign":
    case "Unclaimed":
      return false
    default:
      return true
  }
}

/**
 * Applies `plan`; the outcome of every action, in plan order.
 *
 * @since 0.1.0
 */
export const run = Effect.fn("Apply.run")(function*(
  plan: Plan.Plan,
  journal: Journal.Journal,
  options: Options,
  progress: Progress
) {
  const client = yield* WebhooksClient.WebhooksClient
  const namespace = plan.namespace

  const createJournaled = (webhook: Manifest.Desired) =>
    Effect.uninterruptible(Effect.gen(function*() {
      const created: Webhook.Webhook = yield* client.create(Manifest.createBody(namespace, plan.manifest, webhook))
      if (created.secret === null) return { created, journaled: false }
      yield* journal.append({
        namespace,
        key: webhook.key,
        id: created.id,
        url: created.url,
        secret: created.secret,
        createdAt: new Date(created.createdAt.epochMilliseconds).toISOString()
      })
      return { created, journaled: true }
    }))

  // The new webhook first, then the old one goes: deliveries never stop, and a crash in between leaves a duplicate
  // that the next apply removes (it keeps the one whose secret is journaled).
  const rotate = (key: string, oldId: string, webhook: Manifest.Desired) =>
    Effect.gen(function*() {
      const { created, journaled } = yield* createJournaled(webhook)
      yield* client.delete(oldId).pipe(Effect.catchTag("NotFoundError", () => Effect.void))
      return { key, result: "rotated", id: created.id, replaced: oldId, missingSecret: !journaled } satisfies Outcome
    })

  const one = (action: Plan.Action): Effect.Effect<Outcome, never> => {
    const effect: Effect.Effect<Outcome, unknown> = (() => {
      switch (action._tag) {
        case "Create":
          return createJournaled(action.webhook).pipe(Effect.map(({ created, journaled }): Outcome => ({
            key: action.key,
            result: "created",
            id: created.id,
            missingSecret: !journaled
          })))
        case "Update":
          if (action.missingSecret && options.rotateMissingSecrets) return rotate(action.key, action.id, action.webhook)
          return client.update(action.id, Plan.updateBody(plan, action)).pipe(
            Effect.as<Outcome>({ key: action.key, result: "updated", id: action.id, missingSecret: action.missingSecret })
          )
        case "Adopt":
          if (options.rotateMissingSecrets) return rotate(action.key, action.id, action.webhook)
          return client.update(action.id, Plan.updateBody(plan, action)).pipe(
            Effect.as<Outcome>({ key: action.key, result: "adopted", id: action.id, missingSecret: true })
          )
        case "Unchanged":
          if (action.missingSecret && options.rotateMissingSecrets) return rotate(action.key, action.id, action.webhook)
          return Effect.succeed<Outcome>({ key: action.key, result: "unchanged", id: action.id, missingSecret: action.missingSecret })
        case "Orphan":
          if (!options.prune) return Effect.succeed<Outcome>({ key: action.key ?? null, result: "kept", id: action.id })
          return client.delete(action.id).pipe(
            Effect.catchTag("NotFoundError", () => Effect.void),
            Effect.as<Outcome>({ key: action.key ?? null, result: "deleted", id: action.id })
          )
        case "Duplicate":
          return client.delete(action.id).pipe(
            Effect.catchTag("NotFoundError", () => Effect.void),
            Effect.as<Outcome>({ key: action.key, result: "deleted", id: action.id })
          )
        case "Conflict":
          // Never a twin: two webhooks under one key, from two manifests, would both receive every event.
          return Effect.succeed<Outcome>({
            key: action.key,
            result: "failed",
            id: action.id,
            error: { type: "NamespaceConflict", message: Render.conflictText(action) }
          })
        case "Foreign":
        case "Unclaimed":
          return Effect.succeed<Outcome>({ key: action.key ?? null, result: "untouched", id: action.id })
      }
    })()
    const key = "key" in action ? action.key ?? null : null
    const id = "id" in action ? action.id : null
    return effect.pipe(
      Effect.catch((error) => Effect.succeed<Outcome>({ key, result: "failed", id, error: errorOf(error) })),
      Effect.tap((outcome) =>
        mutates(action, options)
          ? progress.tick(
            `${outcome.result} ${outcome.key ?? "(no key)"}${outcome.id === null ? "" : ` (${outcome.id})`}${
              outcome.error === undefined ? "" : `: ${outcome.error.message}`
            }`
          )
          : Effect.void
      )
    )
  }

  const outcomes = yield* Effect.forEach(plan.actions, one, { concurrency: options.concurrency })
  yield* progress.done
  return outcomes
})

/**
 * Counts of each result.
 *
 * @since 0.1.0
 */
export const summary = (outcomes: ReadonlyArray<Outcome>) => {
  const count = (result: Outcome["result"]) => outcomes.filter((outcome) => outcome.result === result).length
  return {
    created: count("created"),
    updated: count("updated"),
    adopted: count("adopted"),
    rotated: count("rotated"),
    deleted: count("deleted"),
    unchanged: count("unchanged"),
    kept: count("kept"),
    untouched: count("untouched"),
    failed: count("failed"),
    missingSecrets: outcomes.filter((outcome) => outcome.missingSecret === true && outcome.result !== "failed").length
  }
}
