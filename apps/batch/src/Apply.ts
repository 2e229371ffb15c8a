/**
 * Carrying out a plan: every change through the client (one shared limiter, bounded concurrency), every created
 * webhook's secret into the journal before the create counts as done, and one failed item never stopping the others.
 *
 * A create and the journal write that follows it are uninterruptible: Ctrl-C waits for a create already sent, so its
 * secret is kept rather than lost.
 *
 * Every create of a key carries the same idempotency key in every apply (`Manifest.idempotencyKey`), with the
 * client's lookup before sending and its race check after: two applies creating one key at once (two checkouts, two
 * CI runners) converge on one webhook, whose secret only the apply that made it has; the other reports the key as
 * `converged`. A create whose answer was lost is looked up by that key too; the webhook found is replaced (to learn
 * its secret) only when it carries this run's id (`exa-webhooks.apply-run`), never when another apply made it.
 *
 * With a secret sink (`--secrets-to`), a create is done only once its entry is synced **and** the sink's command
 * exited 0; the acknowledgement is journaled and recorded on the webhook (`exa-webhooks.secret-sink`), and secrets
 * of earlier runs that the sink has not acknowledged are handed over first.
 *
 * @since 0.1.0
 */
import { WebhooksClient, WebhooksError } from "@exa-webhooks/client"
import * as ErrorReport from "@exa-webhooks/cli-kit/ErrorReport"
import { ReservedMetadata } from "@exa-webhooks/schema"
import type { Webhook } from "@exa-webhooks/schema"
import { Effect, Redacted, Schema } from "effect"
import type * as Age from "./Age.ts"
import type * as Journal from "./Journal.ts"
import * as Manifest from "./Manifest.ts"
import * as Plan from "./Plan.ts"
import type { Progress } from "./Progress.ts"
import * as Render from "./Render.ts"
import type * as Sink from "./Sink.ts"

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
  /** This run's id, stored on every webhook it creates. Default: a new random one. */
  readonly runId?: string | undefined
  /** Where new secrets also go. */
  readonly sink?: Sink.Sink | undefined
  /** Encrypts a secret for the journal (`--secrets-recipient`); without it secrets are journaled as they are. */
  readonly seal?: ((secret: string) => Effect.Effect<string, Age.AgeError>) | undefined
  /** Decrypts a journaled secret for the sink (`--identity`); needed to hand over secrets of an encrypted journal. */
  readonly unseal?: ((entry: Journal.Entry) => Effect.Effect<string, Age.AgeError>) | undefined
  /** Journaled secrets the sink has not acknowledged, with their webhooks: handed over before the plan runs. */
  readonly handover?: ReadonlyArray<{ readonly entry: Journal.Entry; readonly webhook: Webhook.Webhook }> | undefined
}

/**
 * What happened to one item. `converged`: another apply created the key at the same moment, and this one got its
 * webhook (whose secret is in that apply's journal or sink). `delivered`: a secret of an earlier run was handed to the
 * sink.
 *
 * @since 0.1.0
 */
export interface Outcome {
  readonly key: string | null
  readonly result:
    | "created"
    | "converged"
    | "updated"
    | "adopted"
    | "rotated"
    | "deleted"
    | "unchanged"
    | "kept"
    | "untouched"
    | "delivered"
    | "failed"
  readonly id: string | null
  /** The id of the webhook a rotation replaced. */
  readonly replaced?: string | undefined
  readonly error?: { readonly type: string; readonly message: string } | undefined
  /** Ours, but its secret is not in the journal. */
  readonly missingSecret?: boolean | undefined
  /** The secret is journaled, but the sink did not take it (the message says why): the next apply hands it over. */
  readonly undelivered?: string | undefined
  /** A second webhook under its key, left alone: the id of the one kept. */
  readonly duplicateOf?: string | undefined
  /** Something a person should know that did not fail the item. */
  readonly note?: string | undefined
}

