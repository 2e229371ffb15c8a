import { assert, describe, it } from "@effect/vitest"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { API_KEY, CLI, envFor, HOOK_URL, json, lines, mockLayer, requestsReceived, run, runBin, stats } from "./fixtures/cli.ts"

describe("failures of the API or the network: exit 1, one line naming the error, status and request id", () => {
  it.live("an unknown id, as text and as JSON", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const text = yield* run(["get", "webhook_missing"], { env: envFor(mock) })
      assert.strictEqual(text.code, 1)
      assert.strictEqual(text.stdout, "")
      assert.strictEqual(lines(text.stderr).length, 1)
      assert.match(text.stderr, /^exa-webhooks: NotFoundError: GET \/websets\/v0\/webhooks\/webhook_missing: .*404.*request id \S+/)

      const asJson = yield* run(["get", "webhook_missing", "--json"], { env: envFor(mock) })
      assert.strictEqual(asJson.code, 1)
      assert.strictEqual(asJson.stdout, "")
      const errorLines = lines(asJson.stderr)
      assert.strictEqual(errorLines.length, 1)
      const { error } = JSON.parse(errorLines[0]!)
      assert.strictEqual(error.type, "NotFoundError")
      assert.strictEqual(error.status, 404)
      assert.strictEqual(error.exitCode, 1)
      assert.strictEqual(error.method, "GET")
      assert.isString(error.requestId)
      assert.strictEqual(error.retryable, false)
      // The advice in the CLI's terms, said once; Exa's own message (which says the same in HTTP's terms) stays in
      // the document's serverMessage, not in the line.
      assert.strictEqual(error.advice, "Run 'exa-webhooks list' to see the ids.")
      assert.include(error.message, "Run 'exa-webhooks list' to see the ids.", "the line renders the advice too")
      assert.isString(error.serverMessage)
      for (const said of [text.stderr, error.message]) {
        assert.strictEqual(said.split("exa-webhooks list").length - 1, 1, said)
        assert.notInclude(said, "GET /websets/v0/webhooks to")
        assert.notMatch(said, /list webhooks/i)
        assert.strictEqual(said.split("No webhook").length - 1, 1, said)
      }
    }).pipe(Effect.provide(mockLayer())))

  it.live("a wrong key", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const result = yield* run(["list"], { env: envFor(mock, { EXA_API_KEY: "exa-wrong-key-0000000000000000" }) })
      assert.strictEqual(result.code, 1)
      assert.match(result.stderr, /AuthenticationError: .*401/)
      // The client's advice, rendered by the CLI with the CLI's own ways of giving the key.
      assert.include(result.stderr, "Check the API key: it is missing, mistyped or revoked (EXA_API_KEY or --api-key-file).")
      assert.notInclude(result.stderr, "exa-wrong-key-0000000000000000")
    }).pipe(Effect.provide(mockLayer())))

  it.live("nothing listening at the base URL: a refused connection", () =>
    Effect.gen(function*() {
      // A port that was free a moment ago (not one fetch refuses outright, such as 9, which would never connect).
      const freePort = yield* Effect.promise(() =>
        new Promise<number>((resolve) => {
          const server = createServer()
          server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as AddressInfo
            server.close(() => resolve(port))
          })
        })
      )
      const result = yield* run(["list"], {
        env: { EXA_API_KEY: API_KEY, EXA_BASE_URL: `http://127.0.0.1:${freePort}`, EXA_MAX_RETRIES: "0" }
      })
      assert.strictEqual(result.code, 1)
      assert.strictEqual(result.stdout, "")
      assert.match(result.stderr, /^exa-webhooks: TransportError: GET \/websets\/v0\/webhooks: could not reach Exa/)
      assert.include(result.stderr, "ECONNREFUSED")
      // The advice names the URL that was used, not one way of setting it.
      const flag = yield* run(["--base-url", `http://127.0.0.1:${freePort}`, "list"], {
        env: { EXA_API_KEY: API_KEY, EXA_MAX_RETRIES: "0" }
      })
      assert.strictEqual(flag.code, 1)
      assert.include(flag.stderr, `the base URL (http://127.0.0.1:${freePort})`)
      assert.notInclude(flag.stderr, "EXA_BASE_URL")
    }))

  it.live("a base URL on a port fetch refuses, or with a query or fragment, is a usage error naming where it came from", () =>
    Effect.gen(function*() {
      for (const [source, baseUrl] of [["--base-url", "http://127.0.0.1:6000"], ["EXA_BASE_URL", "http://127.0.0.1:1"], ["--base-url", "http://127.0.0.1:8080/?q=1"], ["--base-url", "http://127.0.0.1:8080#x"]]) {
        const args = source === "--base-url" ? ["--base-url", baseUrl!, "list"] : ["list"]
        const env = { EXA_API_KEY: API_KEY, ...(source === "EXA_BASE_URL" ? { EXA_BASE_URL: baseUrl! } : {}) }
        const result = yield* run(args, { env })
        assert.strictEqual(result.code, 2, result.stderr)
        assert.match(result.stderr, new RegExp(`^exa-webhooks: ${source}: `))
        assert.notInclude(result.stderr, "may have been created")
      }
    }))

  it.live("a base URL with a user name or password is refused before sending, without showing the password", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const port = new URL(mock.url).port
      const env = envFor(mock, { EXA_MAX_RETRIES: "1" })
      const withPassword = `http://user:pw-XYZ@127.0.0.1:${port}`
      const runs = [
        { args: ["--base-url", withPassword, "list"], env },
        { args: ["--base-url", withPassword, "list", "--json", "--log-level", "debug"], env },
        { args: ["--base-url", withPassword, "create", "--url", HOOK_URL, "--event", "webset.created", "--dry-run"], env },
        { args: ["get", "webhook_1"], env: envFor(mock, { EXA_BASE_URL: withPassword }) }
      ]
      for (const one of runs) {
        const result = yield* run(one.args, { env: one.env })
        assert.strictEqual(result.code, 2, result.stderr)
        assert.strictEqual(result.stdout, "")
        assert.notInclude(result.stderr, "pw-XYZ")
        assert.include(result.stderr, `http://user:****@127.0.0.1:${port}`, "the URL is still named, masked")
        assert.include(result.stderr, "must not contain a user name or password")
      }
      for (const bad of [`http://user:pw-XYZ@127.0.0.1:port`, `ftp://user:pw-XYZ@127.0.0.1:${port}`, "http://user:pw-X/YZ@127.0.0.1"]) {
        const usage = yield* run(["--base-url", bad, "list"], { env })
        assert.strictEqual(usage.code, 2, usage.stderr)
        assert.notInclude(usage.stderr, "pw-X")
        assert.include(usage.stderr, "--base-url")
      }
      assert.strictEqual((yield* stats).requests, 0)
    }).pipe(Effect.provide(mockLayer())))

  it.live("a create of unknown outcome names --idempotency-key KEY, and not the library's advice", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock, { EXA_MAX_RETRIES: "0" })
      const args = ["create", "--url", HOOK_URL, "--event", "webset.created"]
      const asJson = yield* run([...args, "--json"], { env })
      assert.strictEqual(asJson.code, 1, asJson.stderr)
      const { error } = JSON.parse(lines(asJson.stderr)[0]!)
      assert.strictEqual(error.type, "ServerError")
      assert.isString(error.idempotencyKey)
      assert.include(error.message, `--idempotency-key ${error.idempotencyKey}`)
      assert.notInclude(error.message, "lookupFirst")
      assert.notInclude(error.message, "call create again")

      const text = yield* run(args, { env })
      assert.strictEqual(text.code, 1, text.stderr)
      assert.strictEqual(lines(text.stderr).length, 1)
      assert.match(
        text.stderr,
        /^exa-webhooks: ServerError: POST \/websets\/v0\/webhooks: Exa answered 50\d.*The webhook may have been created, and no one has its secret: to finish the create without a duplicate, run the same command again with --idempotency-key [0-9a-f-]{36} --replace\n$/
      )
      assert.notInclude(text.stderr, "lookupFirst")
      assert.strictEqual(text.stderr.split("may have been created").length, 2, "the advice is given once")
    }).pipe(Effect.provide(mockLayer({ faultRate: 1 }))))

  it.live("with --json and retried faults, stdout is one document and every stderr line is JSON", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      // Enough retries that every run ends in success: faults are met and retried, never the outcome.
      const env = envFor(mock, { EXA_MAX_RETRIES: "20" })
      for (let i = 0; i < 4; i++) {
        const created = yield* run(["create", "--url", HOOK_URL, "--event", "webset.created", "--json", "--log-level", "debug"], { env })
        assert.strictEqual(created.code, 0, created.stderr)
        assert.strictEqual(json(created).object, "webhook")
        const logged = lines(created.stderr).map((line) => JSON.parse(line))
        for (const entry of logged) assert.hasAnyKeys(entry, ["log", "warning"])
      }
      assert.isAbove((yield* stats).faults, 0, "faults were injected")
    }).pipe(Effect.provide(mockLayer({ faultRate: 0.5, seed: 7 }))))
})

