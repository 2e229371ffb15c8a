import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { RequestBody } from "@exa-webhooks/schema"
import { Effect, Result } from "effect"
import * as Manifest from "../src/Manifest.ts"
import * as ManifestFile from "../src/ManifestFile.ts"
import { envFor, HOOK_URL, mockLayer, remote, run, stats, tempDir, writeManifest } from "./fixtures/batch.ts"

const manifestWith = (metadata: Record<string, string>) =>
  `version: 1\nnamespace: sized\nwebhooks:\n  - key: big\n    url: ${HOOK_URL}/big\n    events: [webset.created]\n    metadata:\n${
    Object.entries(metadata).map(([key, value]) => `      ${key}: "${value}"\n`).join("")
  }`

/** Metadata that makes the create request of the one webhook of the manifest named `name` exactly `size` bytes. */
const metadataFor = (size: number, name: string): Record<string, string> => {
  const bytes = (metadata: Record<string, string>) =>
    RequestBody.byteLength(Manifest.sentBody("sized", name, { key: "big", index: 0, url: `${HOOK_URL}/big`, events: ["webset.created"], metadata }))
  const metadata: Record<string, string> = {}
  for (let i = 0; bytes({ ...metadata, [`m${i}`]: "x".repeat(1000) }) <= size - 20; i++) metadata[`m${i}`] = "x".repeat(1000)
  // The last key's length makes up the difference (keys have no length limit; values at most 1,000 characters).
  metadata["z".repeat(1 + size - bytes({ ...metadata, z: "" }))] = ""
  assert.strictEqual(bytes(metadata), size)
  return metadata
}

describe("validate judges the request apply will send", () => {
  it("10,000 metadata keys: every field is valid, the request is not; refused at the metadata's line", () => {
    const metadata = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, "v"]))
    const result = ManifestFile.parse("m.yaml", manifestWith(metadata), {})
    assert.isTrue(Result.isFailure(result))
    if (Result.isSuccess(result)) return
    assert.deepStrictEqual(result.failure.problems.map((p) => [p.line, p.column]), [[8, 7]])
    assert.include(result.failure.problems[0]!.message, "webhooks[0]: creating this webhook: the request would be")
    assert.include(result.failure.problems[0]!.message, "has 10003 keys")
  })

  it.live("at exactly the limit validate passes and the mock accepts the create; one byte more, validate refuses and nothing is sent", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      // Outside a git work tree, a manifest's name is its file name (stored on the webhook, so it counts).
      const fits = writeManifest(manifestWith(metadataFor(RequestBody.MAX_BYTES, "fits.yaml")), dir, "fits.yaml")
      const over = writeManifest(manifestWith(metadataFor(RequestBody.MAX_BYTES + 1, "over.yaml")), dir, "over.yaml")

      const refused = yield* run(["apply", over], { env })
      assert.strictEqual(refused.code, 2, refused.stderr)
      assert.include(refused.stderr, "65,537 bytes of JSON")
      assert.strictEqual((yield* stats).requests, 0)

      // The mock's own bound is the same: one byte more is its 413.
      const overBody = Manifest.sentBody("sized", "over.yaml", {
        key: "big",
        index: 0,
        url: `${HOOK_URL}/big`,
        events: ["webset.created"],
        metadata: metadataFor(RequestBody.MAX_BYTES + 1, "over.yaml")
      })
      const direct = yield* Effect.promise(() =>
        fetch(`${mock.url}/websets/v0/webhooks`, {
          method: "POST",
          headers: { "x-api-key": env.EXA_API_KEY, "content-type": "application/json" },
          body: JSON.stringify(overBody)
        })
      )
      assert.strictEqual(direct.status, 413)

      assert.strictEqual((yield* run(["validate", fits], { env })).code, 0)
      const applied = yield* run(["apply", fits], { env })
      assert.strictEqual(applied.code, 0, applied.stderr)
      assert.strictEqual((yield* remote(mock)).length, 1, "only the create that fits was stored")
    }).pipe(Effect.provide(mockLayer())))
})