const errorOf = (error: unknown) => {
  // A client error renders its advice from its fields, naming the flags and variables as the kit does.
  if (WebhooksError.isWebhooksError(error)) {
    // One line: an InvalidInputError lists its problems on lines of their own.
    const text = ErrorReport.sentence(error)
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
export const mutates = (action: Plan.Action, options: Pick<Options, "prune" | "rotateMissingSecrets">): boolean => {
  switch (action._tag) {
    case "Unchanged":
      return action.missingSecret && options.rotateMissingSecrets
    case "Orphan":
      return options.prune
    case "Duplicate":
      return action.deletable
    case "Conflict":
    case "Foreign":
    case "Unclaimed":
      return false
    default:
      return true
  }
}

// How many times a create whose answer was lost is replaced before the item is reported as failed.
const LOST_ANSWER_TRIES = 3

class LostSecret extends Schema.TaggedError<LostSecret>()("LostSecret", { message: Schema.String }) {}

/** A create's result: the webhook, whether its secret is journaled, who made it, and what the sink did. */
interface Created {
  readonly created: Webhook.Webhook
  readonly journaled: boolean
  /** Another apply made it at the same moment (this one got its webhook, without the secret). */
  readonly converged: boolean
  readonly undelivered?: string | undefined
  readonly note?: string | undefined
}

/**
 * Applies `plan`; the outcome of every action (after those of the secrets handed over first), in plan order.
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
  const runId = options.runId ?? globalThis.crypto.randomUUID()

  // The sink takes the secret, the journal records that, and so does the webhook (for a later job without this
  // journal). A sink that fails leaves the secret in the journal for the next apply.
  const deliver = (
    webhook: Webhook.Webhook,
    key: string,
    secret: string
  ): Effect.Effect<{ readonly undelivered?: string; readonly note?: string }, Journal.JournalError> =>
    Effect.gen(function*() {
      const sink = options.sink
      if (sink === undefined) return {}
      const failed = yield* sink.deliver({ namespace, key, id: webhook.id, url: webhook.url, secret: Redacted.make(secret) }).pipe(
        Effect.as(undefined),
        Effect.catchTag("SinkError", (error) => Effect.succeed(error.message))
      )
      if (failed !== undefined) return { undelivered: failed }
      yield* journal.acknowledge({ namespace, key, id: webhook.id, sink: sink.fingerprint, acknowledgedAt: new Date().toISOString() })
      const note = yield* client.update(
        webhook.id,
        { metadata: { ...webhook.metadata, [ReservedMetadata.SECRET_SINK]: sink.fingerprint } },
        { keepReserved: false }
      ).pipe(
        Effect.as(undefined),
        Effect.catch((error) =>
          Effect.succeed(
            `the sink took the secret of ${key} (${webhook.id}), but the webhook could not be marked so (${
              errorOf(error).message
            }); a plan without this journal will report its secret missing`
          )
        )
      )
      return note === undefined ? {} : { note }
    })

  // The secret of a webhook this run created, into the journal (encrypted first with recipients), synced.
  const keep = (key: string, id: string, url: string, createdAt: string, secret: string, replacing: string | undefined) =>
    Effect.gen(function*() {
      const sealed = options.seal === undefined ? undefined : yield* options.seal(secret)
      yield* journal.append({
        namespace,
        key,
        id,
        url,
        ...(sealed === undefined ? { secret } : { sealed }),
        createdAt,
        ...(replacing === undefined ? {} : { replaces: replacing })
      })
    })

  const createJournaled = (webhook: Manifest.Desired, replacing?: string): Effect.Effect<Created, unknown> =>
    Effect.gen(function*() {
      const body = Manifest.createBody(namespace, plan.manifest, webhook)
      const sent = { ...body, metadata: { ...body.metadata, [ReservedMetadata.APPLY_RUN]: runId } }
      const create = client.create(sent, {
        idempotencyKey: Manifest.idempotencyKey(namespace, webhook.key, replacing),
        // A webhook made under the key by another apply since the plan's listing is taken as it is, never replaced.
        lookupFirst: true,
        onExisting: "return",
        onRecovered: "return"
      }).pipe(
        // Made, but whether it is the only one under its key is unknown: the item fails, and its secret is kept all
        // the same (the next apply settles which webhook stays).
        Effect.catchTag("UnconfirmedCreateError", (error) =>
          error.secret === undefined
            ? Effect.fail(error)
            : Effect.andThen(
              keep(webhook.key, error.webhookId, webhook.url, new Date().toISOString(), Redacted.value(error.secret), replacing),
              Effect.fail(error)
            ))
      )
      let created: Webhook.Webhook = yield* create
      // This run's own create, whose answer (and secret) was lost: replaced, to learn a secret (a few times: the
      // network that lost one answer may lose the next).
      for (let tries = 1; created.secret === null && created.metadata[ReservedMetadata.APPLY_RUN] === runId; tries++) {
        if (tries > LOST_ANSWER_TRIES) {
          return yield* new LostSecret({
            message: `webhook ${created.id} was created, but Exa's answer (its only copy of the secret) was lost ` +
              `${LOST_ANSWER_TRIES} times; run apply --rotate-missing-secrets to replace it`
          })
        }
        yield* client.delete(created.id).pipe(Effect.catchTag("NotFoundError", () => Effect.void))
        created = yield* create
      }
      if (created.secret === null) {
        return { created, journaled: false, converged: created.metadata[ReservedMetadata.APPLY_RUN] !== runId }
      }
      const secret = created.secret
      yield* keep(webhook.key, created.id, created.url, new Date(created.createdAt.epochMilliseconds).toISOString(), secret, replacing)
      return { created, journaled: true, converged: false, secret }
    }).pipe(
      Effect.uninterruptible,
      Effect.flatMap((result): Effect.Effect<Created, unknown> =>
        "secret" in result
          ? Effect.map(deliver(result.created, webhook.key, result.secret), (delivered) => ({
            created: result.created,
            journaled: result.journaled,
            converged: result.converged,
            ...delivered
          }))
          : Effect.succeed(result)
      )
    )

  // The new webhook first, then the old one goes: deliveries never stop, and a crash in between leaves a duplicate
  // that the next apply removes (the new entry names the webhook it replaces).
  const rotate = (key: string, oldId: string, webhook: Manifest.Desired) =>
    Effect.gen(function*() {
      const made = yield* createJournaled(webhook, oldId)
      yield* client.delete(oldId).pipe(Effect.catchTag("NotFoundError", () => Effect.void))
      return {
        key,
        result: "rotated",
        id: made.created.id,
        replaced: oldId,
        missingSecret: !made.journaled,
        undelivered: made.undelivered,
        note: made.note
      } satisfies Outcome
    })

  const one = (action: Plan.Action): Effect.Effect<Outcome, never> => {
    const effect: Effect.Effect<Outcome, unknown> = (() => {
      switch (action._tag) {
        case "Create":
          return createJournaled(action.webhook).pipe(Effect.map((made): Outcome => ({
            key: action.key,
            result: made.converged ? "converged" : "created",
            id: made.created.id,
            missingSecret: !made.journaled && !made.converged,
            undelivered: made.undelivered,
            note: made.converged
              ? `another apply created ${action.key} at the same moment; its webhook ${made.created.id} was kept, and its ` +
                "secret is in that apply's journal or sink"
              : made.note
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
          if (!action.deletable) {
            return Effect.succeed<Outcome>({
              key: action.key,
              result: "kept",
              id: action.id,
              duplicateOf: action.keptId,
              note: Render.duplicateLine(action).slice(2)
            })
          }
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
      Effect.tap((outcome) => (mutates(action, options) ? progress.tick(tickText(outcome), outcome.result === "failed") : Effect.void))
    )
  }

  // Secrets of earlier runs that the sink has not taken, before anything new.
  const handover = ({ entry, webhook }: { readonly entry: Journal.Entry; readonly webhook: Webhook.Webhook }) =>
    Effect.gen(function*() {
      const secret = entry.secret !== undefined
        ? entry.secret
        : options.unseal === undefined
        ? undefined
        : yield* options.unseal(entry).pipe(Effect.catchTag("AgeError", () => Effect.succeed(undefined)))
      if (secret === undefined) {
        const outcome: Outcome = {
          key: entry.key,
          result: "failed",
          id: entry.id,
          undelivered: `the secret of ${entry.key} (${entry.id}) is encrypted in the journal; give --identity (or ` +
            "EXA_WEBHOOKS_AGE_IDENTITY) so that apply can hand it to the sink"
        }
        return outcome
      }
      const delivered = yield* deliver(webhook, entry.key, secret)
      const outcome: Outcome = {
        key: entry.key,
        result: delivered.undelivered === undefined ? "delivered" : "failed",
        id: entry.id,
        ...delivered
      }
      return outcome
    }).pipe(
      Effect.catch((error) => Effect.succeed<Outcome>({ key: entry.key, result: "failed", id: entry.id, error: errorOf(error) })),
      Effect.tap((outcome) => progress.tick(tickText(outcome), outcome.result === "failed"))
    )

  const handed = yield* Effect.forEach(options.handover ?? [], handover, { concurrency: Math.min(4, options.concurrency) })
  const outcomes = yield* Effect.forEach(plan.actions, one, { concurrency: options.concurrency })
  yield* progress.done
  return [...handed, ...outcomes]
})

const tickText = (outcome: Outcome) =>
  `${outcome.result} ${outcome.key ?? "(no key)"}${outcome.id === null ? "" : ` (${outcome.id})`}${
    outcome.error === undefined ? "" : `: ${outcome.error.message}`
  }${outcome.undelivered === undefined ? "" : `: ${outcome.undelivered}`}`

/**
 * Counts of each result.
 *
 * @since 0.1.0
 */
export const summary = (outcomes: ReadonlyArray<Outcome>) => {
  const count = (result: Outcome["result"]) => outcomes.filter((outcome) => outcome.result === result).length
  return {
    created: count("created"),
    converged: count("converged"),
    updated: count("updated"),
    adopted: count("adopted"),
    rotated: count("rotated"),
    deleted: count("deleted"),
    unchanged: count("unchanged"),
    kept: outcomes.filter((outcome) => outcome.result === "kept" && outcome.duplicateOf === undefined).length,
    duplicatesKept: outcomes.filter((outcome) => outcome.duplicateOf !== undefined).length,
    untouched: count("untouched"),
    delivered: count("delivered"),
    failed: count("failed"),
    undelivered: outcomes.filter((outcome) => outcome.undelivered !== undefined).length,
    missingSecrets: outcomes.filter((outcome) => outcome.missingSecret === true && outcome.result !== "failed").length
  }
}
