/**
 * The command tree of `exa-webhooks-batch`: `validate`, `plan`, `apply`, `import` and `secret` under a root that carries
 * the shared flags. Every command that reads a manifest validates all of it first: a problem stops it with exit 2
 * before anything is sent.
 *
 * @since 0.1.0
 */
import { WebhooksClient } from "@exa-webhooks/client"
import { Ownership } from "@exa-webhooks/schema"
import { Effect, Option, Schema, Stream } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Fs from "node:fs"
import * as Apply from "./Apply.ts"
import { Confirm, ConfirmationDeclined } from "@exa-webhooks/cli-kit/Confirm"
import { Exiting } from "./ExitCode.ts"
import * as ExitCode from "./ExitCode.ts"
import * as Import from "./Import.ts"
import * as Journal from "./Journal.ts"
import * as ManifestFile from "./ManifestFile.ts"
import { Output } from "@exa-webhooks/cli-kit/Output"
import * as KitSession from "@exa-webhooks/cli-kit/Session"
import * as UrlProbe from "@exa-webhooks/cli-kit/UrlProbe"
import * as Plan from "./Plan.ts"
import * as Program from "./Program.ts"
import * as Progress from "./Progress.ts"
import * as Render from "./Render.ts"
import * as Session from "./Session.ts"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

/**
 * The root command: shared flags, no action of its own.
 *
 * @since 0.1.0
 */
export const root = Command.make(Program.NAME).pipe(
  Command.withSharedFlags(Session.flags),
  Command.withDescription(
    [
      "Keep a team's Exa Websets webhooks in sync with a YAML manifest (see apps/batch/README.md).",
      "  validate checks a manifest offline; plan shows what apply would change; apply makes it so, keeping every new",
      "  webhook's signing secret in a 0600 secrets journal; import writes a manifest for existing webhooks;",
      "  secret prints one key's secret from the journal. Re-running apply is always safe."
    ].join("\n")
  )
)

