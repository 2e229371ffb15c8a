import { assert, describe, it } from "@effect/vitest"
import * as Testing from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { Signature } from "@exa-webhooks/receiver"
import { Effect } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { API_KEY, lines, mockLayer, run } from "./fixtures/cli.ts"
import { app, eventually, listen, post, secretFile } from "./fixtures/listener.ts"

const now = () => Math.floor(Date.now() / 1000)

// Each test spawns the CLI several times; on a loaded machine one start can take seconds.
const TIMEOUT = 120_000

const api = (mock: MockServer.Service, method: string, path: string, body: unknown) => Testing.api(mock, API_KEY, method, path, body)

/** A webhook on the mock whose secret is in a file, pointed at `url` once a listener runs. */
const webhook = (mock: MockServer.Service) =>
  Effect.map(
    api(mock, "POST", "/websets/v0/webhooks", { url: "http://127.0.0.1:9/not-yet", events: ["webset.created"] }),
    (hook) => ({ id: hook.id as string, secret: hook.secret as string, file: secretFile(hook.secret) })
  )

const pointAt = (mock: MockServer.Service, id: string, url: string) => api(mock, "PATCH", `/websets/v0/webhooks/${id}`, { url })

const publish = (mock: MockServer.Service) =>
  api(mock, "POST", "/_mock/events", { type: "webset.created", data: { id: "webset_listen", object: "webset" } })

// Replaces the t= of a header, keeping its signatures.
const withTimestamp = (header: string, t: number) => header.replace(/t=\d+/, `t=${t}`)

