import { assert, describe, it } from "@effect/vitest"
import * as Testing from "@exa-webhooks/cli-kit/testing"
import { Tinyproxy } from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { API_KEY, envFor, lines, mockLayer, run, stats, timeoutFor } from "./fixtures/cli.ts"

// How the CLI reaches the API over the network as users have it: through their proxy (HTTPS_PROXY, HTTP_PROXY,
// NO_PROXY, a real tinyproxy that logs what it passes), and with a base URL whose host does not resolve.

describe.skipIf(!Tinyproxy.available())("the CLI behind a proxy (tinyproxy)", () => {
  it.live("HTTP_PROXY carries every request; NO_PROXY=127.0.0.1 bypasses it", () =>
    Effect.scoped(Effect.gen(function*() {
      const proxy = yield* Tinyproxy.start
      const mock = yield* MockServer.MockServer
      const through = yield* run(["list", "--json"], { env: envFor(mock, { HTTP_PROXY: proxy.url }) })
      assert.strictEqual(through.code, 0, through.stderr)
      assert.deepStrictEqual(proxy.requests(), [`GET ${mock.url}/websets/v0/webhooks`])
      const direct = yield* run(["list", "--json"], { env: envFor(mock, { HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" }) })
      assert.strictEqual(direct.code, 0, direct.stderr)
      assert.lengthOf(proxy.requests(), 1, "the second run went directly")
      assert.strictEqual((yield* stats).requests, 2)
    })).pipe(Effect.provide(mockLayer())), timeoutFor(2))

  it.live("an unreachable proxy is one line naming it (never its password), exit 1, nothing sent", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const port = yield* Tinyproxy.freePort
      const result = yield* run(["list"], {
        env: envFor(mock, { HTTPS_PROXY: `http://me:pr0xy-pass@127.0.0.1:${port}`, HTTP_PROXY: `http://me:pr0xy-pass@127.0.0.1:${port}` })
      })
      yield* Testing.assertUnreachableProxy(result, port, "pr0xy-pass")
    }).pipe(Effect.provide(mockLayer())), timeoutFor(1))

  it.live("a malformed proxy variable is a usage error naming it, never its value", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const result = yield* run(["list"], { env: envFor(mock, { HTTPS_PROXY: "socks5://me:pr0xy-pass@proxy:1080" }) })
      assert.strictEqual(result.code, 2, result.stderr)
      assert.include(result.stderr, "HTTPS_PROXY")
      assert.notInclude(result.stderr, "pr0xy-pass")
    }).pipe(Effect.provide(mockLayer())), timeoutFor(1))
})

describe("a base URL whose host does not resolve", () => {
  it.live("fails at once (one attempt, not six over seconds of backoff), naming the host", () =>
    Effect.gen(function*() {
      const result = yield* run(["list", "--base-url", "https://api.exa-typo.invalid"], { env: { EXA_API_KEY: API_KEY } })
      assert.strictEqual(result.code, 1, result.stderr)
      const said = lines(result.stderr)
      assert.lengthOf(said, 1, result.stderr)
      assert.include(said[0], "the host api.exa-typo.invalid does not resolve")
      assert.notInclude(said[0], "attempts")
    }), timeoutFor(1))
})
