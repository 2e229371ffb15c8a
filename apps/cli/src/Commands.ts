/**
 * The command tree of `exa-webhooks`: `create`, `list`, `get`, `update`, `delete` and `attempts` under a root that
 * carries the global flags. Each handler checks its input first (bad input fails with exit 2 before anything is
 * sent), then either previews the request (`--dry-run`) or sends it and prints the result.
 *
 * @since 0.1.0
 */
import { EventType, IdempotencyKey, Printable, Webhook, WebhookId } from "@exa-webhooks/schema"
import { Effect, Option, Redacted, Stdio, Stream } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Completion from "@exa-webhooks/cli-kit/Completion"
import { Confirm, ConfirmationDeclined } from "@exa-webhooks/cli-kit/Confirm"
import * as Dash from "@exa-webhooks/cli-kit/Dash"
import * as Help from "@exa-webhooks/cli-kit/Help"
import * as Input from "./Input.ts"
import { Output, StdoutError } from "@exa-webhooks/cli-kit/Output"
import * as KitSession from "@exa-webhooks/cli-kit/Session"
import * as UrlProbe from "@exa-webhooks/cli-kit/UrlProbe"
import { all, cursor, cursorOf, limit, moreHint } from "./Paging.ts"
import * as Render from "./Render.ts"
import { root, session } from "./Root.ts"
import * as SecretFile from "./SecretFile.ts"
import * as Session from "./Session.ts"
import * as UncertainCreate from "./UncertainCreate.ts"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"
// Receiving (verify, listen), events and replay live in their own modules; only registered here.
import * as EventCommands from "./EventCommands.ts"
import * as Listen from "./Listen.ts"
import * as Replay from "./Replay.ts"
import * as SigningSecrets from "./SigningSecrets.ts"
import * as Verify from "./Verify.ts"

// Flags -------------------------------------------------------------------------------------------------------------

// Every value flag takes its rule from @exa-webhooks/schema: a bad value is a parse error naming the flag (exit 2,
// nothing sent), reported in the rule's own words.
const webhookId = Argument.String("id").pipe(
  Argument.withDescription("the webhook's id, as `list` shows it"),
  Argument.withSchema(WebhookId.Typed)
)

const urlDescription = "where Exa POSTs the events: an absolute http(s) URL"
const eventsDescription = `an event to subscribe to; repeat the flag or separate ` +
  `with commas, 1 to ${Webhook.MAX_EVENTS} in all`
const metadataDescription = `a key=value pair to attach (repeatable; values up to ${Webhook.MAX_METADATA_VALUE_LENGTH} characters)`

const events = Completion.flag("event", EventType.values).pipe(
  Flag.withDescription(eventsDescription),
  Flag.withMetavar("EVENT"),
  Flag.withSchema(EventType.EventList),
  Flag.atLeast(0)
)

const metadata = Flag.String("metadata").pipe(
  Flag.withDescription(metadataDescription),
  Flag.withMetavar("KEY=VALUE"),
  Flag.atLeast(0)
)

const metadataOf = (values: ReadonlyArray<string>) =>
  values.length === 0 ? Effect.succeed(undefined) : Input.metadata(values)

// create ------------------------------------------------------------------------------------------------------------

const secretHeading = "Signing secret (shown only this once: Exa never returns it again; store it now):"

/**
 * `create --url URL --event E [--event E ...] [--metadata k=v ...] [--secret-file PATH] [--idempotency-key KEY]`
 *
 * @since 0.1.0
 */
