import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { API_KEY, CLI, envFor, HOOK_URL, json, lines, mockLayer, run, stats, timeoutFor } from "./fixtures/cli.ts"

const IDEMPOTENCY = "exa-webhooks.idempotency-key"
const create = ["create", "--url", HOOK_URL, "--event", "webset.created"]

const listen = (handler: Http.RequestListener) =>
  Effect.acquireRelease(
    Effect.callback<Http.Server>((resume) => {
      const server = Http.createServer(handler)
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.callback<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
  ).pipe(Effect.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`))

describe("security", () => {
  it.live("a redirect to another origin is never followed with the key, and the user is told", () =>
    Effect.scoped(Effect.gen(function*() {
      const keys: Array<unknown> = []
      const target = yield* listen((request, response) => {
        keys.push(request.headers["x-api-key"])
        request.resume()
        response.writeHead(200, { "content-type": "application/json" })
        response.end(JSON.stringify({ data: [], hasMore: false, nextCursor: null }))
      })
      for (const status of [301, 302, 307, 308]) {
        const redirector = yield* listen((request, response) => {
          request.resume()
          response.writeHead(status, { location: `${target}${request.url}` })
          response.end()
        })
        for (const args of [["list"], [...create, "--idempotency-key", "r-1"]]) {
          const result = yield* run(["--base-url", redirector, ...args], { env: { EXA_API_KEY: API_KEY } })
          assert.strictEqual(result.code, 1, result.stderr)
          assert.strictEqual(result.stdout, "", "no \"No webhooks.\" from the other host")
          assert.include(result.stderr, `redirecting to ${target}`)
          assert.include(result.stderr, "never follows a redirect")
          assert.notInclude(result.stderr, API_KEY)
        }
      }
      assert.deepStrictEqual(keys, [], "the other origin received nothing")
    })), timeoutFor(8))

  it.live("ids . and .. and ids with control characters are bad input: exit 2, nothing sent", () =>
    Effect.gen(function*() {
      const env = envFor(yield* MockServer.MockServer)
      for (const args of [["attempts", ".."], ["delete", "..", "--yes"], ["get", "."], ["update", "..", "--url", HOOK_URL], ["get", "wh\n1"]]) {
        const result = yield* run(args, { env })
        assert.strictEqual(result.code, 2, `${args.join(" ")}: ${result.stderr}`)
        assert.match(result.stderr, /^exa-webhooks: ID: /)
      }
      assert.strictEqual((yield* stats).requests, 0)
    }).pipe(Effect.provide(mockLayer())), timeoutFor(5))
})

describe("one webhook per idempotency key, no secret lost or silently replaced", () => {
  it.live("two runs at once with one key: one webhook, one run holds its secret, the other is told", () =>
    Effect.gen(function*() {
      const env = envFor(yield* MockServer.MockServer)
      const args = [...create, "--idempotency-key", "ci-42", "--json"]
      const results = yield* Effect.all([run(args, { env }), run(args, { env })], { concurrency: "unbounded" })
      assert.deepStrictEqual(results.map((r) => r.code), [0, 0], results.map((r) => r.stderr).join("\n"))
      const documents = results.map(json)
      assert.strictEqual(documents[0].id, documents[1].id, "both name the one webhook")
      assert.strictEqual(documents.filter((d) => typeof d.secret === "string").length, 1, "exactly one run holds the secret")
      const told = results.find((r) => json(r).secret === null)!
      assert.include(told.stderr, "already exists under --idempotency-key ci-42")
      assert.include(told.stderr, "--replace")
      assert.strictEqual((yield* stats).webhooks, 1)
    }).pipe(Effect.provide(mockLayer({ latencyMillis: 300 }))), 30_000)

  it.live("two runs at once with --replace: one webhook, and the run whose webhook is gone was told, or told the other", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const args = [...create, "--idempotency-key", "ci-43", "--replace", "--json"]
      const results = yield* Effect.all([run(args, { env }), run(args, { env })], { concurrency: "unbounded" })
      assert.strictEqual((yield* stats).webhooks, 1)
      const kept = yield* Effect.promise(() =>
        fetch(`${mock.url}/websets/v0/webhooks`, { headers: { "x-api-key": API_KEY } }).then((r) =>
          r.json() as Promise<{ data: ReadonlyArray<{ id: string }> }>
        )
      )
      const keptId = kept.data[0]!.id
      const holders = results.filter((r) => r.code === 0 && json(r).id === keptId && typeof json(r).secret === "string")
      assert.strictEqual(holders.length, 1, "exactly one run holds the kept webhook's secret")
      const other = results.find((r) => r !== holders[0])!
      if (other.code === 0) {
        // It finished first, and the holder replaced its webhook on purpose (--replace), saying so.
        assert.include(holders[0]!.stderr, `replacing webhook ${json(other).id}`)
      } else {
        assert.strictEqual(other.code, 1)
        assert.include(other.stderr, "IdempotencyConflictError")
        assert.include(other.stderr, "another create with the idempotency key \\\"ci-43\\\" ran at the same time")
      }
    }).pipe(Effect.provide(mockLayer({ latencyMillis: 300 }))), 30_000)

  it.live("rerunning a create that succeeded keeps the webhook and its secret; --replace replaces it and says so", () =>
    Effect.gen(function*() {
      const env = envFor(yield* MockServer.MockServer)
      const args = [...create, "--idempotency-key", "job-7", "--json"]
      const first = yield* run(args, { env })
      assert.strictEqual(first.code, 0, first.stderr)
      const again = yield* run(args, { env })
      assert.strictEqual(again.code, 0, again.stderr)
      assert.strictEqual(json(again).id, json(first).id, "the same webhook, not a new one")
      assert.isNull(json(again).secret)
      assert.isTrue(json(again).existing)
      assert.include(again.stderr, `webhook ${json(first).id} already exists under --idempotency-key job-7`)
      assert.strictEqual((yield* stats).creates, 1, "nothing was deleted or created")

      const replaced = yield* run([...args, "--replace"], { env })
      assert.strictEqual(replaced.code, 0, replaced.stderr)
      assert.notStrictEqual(json(replaced).id, json(first).id)
      assert.isString(json(replaced).secret)
      assert.include(replaced.stderr, `replacing webhook ${json(first).id}`)
      assert.include(replaced.stderr, "its signing secret stops working")
      assert.strictEqual((yield* stats).webhooks, 1)
    }).pipe(Effect.provide(mockLayer())))

  it.live("kill -9 during create --secret-file leaves nothing at the path, and the identical rerun succeeds", () =>
    Effect.gen(function*() {
      const env = envFor(yield* MockServer.MockServer)
      const dir = mkdtempSync(join(tmpdir(), "exa-kill-"))
      const file = join(dir, "hook.secret")
      const args = [...create, "--secret-file", file]
      for (let kill = 0; kill < 3; kill++) {
        // Killed while the create is on its way (the mock answers after 1.5 s), once the temporary file exists.
        yield* Effect.promise(() =>
          new Promise<void>((resolve) => {
            const child = spawn(process.execPath, [CLI, ...args], { env, stdio: "ignore" })
            const poll = setInterval(() => {
              if (readdirSync(dir).some((name) => name.endsWith(".tmp"))) {
                clearInterval(poll)
                setTimeout(() => child.kill("SIGKILL"), 50 * kill)
              }
            }, 5)
            child.on("close", () => resolve())
          })
        )
        assert.isFalse(existsSync(file), "no empty or partial secret file is left at the path")
      }
      const rerun = yield* run(args, { env })
      assert.strictEqual(rerun.code, 0, rerun.stderr)
      assert.match(readFileSync(file, "utf8"), /^\S{8,}$/, "the whole secret, nothing else")
    }).pipe(Effect.provide(mockLayer({ latencyMillis: 1_500 }))), timeoutFor(4))

  it.live("update --metadata keeps the reserved idempotency key; a user's reserved key or __proto__ is exit 2", () =>
    Effect.gen(function*() {
      const env = envFor(yield* MockServer.MockServer)
      const first = yield* run([...create, "--idempotency-key", "k-77", "--json"], { env })
      const id = json(first).id as string
      const updated = yield* run(["update", id, "--metadata", "team=x", "--json"], { env })
      assert.strictEqual(updated.code, 0, updated.stderr)
      assert.deepStrictEqual(json(updated).metadata, { team: "x", [IDEMPOTENCY]: "k-77" })
      const again = yield* run([...create, "--idempotency-key", "k-77", "--json"], { env })
      assert.strictEqual(json(again).id, id, "the later create with the key still finds it")
      assert.strictEqual((yield* stats).webhooks, 1)

      const before = (yield* stats).requests
      for (const args of [[...create, "--metadata", `${IDEMPOTENCY}=mine`], ["update", id, "--metadata", "exa-webhooks.namespace=x"]]) {
        const refused = yield* run(args, { env })
        assert.strictEqual(refused.code, 2, refused.stderr)
        assert.match(refused.stderr, /^exa-webhooks: --metadata: the metadata key "exa-webhooks\.[a-z-]+" is reserved/)
      }
      const proto = yield* run([...create, "--metadata", "__proto__=x"], { env })
      assert.strictEqual(proto.code, 2, proto.stderr)
      assert.include(proto.stderr, "--metadata")
      assert.include(proto.stderr, "__proto__")
      assert.strictEqual((yield* stats).requests, before, "nothing was sent")
    }).pipe(Effect.provide(mockLayer())), timeoutFor(6))
})

describe("bad input and output", () => {
  it.live("URLs with spaces, line breaks, NUL or 70 KB, and an idempotency key with a line break: exit 2, bounded echo", () =>
    Effect.gen(function*() {
      const env = envFor(yield* MockServer.MockServer)
      for (const url of ["https://example.com/a b", "https://example.com/a\nb", "https://example.com/\t", `https://example.com/${"x".repeat(70_000)}`]) {
        const result = yield* run(["create", "--url", url, "--event", "webset.created"], { env })
        assert.strictEqual(result.code, 2, result.stderr.slice(0, 300))
        assert.match(result.stderr, /^exa-webhooks: --url: /)
        assert.strictEqual(lines(result.stderr).length, 1)
        assert.isBelow(result.stderr.length, 600, "the input is not echoed whole")
      }
      const key = yield* run([...create, "--idempotency-key", "a\nb"], { env })
      assert.strictEqual(key.code, 2)
      assert.match(key.stderr, /^exa-webhooks: --idempotency-key: /)
      assert.strictEqual((yield* stats).requests, 0)
    }).pipe(Effect.provide(mockLayer())), timeoutFor(5))

  it.live("a long --json error line reaches a slow stderr reader whole", () =>
    Effect.gen(function*() {
      // One --event naming 18,000 unknown events (an argument stays under Linux's 128 KiB): the message names each,
      // and is longer than what the pipe and the reader's buffer hold together, so the CLI must wait for the reader.
      const events = ["--event", Array.from({ length: 18_000 }, (_, i) => `e${i}`).join(",")]
      const stderr = yield* Effect.promise(() =>
        new Promise<string>((resolve) => {
          const child = spawn(process.execPath, [CLI, "create", "--url", HOOK_URL, ...events, "--json"], {
            env: { EXA_API_KEY: API_KEY },
            stdio: ["ignore", "ignore", "pipe"]
          })
          let text = ""
          // Read nothing for a while: the pipe fills at 64 KiB and the CLI must wait for us, not exit.
          child.stderr.pause()
          setTimeout(() => {
            child.stderr.setEncoding("utf8").on("data", (chunk: string) => (text += chunk))
            child.stderr.resume()
          }, 1_000)
          child.on("close", () => resolve(text))
        })
      )
      assert.isAbove(stderr.length, 2 * 65_536, "longer than a pipe's buffer and the reader's")
      const { error } = JSON.parse(stderr)
      assert.strictEqual(error.type, "UsageError")
    }), 30_000)

  it.live("--log-level debug names method, path, status, attempt and delay of a retry", () =>
    Effect.gen(function*() {
      const env = envFor(yield* MockServer.MockServer, { EXA_MAX_RETRIES: "2" })
      const result = yield* run(["list", "--log-level", "debug"], { env })
      assert.match(
        result.stderr,
        /exa-webhooks: debug: retrying GET \/websets\/v0\/webhooks after status 5\d\d \(attempt 1 of 3\) in \d+ ms/
      )
    }).pipe(Effect.provide(mockLayer({ faultRate: 1 }))))

  it.live("an unknown command with --help is exit 2, named", () =>
    Effect.gen(function*() {
      for (const args of [["UNKNOWN", "--help"], ["--base-url", "http://127.0.0.1:8080", "UNKNOWN", "-h"]]) {
        const result = yield* run(args, { env: { EXA_API_KEY: API_KEY } })
        assert.strictEqual(result.code, 2)
        assert.strictEqual(result.stdout, "")
        assert.match(result.stderr, /^exa-webhooks: unknown command "UNKNOWN"/)
      }
      const help = yield* run(["list", "--help"], { env: {} })
      assert.strictEqual(help.code, 0)
      assert.include(help.stdout, "List webhooks")
    }))
})