// Runs the CLI with stdout on /dev/full (every write fails with ENOSPC); stderr comes back through the pipe as usual.
const toFullDisk = (args: ReadonlyArray<string>) =>
  ["/bin/sh", "-c", 'exec "$0" "$@" > /dev/full', process.execPath, CLI, ...args]

describe("stdout that cannot be written", () => {
  it.live.skipIf(!existsSync("/dev/full"))("a lost result is a failure: exit 1; after a create, the secret is named lost", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      for (const asJson of [false, true]) {
        const args = ["create", "--url", HOOK_URL, "--event", "webset.created", ...(asJson ? ["--json"] : [])]
        const created = yield* runBin([], { env, command: toFullDisk(args) })
        assert.strictEqual(created.code, 1, created.stderr)
        const last = lines(created.stderr).at(-1)!
        const message = asJson ? JSON.parse(last).error.message : last
        assert.match(message, /was created, but the result could not be written to stdout \(ENOSPC.*cannot be recovered/)
      }
      assert.strictEqual((yield* stats).webhooks, 2)
      const listed = yield* runBin([], { env, command: toFullDisk(["list"]) })
      assert.strictEqual(listed.code, 1)
      assert.match(listed.stderr, /^exa-webhooks: the result could not be written to stdout/)
    }).pipe(Effect.provide(mockLayer())))
})