export const create = Command.make(
  "create",
  {
    url: Flag.String("url").pipe(Flag.withDescription(urlDescription), Flag.withMetavar("URL")),
    events,
    metadata,
    secretFile: Flag.String("secret-file").pipe(
      Flag.withDescription(
        "write the signing secret to this new file (mode 0600; an existing file is never overwritten) instead of " +
          "printing it"
      ),
      Flag.withMetavar("PATH"),
      Flag.optional
    ),
    idempotencyKey: Flag.String("idempotency-key").pipe(
      Flag.withDescription(
        "names this create across runs (e.g. a CI job id): when a webhook was already created under the same key " +
          "(by an earlier run, or one running at the same time), it is shown and kept, never duplicated, and its " +
          "secret is not shown again; see --replace"
      ),
      Flag.withMetavar("KEY"),
      Flag.withSchema(IdempotencyKey.IdempotencyKey),
      Flag.optional
    ),
    replace: Flag.Boolean("replace").pipe(
      Flag.withDescription(
        "with --idempotency-key: delete a webhook already created under the key and create it again, to get a new " +
          "signing secret (the old secret stops working)"
      ),
      Flag.withDefault(false)
    ),
    checkUrl: Flag.Boolean("check-url").pipe(
      Flag.withDescription(
        "first probe the URL (one HEAD request from this machine, with no key or secret) and create nothing if it " +
          "redirects (Exa does not follow redirects), does not resolve, fails TLS or refuses the connection"
      ),
      Flag.withDefault(false)
    )
  },
  Effect.fn("Commands.create")(function*(flags) {
    const body = yield* Input.createParameters({
      url: Option.some(flags.url),
      events: flags.events.flat(),
      metadata: yield* metadataOf(flags.metadata)
    })
    if (Option.isSome(flags.secretFile) && Dash.isDash(flags.secretFile.value)) {
      return yield* Dash.refuse(
        "--secret-file",
        "the secret goes to a new 0600 file, created before the request is sent (without --secret-file it is printed on stdout)"
      )
    }
    const givenKey = Option.getOrUndefined(flags.idempotencyKey)
    if (flags.replace && givenKey === undefined) {
      return yield* new UsageError({
        message: "--replace needs --idempotency-key KEY: it replaces the webhook created under that key"
      })
    }
    // The CLI picks the key when none is given, so that a failure of unknown outcome can name it for the rerun.
    const idempotencyKey = givenKey ?? (yield* Effect.sync(() => globalThis.crypto.randomUUID()))
    const s = yield* session
    const output = yield* Output

    if (s.dryRun) {
      if (flags.checkUrl) yield* output.note(`dry run: --check-url would first probe ${body.url} (a HEAD request)`)
      if (Option.isSome(flags.secretFile)) yield* SecretFile.check(flags.secretFile.value)
      // The preview shows the create itself; with a key, the real run first lists webhooks to find an earlier one.
      return yield* Session.preview(
        s,
        (client) => client.create(body, { idempotencyKey }),
        givenKey === undefined
          ? undefined
          : "with --idempotency-key the real run first lists webhooks to find one created under the same key, and " +
            "lists them again after the create to settle a run with the same key going on at the same time"
      )
    }

    if (flags.checkUrl) {
      const check = yield* UrlProbe.probe(body.url).pipe(Effect.provide(KitSession.transport))
      if (!check.ok) return yield* new UsageError({ message: `--check-url: ${check.message}; nothing was created` })
      yield* output.note(`--check-url: ${check.message}`)
    }

    yield* Effect.scoped(Effect.gen(function*() {
      // Created before the request, so a path that cannot be written stops us while nothing has been sent.
      const file = Option.isSome(flags.secretFile) ? yield* SecretFile.reserve(flags.secretFile.value) : undefined
      const webhook = yield* Session.send(
        s,
        (client) =>
          client.create(body, {
            idempotencyKey,
            lookupFirst: givenKey !== undefined,
            // A webhook found under the key was made by another run, which may hold (and have deployed) its secret:
            // replaced only when asked, and said so.
            onExisting: flags.replace ? "recreate" : "return",
            onReplaced: (old) =>
              output.warn(
                `replacing webhook ${old.id} (${old.url}), created earlier under --idempotency-key ${idempotencyKey}: ` +
                  "it is deleted, and its signing secret stops working"
              )
          }).pipe(
            Effect.mapError((error) => UncertainCreate.classify(error, idempotencyKey))
          )
      ).pipe(
        Effect.onInterrupt(() =>
          output.warn(
            `the create may have reached Exa before the interruption; to finish it without a duplicate, run the ` +
              `same command again with --idempotency-key ${idempotencyKey} --replace`
          )
        )
      )
      const secret = webhook.secret === null ? undefined : Redacted.make(webhook.secret)
      const document = Render.webhookDocument(webhook)

      if (secret === undefined && givenKey !== undefined) {
        // Found under the key, not created by this run: Exa showed its secret to the run that created it.
        yield* output.warn(
          `webhook ${webhook.id} already exists under --idempotency-key ${idempotencyKey} (created by an earlier ` +
            `run, or by one running at the same time); nothing was changed, and its signing secret is not shown: ` +
            `Exa returns it only to the run that created the webhook${
              file === undefined ? "" : `, so nothing was written to ${file.path}`
            }. If that secret is lost, run the same command with --replace: the webhook is created anew with a new ` +
            "secret, and the old secret stops working."
        )
        return yield* output.result(
          { ...document, existing: true },
          () => `Webhook ${Printable.escape(webhook.id)} already exists; nothing was created.\n${Render.webhookDetails(webhook)}`
        )
      }

      if (secret === undefined) {
        yield* output.warn(
          `Exa returned no signing secret for webhook ${webhook.id}; deliveries cannot be verified. ` +
            `Delete it (${root.name} delete ${webhook.id} --yes) and create it again.`
        )
        return yield* output.result(document, () => `Created webhook ${Printable.escape(webhook.id)}.\n${Render.webhookDetails(webhook)}`)
      }

      if (file !== undefined) {
        yield* file.write(secret).pipe(
          Effect.mapError((error) =>
            new SecretFile.SecretFileError({
              path: file.path,
              message: error.reason._tag === "AlreadyExists"
                ? `webhook ${webhook.id} was created, but something was created at ${file.path} meanwhile, which was ` +
                  `left alone; the secret is in ${file.temporary} (mode 0600): move it where you need it`
                : `webhook ${webhook.id} was created, but its secret could not be written to ${file.path} ` +
                  `(${error.message}); the secret cannot be recovered: delete the webhook ` +
                  `(${root.name} delete ${webhook.id} --yes) and create it again`
            })
          )
        )
        return yield* output.result(
          { ...document, secret: null, secretFile: file.path },
          () =>
            `Created webhook ${Printable.escape(webhook.id)}.\n${Render.webhookDetails(webhook)}\n\n` +
            `Signing secret written to ${file.path} (mode 0600). It is not shown, and Exa never returns it again.`
        )
      }

      // The only copy: printed once, in the document or after the summary, and nowhere else (no log, no stderr).
      if (!output.json && !(yield* Stdio.Stdio.use((stdio) => stdio.stdoutIsTerminal))) {
        yield* output.warn(
          "the signing secret is printed to stdout, which is not a terminal (a file, a pipe or a CI log?); " +
            "protect that output, or use --secret-file PATH next time"
        )
      }
      return yield* output.result(
        document,
        () =>
          `Created webhook ${Printable.escape(webhook.id)}.\n${Render.webhookDetails(webhook)}\n\n${secretHeading}\n  ${
            Printable.escape(Redacted.value(secret))
          }`
      ).pipe(
        Effect.mapError((error) =>
          new StdoutError({
            message: `webhook ${webhook.id} was created, but ${error.message}, and with it its signing secret, which ` +
              `cannot be recovered: delete the webhook (${root.name} delete ${webhook.id} --yes) and create it again`
          })
        )
      )
    }))
  })
).pipe(
  Command.withDescription(
    "Create a webhook. Its signing secret is shown once (in the JSON document with --json) and never again; " +
      "--secret-file PATH writes it to a new 0600 file instead."
  ),
  Command.withShortDescription("create a webhook; its signing secret is shown once"),
  Command.withExamples([
    {
      command: "exa-webhooks create --url https://example.com/hooks/exa --event webset.created --event webset.item.enriched",
      description: "subscribe to two events"
    },
    {
      command: "exa-webhooks create --url https://example.com/hooks/exa --event webset.idle,webset.search.completed " +
        "--metadata team=growth --secret-file ./exa-webhook.secret --json",
      description: "in CI: the secret goes to a file, stdout gets the webhook as JSON"
    }
  ])
)