const manifestArgument = Argument.String("manifest").pipe(
  Argument.withDescription("the manifest file, e.g. webhooks.yaml"),
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

const env = Effect.sync(() => process.env as Readonly<Record<string, string | undefined>>)

const load = (file: string) => Effect.flatMap(env, (vars) => ManifestFile.load(file, vars))

// Every remote webhook, all pages, listed once per command.
const remoteWebhooks = Effect.gen(function*() {
  const client = yield* WebhooksClient.WebhooksClient
  return yield* Stream.runCollect(client.listAll())
})

const journaledIds = (entries: ReadonlyArray<Journal.Entry>) => new Set(entries.map((entry) => entry.id))

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
    const loaded = yield* load(manifest)
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
 * `plan MANIFEST [--adopt] [--detailed-exit-code] [--verbose]`
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
      Flag.withDescription(`exit ${ExitCode.ChangesPending} when changes are pending (for CI), 0 when there are none`),
      Flag.withDefault(false)
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
    const journalPath = Option.getOrElse(flags.secretsFile, () => Journal.defaultPath(flags.manifest))
    const { entries, warnings } = yield* Journal.read(journalPath, flags.manifest)
    yield* Effect.forEach(warnings, output.warn, { discard: true })
    const remote = yield* Session.withClient(session, remoteWebhooks)
    const computed = Plan.make(loaded.manifest.namespace, loaded.name, loaded.webhooks, remote, {
      adopt: flags.adopt,
      claim: flags.claim,
      journaled: journaledIds(entries)
    })
    const claimed = Render.claimantsWarning(computed)
    if (claimed !== undefined) yield* output.warn(claimed)
    const summary = Plan.summary(computed)
    const checks = flags.checkUrls
      ? yield* UrlProbe.probeAll(loaded.webhooks.map((webhook) => webhook.url)).pipe(Effect.provide(KitSession.transport))
      : undefined
    yield* output.result(
      { ...Render.planDocument(flags.manifest, computed, summary), ...(checks === undefined ? {} : { urlChecks: checks }) },
      () =>
        Render.planText(computed, summary, flags.verbose) +
        (checks === undefined ? "" : `\nURL checks:\n${checks.map((c) => `  ${c.ok ? "ok  " : "FAIL"}  ${c.message}`).join("\n")}`)
    )
    const failing = (checks ?? []).filter((check) => !check.ok)
    if (failing.length > 0) {
      return yield* new UsageError({
        message: `--check-urls: ${failing.length} of ${checks!.length} URLs would fail every delivery (listed above); fix ` +
          "them in the manifest before apply"
      })
    }
    if (flags.detailedExitCode && Plan.hasChanges(computed)) return yield* new Exiting({ code: ExitCode.ChangesPending })
  })
).pipe(
  Command.withDescription(
    "Show what apply would change: create, update (field by field), unchanged, orphaned (ours, gone from the manifest). " +
      `Lists the remote webhooks once; sends no change. --detailed-exit-code exits ${ExitCode.ChangesPending} when changes are pending.`
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
const Concurrency = Schema.Int.check(
  Schema.makeFilter((n: number) => (n >= 1 && n <= 64) || `must be a whole number from 1 to 64, got ${n}`, {
    expected: "a whole number from 1 to 64"
  })
)

/**
 * `apply MANIFEST [--prune [--yes]] [--adopt] [--rotate-missing-secrets] [--concurrency N] [--secrets-file PATH]`
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
      Flag.withDescription("requests in flight at once, 1 to 64 (default 16); the rate limit still applies to all of them"),
      Flag.withMetavar("N"),
      Flag.withSchema(Concurrency),
      Flag.withDefault(16)
    )
  },
  Effect.fn("Commands.apply")(function*(flags) {
    const loaded = yield* load(flags.manifest)
    const concurrency = flags.concurrency
    const shared = yield* root
    const session = yield* Session.resolve(shared)
    const output = yield* Output
    const journalPath = Option.getOrElse(flags.secretsFile, () => Journal.defaultPath(flags.manifest))

    yield* Effect.scoped(Effect.gen(function*() {
      const journal = yield* Journal.open(journalPath, flags.manifest)
      if (Journal.trackedByGit(journal.path)) {
        yield* output.warn(
          `the secrets journal ${journal.path} is inside a git work tree and not ignored; add it to .gitignore so its secrets are never committed`
        )
      }
      yield* Effect.forEach(journal.warnings, output.warn, { discard: true })
      const options = { concurrency, prune: flags.prune, rotateMissingSecrets: flags.rotateMissingSecrets }
      const outcomes = yield* Session.withClient(session, Effect.gen(function*() {
        const remote = yield* remoteWebhooks
        const computed = Plan.make(loaded.manifest.namespace, loaded.name, loaded.webhooks, remote, {
          adopt: flags.adopt,
          claim: flags.claim,
          journaled: journaledIds(journal.entries)
        })
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
        const total = computed.actions.filter((action) => Apply.mutates(action, options)).length
        const progress = Progress.make(total, output.json ? "silent" : process.stderr.isTTY === true ? "bar" : "lines")
        return yield* Apply.run(computed, journal, options, progress)
      }))
      const summary = Apply.summary(outcomes)
      const missing = outcomes.filter((outcome) => outcome.missingSecret === true && outcome.result !== "failed")
      const failed = outcomes.filter((outcome) => outcome.result === "failed")
      yield* output.result(
        { manifest: flags.manifest, namespace: loaded.manifest.namespace, secretsFile: journal.path, summary, outcomes },
        () =>
          [
            `Applied ${flags.manifest} (namespace ${loaded.manifest.namespace}): ${summary.created} created, ${summary.updated} updated, ` +
            `${summary.adopted} adopted, ${summary.rotated} rotated, ${summary.deleted} deleted, ${summary.unchanged} unchanged` +
            (summary.kept > 0 ? `, ${summary.kept} orphaned kept (--prune deletes them)` : "") +
            (summary.untouched > 0 ? `, ${summary.untouched} of another manifest or none left alone` : "") +
            `, ${summary.failed} failed.`,
            ...failed.map((outcome) => `  failed ${outcome.key ?? "(no key)"}${outcome.id === null ? "" : ` (${outcome.id})`}: ${outcome.error?.message}`),
            summary.created + summary.rotated > 0
              ? `Secrets of new webhooks are in ${journal.path} (read one with: exa-webhooks-batch secret ${flags.manifest} KEY).`
              : "No new secrets."
          ].join("\n")
      )
      if (missing.length > 0) {
        yield* output.warn(
          `${missing.length} webhook(s) of namespace ${loaded.manifest.namespace} have no signing secret in ${journal.path} ` +
            `(${missing.slice(0, 5).map((outcome) => `${outcome.key} (${outcome.id})`).join(", ")}${missing.length > 5 ? ", ..." : ""}): ` +
            "created just before a crash, adopted, or made elsewhere; their deliveries cannot be verified with a secret from here. " +
            "Run apply --rotate-missing-secrets to replace them with new webhooks whose secrets are journaled."
        )
      }
      if (failed.length > 0) {
        return yield* new ApplyFailed({ message: `${failed.length} of ${outcomes.length} webhooks failed (listed above); run apply again to retry them` })
      }
    }))
  })
).pipe(
  Command.withDescription(
    "Make the remote webhooks match the manifest. Creates, updates and (with --prune) deletes through one shared rate " +
      "limit; every new webhook's secret goes to the secrets journal (0600, fsynced) before it counts as done. " +
      "Safe to re-run at any time: nothing is created twice."
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
      Flag.withDescription("write the manifest to this new file (never overwritten) instead of stdout"),
      Flag.withMetavar("PATH"),
      Flag.optional
    )
  },
  Effect.fn("Commands.import")(function*(flags) {
    if (Option.isSome(flags.output) && Fs.existsSync(flags.output.value)) {
      return yield* new UsageError({ message: `--output: ${flags.output.value} already exists; pass a new file name (nothing was sent)` })
    }
    const shared = yield* root
    const session = yield* Session.resolve(shared)
    const output = yield* Output
    const remote = yield* Session.withClient(session, remoteWebhooks)
    const entries = Import.entries(flags.namespace, remote)
    const text = Import.toYaml(flags.namespace, entries, undefined, Import.manifestsOf(flags.namespace, remote))
    if (Option.isSome(flags.output)) {
      yield* Effect.try({
        try: () => Fs.writeFileSync(flags.output.pipe(Option.getOrThrow), text, { flag: "wx" }),
        catch: (error) => new UsageError({ message: `--output: cannot write ${Option.getOrThrow(flags.output)} (${(error as Error).message})` })
      })
    }
    yield* output.result(
      { namespace: flags.namespace, webhooks: entries, output: Option.getOrNull(flags.output) },
      () => (Option.isSome(flags.output) ? `Wrote ${entries.length} webhook(s) to ${flags.output.value}.` : text.trimEnd())
    )
    if (Option.isSome(flags.output) || output.json) {
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

/**
 * `secret MANIFEST KEY [--secrets-file PATH]`: the newest journaled secret of KEY; reads only the local journal.
 *
 * @since 0.1.0
 */
export const secret = Command.make(
  "secret",
  {
    manifest: manifestArgument,
    key: Argument.String("key").pipe(
      Argument.withDescription("the webhook's key in the manifest"),
      Argument.withSchema(Ownership.Key)
    ),
    secretsFile
  },
  Effect.fn("Commands.secret")(function*(flags) {
    const loaded = yield* load(flags.manifest)
    const journalPath = Option.getOrElse(flags.secretsFile, () => Journal.defaultPath(flags.manifest))
    const { entries, warnings } = yield* Journal.read(journalPath, flags.manifest)
    yield* Effect.forEach(warnings, (yield* Output).warn, { discard: true })
    const entry = Journal.latest(entries, loaded.manifest.namespace, flags.key)
    if (entry === undefined) {
      return yield* new UsageError({
        message: `no secret for key "${flags.key}" of namespace ${loaded.manifest.namespace} in ${journalPath}` +
          (loaded.webhooks.some((webhook) => webhook.key === flags.key)
            ? "; if the webhook exists, apply --rotate-missing-secrets gives it a journaled one"
            : `; the manifest has no webhook with that key`)
      })
    }
    yield* (yield* Output).result(entry, () => entry.secret)
  })
).pipe(
  Command.withDescription("Print the signing secret of one key from the secrets journal (offline; the newest entry wins)."),
  Command.withShortDescription("print one key's signing secret from the journal")
)

/**
 * The whole tree.
 *
 * @since 0.1.0
 */
export const command = root.pipe(Command.withSubcommands([validate, plan, apply, importCommand, secret]))
