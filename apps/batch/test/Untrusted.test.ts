import { assert, describe, it } from "@effect/vitest"
import * as Testing from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { API_KEY, envFor, json, mockLayer, remote, run, tempDir, writeManifest } from "./fixtures/batch.ts"

// A URL's password is masked wherever it is printed (plan, its url diff, plan --json, import) and kept in what is
// sent; control characters and bidi overrides in remote data are shown escaped in text and as JSON escapes in --json;
// import writes a manifest that shows neither and still means the same webhooks.

const PASSWORD = "hunter2-pw-51ab"
const url = (path: string) => `https://ops:${PASSWORD}@example.com/hooks/${path}`
const masked = (path: string) => `https://ops:****@example.com/hooks/${path}`

const HOSTILE = {
  note: "ok\u001b[2J\u001b[H0 to create\rfake",
  "bidi\u202ekey": "gnp.exe\u202e\u2066x\u2069",
  lines: "one\ntwo\u0085three\u2028four",
  literal: "keep ${NOT_A_VARIABLE} and $${ESCAPED}",
  link: `see ${url("meta")}`
}

// oxlint-disable-next-line no-control-regex
const RAW = /[\u001b\r\u0085\u2028\u202e\u2066\u2069]/

const api = (mock: MockServer.Service, method: string, path: string, body?: unknown) => Testing.api(mock, API_KEY, method, path, body)

const tags = (key: string) => ({ "exa-webhooks.namespace": "safe", "exa-webhooks.key": key })

