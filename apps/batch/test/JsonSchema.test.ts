import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import * as Manifest from "../src/Manifest.ts"

describe("the manifest's JSON Schema", () => {
  it("the committed manifest.schema.json is the one the Effect Schema generates (run `pnpm run schema:json` when this fails)", () => {
    const committed = JSON.parse(readFileSync(new URL("../manifest.schema.json", import.meta.url), "utf8"))
    assert.deepStrictEqual(committed, Manifest.jsonSchema())
  })

  it("the example points editors at it", () => {
    const example = readFileSync(new URL("../../../examples/webhooks.yaml", import.meta.url), "utf8")
    assert.match(example, /^# yaml-language-server: \$schema=\.\.\/apps\/batch\/manifest\.schema\.json$/m)
  })
})