// list --------------------------------------------------------------------------------------------------------------

/**
 * `list [--limit N] [--all] [--cursor C]`
 *
 * @since 0.1.0
 */
export const list = Command.make(
  "list",
  { limit, all, cursor },
  Effect.fn("Commands.list")(function*(flags) {
    const pageSize = Option.getOrUndefined(flags.limit)
    const from = yield* cursorOf(flags.cursor, flags.all)
    const s = yield* session
    const output = yield* Output
    const options = { limit: pageSize, cursor: from }
    if (s.dryRun) return yield* Session.preview(s, (client) => client.list(options), flags.all ? "--all would follow every page" : undefined)

    const page = flags.all
      ? { data: yield* Session.send(s, (client) => Stream.runCollect(client.listAll({ limit: pageSize }))), hasMore: false, nextCursor: null }
      : yield* Session.send(s, (client) => client.list(options))
    yield* output.result(
      Render.webhookListDocument(page),
      () => (page.data.length === 0 ? "No webhooks." : Render.webhookTable(page.data))
    )
    const hint = moreHint(page, "webhooks")
    if (hint !== undefined) yield* output.note(hint)
  })
).pipe(Command.withDescription("List webhooks, newest first (one page unless --all)."),
  Command.withShortDescription("list webhooks"))

