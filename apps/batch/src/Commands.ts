/**
 * The command tree of `exa-webhooks-batch`: `validate`, `plan`, `apply`, `import`, `secret` and `record-secret` under a root that carries
 * the shared flags. Every command that reads a manifest validates all of it first: a problem stops it with exit 2
 * before anything is sent.
 *
 * @since 0.1.0
 */
import { ClientSettings, RateLimitStore, RedisUrl, WebhooksClient } from "@exa-webhooks/client"
import { Ownership, ReservedMetadata } from "@exa-webhooks/schema"
import type { Webhook } from "@exa-webhooks/schema"
import { Config, Duration, Effect, FileSystem, Option, Redacted, Schema, Stdio, Stream } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Fs from "node:fs"
import * as Age from "./Age.ts"
import * as Apply from "./Apply.ts"
import * as Bin from "@exa-webhooks/cli-kit/Bin"
import { Confirm, ConfirmationDeclined } from "@exa-webhooks/cli-kit/Confirm"
import * as Dash from "@exa-webhooks/cli-kit/Dash"
import { Exiting } from "@exa-webhooks/cli-kit/ExitCode"
import * as FileProblem from "@exa-webhooks/cli-kit/FileProblem"
import type * as ExitCode from "@exa-webhooks/cli-kit/ExitCode"
import * as Help from "@exa-webhooks/cli-kit/Help"
import * as Session from "@exa-webhooks/cli-kit/Session"
import * as Import from "./Import.ts"
import * as Journal from "./Journal.ts"
import * as Lock from "./Lock.ts"
import * as ManifestFile from "./ManifestFile.ts"
import { Output } from "@exa-webhooks/cli-kit/Output"
import * as KitSession from "@exa-webhooks/cli-kit/Session"
import * as UrlProbe from "@exa-webhooks/cli-kit/UrlProbe"
import * as Plan from "./Plan.ts"
import * as PlanMarkdown from "./PlanMarkdown.ts"
import * as Progress from "./Progress.ts"
import * as Render from "./Render.ts"
import * as SecretExport from "./SecretExport.ts"
import * as Sink from "./Sink.ts"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

/**
 * The root command: shared flags, no action of its own.
 *
 * @since 0.1.0
 */
export const root = Command.make("exa-webhooks-batch").pipe(
  Command.withSharedFlags(Session.flags),
  Command.withDescription(
    [
      "Keep a team's Exa Websets webhooks in sync with a YAML manifest (see apps/batch/README.md).",
      "  validate checks a manifest offline; plan shows what apply would change; apply makes it so, keeping every new",
      "  webhook's signing secret in a 0600 secrets journal (age-encrypted with --secrets-recipient; handed to your",
      "  command with --secrets-to); import writes a manifest for existing webhooks; secret prints secrets from the",
      "  journal; record-secret journals one you hold. Re-running apply is always safe, also from several machines."
    ].join("\n")
  )
)

// `plan --detailed-exit-code`: changes are pending.
const CHANGES_PENDING = 3

const manifestArgument = Argument.String("manifest").pipe(
  Argument.withDescription("the manifest file, e.g. webhooks.yaml (validate: - reads it from standard input)"),
  Argument.withSchema(Schema.String.check(
    Schema.makeFilter((path: string) => path.trim() !== "" || "the manifest's path is empty; pass the manifest file, e.g. webhooks.yaml")
  ))
)

const secretsFile = Flag.String("secrets-file").pipe(
  Flag.withDescription("the secrets journal (default: beside the manifest, <name>.secrets.jsonl)"),
  Flag.withMetavar("PATH"),
  Flag.optional
)

const claim = Flag.Boolean("claim").pipe(
  Flag.withDescription(
    "take over the webhooks of this namespace that another manifest created (after this manifest was moved or renamed)"
  ),
  Flag.withDefault(false)
)

const adopt = Flag.Boolean("adopt").pipe(
  Flag.withDescription(
    "tag an existing untagged webhook with the same URL and events instead of creating a twin (its secret stays unknown)"
  ),
  Flag.withDefault(false)
)

// A manifest's ${VAR}s are the run's environment variables. `-` (standard input) is a manifest only for validate:
// the other commands name the manifest and place its secrets journal by its path.
const load = (file: string, options: { readonly stdin?: boolean } = {}) =>
  Effect.gen(function*() {
    const env = yield* Bin.Environment
    if (!Dash.isDash(file)) return yield* ManifestFile.load(file, env)
    if (options.stdin !== true) {
      return yield* Dash.refuse("MANIFEST", "the manifest's path names it and places its secrets journal (validate - reads standard input)")
    }
    const bytes = yield* Stdio.Stdio.use((stdio) => Dash.collect(stdio.stdin, ManifestFile.MAX_BYTES)).pipe(
      Effect.mapError((error) => new UsageError({ message: `cannot read the manifest from standard input (${error.message})` }))
    )
    if (bytes === undefined) {
      return yield* new UsageError({ message: `the manifest on standard input is larger than ${ManifestFile.MAX_BYTES / 1024 / 1024} MiB` })
    }
    return yield* ManifestFile.fromBytes(STDIN, bytes, env, "stdin")
  })

// How problems of a manifest read from standard input are located (`<stdin>:3:5: ...`).
const STDIN = "<stdin>"

