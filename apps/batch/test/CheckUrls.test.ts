import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { envFor, json, mockLayer, run, stats, writeManifest } from "./fixtures/batch.ts"

// A receiver that answers 200 at /ok and redirects everything else to /ok.
const receiver = Effect.acquireRelease(
  Effect.callback<{ readonly url: string; readonly server: Http.Server }>((resume) => {
    const server = Http.createServer((request, response) => {
      request.resume()
      if (request.url === "/ok") response.writeHead(200).end()
      else response.writeHead(302, { location: "/ok" }).end()
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })))
  }),
  ({ server }) => Effect.sync(() => server.close())
)

describe("plan --check-urls", () => {
  it.live("probes each URL of the manifest once, reports a redirect with its target and exits 2; sends no change", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const { url } = yield* receiver
      const manifest = writeManifest([
        "version: 1",
        "namespace: growth",
        "defaults: { events: [webset.item.created] }",
        "webhooks:",
        `  - { key: good, url: "${url}/ok" }`,
        `  - { key: moved, url: "${url}/old" }`,
        `  - { key: good-too, url: "${url}/ok" }`
      ].join("\n") + "\n")
      const result = yield* run(["plan", manifest, "--check-urls", "--json"], { env: envFor(mock) })
      assert.strictEqual(result.code, 2, result.stderr)
      const plan = json(result)
      assert.deepStrictEqual(
        plan.urlChecks.map((c: { url: string; ok: boolean; finding: { _tag: string; location?: string } }) => [c.url, c.ok, c.finding._tag, c.finding.location]),
        [[`${url}/ok`, true, "Reachable", undefined], [`${url}/old`, false, "Redirect", `${url}/ok`]]
      )
      assert.include(result.stderr, "--check-urls: 1 of 2 URLs would fail every delivery")
      const text = yield* run(["plan", manifest, "--check-urls"], { env: envFor(mock) })
      assert.include(text.stdout, `FAIL  ${url}/old redirects (302) to ${url}/ok`)
      // For a pull request: the same findings, the URLs inert (no link, no markup).
      const markdown = yield* run(["plan", manifest, "--check-urls", "--format", "markdown"], { env: envFor(mock) })
      assert.strictEqual(markdown.code, 2, markdown.stderr)
      assert.include(markdown.stdout, "**URL checks**")
      assert.include(markdown.stdout, "- **FAIL**: http&#58;//127&#46;0&#46;0&#46;1&#58;")
      assert.notInclude(markdown.stdout.split("**URL checks**")[1], `${url}/old`)
      assert.strictEqual((yield* stats).creates, 0)
    }).pipe(Effect.provide(mockLayer())), 60_000)
})