describe("what plan and import print", () => {
  it.live("plan: a password from ${VAR} masked in the create line, the url diff and --json; apply sends it intact", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock, { HOOK_PASSWORD: PASSWORD })
      // Remote: one of ours at an old URL with a password, to be changed; the manifest adds another.
      yield* api(mock, "POST", "/websets/v0/webhooks", { url: url("old"), events: ["webset.created"], metadata: tags("changed") })
      const manifest = writeManifest([
        "version: 1",
        "namespace: safe",
        "defaults: { events: [webset.created] }",
        "webhooks:",
        "  - key: changed",
        "    url: https://ops:${HOOK_PASSWORD}@example.com/hooks/new",
        "  - key: added",
        "    url: https://ops:${HOOK_PASSWORD}@example.com/hooks/added"
      ].join("\n") + "\n")
      const text = yield* run(["plan", manifest], { env })
      const document = yield* run(["plan", manifest, "--json"], { env })
      for (const result of [text, document]) {
        assert.strictEqual(result.code, 0, result.stderr)
        assert.notInclude(result.stdout + result.stderr, PASSWORD)
      }
      assert.match(text.stdout, new RegExp(`^\\+ create {2,}added {2,}${masked("added").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} {2}\\[`, "m"))
      assert.include(text.stdout, `url: ${masked("old")} -> ${masked("new")}`)
      const actions = json(document).actions
      assert.strictEqual(actions.find((a: any) => a.action === "create").url, masked("added"))
      assert.deepStrictEqual(actions.find((a: any) => a.action === "update").changes[0], { field: "url", from: masked("old"), to: masked("new") })

      const applied = yield* run(["apply", manifest], { env })
      assert.strictEqual(applied.code, 0, applied.stderr)
      assert.notInclude(applied.stdout + applied.stderr, PASSWORD)
      const urls = (yield* remote(mock)).map((webhook) => webhook.url).toSorted()
      assert.deepStrictEqual(urls, [url("added"), url("new")], "Exa got the URLs with their passwords")
    }).pipe(Effect.provide(mockLayer())))

  it.live("plan: remote metadata holding escape sequences, carriage returns and bidi overrides is shown escaped; --json keeps it", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      yield* api(mock, "POST", "/websets/v0/webhooks", {
        url: "https://example.com/hooks/a",
        events: ["webset.created"],
        metadata: { ...HOSTILE, ...tags("a") }
      })
      // The same keys with other values: the diff shows the remote values (`note: REMOTE -> x`).
      const manifest = writeManifest(
        "version: 1\nnamespace: safe\nwebhooks:\n  - key: a\n    url: https://example.com/hooks/a\n    events: [webset.created]\n" +
          "    metadata: { note: x, lines: y, link: z }\n"
      )
      const text = yield* run(["plan", manifest], { env })
      assert.strictEqual(text.code, 0, text.stderr)
      assert.notMatch(text.stdout, RAW)
      assert.notInclude(text.stdout, PASSWORD)
      // The summary is the first line and the update the second: nothing from Exa made a line of its own.
      const lines = text.stdout.trimEnd().split("\n")
      assert.match(lines[0]!, /^Plan for namespace safe, manifest [^ ]+ \(1 remote webhooks seen\): 0 to create, 1 to update,/)
      assert.strictEqual(lines.length, 3, text.stdout)
      assert.include(lines[1]!, "note: ok\\u001b[2J\\u001b[H0 to create\\rfake -> x")
      assert.include(lines[1]!, "lines: one\\ntwo\\u0085three\\u2028four -> y")
      assert.include(lines[1]!, "link: see https://ops:****@example.com/hooks/meta -> z")
      assert.include(lines[1]!, "-bidi\\u202ekey")
      const document = yield* run(["plan", manifest, "--json"], { env })
      assert.strictEqual(document.code, 0, document.stderr)
      assert.notMatch(document.stdout, RAW, "JSON escapes, not raw characters")
      const change = json(document).actions[0].changes[0]
      assert.deepStrictEqual(change.from, { ...HOSTILE, link: `see ${masked("meta")}` })
    }).pipe(Effect.provide(mockLayer())))

  it.live("import: URL passwords become ${NAME} references, literals and control characters are escaped; plan then finds nothing to change but this manifest's claim", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      yield* api(mock, "POST", "/websets/v0/webhooks", { url: url("a"), events: ["webset.created"], metadata: { ...HOSTILE, ...tags("a") } })
      yield* api(mock, "POST", "/websets/v0/webhooks", { url: "https://token-9f3e@example.com/hooks/b", events: ["webset.idle"], metadata: tags("b") })
      const printed = yield* run(["import", "--namespace", "safe"], { env: envFor(mock) })
      const asJson = yield* run(["import", "--namespace", "safe", "--json"], { env: envFor(mock) })
      const file = join(tempDir(), "imported.yaml")
      const written = yield* run(["import", "--namespace", "safe", "--output", file], { env: envFor(mock) })
      for (const result of [printed, asJson, written]) {
        assert.strictEqual(result.code, 0, result.stderr)
        assert.notInclude(result.stdout + result.stderr, PASSWORD)
        assert.notInclude(result.stdout + result.stderr, "token-9f3e")
        assert.notMatch(result.stdout, RAW)
      }
      const yaml = readFileSync(file, "utf8")
      assert.strictEqual(yaml, `${printed.stdout}`, "the file holds what stdout shows")
      assert.include(yaml, "url: https://ops:${EXA_WEBHOOK_A_URL_PASSWORD}@example.com/hooks/a")
      assert.include(yaml, "url: https://${EXA_WEBHOOK_B_URL_PASSWORD}@example.com/hooks/b")
      assert.include(yaml, "see https://ops:${EXA_WEBHOOK_A_LINK_PASSWORD}@example.com/hooks/meta")
      assert.include(yaml, "#   EXA_WEBHOOK_A_URL_PASSWORD")
      assert.include(yaml, "keep $${NOT_A_VARIABLE} and $$${ESCAPED}")
      assert.notMatch(yaml, RAW)
      assert.include(json(asJson).webhooks.find((webhook: any) => webhook.key === "a").url, "${EXA_WEBHOOK_A_URL_PASSWORD}")

      // Without the variables, plan refuses (exit 2) naming them; with them, the manifest is exactly what Exa has.
      const missing = yield* run(["plan", file], { env: envFor(mock) })
      assert.strictEqual(missing.code, 2, missing.stderr)
      assert.include(missing.stderr, "EXA_WEBHOOK_A_URL_PASSWORD is not set")
      const env = envFor(mock, {
        EXA_WEBHOOK_A_URL_PASSWORD: PASSWORD,
        EXA_WEBHOOK_A_LINK_PASSWORD: PASSWORD,
        EXA_WEBHOOK_B_URL_PASSWORD: "token-9f3e"
      })
      const plan = yield* run(["plan", file, "--json"], { env })
      assert.strictEqual(plan.code, 0, plan.stderr)
      // The webhooks were tagged without a manifest (as an older version did), so the only change is this manifest's
      // claim on them (see Plan: a namespace belongs to one manifest).
      const summary = json(plan).summary
      assert.deepStrictEqual(
        { create: summary.create, update: summary.update, adopt: summary.adopt, orphaned: summary.orphaned, duplicates: summary.duplicates, missingSecrets: summary.missingSecrets },
        { create: 0, update: 2, adopt: 0, orphaned: 0, duplicates: 0, missingSecrets: 2 }
      )
      for (const action of json(plan).actions.filter((candidate: any) => candidate._tag === "Update")) {
        assert.deepStrictEqual(action.changes.map((change: any) => change.field), ["manifest"], JSON.stringify(action))
      }
    }).pipe(Effect.provide(mockLayer())))
})