// The secrets journal: --secrets-file, else beside the manifest. Never standard input or output.
const journalPathOf = (flags: { readonly manifest: string; readonly secretsFile: Option.Option<string> }) =>
  Option.isSome(flags.secretsFile) && Dash.isDash(flags.secretsFile.value)
    ? Effect.fail(Dash.refuse("--secrets-file", "the secrets journal is a file that is appended to, locked and synced"))
    : Effect.succeed(Option.getOrElse(flags.secretsFile, () => Journal.defaultPath(flags.manifest)))

// Every remote webhook, all pages, listed once per command.
const remoteWebhooks = Effect.gen(function*() {
  const client = yield* WebhooksClient.WebhooksClient
  return yield* Stream.runCollect(client.listAll())
})

/**
 * The webhooks whose secret is held: in the journal, or taken by a secret sink (recorded on the webhook itself, so a
 * CI job whose journal is gone still knows).
 *
 * @since 0.4.0
 */
const heldSecrets = (entries: ReadonlyArray<Journal.Entry>, remote: ReadonlyArray<Webhook.Webhook>) =>
  new Set([
    ...entries.map((entry) => entry.id),
    ...remote.filter((webhook) => webhook.metadata[ReservedMetadata.SECRET_SINK] !== undefined).map((webhook) => webhook.id)
  ])

// What this journal shows this manifest created or chose to replace: duplicates among them may be deleted.
const createdHere = (entries: ReadonlyArray<Journal.Entry>) =>
  new Set(entries.flatMap((entry) => (entry.replaces === undefined ? [entry.id] : [entry.id, entry.replaces])))

const secretsRecipient = Flag.String("secrets-recipient").pipe(
  Flag.withDescription(
    `encrypt every secret in the journal to this age recipient (repeat for several; or ${Age.RECIPIENTS_ENV}, ` +
      "separated by commas or spaces), so the journal can be committed"
  ),
  Flag.withMetavar("AGE1..."),
  Flag.withSchema(Age.Recipient),
  Flag.atLeast(0)
)

// The recipients given, else those of the environment variable (each checked; a bad one is exit 2 naming it).
const recipientsOf = (given: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    if (given.length > 0) return given
    const fromEnv = Age.splitRecipients((yield* Bin.Environment)[Age.RECIPIENTS_ENV] ?? "")
    for (const recipient of fromEnv) {
      const problem = Age.recipientProblem(recipient)
      if (problem !== undefined) return yield* new UsageError({ message: `${Age.RECIPIENTS_ENV}: ${problem}` })
    }
    return fromEnv
  })

const identity = Flag.String("identity").pipe(
  Flag.withDescription(
    `the age identity file that decrypts an encrypted journal's secrets (or ${Age.IDENTITY_ENV}: a file's path, or ` +
      "the AGE-SECRET-KEY-1... itself)"
  ),
  Flag.withMetavar("FILE"),
  Flag.withFallbackConfig(Config.String(Age.IDENTITY_ENV)),
  Flag.optional
)

// The identities of --identity (or its variable), loaded; `undefined` when neither is given.
const identitiesOf = (given: Option.Option<string>) =>
  Option.isNone(given) ? Effect.succeed(undefined) : Age.identities(given.value, `--identity (or ${Age.IDENTITY_ENV})`)

// The secret of a journal entry, decrypted when it is encrypted (which needs an identity).
const secretOf = (entry: Journal.Entry, identities: Age.Identities | undefined) =>
  entry.secret !== undefined
    ? Effect.succeed(entry.secret)
    : identities === undefined
    ? Effect.fail(
      new Age.AgeError({
        message: `the secret of ${entry.key} is encrypted in the journal; pass --identity FILE (or set ${Age.IDENTITY_ENV}) ` +
          "with the age identity of one of its recipients"
      })
    )
    : Age.open(identities, entry.sealed!, `${entry.key} (${entry.id})`)

// validate ----------------------------------------------------------------------------------------------------------

/**
 * `validate MANIFEST`: every problem at once, as `file:line:column: message`; sends nothing and needs no key.
 *
 * @since 0.1.0
 */
export const validate = Command.make(
  "validate",
  { manifest: manifestArgument },
  Effect.fn("Commands.validate")(function*({ manifest }) {
    const loaded = yield* load(manifest, { stdin: true })
    yield* (yield* Output).result(
      { valid: true, manifest, namespace: loaded.manifest.namespace, webhooks: loaded.webhooks.length },
      () => `${manifest}: valid; ${loaded.webhooks.length} webhook${loaded.webhooks.length === 1 ? "" : "s"} in namespace ${loaded.manifest.namespace}`
    )
  })
).pipe(
  Command.withDescription("Check a manifest offline and report every problem as file:line:column: message (nothing is sent)."),
  Command.withShortDescription("check a manifest (offline)")
)

// plan --------------------------------------------------------------------------------------------------------------

/**
 * `plan MANIFEST [--adopt] [--detailed-exit-code] [--format text|markdown] [--verbose]`
 *
 * @since 0.1.0
 */
