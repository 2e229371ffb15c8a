/**
 * Secrets in and out, and plans for CI: `plan --detailed-exit-code` exits 3 for a missing secret and `--json` lists
 * them; `plan --format markdown` for a pull request, with remote values that cannot become markup; `secret --all
 * --format json|env`; `record-secret` for an adopted webhook whose secret the team already holds.
 */
import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as PlanMarkdown from "../src/PlanMarkdown.ts"
import { API_KEY, envFor, HOOK_URL, journal, journalOf, json, manifestOf, mockLayer, run, tempDir, writeManifest } from "./fixtures/batch.ts"

describe("plans for CI", () => {
  it.live("--detailed-exit-code exits 3 when a secret is missing (and 0 once it is not); --json lists the missing ones", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const manifest = writeManifest(manifestOf("missing", 2))
      assert.strictEqual((yield* run(["apply", manifest], { env })).code, 0)
      assert.strictEqual((yield* run(["plan", manifest, "--detailed-exit-code"], { env })).code, 0)
      const ids = journal(journalOf(manifest)).map((entry) => entry.id)
      rmSync(journalOf(manifest))
      const plan = yield* run(["plan", manifest, "--detailed-exit-code", "--json"], { env })
      assert.strictEqual(plan.code, 3, plan.stderr)
      const document = json(plan)
      assert.isFalse(document.changesPending)
      assert.deepStrictEqual(document.missingSecrets.map((m: { id: string }) => m.id).toSorted(), ids.toSorted())
      assert.deepStrictEqual(document.missingSecrets.map((m: { key: string }) => m.key).toSorted(), ["hook-0", "hook-1"])
    }).pipe(Effect.provide(mockLayer())))

  it.live("--format markdown: a summary for a pull request; what comes from the manifest or Exa cannot become markup", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      const manifest = writeManifest(
        [
          "version: 1",
          "namespace: md",
          "defaults: { events: [webset.item.created] }",
          "webhooks:",
          "  - key: plain",
          `    url: ${HOOK_URL}/plain`,
          "  - key: tricky",
          `    url: "${HOOK_URL}/**bold**/_x_/(y)?cc=@octocat&z=~~s~~"`
        ].join("\n") + "\n",
        dir
      )
      const plan = yield* run(["plan", manifest, "--format", "markdown"], { env })
      assert.strictEqual(plan.code, 0, plan.stderr)
      assert.include(plan.stdout, "### exa-webhooks-batch plan")
      assert.include(plan.stdout, "2 to create")
      assert.include(plan.stdout, "| create | `plain` |")
      // The URL is shown in a code span, where Markdown reads nothing; outside them, no emphasis and no mention.
      assert.include(plan.stdout, `\`${HOOK_URL}/**bold**/_x_/(y)?cc=@octocat&z=~~s~~\``)
      const outsideCode = plan.stdout.replace(/`[^`\n]*`/g, "")
      assert.notInclude(outsideCode, "**bold**", "no emphasis")
      assert.notInclude(outsideCode, "@octocat", "no mention")
      // The table has the same number of cells on every row: the | in the URL did not add one.
      const rows = plan.stdout.split("\n").filter((line) => line.startsWith("| "))
      for (const row of rows) assert.strictEqual(row.split(" | ").length, 4, row)
      assert.strictEqual(PlanMarkdown.text("a|b<c>@d"), "a&#124;b&#60;c&#62;&#64;d")
      assert.strictEqual(PlanMarkdown.code("https://x/`y`"), "https&#58;//x/&#96;y&#96;")
    }).pipe(Effect.provide(mockLayer())))
})

describe("secrets out and in", () => {
  it.live("secret --all --format json|env: every key's newest secret, for the next step of a job", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const manifest = writeManifest(manifestOf("all", 3))
      assert.strictEqual((yield* run(["apply", manifest], { env: envFor(mock) })).code, 0)
      const entries = journal(journalOf(manifest))
      // In the manifest's order, whatever order the concurrent creates were journaled in.
      const sorted = entries.toSorted((a, b) => a.key.localeCompare(b.key))
      const asJson = yield* run(["secret", manifest, "--all"], { env: {} })
      assert.strictEqual(asJson.code, 0, asJson.stderr)
      assert.deepStrictEqual(
        JSON.parse(asJson.stdout),
        sorted.map((entry) => ({ namespace: entry.namespace, key: entry.key, id: entry.id, url: entry.url, secret: entry.secret }))
      )
      const asEnv = yield* run(["secret", manifest, "--all", "--format", "env"], { env: {} })
      assert.strictEqual(asEnv.code, 0, asEnv.stderr)
      assert.strictEqual(asEnv.stdout, sorted.map((e) => `EXA_WEBHOOK_SECRET_${e.key.toUpperCase().replace("-", "_")}=${e.secret}`).join("\n") + "\n")
      const neither = yield* run(["secret", manifest], { env: {} })
      assert.strictEqual(neither.code, 2, neither.stderr)
    }).pipe(Effect.provide(mockLayer())))

  it.live("record-secret: an adopted webhook's secret, from stdin or a file, into the journal; plan then finds it", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      // A webhook made by hand, then adopted by a manifest.
      const made = yield* Effect.promise(() =>
        fetch(`${mock.url}/websets/v0/webhooks`, {
          method: "POST",
          headers: { "x-api-key": API_KEY, "content-type": "application/json" },
          body: JSON.stringify({ url: `${HOOK_URL}/0`, events: ["webset.item.created"], metadata: { team: "growth" } })
        }).then((response) => response.json() as Promise<{ id: string; secret: string }>)
      )
      const manifest = writeManifest(manifestOf("adopted", 1), dir)
      assert.strictEqual((yield* run(["apply", manifest, "--adopt"], { env })).code, 0)
      assert.strictEqual((yield* run(["plan", manifest, "--detailed-exit-code"], { env })).code, 3, "its secret is missing")

      const fromTerminalOrEmpty = yield* run(["record-secret", manifest, "hook-0"], { env, stdin: "" })
      assert.strictEqual(fromTerminalOrEmpty.code, 2, fromTerminalOrEmpty.stderr)
      const recorded = yield* run(["record-secret", manifest, "hook-0"], { env, stdin: `${made.secret}\n` })
      assert.strictEqual(recorded.code, 0, recorded.stderr)
      assert.notInclude(recorded.stdout + recorded.stderr, made.secret)
      const read = yield* run(["secret", manifest, "hook-0"], { env: {} })
      assert.strictEqual(read.stdout, `${made.secret}\n`)
      assert.strictEqual((yield* run(["plan", manifest, "--detailed-exit-code"], { env })).code, 0)
      const twice = yield* run(["record-secret", manifest, "hook-0"], { env, stdin: made.secret })
      assert.strictEqual(twice.code, 2, "already journaled")

      const file = join(dir, "secret.txt")
      writeFileSync(file, "whsec_with a space")
      const bad = yield* run(["record-secret", manifest, "hook-0", "--from-file", file], { env })
      assert.strictEqual(bad.code, 2, bad.stderr)
      const unknown = yield* run(["record-secret", manifest, "nope"], { env, stdin: "whsec_x" })
      assert.strictEqual(unknown.code, 2, unknown.stderr)
    }).pipe(Effect.provide(mockLayer())))
})
