import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { mkdirSync, symlinkSync } from "node:fs"
import { join } from "node:path"
import * as ManifestFile from "../src/ManifestFile.ts"
import { envFor, HOOK_URL, json, mockLayer, remote, run, tempDir, writeManifest } from "./fixtures/batch.ts"

const manifest = (keys: ReadonlyArray<readonly [string, string]>) =>
  `version: 1\nnamespace: team\ndefaults: { events: [webset.created] }\nwebhooks:\n${
    keys.map(([key, path]) => `  - key: ${key}\n    url: ${HOOK_URL}/${path}\n`).join("")
  }`

describe("two manifests, one namespace", () => {
  it.live("the second claimant is named; --prune deletes only what this manifest created; a shared key is a conflict, not a flip-flop", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      const a = writeManifest(manifest([["a1", "a/1"], ["a2", "a/2"]]), dir, "a.yaml")
      const b = writeManifest(manifest([["b1", "b/1"], ["a1", "b/a1"]]), dir, "b.yaml")
      assert.strictEqual((yield* run(["apply", a], { env })).code, 0)
      const before = yield* remote(mock)

      const plan = yield* run(["plan", b, "--json"], { env })
      assert.strictEqual(plan.code, 0, plan.stderr)
      assert.include(plan.stderr, "the namespace team is also used by the manifest a.yaml (2 webhooks)")
      const actions = json(plan).actions as Array<{ action: string; key: string }>
      assert.deepStrictEqual(actions.map((x) => `${x.action} ${x.key}`).toSorted(), ["conflict a1", "create b1", "other a2"])

      const applied = yield* run(["apply", b, "--prune", "--yes"], { env })
      assert.strictEqual(applied.code, 1, applied.stderr)
      assert.include(applied.stdout, "failed a1")
      assert.include(applied.stdout, "is held by webhook")
      const after = yield* remote(mock)
      for (const webhook of before) {
        const still = after.find((w) => w.id === webhook.id)
        assert.isDefined(still, `${webhook.metadata?.["exa-webhooks.key"]} of a.yaml was deleted`)
        assert.strictEqual(still!.url, webhook.url, "never changed by the other manifest")
      }
      assert.strictEqual(after.length, 3, "b1 was created, a1 was not created twice")
      const b1 = after.find((w) => w.metadata?.["exa-webhooks.key"] === "b1")
      assert.strictEqual(b1?.metadata?.["exa-webhooks.manifest"], "b.yaml")

      // The first manifest sees b1 as another's: not an orphan, never pruned; nothing flips back and forth.
      const again = yield* run(["apply", a, "--prune", "--yes", "--json"], { env })
      assert.strictEqual(again.code, 0, again.stderr)
      assert.deepInclude(json(again).summary, { created: 0, updated: 0, deleted: 0, unchanged: 2, untouched: 1 })
      assert.strictEqual((yield* remote(mock)).length, 3)
    }).pipe(Effect.provide(mockLayer())))
})

describe("a manifest's name", () => {
  it("is its path in its git work tree (the same on every clone), its file name outside one, or the name it sets", () => {
    const repo = tempDir()
    mkdirSync(join(repo, ".git"))
    mkdirSync(join(repo, "infra", "hooks"), { recursive: true })
    const inside = writeManifest(manifest([]), join(repo, "infra", "hooks"), "growth team.yaml")
    assert.strictEqual(ManifestFile.nameFromPath(inside), "infra/hooks/growth-team.yaml")
    // Through a link, the file it names.
    const link = join(tempDir(), "link.yaml")
    symlinkSync(inside, link)
    assert.strictEqual(ManifestFile.nameFromPath(link), "infra/hooks/growth-team.yaml")
    const outside = writeManifest(manifest([]), tempDir(), "webhooks.yaml")
    assert.strictEqual(ManifestFile.nameFromPath(outside), "webhooks.yaml")
    const named = ManifestFile.parse(outside, `${manifest([])}name: growth/hooks\n`.replace("webhooks:\n", "webhooks: []\n"), {}, "webhooks.yaml")
    assert.strictEqual(named._tag === "Success" ? named.success.name : named.failure.message, "growth/hooks")
  })
})