export const plan = Command.make(
  "plan",
  {
    manifest: manifestArgument,
    secretsFile,
    adopt,
    claim,
    detailedExitCode: Flag.Boolean("detailed-exit-code").pipe(
      Flag.withDescription(
        `exit ${CHANGES_PENDING} when changes are pending or a webhook's secret is missing (for CI), 0 otherwise`
      ),
      Flag.withDefault(false)
    ),
    format: Flag.Literals("format", ["text", "markdown"]).pipe(
      Flag.withDescription("text (default), or markdown: a summary a CI job can post on a pull request"),
      Flag.withDefault("text")
    ),
    verbose: Flag.Boolean("verbose").pipe(Flag.withDescription("also list unchanged webhooks"), Flag.withDefault(false)),
    checkUrls: Flag.Boolean("check-urls").pipe(
      Flag.withDescription(
        "also probe each URL of the manifest (one HEAD request from this machine, with no key or secret) and fail " +
          "(exit 2) if one redirects (Exa does not follow redirects), does not resolve, fails TLS or refuses the connection"
      ),
      Flag.withDefault(false)
    )
  },
  Effect.fn("Commands.plan")(function*(flags) {
    const loaded = yield* load(flags.manifest)
    const shared = yield* root
    const session = yield* Session.resolve(shared)
    const output = yield* Output
    const journalPath = yield* journalPathOf(flags)
    const { entries, warnings } = yield* Journal.read(journalPath, flags.manifest)
    yield* Effect.forEach(warnings, output.warn, { discard: true })
    const remote = yield* Session.withClient(session, remoteWebhooks)
    const computed = Plan.make(loaded.manifest.namespace, loaded.name, loaded.webhooks, remote, {
      adopt: flags.adopt,
      claim: flags.claim,
      journaled: heldSecrets(entries, remote),
      created: createdHere(entries)
    })
    const claimed = Render.claimantsWarning(computed)
    if (claimed !== undefined) yield* output.warn(claimed)
    const summary = Plan.summary(computed)
    const checks = flags.checkUrls
      ? yield* UrlProbe.probeAll(loaded.webhooks.map((webhook) => webhook.url)).pipe(Effect.provide(KitSession.transport))
      : undefined
    yield* output.result(
      {
        ...Render.planDocument(flags.manifest, computed, summary),
        missingSecrets: Plan.missingSecrets(computed),
        ...(checks === undefined ? {} : { urlChecks: checks })
      },
      () =>
        flags.format === "markdown"
          ? PlanMarkdown.render(flags.manifest, computed, summary) + (checks === undefined ? "" : PlanMarkdown.urlChecks(checks))
          : checks === undefined
          ? Render.planText(computed, summary, flags.verbose)
          : [
            Render.planText(computed, summary, flags.verbose),
            `\nURL checks:\n${checks.map((c) => `  ${c.ok ? "ok  " : "FAIL"}  ${c.message}`).join("\n")}`
          ]
    )
    const failing = (checks ?? []).filter((check) => !check.ok)
    if (failing.length > 0) {
      return yield* new UsageError({
        message: `--check-urls: ${failing.length} of ${checks!.length} URLs would fail every delivery (listed above); fix ` +
          "them in the manifest before apply"
      })
    }
    if (flags.detailedExitCode && Plan.needsAttention(computed)) return yield* new Exiting({ code: CHANGES_PENDING })
  })
).pipe(
  Command.withDescription(
    "Show what apply would change: create, update (field by field), unchanged, orphaned (ours, gone from the manifest), " +
      "and the webhooks whose secret is in neither the journal nor a secret sink. Lists the remote webhooks once; sends " +
      `no change. --detailed-exit-code exits ${CHANGES_PENDING} when changes are pending or a secret is missing.`
  ),
  Command.withShortDescription("show what apply would change")
)

/**
 * Some items of an apply failed (each is listed); exit 1.
 *
 * @since 0.1.0
 */
export class ApplyFailed extends Schema.TaggedError<ApplyFailed>()("ApplyFailed", {
  message: Schema.String
}) {}

// apply -------------------------------------------------------------------------------------------------------------

// Requests in flight at once: the rule of --concurrency (a bin's own knob, so it lives here, not in the schema).
const CONCURRENCY = { minimum: 1, maximum: 64, default: 16 } as const
const CONCURRENCY_RANGE = `${CONCURRENCY.minimum} to ${CONCURRENCY.maximum}`
const Concurrency = Schema.Int.check(
  Schema.makeFilter(
    (n: number) =>
      (n >= CONCURRENCY.minimum && n <= CONCURRENCY.maximum) || `must be a whole number from ${CONCURRENCY_RANGE}, got ${n}`,
    { expected: `a whole number from ${CONCURRENCY_RANGE}` }
  )
)

const GO_UNITS: Readonly<Record<string, string>> = { ms: "millis", s: "seconds", m: "minutes", h: "hours" }

// "10m", "90s", "0": durations as Terraform's -lock-timeout (and Go) write them, read as "10 minutes", "90 seconds".
const goDuration = (text: string): string => {
  if (text.trim() === "0") return "0 millis"
  const match = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h)\s*$/.exec(text)
  return match === null ? text : `${match[1]} ${GO_UNITS[match[2]!]}`
}