// get ---------------------------------------------------------------------------------------------------------------

/**
 * `get ID`
 *
 * @since 0.1.0
 */
export const get = Command.make(
  "get",
  { id: webhookId },
  Effect.fn("Commands.get")(function*(flags) {
    const id = flags.id
    const s = yield* session
    if (s.dryRun) return yield* Session.preview(s, (client) => client.get(id))
    const webhook = yield* Session.send(s, (client) => client.get(id))
    yield* (yield* Output).result(Render.webhookDocument(webhook), () => `Webhook ${Printable.escape(webhook.id)}\n${Render.webhookDetails(webhook)}`)
  })
).pipe(Command.withDescription("Show one webhook (its secret is never shown again after create)."),
  Command.withShortDescription("show one webhook"))

// update ------------------------------------------------------------------------------------------------------------

/**
 * `update ID [--url URL] [--event E ...] [--metadata k=v ...]`
 *
 * @since 0.1.0
 */
export const update = Command.make(
  "update",
  {
    id: webhookId,
    url: Flag.String("url").pipe(Flag.withDescription(`new URL: ${urlDescription}`), Flag.withMetavar("URL"), Flag.optional),
    events: Completion.flag("event", EventType.values).pipe(
      Flag.withDescription(`replaces the subscribed events: ${eventsDescription}`),
      Flag.withMetavar("EVENT"),
      Flag.withSchema(EventType.EventList),
      Flag.atLeast(0)
    ),
    metadata: Flag.String("metadata").pipe(
      Flag.withDescription(
        `replaces the metadata (the webhook's exa-webhooks.* keys are kept): ${metadataDescription}`
      ),
      Flag.withMetavar("KEY=VALUE"),
      Flag.atLeast(0)
    )
  },
  Effect.fn("Commands.update")(function*(flags) {
    const id = flags.id
    const body = yield* Input.updateParameters({
      url: flags.url,
      events: flags.events.flat(),
      metadata: yield* metadataOf(flags.metadata)
    })
    const s = yield* session
    if (s.dryRun) return yield* Session.preview(s, (client) => client.update(id, body))
    const webhook = yield* Session.send(s, (client) => client.update(id, body))
    yield* (yield* Output).result(Render.webhookDocument(webhook), () => `Updated webhook ${Printable.escape(webhook.id)}.\n${Render.webhookDetails(webhook)}`)
  })
).pipe(
  Command.withDescription(
    "Change a webhook's URL, events or metadata; what is not given stays as it is (--event and --metadata replace the whole list)."
  ),
  Command.withShortDescription("change a webhook's URL, events or metadata")
)

// delete ------------------------------------------------------------------------------------------------------------

/**
 * `delete ID [--yes]`
 *
 * @since 0.1.0
 */
export const remove = Command.make(
  "delete",
  {
    id: webhookId,
    yes: Flag.Boolean("yes").pipe(
      Flag.withAlias("y"),
      Flag.withDescription("delete without asking (required when stdin is not a terminal)"),
      Flag.withDefault(false)
    )
  },
  Effect.fn("Commands.delete")(function*(flags) {
    const id = flags.id
    const flagsOfRoot = yield* root
    const confirm = yield* Confirm
    // Refuse before anything else (the key included): a script without --yes must fail fast, and never hang.
    if (!flagsOfRoot.dryRun && !flags.yes && !(yield* confirm.interactive)) {
      return yield* new UsageError({
        message: `delete: refusing to delete ${id} without confirmation because stdin is not a terminal; ` +
          "pass --yes to delete without asking"
      })
    }
    const s = yield* session
    if (s.dryRun) return yield* Session.preview(s, (client) => client.delete(id))
    if (!flags.yes) {
      // Show what is about to go: ids are easy to mix up, URLs less so.
      const webhook = yield* Session.send(s, (client) => client.get(id))
      const yes = yield* confirm.ask(
        `Delete webhook ${webhook.id} (${webhook.url}; ${webhook.events.length} event${webhook.events.length === 1 ? "" : "s"})? ` +
          "Exa stops delivering to it at once; this cannot be undone."
      )
      if (!yes) {
        return yield* new ConfirmationDeclined({ message: `delete: not confirmed; webhook ${id} was not deleted` })
      }
    }
    const deleted = yield* Session.send(s, (client) => client.delete(id))
    yield* (yield* Output).result(Render.webhookDocument(deleted), () => `Deleted webhook ${Printable.escape(deleted.id)} (${Printable.escape(deleted.url)}).`)
  })
).pipe(
  Command.withDescription(
    "Delete a webhook. Asks first on a terminal; --yes skips the question. Without a terminal on stdin it refuses " +
      "unless --yes is given (exit 2, nothing sent)."
  ),
  Command.withShortDescription("delete a webhook (asks first; --yes skips the question)")
)

