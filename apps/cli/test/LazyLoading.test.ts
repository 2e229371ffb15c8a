/**
 * A command loads only the code it uses: the Redis client (a third of the CLI's code) only with a rate-limit store,
 * and `--help` nothing of the bundle at all. Each run is the bin as npm starts it, traced by a preload that records
 * the modules loaded (scripts/lazy-loading-check.ts); dist/meta.json says which chunk holds the Redis client.
 */
import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { holding, loaded, REDIS, traced } from "../../../scripts/lazy-loading-check.ts"
import { envFor, HOOK_URL, json, mockLayer, run, runBin } from "./fixtures/cli.ts"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const logs = mkdtempSync(join(tmpdir(), "exa-webhooks-loads-"))
let runs = 0

const loadsOf = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.gen(function*() {
    const log = join(logs, `${++runs}.log`)
    const trace = traced(packageDir, "exa-webhooks", args, log)
    const result = yield* runBin(args, { env: { ...env, ...trace.env }, command: trace.command })
    return { result, files: loaded(packageDir, log) }
  })

describe("lazy loading", () => {
  const redis = holding(packageDir, REDIS)

  it("the Redis client is in chunks of its own, not in the entry", () => {
    assert.isAbove(redis.size, 0)
    assert.isFalse(redis.has("dist/exa-webhooks.mjs"))
  })

  it.live("--help, list, get and a dry run load no Redis code; a rate-limit store does", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const created = yield* run(["create", "--url", HOOK_URL, "--event", "webset.created", "--json"], { env })
      const id: string = json(created).id

      const help = yield* loadsOf(["--help"], env)
      assert.strictEqual(help.result.code, 0)
      assert.deepStrictEqual([...help.files], [], "--help loads nothing of the bundle")

      for (const args of [["list"], ["get", id], ["create", "--url", HOOK_URL, "--event", "webset.created", "--dry-run"]]) {
        const { files, result } = yield* loadsOf(args, env)
        assert.strictEqual(result.code, 0, `${args.join(" ")}: ${result.stderr}`)
        assert.isTrue(files.has("dist/exa-webhooks.mjs"), `${args.join(" ")} ran the bundle`)
        const redisLoaded = [...files].filter((file) => redis.has(file))
        assert.deepStrictEqual(redisLoaded, [], `${args.join(" ")} loaded the Redis client`)
      }

      // The trace sees the Redis chunk when a store is used (here one that does not answer).
      const store = yield* loadsOf(["list", "--rate-limit-store", "redis://127.0.0.1:9"], env)
      assert.notStrictEqual(store.result.code, 0)
      assert.isTrue([...store.files].some((file) => redis.has(file)), "a store loads the Redis client")
    }).pipe(Effect.provide(mockLayer())), 60_000)
})
