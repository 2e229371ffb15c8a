import { assert, describe, it } from "@effect/vitest"
import { RedisServer } from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { createServer } from "node:net"
import { envFor, json, mockLayer, run, stats } from "./fixtures/cli.ts"

/** A loopback port nothing listens on. */
const closedPort = Effect.promise(() =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
)

describe("--rate-limit-store", () => {
  it.live("an unreachable store: one line naming it (never its password), exit 1, nothing sent; --json says the same", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const port = yield* closedPort
      const store = `redis://ops:hunter2-secret@127.0.0.1:${port}/1`
      const human = yield* run(["--rate-limit-store", store, "list"], { env: envFor(mock) })
      assert.strictEqual(human.code, 1, human.stderr)
      assert.strictEqual(human.stdout, "")
      assert.match(human.stderr, new RegExp(`^exa-webhooks: cannot use the rate-limit store redis://127\\.0\\.0\\.1:${port}/1: .*ECONNREFUSED.*; nothing was sent\\n$`))
      const machine = yield* run(["list", "--json"], { env: envFor(mock, { EXA_RATE_LIMIT_STORE: store }) })
      assert.strictEqual(machine.code, 1)
      const report = JSON.parse(machine.stderr)
      assert.strictEqual(report.error.type, "RateLimitStoreUnavailableError")
      assert.strictEqual(report.error.store, `redis://127.0.0.1:${port}/1`)
      assert.notInclude(human.stderr + machine.stderr + machine.stdout, "hunter2")
      assert.strictEqual((yield* stats).requests, 0, "nothing reached the API")
    }).pipe(Effect.provide(mockLayer())))

  it.live("--dry-run sends nothing, so it needs no store", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const port = yield* closedPort
      const result = yield* run(["--dry-run", "--rate-limit-store", `redis://127.0.0.1:${port}`, "list"], { env: envFor(mock) })
      assert.strictEqual(result.code, 0, result.stderr)
    }).pipe(Effect.provide(mockLayer())))

  it.live("a malformed address: a usage error naming the flag, without the password", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const result = yield* run(["list", "--rate-limit-store", "rediss://u:hunter2@cache:6379/1?tls=1"], { env: envFor(mock) })
      assert.strictEqual(result.code, 2, result.stderr)
      assert.match(result.stderr, /^exa-webhooks: --rate-limit-store: must not have a query or fragment/)
      assert.notInclude(result.stderr, "hunter2")
    }).pipe(Effect.provide(mockLayer())))
})

describe.skipIf(!RedisServer.available())("--rate-limit-store with a real Redis", () => {
  it.live("commands run through the shared store", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.start
      const mock = yield* MockServer.MockServer
      const result = yield* run(["list", "--json"], { env: envFor(mock, { EXA_RATE_LIMIT_STORE: redis.url }) })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.deepStrictEqual(json(result).data, [])
      // Pacing through a store that has gone: the request is not sent, and the message names the store.
      yield* redis.kill
      const gone = yield* run(["list"], { env: envFor(mock, { EXA_RATE_LIMIT_STORE: redis.url }) })
      assert.strictEqual(gone.code, 1, gone.stderr)
      assert.include(gone.stderr, `redis://127.0.0.1:${redis.port}/0`)
      assert.strictEqual((yield* stats).requests, 1, "only the first list reached the API")
    }).pipe(Effect.scoped, Effect.provide(mockLayer())))
})
