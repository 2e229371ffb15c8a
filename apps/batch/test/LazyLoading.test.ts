/**
 * A command loads only the code it uses: the Redis client only with a rate-limit store. Each run is the bin as npm
 * starts it, traced by a preload that records the modules loaded (scripts/lazy-loading-check.ts); dist/meta.json
 * says which chunk holds the Redis client.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "vitest"
import { holding, loaded, REDIS, traced } from "../../../scripts/lazy-loading-check.ts"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "exa-webhooks-batch-loads-"))

describe("lazy loading", () => {
  it("validate loads no Redis code; a rate-limit store does", () => {
    const redis = holding(packageDir, REDIS)
    assert.isAbove(redis.size, 0)
    assert.isFalse(redis.has("dist/exa-webhooks-batch.mjs"))
    const manifest = join(dir, "webhooks.yaml")
    writeFileSync(manifest, "version: 1\nnamespace: t\nwebhooks:\n  - key: a\n    url: https://example.com/hook\n    events: [webset.created]\n")
    const loadsOf = (args: ReadonlyArray<string>, name: string) => {
      const log = join(dir, `${name}.log`)
      const trace = traced(packageDir, "exa-webhooks-batch", args, log)
      const result = spawnSync(trace.command[0]!, trace.command.slice(1), {
        env: { ...process.env, ...trace.env, EXA_API_KEY: "k", EXA_BASE_URL: "http://127.0.0.1:47", EXA_MAX_RETRIES: "0" },
        encoding: "utf8"
      })
      return { result, redisLoaded: [...loaded(packageDir, log)].filter((file) => redis.has(file)) }
    }
    const validate = loadsOf(["validate", manifest], "validate")
    assert.strictEqual(validate.result.status, 0, validate.result.stderr)
    assert.deepStrictEqual(validate.redisLoaded, [])
    const store = loadsOf(["plan", manifest, "--rate-limit-store", "redis://127.0.0.1:9"], "store")
    assert.notStrictEqual(store.result.status, 0)
    assert.isAbove(store.redisLoaded.length, 0, `a store loads the Redis client: ${store.result.stderr}`)
  })
})