// With a shared store, the lock of this API key and namespace in it, for the scope; its loss, as an effect.
const sharedLock = (
  session: Session.Session,
  namespace: string,
  timeout: Duration.Duration,
  notice: (line: string) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    if (Option.isNone(session.rateLimitStore)) return Effect.never
    const url = session.rateLimitStore.value
    const redis = yield* RateLimitStore.connectRedis({ url })
    // The rate budget's key: a hash of the base URL and the API key, never the key itself.
    const base = yield* WebhooksClient.defaultRateLimitKey(session.baseUrl, session.apiKey)
    const held = yield* Lock.shared(redis, `${base}:apply-lock:${namespace}`, `namespace ${namespace}`, RedisUrl.display(url), {
      timeout,
      notice
    })
    return held.lost
  })

const keyList = (outcomes: ReadonlyArray<Apply.Outcome>) =>
  `${outcomes.slice(0, 10).map((outcome) => outcome.key ?? outcome.id ?? "?").join(", ")}${outcomes.length > 10 ? ", ..." : ""}`

/**
 * `apply MANIFEST [--prune [--yes]] [--adopt] [--rotate-missing-secrets] [--concurrency N] [--secrets-file PATH]
 * [--secrets-to COMMAND] [--secrets-recipient AGE1...] [--identity FILE] [--lock-timeout DURATION]
 * [--delete-duplicates | --delete-duplicate ID]`
 *
 * @since 0.1.0
 */
