import { assert, describe, it } from "@effect/vitest"
import * as Testing from "@exa-webhooks/cli-kit/testing"
import { Tinyproxy } from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { envFor, manifestOf, mockLayer, run, stats, writeManifest } from "./fixtures/batch.ts"

// The batch tool behind a proxy, as a CI job in a corporate network runs it: a real tinyproxy that logs what it passes.

describe.skipIf(!Tinyproxy.available())("the batch tool behind a proxy (tinyproxy)", () => {
  it.live("apply sends every request through HTTP_PROXY; NO_PROXY=127.0.0.1 bypasses it", () =>
    Effect.scoped(Effect.gen(function*() {
      const proxy = yield* Tinyproxy.start
      const mock = yield* MockServer.MockServer
      const manifest = writeManifest(manifestOf("proxied", 2))
      const applied = yield* run(["apply", manifest, "--yes"], { env: envFor(mock, { HTTP_PROXY: proxy.url }) })
      assert.strictEqual(applied.code, 0, applied.stderr)
      const passed = proxy.requests()
      assert.strictEqual(passed.length, (yield* stats).requests, "every request the mock received came through the proxy")
      assert.includeMembers([...passed], [`GET ${mock.url}/websets/v0/webhooks?limit=200`, `POST ${mock.url}/websets/v0/webhooks`])
      const plan = yield* run(["plan", manifest], { env: envFor(mock, { HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" }) })
      assert.strictEqual(plan.code, 0, plan.stderr)
      assert.lengthOf(proxy.requests(), passed.length, "the plan went directly")
    })).pipe(Effect.provide(mockLayer())), 40_000)

  it.live("an unreachable proxy is one line naming it (never its password), exit 1, nothing sent", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const port = yield* Tinyproxy.freePort
      const manifest = writeManifest(manifestOf("unreachable", 1))
      const result = yield* run(["plan", manifest], { env: envFor(mock, { HTTP_PROXY: `http://ci:pr0xy-pass@127.0.0.1:${port}` }) })
      yield* Testing.assertUnreachableProxy(result, port, "pr0xy-pass")
    }).pipe(Effect.provide(mockLayer())), 20_000)
})
