import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import * as Net from "node:net"
import { envFor, HOOK_URL, json, mockLayer, run } from "./fixtures/cli.ts"

/** A TCP relay to `target` on 127.0.0.1 that counts the connections the CLI opens through it. */
const relay = (target: URL) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly url: string; readonly connections: () => number; readonly server: Net.Server }>((resume) => {
      let connections = 0
      const server = Net.createServer((client) => {
        connections++
        const upstream = Net.connect(Number(target.port), target.hostname)
        client.on("error", () => upstream.destroy())
        upstream.on("error", () => client.destroy())
        client.pipe(upstream).pipe(client)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as Net.AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, connections: () => connections, server }))
      })
    }),
    ({ server }) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
  )

describe("connections", () => {
  it.live("one command reuses one keep-alive connection for all its requests (list --all over 3 pages)", () =>
    Effect.scoped(Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      for (let i = 0; i < 3; i++) {
        const created = yield* run(["create", "--url", `${HOOK_URL}/${i}`, "--event", "webset.created", "--json"], { env })
        assert.strictEqual(created.code, 0, created.stderr)
      }
      const proxy = yield* relay(new URL(mock.url))
      const result = yield* run(["list", "--all", "--limit", "1", "--json"], { env: { ...env, EXA_BASE_URL: proxy.url } })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(json(result).data.length, 3)
      assert.strictEqual(proxy.connections(), 1, "every page over the first connection")
    })).pipe(Effect.provide(mockLayer())))
})