export const apply = Command.make(
  "apply",
  {
    manifest: manifestArgument,
    secretsFile,
    adopt,
    claim,
    prune: Flag.Boolean("prune").pipe(
      Flag.withDescription(
        "delete orphans: webhooks this manifest created that it no longer lists (asks first; never another manifest's)"
      ),
      Flag.withDefault(false)
    ),
    yes: Flag.Boolean("yes").pipe(
      Flag.withDescription("do not ask before --prune deletes (required when stdin is not a terminal)"),
      Flag.withDefault(false)
    ),
    rotateMissingSecrets: Flag.Boolean("rotate-missing-secrets").pipe(
      Flag.withDescription(
        "replace each webhook of ours whose secret is not in the journal with a new one whose secret is (new first, then the old one is deleted)"
      ),
      Flag.withDefault(false)
    ),
    concurrency: Flag.Int("concurrency").pipe(
      Flag.withDescription(`requests in flight at once, ${CONCURRENCY_RANGE} (default ${CONCURRENCY.default}); the rate limit still applies to all of them`),
      Flag.withMetavar("N"),
      Flag.withSchema(Concurrency),
      Flag.withDefault(CONCURRENCY.default)
    ),
    secretsTo: Flag.String("secrets-to").pipe(
      Flag.withDescription(
        "also hand each new secret to this shell command, as one JSON document on its stdin (namespace, key, id, url, " +
          "secret; EXA_WEBHOOK_SECRET_NAME etc. set); a create is done when the command exits 0, e.g. " +
          `'jq -r .secret | gh secret set "$EXA_WEBHOOK_SECRET_NAME"'`
      ),
      Flag.withMetavar("COMMAND"),
      Flag.optional
    ),
    secretsRecipient,
    identity,
    lockTimeout: Flag.String("lock-timeout").pipe(
      Flag.withDescription(
        "how long to wait for another apply of this journal (or, with a shared store, of this API key and namespace) " +
          "to finish, e.g. 10m (default 0: fail at once, naming who holds the lock)"
      ),
      Flag.withMetavar("DURATION"),
      Flag.map(goDuration),
      Flag.withSchema(ClientSettings.DelayFromString),
      Flag.withDefault(Duration.zero)
    ),
    deleteDuplicates: Flag.Boolean("delete-duplicates").pipe(
      Flag.withDescription(
        "delete every second webhook under a key that this journal did not create (plan lists them; another apply may hold their secrets)"
      ),
      Flag.withDefault(false)
    ),
    deleteDuplicate: Flag.String("delete-duplicate").pipe(
      Flag.withDescription("delete this duplicate webhook (an id plan lists as a duplicate; repeatable)"),
      Flag.withMetavar("ID"),
      Flag.atLeast(0)
    )
  },
  Effect.fn("Commands.apply")(function*(flags) {
    const loaded = yield* load(flags.manifest)
    const namespace = loaded.manifest.namespace
    const concurrency = flags.concurrency
    const shared = yield* root
    const session = yield* Session.resolve(shared)
    const output = yield* Output
    const journalPath = yield* journalPathOf(flags)
    const recipients = yield* recipientsOf(flags.secretsRecipient)
    const identities = yield* identitiesOf(flags.identity)
    yield* Bin.interrupted(
      "interrupted; nothing more was sent; secrets of the webhooks created so far are in the journal (run apply again to finish)"
    )

    yield* Effect.scoped(Effect.gen(function*() {
      const sharedLost = yield* sharedLock(session, namespace, flags.lockTimeout, output.warn)
      const journal = yield* Journal.open(journalPath, flags.manifest, {
        sealed: recipients.length > 0,
        lockTimeout: flags.lockTimeout,
        notice: output.warn
      })
      if (!journal.sealed && Journal.trackedByGit(journal.path)) {
        yield* output.warn(
          `the secrets journal ${journal.path} is inside a git work tree and not ignored; add it to .gitignore so its secrets ` +
            "are never committed (or encrypt them with --secrets-recipient)"
        )
      }
      yield* Effect.forEach(journal.warnings, output.warn, { discard: true })
      const sink = Option.isSome(flags.secretsTo)
        ? yield* Sink.make(flags.secretsTo.value).pipe(Effect.provide(Sink.layerSpawner))
        : undefined
      const outcomes = yield* Session.withClient(session, Effect.gen(function*() {
        const remote = yield* remoteWebhooks
        const computed = Plan.make(namespace, loaded.name, loaded.webhooks, remote, {
          adopt: flags.adopt,
          claim: flags.claim,
          journaled: heldSecrets(journal.entries, remote),
          created: createdHere(journal.entries),
          deleteDuplicates: flags.deleteDuplicates || new Set(flags.deleteDuplicate)
        })
        const duplicates = new Set(computed.actions.flatMap((action) => (action._tag === "Duplicate" ? [action.id] : [])))
        const unknown = flags.deleteDuplicate.filter((id) => !duplicates.has(id))
        if (unknown.length > 0) {
          return yield* new UsageError({
            message: `--delete-duplicate ${unknown.join(", ")}: not a duplicate webhook of ${flags.manifest} (plan lists its ` +
              "duplicates); nothing was sent"
          })
        }
        const claimed = Render.claimantsWarning(computed)
        if (claimed !== undefined) yield* output.warn(claimed)
        const orphans = computed.actions.filter((action) => action._tag === "Orphan")
        if (flags.prune && orphans.length > 0 && !flags.yes) {
          const confirm = yield* Confirm
          if (!(yield* confirm.interactive)) {
            return yield* new UsageError({
              message: `--prune would delete ${orphans.length} webhook(s) of namespace ${computed.namespace}; stdin is not a terminal to ask, so pass --yes (nothing was sent)`
            })
          }
          const yes = yield* confirm.ask(
            `Delete ${orphans.length} webhook(s) of namespace ${computed.namespace} that ${flags.manifest} no longer lists (${
              orphans.slice(0, 5).map((orphan) => orphan.key ?? orphan.id).join(", ")
            }${orphans.length > 5 ? ", ..." : ""})? Exa stops delivering to them at once.`
          )
          if (!yes) return yield* new ConfirmationDeclined({ message: "apply --prune: not confirmed; nothing was changed" })
        }
        const handover = sink === undefined
          ? []
          : Journal.unacknowledged(journal, namespace, sink.fingerprint, new Map(remote.map((webhook) => [webhook.id, webhook])))
        const options: Apply.Options = {
          concurrency,
          prune: flags.prune,
          rotateMissingSecrets: flags.rotateMissingSecrets,
          sink,
          seal: recipients.length === 0 ? undefined : (value) => Age.seal(recipients, value),
          unseal: identities === undefined ? undefined : (entry) => secretOf(entry, identities),
          handover
        }
        const total = computed.actions.filter((action) => Apply.mutates(action, options)).length + handover.length
        const progress = yield* Progress.make(total)
        // A lock taken over by another apply (this one hung past its lease) stops it; creates under way finish.
        return yield* Effect.raceFirst(Apply.run(computed, journal, options, progress), Effect.raceFirst(journal.lockLost, sharedLost))
      }))
      const summary = Apply.summary(outcomes)
      const missing = outcomes.filter((outcome) => outcome.missingSecret === true && outcome.result !== "failed")
      const failed = outcomes.filter((outcome) => outcome.result === "failed" && outcome.undelivered === undefined)
      const undelivered = outcomes.filter((outcome) => outcome.undelivered !== undefined)
      yield* Effect.forEach(outcomes, (outcome) => (outcome.note === undefined ? Effect.void : output.warn(outcome.note)), { discard: true })
      yield* output.result(
        { manifest: flags.manifest, namespace, secretsFile: journal.path, summary, outcomes },
        () =>
          [
            `Applied ${flags.manifest} (namespace ${namespace}): ${summary.created} created, ${summary.updated} updated, ` +
            `${summary.adopted} adopted, ${summary.rotated} rotated, ${summary.deleted} deleted, ${summary.unchanged} unchanged` +
            (summary.converged > 0 ? `, ${summary.converged} created by another apply at the same moment` : "") +
            (summary.kept > 0 ? `, ${summary.kept} orphaned kept (--prune deletes them)` : "") +
            (summary.duplicatesKept > 0 ? `, ${summary.duplicatesKept} duplicates left alone (listed above)` : "") +
            (summary.untouched > 0 ? `, ${summary.untouched} of another manifest or none left alone` : "") +
            (summary.delivered > 0 ? `, ${summary.delivered} earlier secrets handed to the sink` : "") +
            `, ${summary.failed} failed.`,
            ...failed.map((outcome) => `  failed ${outcome.key ?? "(no key)"}${outcome.id === null ? "" : ` (${outcome.id})`}: ${outcome.error?.message}`),
            ...undelivered.map((outcome) => `  not handed to the sink: ${outcome.undelivered}`),
            summary.created + summary.rotated > 0
              ? `Secrets of new webhooks are in ${journal.path}${journal.sealed ? " (encrypted)" : ""}${
                sink === undefined ? "" : undelivered.length === 0 ? ", and went to the secret sink" : ""
              } (read one with: exa-webhooks-batch secret ${flags.manifest} KEY).`
              : "No new secrets."
          ].join("\n")
      )
      if (missing.length > 0) {
        yield* output.warn(
          `${missing.length} webhook(s) of namespace ${namespace} have no signing secret in ${journal.path} or a secret sink ` +
            `(${missing.slice(0, 5).map((outcome) => `${outcome.key} (${outcome.id})`).join(", ")}${missing.length > 5 ? ", ..." : ""}): ` +
            "created just before a crash, adopted, or made elsewhere; their deliveries cannot be verified with a secret from here. " +
            "Run apply --rotate-missing-secrets to replace them with new webhooks whose secrets are journaled " +
            "(or record-secret KEY, if you hold a secret)."
        )
      }
      if (failed.length > 0 || undelivered.length > 0) {
        return yield* new ApplyFailed({
          message: [
            failed.length > 0
              ? `${failed.length} of ${outcomes.length} webhooks failed (listed above); run apply again to retry them`
              : undefined,
            undelivered.length > 0
              ? `the secret sink did not take the secrets of ${undelivered.length} webhook(s) (${keyList(undelivered)}); their ` +
                `secrets stay in ${journal.path}, and the next apply hands them over`
              : undefined
          ].filter((part) => part !== undefined).join("; ")
        })
      }
    }))
  })
).pipe(
  Command.withDescription(
    "Make the remote webhooks match the manifest. Creates, updates and (with --prune) deletes through one shared rate " +
      "limit; every new webhook's secret goes to the secrets journal (0600, fsynced; encrypted with --secrets-recipient) " +
      "and, with --secrets-to, to your command, before it counts as done. Holds a lock per journal (and, with a shared " +
      "store, per API key and namespace). Safe to re-run at any time, from any number of machines: nothing is created twice."
  ),
  Command.withShortDescription("make the remote webhooks match the manifest")
)

