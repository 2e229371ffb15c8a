import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { envFor, journal, journalOf, json, manifestOf, mockLayer, mutations, remote, run, stats, tempDir, writeManifest } from "./fixtures/batch.ts"

describe("plan, apply and apply again", () => {
  it.live("--help lists the commands and the exit codes", () =>
    Effect.gen(function*() {
      const result = yield* run(["--help"])
      assert.strictEqual(result.code, 0)
      for (const command of ["validate", "plan", "apply", "import", "secret"]) assert.include(result.stdout, command)
      assert.include(result.stdout, "EXIT CODES")
      assert.match(result.stdout, /^ {2}3 {4}plan --detailed-exit-code/m)
      const apply = yield* run(["apply", "--help"])
      assert.include(apply.stdout, "--rotate-missing-secrets")
      assert.include(apply.stdout, "EXIT CODES")
    }))

  it.live("plan lists creates; apply creates and journals each secret (0600); a second apply sends no mutating request", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const manifest = writeManifest(manifestOf("growth", 3))

      const plan = yield* run(["plan", manifest, "--detailed-exit-code"], { env })
      assert.strictEqual(plan.code, 3, plan.stderr)
      assert.match(plan.stdout, /3 to create, 0 to update/)
      assert.strictEqual(mutations(yield* stats), 0, "plan changes nothing")

      const applied = yield* run(["apply", manifest], { env })
      assert.strictEqual(applied.code, 0, applied.stderr)
      assert.match(applied.stdout, /3 created/)
      const entries = journal(journalOf(manifest))
      assert.deepStrictEqual(entries.map((entry) => entry.key).toSorted(), ["hook-0", "hook-1", "hook-2"])
      assert.strictEqual(statSync(journalOf(manifest)).mode & 0o777, 0o600)
      const webhooks = yield* remote(mock)
      assert.strictEqual(webhooks.length, 3)
      for (const entry of entries) {
        const found = webhooks.find((webhook) => webhook.id === entry.id)
        assert.strictEqual(found?.metadata?.["exa-webhooks.namespace"], "growth")
        assert.strictEqual(found?.metadata?.["exa-webhooks.key"], entry.key)
        assert.strictEqual(found?.metadata?.["team"], "growth")
        // No secret on stdout or stderr: it went to the journal only.
        assert.notInclude(applied.stdout + applied.stderr, entry.secret)
      }

      const before = yield* stats
      const again = yield* run(["apply", manifest], { env })
      assert.strictEqual(again.code, 0, again.stderr)
      assert.match(again.stdout, /0 created, 0 updated.*3 unchanged/)
      const after = yield* stats
      assert.strictEqual(mutations(after), mutations(before), "re-apply sends no mutating request")
      assert.strictEqual(journal(journalOf(manifest)).length, 3)
      const clean = yield* run(["plan", manifest, "--detailed-exit-code"], { env })
      assert.strictEqual(clean.code, 0, clean.stderr)

      const secret = yield* run(["secret", manifest, "hook-1"], { env: {} })
      assert.strictEqual(secret.code, 0, secret.stderr)
      assert.strictEqual(secret.stdout.trim(), entries.find((entry) => entry.key === "hook-1")!.secret)
      const none = yield* run(["secret", manifest, "nope"], { env: {} })
      assert.strictEqual(none.code, 2)
      assert.include(none.stderr, "no secret for key \"nope\"")
    }).pipe(Effect.provide(mockLayer())))

  it.live("drift: a webhook changed remotely is planned field by field and put back by apply", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const manifest = writeManifest(manifestOf("drift", 2))
      assert.strictEqual((yield* run(["apply", manifest], { env })).code, 0)
      const [first] = (yield* remote(mock)).filter((webhook) => webhook.metadata?.["exa-webhooks.key"] === "hook-0")
      // Someone edits it by hand: another URL, an extra event, a changed label.
      yield* Effect.promise(() =>
        fetch(`${mock.url}/websets/v0/webhooks/${first!.id}`, {
          method: "PATCH",
          headers: { "x-api-key": env.EXA_API_KEY, "content-type": "application/json" },
          body: JSON.stringify({
            url: "https://example.com/elsewhere",
            events: ["webset.item.created", "webset.created"],
            metadata: { ...first!.metadata, team: "search" }
          })
        })
      )
      const plan = yield* run(["plan", manifest, "--json"], { env })
      assert.strictEqual(plan.code, 0, plan.stderr)
      const document = json(plan)
      assert.strictEqual(document.summary.update, 1)
      const update = document.actions.find((action: { action: string }) => action.action === "update")
      assert.deepStrictEqual(update.changes.map((change: { field: string }) => change.field), ["url", "events", "metadata"])
      assert.strictEqual(update.changes[0].from, "https://example.com/elsewhere")
      const text = yield* run(["plan", manifest], { env })
      assert.match(text.stdout, /^~ update {2,}hook-0 {2,}\(webhook_\w+\) {2}url: /m)
      assert.include(text.stdout, "-webset.created")
      assert.include(text.stdout, "team: search -> growth")

      const applied = yield* run(["apply", manifest, "--json"], { env })
      assert.strictEqual(applied.code, 0, applied.stderr)
      assert.strictEqual(json(applied).summary.updated, 1)
      const fixed = (yield* remote(mock)).find((webhook) => webhook.id === first!.id)!
      assert.strictEqual(fixed.url, first!.url)
      assert.deepStrictEqual(fixed.events, ["webset.item.created"])
      assert.strictEqual(fixed.metadata?.["team"], "growth")
      // The reserved entries survive the update.
      assert.strictEqual(fixed.metadata?.["exa-webhooks.key"], "hook-0")
      assert.strictEqual(fixed.metadata?.["exa-webhooks.idempotency-key"], first!.metadata?.["exa-webhooks.idempotency-key"])
    }).pipe(Effect.provide(mockLayer())))

  it.live("prune: orphans are kept by default, refused without --yes off a terminal, deleted with --yes; others' webhooks are never touched", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("prune", 3), dir)
      assert.strictEqual((yield* run(["apply", manifest], { env })).code, 0)
      // Another team's webhook and an untagged one made by hand.
      const other = writeManifest(manifestOf("other-team", 1), dir, "other.yaml")
      assert.strictEqual((yield* run(["apply", other], { env })).code, 0)
      yield* Effect.promise(() =>
        fetch(`${mock.url}/websets/v0/webhooks`, {
          method: "POST",
          headers: { "x-api-key": env.EXA_API_KEY, "content-type": "application/json" },
          body: JSON.stringify({ url: "https://example.com/by-hand", events: ["webset.created"] })
        })
      )
      writeFileSync(manifest, manifestOf("prune", 1))

      const plan = yield* run(["plan", manifest, "--json"], { env })
      assert.strictEqual(json(plan).summary.orphaned, 2)
      const kept = yield* run(["apply", manifest], { env })
      assert.strictEqual(kept.code, 0, kept.stderr)
      assert.include(kept.stdout, "2 orphaned kept")
      assert.strictEqual((yield* stats).deletes, 0)

      const refused = yield* run(["apply", manifest, "--prune"], { env })
      assert.strictEqual(refused.code, 2)
      assert.include(refused.stderr, "pass --yes")
      assert.strictEqual((yield* stats).deletes, 0)

      const pruned = yield* run(["apply", manifest, "--prune", "--yes", "--json"], { env })
      assert.strictEqual(pruned.code, 0, pruned.stderr)
      assert.strictEqual(json(pruned).summary.deleted, 2)
      const left = yield* remote(mock)
      assert.strictEqual(left.length, 3, "hook-0, the other team's and the hand-made one")
      assert.isTrue(left.some((webhook) => webhook.url === "https://example.com/by-hand"))
      assert.isTrue(left.some((webhook) => webhook.metadata?.["exa-webhooks.namespace"] === "other-team"))
    }).pipe(Effect.provide(mockLayer())))

  it.live("prune asks on a terminal; anything but yes deletes nothing", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const manifest = writeManifest(manifestOf("ask", 2))
      assert.strictEqual((yield* run(["apply", manifest], { env })).code, 0)
      writeFileSync(manifest, manifestOf("ask", 1))
      // On a terminal (the kit's Confirm on a real pseudo-terminal is tested with exa-webhooks delete): the question
      // on stderr, the answer typed.
      const onTerminal = (answer: string) => run(["apply", manifest, "--prune"], { env, terminal: [answer] })
      const no = yield* onTerminal("n")
      assert.strictEqual(no.code, 2, no.stderr)
      assert.include(no.stderr, "Delete 1 webhook(s) of namespace ask")
      assert.strictEqual((yield* stats).deletes, 0)
      const yes = yield* onTerminal("y")
      assert.strictEqual(yes.code, 0, yes.stderr)
      assert.strictEqual((yield* stats).deletes, 1)
    }).pipe(Effect.provide(mockLayer())))

  it.live("import writes a manifest for hand-made webhooks; apply --adopt tags them instead of creating twins and says their secret is unknown", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      for (const path of ["crm", "billing"]) {
        yield* Effect.promise(() =>
          fetch(`${mock.url}/websets/v0/webhooks`, {
            method: "POST",
            headers: { "x-api-key": env.EXA_API_KEY, "content-type": "application/json" },
            body: JSON.stringify({ url: `https://example.com/${path}`, events: ["webset.created", "webset.idle"], metadata: { owner: path } })
          })
        )
      }
      const dir = tempDir()
      const manifest = join(dir, "imported.yaml")
      const imported = yield* run(["import", "--namespace", "legacy", "--output", manifest], { env })
      assert.strictEqual(imported.code, 0, imported.stderr)
      assert.include(imported.stdout, "Wrote 2 webhook(s)")
      assert.strictEqual((yield* run(["validate", manifest], { env: {} })).code, 0)
      const again = yield* run(["import", "--namespace", "legacy", "--output", manifest], { env })
      assert.strictEqual(again.code, 2, "never overwrites")

      const plain = yield* run(["plan", manifest, "--json"], { env })
      assert.strictEqual(json(plain).summary.create, 2, "without --adopt they would be twins")
      const before = yield* stats
      const adopted = yield* run(["apply", manifest, "--adopt"], { env })
      assert.strictEqual(adopted.code, 0, adopted.stderr)
      assert.include(adopted.stdout, "2 adopted")
      assert.include(adopted.stderr, "--rotate-missing-secrets")
      const after = yield* stats
      assert.strictEqual(after.creates, before.creates, "nothing created")
      const webhooks = yield* remote(mock)
      assert.strictEqual(webhooks.length, 2)
      assert.isTrue(webhooks.every((webhook) => webhook.metadata?.["exa-webhooks.namespace"] === "legacy"))
      assert.isTrue(webhooks.every((webhook) => webhook.metadata?.["owner"] !== undefined))

      const plan = yield* run(["plan", manifest], { env })
      assert.match(plan.stdout, /2 unchanged.*2 without a journaled secret/)
      const rotated = yield* run(["apply", manifest, "--rotate-missing-secrets", "--json"], { env })
      assert.strictEqual(rotated.code, 0, rotated.stderr)
      assert.strictEqual(json(rotated).summary.rotated, 2)
      const final = yield* remote(mock)
      assert.strictEqual(final.length, 2)
      const entries = journal(join(dir, "imported.secrets.jsonl"))
      assert.deepStrictEqual(final.map((webhook) => webhook.id).toSorted(), entries.map((entry) => entry.id).toSorted())
    }).pipe(Effect.provide(mockLayer())))
})