// attempts ----------------------------------------------------------------------------------------------------------

/**
 * `attempts ID [--event-type E] [--successful true|false] [--limit N] [--all] [--cursor C]`
 *
 * @since 0.1.0
 */
export const attempts = Command.make(
  "attempts",
  {
    id: webhookId,
    eventType: Completion.flag("event-type", EventType.values).pipe(
      Flag.withDescription("only attempts that delivered this event type"),
      Flag.withMetavar("EVENT"),
      Flag.withSchema(EventType.EventType),
      Flag.optional
    ),
    successful: Flag.Literals("successful", ["true", "false"]).pipe(
      Flag.withDescription("only successful (true) or failed (false) attempts"),
      Flag.optional
    ),
    limit,
    all,
    cursor
  },
  Effect.fn("Commands.attempts")(function*(flags) {
    const id = flags.id
    const eventType = Option.getOrUndefined(flags.eventType)
    const pageSize = Option.getOrUndefined(flags.limit)
    const from = yield* cursorOf(flags.cursor, flags.all)
    const successful = Option.getOrUndefined(Option.map(flags.successful, (value) => value === "true"))
    const s = yield* session
    const output = yield* Output
    const filters = { eventType, successful }
    if (s.dryRun) {
      return yield* Session.preview(
        s,
        (client) => client.attempts(id, { ...filters, limit: pageSize, cursor: from }),
        flags.all ? "--all would follow every page" : undefined
      )
    }
    const page = flags.all
      ? {
        data: yield* Session.send(s, (client) => Stream.runCollect(client.listAllAttempts(id, { ...filters, limit: pageSize }))),
        hasMore: false,
        nextCursor: null
      }
      : yield* Session.send(s, (client) => client.attempts(id, { ...filters, limit: pageSize, cursor: from }))
    yield* output.result(
      Render.attemptListDocument(page),
      () => (page.data.length === 0 ? `No delivery attempts for ${id}${eventType !== undefined || successful !== undefined ? " matching the filters" : ""}.` : Render.attemptTable(page.data))
    )
    const hint = moreHint(page, "attempts")
    if (hint !== undefined) yield* output.note(hint)
  })
).pipe(Command.withDescription("List a webhook's delivery attempts, newest first (one page unless --all)."),
  Command.withShortDescription("list a webhook's delivery attempts"))

/**
 * The whole tree.
 *
 * @since 0.1.0
 */
export const command = root.pipe(
  Command.withSubcommands([
    create,
    list,
    get,
    update,
    remove,
    attempts,
    EventCommands.events,
    EventCommands.trigger,
    Replay.command.pipe(Help.page({
      environment: [SigningSecrets.variable],
      exitCodes: { 1: "the API failed, or some events were not taken by the app (each is named)" }
    })),
    Verify.command.pipe(Help.page({
      offline: true,
      environment: [SigningSecrets.variable],
      exitCodes: {
        1: "not a genuine delivery: the message names the check that failed",
        2: "invalid usage or input (a missing flag, no secret, an unreadable file, a body over 10 MiB): nothing was checked"
      }
    })),
    Listen.command.pipe(Help.page({
      environment: [SigningSecrets.variable],
      exitCodes: {
        1: "with --from-api: the API failed, or the checkpoint could not be written",
        2: "invalid usage (a bad flag, no secret, an unreadable secret file, a port in use): nothing was started",
        130: "stopped (Ctrl-C)"
      }
    }))
  ])
)