// import ------------------------------------------------------------------------------------------------------------

/**
 * `import --namespace N [--output FILE]`
 *
 * @since 0.1.0
 */
export const importCommand = Command.make(
  "import",
  {
    namespace: Flag.String("namespace").pipe(
      Flag.withDescription("the namespace of the manifest to write (e.g. your team's name)"),
      Flag.withMetavar("NAME"),
      Flag.withSchema(Ownership.Namespace)
    ),
    output: Flag.String("output").pipe(
      Flag.withDescription("write the manifest to this new file (never overwritten) instead of stdout (- is stdout)"),
      Flag.withMetavar("PATH"),
      Flag.optional
    )
  },
  Effect.fn("Commands.import")(function*(flags) {
    // `--output -` is standard output, as without the flag.
    const target = Option.filter(flags.output, (path) => !Dash.isDash(path))
    if (Option.isSome(target) && Fs.existsSync(target.value)) {
      return yield* new UsageError({ message: `--output: ${target.value} already exists; pass a new file name (nothing was sent)` })
    }
    const shared = yield* root
    const session = yield* Session.resolve(shared)
    const output = yield* Output
    const remote = yield* Session.withClient(session, remoteWebhooks)
    const entries = Import.entries(flags.namespace, remote)
    const text = Import.toYaml(flags.namespace, entries, undefined, Import.manifestsOf(flags.namespace, remote))
    if (Option.isSome(target)) {
      yield* Effect.try({
        try: () => Fs.writeFileSync(Option.getOrThrow(target), text, { flag: "wx" }),
        catch: (error) =>
          new UsageError({
            message: `--output: cannot write ${Option.getOrThrow(target)} (${
              FileProblem.describe((error as NodeJS.ErrnoException).code, Option.getOrThrow(target), (error as Error).message)
            })`
          })
      })
    }
    yield* output.result(
      { namespace: flags.namespace, webhooks: entries, output: Option.getOrNull(target) },
      () => (Option.isSome(target) ? `Wrote ${entries.length} webhook(s) to ${target.value}.` : text.trimEnd())
    )
    if (Option.isSome(target) || output.json) {
      yield* output.note(`next: exa-webhooks-batch plan --adopt FILE, then apply --adopt FILE`)
    }
  })
).pipe(
  Command.withDescription(
    "Write a manifest for webhooks that already exist and that no namespace owns (made by hand or with exa-webhooks). " +
      "Then apply --adopt tags them instead of creating twins; their secrets stay unknown (see --rotate-missing-secrets)."
  ),
  Command.withShortDescription("write a manifest for existing webhooks")
)

// secret ------------------------------------------------------------------------------------------------------------

const keyArgument = Argument.String("key").pipe(
  Argument.withDescription("the webhook's key in the manifest"),
  Argument.withSchema(Ownership.Key)
)

/**
 * `secret MANIFEST KEY | --all [--format text|json|env] [--identity FILE] [--secrets-file PATH]`: the newest journaled
 * secret of KEY (or of every key); reads only the local journal.
 *
 * @since 0.1.0
 */
