import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { envFor, HOOK_URL, json, mockLayer, requestsReceived, run, stats } from "./fixtures/cli.ts"

const freshDir = () => mkdtempSync(join(tmpdir(), "exa-webhooks-secret-"))

describe("--secret-file", () => {
  it.live("writes the secret to a new 0600 file and keeps it off stdout and stderr", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const path = join(freshDir(), "hook.secret")
      const result = yield* run(["create", "--url", HOOK_URL, "--event", "webset.created", "--secret-file", path], {
        env: envFor(mock)
      })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(statSync(path).mode & 0o777, 0o600)
      const secret = readFileSync(path, "utf8")
      assert.isAbove(secret.length, 8)
      assert.notInclude(secret, "\n", "the file holds exactly the secret")
      assert.notInclude(result.stdout, secret)
      assert.notInclude(result.stderr, secret)
      assert.include(result.stdout, `Signing secret written to ${path} (mode 0600)`)
    }).pipe(Effect.provide(mockLayer())))

  it.live("with --json, the document names the file and carries no secret", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const path = join(freshDir(), "hook.secret")
      const result = yield* run(["create", "--url", HOOK_URL, "--event", "webset.created", "--secret-file", path, "--json"], {
        env: envFor(mock)
      })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stderr, "")
      const document = json(result)
      assert.isNull(document.secret)
      assert.strictEqual(document.secretFile, path)
      assert.notInclude(result.stdout, readFileSync(path, "utf8"))
    }).pipe(Effect.provide(mockLayer())))

  it.live("refuses to overwrite an existing file: exit 2, the file untouched, nothing sent", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const path = join(freshDir(), "hook.secret")
      writeFileSync(path, "an older secret", { mode: 0o600 })
      const result = yield* run(["create", "--url", HOOK_URL, "--event", "webset.created", "--secret-file", path], {
        env: envFor(mock)
      })
      assert.strictEqual(result.code, 2)
      assert.include(result.stderr, "refusing to overwrite")
      assert.strictEqual(readFileSync(path, "utf8"), "an older secret")
      assert.strictEqual((yield* stats).requests, 0)
    }).pipe(Effect.provide(mockLayer())))

  it.live("Ctrl-C during the create removes the file and names the key to finish the create with", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const path = join(freshDir(), "hook.secret")
      const result = yield* run(["create", "--url", HOOK_URL, "--event", "webset.created", "--secret-file", path], {
        env: envFor(mock),
        // Once the create has reached the mock, which holds its answer for 4 s.
        interruptWhen: requestsReceived(mock)
      })
      assert.strictEqual(result.code, 130, result.stderr)
      assert.strictEqual(result.stdout, "")
      assert.isFalse(existsSync(path))
      assert.deepStrictEqual(readdirSync(dirname(path)), [], "nor its temporary file")
      assert.include(result.stderr, "--idempotency-key ")
      assert.include(result.stderr, "interrupted")
    }).pipe(Effect.provide(mockLayer({ latencyMillis: 4000 }))))

  it.live("removes the file again when the create fails, and names the key to finish it with", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const path = join(freshDir(), "hook.secret")
      const result = yield* run(["create", "--url", HOOK_URL, "--event", "webset.created", "--secret-file", path], {
        env: envFor(mock, { EXA_MAX_RETRIES: "0" })
      })
      assert.strictEqual(result.code, 1, result.stderr)
      assert.isFalse(existsSync(path), "the empty reserved file is gone")
      assert.match(result.stderr, /^exa-webhooks: ServerError: .*50\d.*request id \S+.*--idempotency-key \S+/)
      assert.strictEqual((yield* stats).webhooks, 0)
    }).pipe(Effect.provide(mockLayer({ faultRate: 1 }))))
})
