import { assert, describe, it } from "@effect/vitest"
import * as KitSession from "@exa-webhooks/cli-kit/Session"
import * as UrlProbe from "@exa-webhooks/cli-kit/UrlProbe"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect, Layer } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { envFor, mockLayer, run, stats } from "./fixtures/cli.ts"

/** A server on 127.0.0.1 answering every request with `status` and `headers`; it records what it was sent. */
const server = (status: number, headers: Record<string, string> = {}) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly url: string; readonly seen: Array<Http.IncomingMessage>; readonly close: () => void }>((resume) => {
      const seen: Array<Http.IncomingMessage> = []
      const created = Http.createServer((request, response) => {
        seen.push(request)
        request.resume()
        response.writeHead(status, headers).end()
      })
      created.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          url: `http://127.0.0.1:${(created.address() as AddressInfo).port}`,
          seen,
          close: () => {
            created.closeAllConnections()
            created.close()
          }
        })))
    }),
    (s) => Effect.sync(s.close)
  )

const probe = (url: string) => UrlProbe.probe(url).pipe(Effect.provide(Layer.orDie(KitSession.transport)))

describe("UrlProbe: what a webhook URL does before it is registered", () => {
  it.live("a redirect is reported with its target, from one HEAD that carries no key, no secret and no body", () =>
    Effect.gen(function*() {
      const redirecting = yield* server(301, { location: "/hooks/exa/" })
      const check = yield* probe(`${redirecting.url}/hooks/exa`)
      assert.deepStrictEqual(check.finding, { _tag: "Redirect", status: 301, location: `${redirecting.url}/hooks/exa/` })
      assert.isFalse(check.ok)
      assert.include(check.message, `redirects (301) to ${redirecting.url}/hooks/exa/: Exa does not follow redirects`)
      assert.strictEqual(redirecting.seen.length, 1, "the redirect is not followed")
      const [request] = redirecting.seen
      assert.strictEqual(request!.method, "HEAD")
      assert.strictEqual(request!.headers["user-agent"], "exa-webhooks-url-check")
      assert.isUndefined(request!.headers["x-api-key"])
      assert.isUndefined(request!.headers["exa-signature"])
      assert.isUndefined(request!.headers["content-length"])
    }))

  it.live("a refused connection, a name that does not resolve and a TLS failure are problems; an answer is not", () =>
    Effect.gen(function*() {
      const closed = yield* server(200)
      closed.close()
      const plain = yield* server(405)
      const checks = yield* Effect.all([
        probe(`${closed.url}/hooks`),
        probe("https://hooks.exa-webhooks-test.invalid/hooks"),
        // An https URL whose server speaks plain HTTP: the TLS handshake fails.
        probe(`${plain.url.replace("http:", "https:")}/hooks`),
        probe(`${plain.url}/hooks`)
      ])
      assert.deepStrictEqual(checks.map((c) => [c.finding._tag, c.ok]), [
        ["ConnectionRefused", false],
        ["NameNotResolved", false],
        ["TlsFailure", false],
        ["Reachable", true]
      ])
      assert.include(checks[1]!.message, "the name hooks.exa-webhooks-test.invalid does not resolve")
      assert.include(checks[2]!.message, "its TLS certificate was refused (ERR_SSL_WRONG_VERSION_NUMBER)")
      assert.include(checks[3]!.message, "answered 405 to a HEAD request, without a redirect (deliveries are POSTs")
      assert.include(checks[3]!.message, "Exa's servers cannot reach a loopback or private address")
    }))

  it.live("create --check-url: a URL that redirects is reported with its target, and nothing is created", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const redirecting = yield* server(308, { location: "https://hooks.example.com/exa" })
      const result = yield* run(["create", "--url", `${redirecting.url}/exa`, "--event", "webset.created", "--check-url"], {
        env: envFor(mock)
      })
      assert.strictEqual(result.code, 2)
      assert.include(
        result.stderr,
        `--check-url: ${redirecting.url}/exa redirects (308) to https://hooks.example.com/exa: Exa does not follow ` +
          "redirects, so every delivery would fail; register https://hooks.example.com/exa instead; nothing was created"
      )
      assert.strictEqual(result.stdout, "")
      assert.strictEqual((yield* stats).requests, 0)

      const ok = yield* server(200)
      const created = yield* run(["create", "--url", `${ok.url}/exa`, "--event", "webset.created", "--check-url", "--json"], {
        env: envFor(mock)
      })
      assert.strictEqual(created.code, 0, created.stderr)
      assert.strictEqual((yield* stats).webhooks, 1)
    }).pipe(Effect.provide(mockLayer())), 60_000)
})