export const secret = Command.make(
  "secret",
  {
    manifest: manifestArgument,
    key: keyArgument.pipe(Argument.optional),
    all: Flag.Boolean("all").pipe(
      Flag.withDescription("every key of the manifest whose secret the journal holds (for the next step of a CI job)"),
      Flag.withDefault(false)
    ),
    format: Flag.Literals("format", ["text", "json", "env"]).pipe(
      Flag.withDescription(
        "text: the secret alone (one key); json: documents with namespace, key, id, url, secret; env: " +
          "EXA_WEBHOOK_SECRET_<KEY>=secret lines (default: text for one key, json with --all)"
      ),
      Flag.optional
    ),
    identity,
    secretsFile
  },
  Effect.fn("Commands.secret")(function*(flags) {
    const loaded = yield* load(flags.manifest)
    const namespace = loaded.manifest.namespace
    const output = yield* Output
    if (flags.all === Option.isSome(flags.key)) {
      return yield* new UsageError({ message: "secret: give either a KEY or --all" })
    }
    const journalPath = yield* journalPathOf(flags)
    const { entries, warnings } = yield* Journal.read(journalPath, flags.manifest)
    yield* Effect.forEach(warnings, output.warn, { discard: true })
    const identities = yield* identitiesOf(flags.identity)
    const format = Option.getOrElse(flags.format, () => (flags.all ? "json" : "text"))
    const keys = Option.isSome(flags.key) ? [flags.key.value] : loaded.webhooks.map((webhook) => webhook.key)
    const found = keys.flatMap((key) => {
      const entry = Journal.latest(entries, namespace, key)
      return entry === undefined ? [] : [entry]
    })
    if (Option.isSome(flags.key) && found.length === 0) {
      const key = flags.key.value
      return yield* new UsageError({
        message: `no secret for key "${key}" of namespace ${namespace} in ${journalPath}` +
          (loaded.webhooks.some((webhook) => webhook.key === key)
            ? "; if the webhook exists, apply --rotate-missing-secrets gives it a journaled one (or record-secret, if you hold its secret)"
            : `; the manifest has no webhook with that key`)
      })
    }
    const missing = keys.filter((key) => !found.some((entry) => entry.key === key))
    if (flags.all && missing.length > 0) {
      yield* output.warn(
        `${missing.length} key(s) of ${flags.manifest} have no secret in ${journalPath}: ${missing.slice(0, 10).join(", ")}${
          missing.length > 10 ? ", ..." : ""
        }`
      )
    }
    const secrets = yield* Effect.forEach(found, (entry) =>
      Effect.map(secretOf(entry, identities), (value): SecretExport.Secret => ({
        namespace: entry.namespace,
        key: entry.key,
        id: entry.id,
        url: entry.url,
        secret: Redacted.make(value)
      })))
    const documents = secrets.map((s) => JSON.parse(SecretExport.document(s)) as unknown)
    if (!flags.all) {
      const entry = found[0]!
      return yield* output.result({ ...(documents[0] as object), createdAt: entry.createdAt }, () =>
        format === "json"
          ? JSON.stringify(documents[0])
          : format === "env"
          ? SecretExport.envLines(secrets)
          : Redacted.value(secrets[0]!.secret))
    }
    if (format === "env") {
      const problem = SecretExport.envProblem(secrets)
      if (problem !== undefined) return yield* new UsageError({ message: `secret --all --format env: ${problem}` })
    }
    yield* output.result(documents, () =>
      format === "env" ? SecretExport.envLines(secrets) : format === "json" ? JSON.stringify(documents, null, 2) : secrets.map((s) =>
        `${s.key} ${Redacted.value(s.secret)}`
      ).join("\n"))
  })
).pipe(
  Command.withDescription(
    "Print the signing secret of one key (or, with --all, of every key) from the secrets journal; offline, the newest " +
      "entry wins. An encrypted journal needs --identity."
  ),
  Command.withShortDescription("print signing secrets from the journal")
)

// record-secret -----------------------------------------------------------------------------------------------------