describe("the API key", () => {
  it.live("is read from --api-key-file, which wins over EXA_API_KEY; a file others can read gets a warning", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const file = join(mkdtempSync(join(tmpdir(), "exa-webhooks-key-")), "key")
      writeFileSync(file, `${API_KEY}\n`, { mode: 0o600 })
      const env = { EXA_BASE_URL: mock.url, EXA_API_KEY: "exa-wrong-key-0000000000000000" }
      const ok = yield* run(["list", "--api-key-file", file, "--json"], { env })
      assert.strictEqual(ok.code, 0, ok.stderr)
      assert.strictEqual(ok.stderr, "")

      chmodSync(file, 0o644)
      const loose = yield* run(["list", "--api-key-file", file], { env })
      assert.strictEqual(loose.code, 0, loose.stderr)
      assert.include(loose.stderr, "warning")
      assert.include(loose.stderr, `chmod 600 ${file}`)
    }).pipe(Effect.provide(mockLayer())))
})

describe("Ctrl-C", () => {
  it.live("stops a command waiting on the API with exit 130 and one line on stderr", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      // Ctrl-C once the request has reached the mock, which holds its answer for 4 s.
      const result = yield* run(["list"], { env: envFor(mock), interruptWhen: requestsReceived(mock) })
      assert.strictEqual(result.code, 130, result.stderr)
      assert.strictEqual(result.stdout, "")
      assert.deepStrictEqual(lines(result.stderr).map((line) => line.startsWith("exa-webhooks: interrupted")), [true])
    }).pipe(Effect.provide(mockLayer({ latencyMillis: 4000 }))))
})