describe("exa-webhooks listen, end to end with the mock", () => {
  it.live("verifies a delivery from the mock, forwards it unchanged, and refuses each kind of tampering for its own reason", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const hook = yield* webhook(mock)
      const yourApp = yield* app()
      const listener = yield* listen(["--port", "0", "--secret-file", hook.file, "--forward-to", yourApp.url])
      assert.match(listener.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      yield* pointAt(mock, hook.id, `${listener.url}/hooks/exa`)

      const published = yield* publish(mock)
      const delivery = published.deliveries[0]
      assert.isTrue(delivery.delivered, JSON.stringify(delivery))
      assert.strictEqual(delivery.attempts[0].responseStatusCode, 200)
      const eventId: string = published.event.id
      yield* eventually(() => lines(listener.stdout()).length >= 2, "no verified line")
      assert.match(lines(listener.stdout())[1]!, new RegExp(`^\\d\\d:\\d\\d:\\d\\d verified webset\\.created ${eventId} \\(webset_listen\\)$`))

      // Forwarded with its original signature header and body, byte for byte.
      yield* eventually(() => yourApp.received.length === 1, "the delivery was not forwarded")
      const { body, headers } = yourApp.received[0]!
      const signature = headers["exa-signature"] as string
      assert.match(signature, /^t=\d+,v1=[0-9a-f]{64}$/)
      assert.strictEqual(JSON.parse(body).id, eventId)
      assert.strictEqual(headers["user-agent"], "exa-webhooks-mock")
      yield* eventually(() => listener.stdout().includes(`forwarded ${eventId} to ${yourApp.url}: 200`), "no forwarded line")

      // The captured delivery, changed one way at a time.
      const t = Number(/t=(\d+)/.exec(signature)![1])
      const flipped = signature.slice(0, -1) + (signature.endsWith("0") ? "1" : "0")
      const tampered = {
        body: yield* post(listener.url, body.replace(eventId, `${eventId}x`), { "exa-signature": signature }),
        timestampMoved: yield* post(listener.url, body, { "exa-signature": withTimestamp(signature, t + 1) }),
        timestampOld: yield* post(listener.url, body, { "exa-signature": withTimestamp(signature, t - 3600) }),
        timestampAhead: yield* post(listener.url, body, { "exa-signature": withTimestamp(signature, t + 3600) }),
        signature: yield* post(listener.url, body, { "exa-signature": flipped }),
        replayTooOld: yield* post(listener.url, body, { "exa-signature": yield* Signature.sign(hook.secret, now() - 301, body) })
      }
      assert.deepStrictEqual(
        Object.fromEntries(Object.entries(tampered).map(([k, v]) => [k, `${v.status} ${v.body.error.type}`])),
        {
          body: "401 NoMatchingSignature",
          timestampMoved: "401 NoMatchingSignature",
          timestampOld: "401 TimestampOutOfTolerance",
          timestampAhead: "401 TimestampOutOfTolerance",
          signature: "401 NoMatchingSignature",
          replayTooOld: "401 TimestampOutOfTolerance"
        }
      )
      assert.match(tampered.timestampOld.body.error.message, /is 36\d\d s old, more than the 300 s tolerated/)
      assert.include(tampered.timestampAhead.body.error.message, "in the future")
      // Only the genuine delivery was printed and forwarded.
      assert.strictEqual(lines(listener.stdout()).filter((l) => l.includes(" verified ")).length, 1)
      assert.strictEqual(yourApp.received.length, 1)
      yield* eventually(
        () => lines(listener.stderr()).filter((l) => l.includes("refused a delivery")).length === 6,
        "expected 6 refusals on stderr"
      )
      assert.notInclude(listener.stdout() + listener.stderr(), hook.secret)

      const stopped = yield* listener.stop("SIGINT")
      assert.strictEqual(stopped.code, 130)
    }).pipe(Effect.provide(mockLayer())), TIMEOUT)

  it.live("a genuine delivery replayed after the tolerance is refused (here --tolerance 1)", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const hook = yield* webhook(mock)
      const yourApp = yield* app()
      const listener = yield* listen(["--secret-file", hook.file, "--tolerance", "1", "--forward-to", yourApp.url])
      yield* pointAt(mock, hook.id, listener.url)
      assert.isTrue((yield* publish(mock)).deliveries[0].delivered)
      yield* eventually(() => yourApp.received.length === 1, "not forwarded")
      const { body, headers } = yourApp.received[0]!
      const t = Number(/t=(\d+)/.exec(headers["exa-signature"] as string)![1])
      yield* eventually(() => now() >= t + 2, "time did not pass")
      const replay = yield* post(listener.url, body, { "exa-signature": headers["exa-signature"] as string })
      assert.strictEqual(replay.status, 401)
      assert.strictEqual(replay.body.error.type, "TimestampOutOfTolerance")
      assert.include(replay.body.error.message, "a replayed or long-delayed delivery")
    }).pipe(Effect.provide(mockLayer())), TIMEOUT)

  it.live("--json: the URL, each event and each forward as one JSON line on stdout; refusals as JSON on stderr", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const hook = yield* webhook(mock)
      const yourApp = yield* app()
      const listener = yield* listen(["--json", "--secret-file", hook.file, "--forward-to", yourApp.url])
      yield* pointAt(mock, hook.id, listener.url)
      const published = yield* publish(mock)
      yield* eventually(() => lines(listener.stdout()).length === 3, "expected 3 lines on stdout")
      const [first, event, forwarded] = lines(listener.stdout()).map((l) => JSON.parse(l))
      assert.deepStrictEqual(first, { listening: listener.url })
      assert.strictEqual(event.event.id, published.event.id)
      assert.strictEqual(event.event.type, "webset.created")
      assert.deepStrictEqual(forwarded, { forwarded: { eventId: published.event.id, url: yourApp.url, status: 200 } })
      yield* post(listener.url, "{}")
      yield* eventually(() => listener.stderr().includes("rejected"), "no rejection on stderr")
      assert.deepStrictEqual(JSON.parse(lines(listener.stderr())[0]!).rejected.type, "MissingSignature")
      // Every line of both streams is JSON.
      for (const line of [...lines(listener.stdout()), ...lines(listener.stderr())]) assert.doesNotThrow(() => JSON.parse(line))
    }).pipe(Effect.provide(mockLayer())), TIMEOUT)

  it.live("bad input never stops the listener: each gets its answer, and a genuine delivery still verifies afterwards", () =>
    Effect.gen(function*() {
      const secret = "whsec_listen_bad_input_3c9d"
      const listener = yield* listen(["--secret-file", secretFile(secret)])
      const body = JSON.stringify({ id: "event_ok", object: "event", type: "webset.idle", data: {}, createdAt: "2026-01-01T00:00:00Z" })
      const signed = (text: string) => Signature.sign(secret, now(), text)
      const answers = {
        missing: yield* post(listener.url, body),
        empty: yield* post(listener.url, body, { "exa-signature": "" }),
        noT: yield* post(listener.url, body, { "exa-signature": `v1=${"a".repeat(64)}` }),
        twoT: yield* post(listener.url, body, { "exa-signature": `t=1,t=2,v1=${"a".repeat(64)}` }),
        hugeT: yield* post(listener.url, body, { "exa-signature": `t=${"9".repeat(40)},v1=${"a".repeat(64)}` }),
        uppercase: yield* post(listener.url, body, { "exa-signature": (yield* signed(body)).toUpperCase().replace("T=", "t=").replace("V1=", "v1=") }),
        notJson: yield* post(listener.url, "not json", { "exa-signature": yield* signed("not json") }),
        notEvent: yield* post(listener.url, "[1,2]", { "exa-signature": yield* signed("[1,2]") }),
        longHeader: yield* post(listener.url, body, { "exa-signature": `t=1,${"v0=x,".repeat(2000)}` })
      }
      assert.deepStrictEqual(
        Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, `${v.status} ${v.body.error.type}${v.body.error.message.includes("uppercase") ? " uppercase" : ""}`])),
        {
          missing: "400 MissingSignature",
          empty: "400 MalformedSignature",
          noT: "400 MalformedSignature",
          twoT: "400 MalformedSignature",
          hugeT: "400 MalformedSignature",
          uppercase: "400 MalformedSignature uppercase",
          notJson: "400 InvalidEventBody",
          notEvent: "400 InvalidEventBody",
          longHeader: "400 MalformedSignature"
        }
      )
      // A 1 MB header: Node's HTTP parser answers 431 before the listener sees it.
      const huge = yield* Effect.callback<number>((resume) => {
        const { hostname, port } = new URL(listener.url)
        const request = Http.request({ hostname, port, method: "POST", path: "/", headers: { "exa-signature": "x".repeat(1024 * 1024) } })
        request.on("response", (response) => {
          response.resume()
          resume(Effect.succeed(response.statusCode ?? 0))
        })
        request.on("error", () => resume(Effect.succeed(-1)))
        request.end(body)
      })
      assert.oneOf(huge, [431, -1])
      const tooLarge = yield* post(listener.url, new Uint8Array(11 * 1024 * 1024), { "exa-signature": yield* signed(body) })
      assert.strictEqual(tooLarge.status, 413)
      const get = yield* Effect.promise(() => fetch(listener.url))
      assert.strictEqual(get.status, 405)
      const ok = yield* post(listener.url, body, { "exa-signature": yield* signed(body) })
      assert.strictEqual(ok.status, 200)
      assert.deepStrictEqual(ok.body, { received: "event_ok" })
      yield* eventually(() => listener.stdout().includes("verified webset.idle event_ok"), "no verified line")
    }), TIMEOUT)

  it.live("a forward that fails is reported on stderr; the delivery is still answered 200 and the listener keeps going", () =>
    Effect.gen(function*() {
      const secret = "whsec_listen_forward_fail"
      // A port nothing listens on: bind one, then close it.
      const closedPort = yield* Effect.callback<number>((resume) => {
        const server = Http.createServer().listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo
          server.close(() => resume(Effect.succeed(port)))
        })
      })
      const failingApp = yield* app(500)
      const body = JSON.stringify({ id: "event_f", object: "event", type: "webset.idle", data: {}, createdAt: "2026-01-01T00:00:00Z" })
      for (const target of [`http://127.0.0.1:${closedPort}/hooks`, failingApp.url]) {
        const listener = yield* listen(["--secret-file", secretFile(secret), "--forward-to", target])
        const answer = yield* post(listener.url, body, { "exa-signature": yield* Signature.sign(secret, now(), body) })
        assert.strictEqual(answer.status, 200)
        yield* eventually(() => listener.stderr().includes(`forwarding event_f to ${target}`), `no forward report for ${target}`)
        const again = yield* post(listener.url, body, { "exa-signature": yield* Signature.sign(secret, now(), body) })
        assert.strictEqual(again.status, 200)
      }
    }), TIMEOUT)

  it.live("a forward never follows a redirect: the app's 307 is reported as its answer, and the body and signature go nowhere else", () =>
    Effect.gen(function*() {
      const secret = "whsec_listen_redirect"
      const elsewhere = yield* app()
      // An app that answers every delivery with a redirect to another server (307 keeps method and body).
      const redirecting = yield* Effect.acquireRelease(
        Effect.callback<{ readonly url: string; readonly hits: Array<string>; readonly server: Http.Server }>((resume) => {
          const hits: Array<string> = []
          const server = Http.createServer((request, response) => {
            hits.push(request.headers["exa-signature"] as string)
            request.resume().on("end", () => response.writeHead(307, { location: elsewhere.url }).end())
          })
          server.listen(0, "127.0.0.1", () =>
            resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, hits, server })))
        }),
        ({ server }) =>
          Effect.callback<void>((resume) => {
            server.closeAllConnections()
            server.close(() => resume(Effect.void))
          })
      )
      for (const mode of [[], ["--json"]]) {
        const listener = yield* listen(["--secret-file", secretFile(secret), "--forward-to", redirecting.url, ...mode])
        const body = JSON.stringify({ id: "event_r", object: "event", type: "webset.idle", data: {}, createdAt: "2026-01-01T00:00:00Z" })
        const answer = yield* post(listener.url, body, { "exa-signature": yield* Signature.sign(secret, now(), body) })
        assert.strictEqual(answer.status, 200)
        yield* eventually(() => listener.stderr().includes("your app answered 307"), "no report of the 307")
        assert.include(listener.stderr(), `a redirect to ${elsewhere.url}, not followed`)
        assert.notInclude(listener.stdout(), "forwarded")
      }
      assert.strictEqual(redirecting.hits.length, 2, "the app got each delivery, signed")
      yield* Effect.sleep("300 millis")
      assert.strictEqual(elsewhere.received.length, 0, "nothing reached the redirect's target (it used to get the body and the signature)")
    }).pipe(Effect.scoped), TIMEOUT)

  it.live("usage problems exit 2 before listening; Ctrl-C stops a listener with 130", () =>
    Effect.gen(function*() {
      const file = secretFile("whsec_usage")
      const taken = yield* listen(["--secret-file", file])
      const port = new URL(taken.url).port
      const cases: ReadonlyArray<[ReadonlyArray<string>, RegExp]> = [
        [["listen", "--secret-file", file, "--port", "http"], /--port must be a whole number/],
        [["listen", "--secret-file", file, "--port", "70000"], /--port must be a whole number/],
        [["listen", "--secret-file", file, "--forward-to", "ftp://127.0.0.1/x"], /--forward-to must be an absolute http\(s\) URL/],
        [["listen", "--secret-file", "/nonexistent/secret"], /cannot read \/nonexistent\/secret/],
        [["listen", "--secret-file", file, "--port", port], /cannot listen on 127\.0\.0\.1:\d+ .*choose another --port/],
        [["listen"], /--secret-file/]
      ]
      for (const [args, message] of cases) {
        const result = yield* run(args)
        assert.strictEqual(result.code, 2, `${args.join(" ")}: ${result.stderr}`)
        assert.match(result.stderr, message)
        assert.strictEqual(result.stdout, "")
      }
      const stopped = yield* taken.stop("SIGINT")
      assert.strictEqual(stopped.code, 130)
      assert.include(taken.stderr(), "interrupted")
    }), TIMEOUT)
})
