import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { USER_AGENT, VERSION } from "../src/internal/version.ts"

describe("version", () => {
  it("matches package.json, so the User-Agent names the released version", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    assert.strictEqual(VERSION, manifest.version)
    assert.strictEqual(USER_AGENT, `exa-webhooks-client/${manifest.version}`)
  })
})