// What a signing secret may be: one line of printable characters.
const secretProblem = (value: string): string | undefined =>
  value === ""
    ? "the secret is empty"
    : [...value].some((c) => c.trim() === "" || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
    ? "the secret holds spaces, line breaks or control characters (give the secret alone)"
    : value.length > 1000
    ? "the secret is longer than 1000 characters"
    : undefined

/**
 * `record-secret MANIFEST KEY [--from-file PATH]`: journals a secret the team already holds for the webhook of KEY
 * (adopted, or whose entry was lost), read from a file or stdin.
 *
 * @since 0.4.0
 */
export const recordSecret = Command.make(
  "record-secret",
  {
    manifest: manifestArgument,
    key: keyArgument,
    fromFile: Flag.String("from-file").pipe(
      Flag.withDescription("read the secret from this file (default: stdin, which must not be a terminal)"),
      Flag.withMetavar("PATH"),
      Flag.optional
    ),
    secretsFile,
    secretsRecipient
  },
  Effect.fn("Commands.recordSecret")(function*(flags) {
    const loaded = yield* load(flags.manifest)
    const namespace = loaded.manifest.namespace
    const output = yield* Output
    const desired = loaded.webhooks.find((webhook) => webhook.key === flags.key)
    if (desired === undefined) {
      return yield* new UsageError({ message: `record-secret: ${flags.manifest} has no webhook with the key "${flags.key}"` })
    }
    const recipients = yield* recipientsOf(flags.secretsRecipient)
    const raw = Option.isSome(flags.fromFile)
      ? yield* FileSystem.FileSystem.use((fs) => fs.readFileString(flags.fromFile.pipe(Option.getOrThrow))).pipe(
        Effect.mapError((error) => new UsageError({ message: `--from-file: cannot read ${Option.getOrThrow(flags.fromFile)} (${error.message})` }))
      )
      : yield* Effect.gen(function*() {
        if (process.stdin.isTTY === true) {
          return yield* new UsageError({
            message: "record-secret reads the secret from stdin, which is a terminal: pipe it in, or pass --from-file PATH (so it stays out of your shell history)"
          })
        }
        return yield* Stdio.Stdio.use((stdio) =>
          Stream.mkString(Stream.decodeText(stdio.stdin)).pipe(
            Effect.mapError((error) => new UsageError({ message: `cannot read the secret from stdin (${error.message})` }))
          )
        )
      })
    const value = raw.replace(/\r?\n$/, "")
    const problem = secretProblem(value)
    if (problem !== undefined) return yield* new UsageError({ message: `record-secret: ${problem}; nothing was written` })
    const shared = yield* root
    const session = yield* Session.resolve(shared)
    const journalPath = yield* journalPathOf(flags)
    yield* Effect.scoped(Effect.gen(function*() {
      const journal = yield* Journal.open(journalPath, flags.manifest, { sealed: recipients.length > 0, notice: output.warn })
      const remote = yield* Session.withClient(session, remoteWebhooks)
      const computed = Plan.make(namespace, loaded.name, [desired], remote, {
        adopt: false,
        journaled: heldSecrets(journal.entries, remote)
      })
      const kept = computed.actions.find((action) =>
        (action._tag === "Unchanged" || action._tag === "Update") && action.key === flags.key
      ) as Extract<Plan.Action, { readonly _tag: "Unchanged" | "Update" }> | undefined
      if (kept === undefined) {
        return yield* new UsageError({
          message: `no webhook of namespace ${namespace} holds the key ${flags.key} (run apply first, with --adopt for an ` +
            "existing untagged webhook); nothing was written"
        })
      }
      if (journal.entries.some((entry) => entry.id === kept.id)) {
        return yield* new UsageError({
          message: `the journal ${journal.path} already holds a secret for ${flags.key} (${kept.id}); record-secret is for a ` +
            "webhook whose secret is missing; nothing was written"
        })
      }
      const webhook = remote.find((w) => w.id === kept.id)!
      const sealed = recipients.length === 0 ? undefined : yield* Age.seal(recipients, value)
      yield* journal.append({
        namespace,
        key: flags.key,
        id: webhook.id,
        url: webhook.url,
        ...(sealed === undefined ? { secret: value } : { sealed }),
        createdAt: new Date(webhook.createdAt.epochMilliseconds).toISOString()
      })
      yield* output.result(
        { manifest: flags.manifest, namespace, key: flags.key, id: webhook.id, secretsFile: journal.path },
        () =>
          `Recorded the secret of ${flags.key} (${webhook.id}) in ${journal.path}${sealed === undefined ? "" : " (encrypted)"}. ` +
          "Exa cannot confirm a secret: if deliveries fail to verify with it, run apply --rotate-missing-secrets after removing the entry."
      )
    }))
  })
).pipe(
  Command.withDescription(
    "Write a signing secret you already hold (for a webhook adopted with apply --adopt, or whose journal entry was lost) " +
      "into the journal, read from --from-file or stdin; the next apply with --secrets-to hands it to the sink."
  ),
  Command.withShortDescription("journal a secret you already hold for a key's webhook")
)

// What an interrupted apply leaves: the journal holds every secret of what it created.
const INTERRUPTED_APPLY = {
  130: "interrupted (Ctrl-C); the secrets of the webhooks created so far are in the journal",
  143: "stopped by SIGTERM; the same"
}

// `validate` and `secret` read only local files: their pages list neither the API's flags nor its variables.
const offline = (exitCodes: ExitCode.Meanings) =>
  Help.page({ offline: true, exitCodes: { 1: "the result could not be written to stdout", ...exitCodes } })

/**
 * The whole tree.
 *
 * @since 0.1.0
 */
export const command = root.pipe(
  Help.page({
    exitCodes: {
      1: "the API or the network failed, or some webhooks of an apply failed (each is listed)",
      2: "invalid usage or input (manifest problems, missing API key, unsafe secrets journal, the apply lock held): nothing was sent",
      [CHANGES_PENDING]: "plan --detailed-exit-code: changes are pending, or a webhook's secret is missing",
      ...INTERRUPTED_APPLY
    }
  }),
  Command.withSubcommands([
    validate.pipe(offline({ 2: "the manifest has problems (each listed as file:line:column) or cannot be read" })),
    plan.pipe(Help.page({ exitCodes: { [CHANGES_PENDING]: "--detailed-exit-code: changes are pending, or a webhook's secret is missing" } })),
    apply.pipe(Help.page({
      exitCodes: { 1: "the API or the network failed, or some webhooks failed (each is listed)", ...INTERRUPTED_APPLY }
    })),
    importCommand,
    secret.pipe(offline({ 2: "no secret for the key in the journal, or the manifest or the journal cannot be read" })),
    recordSecret
  ])
)
