import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import * as Recording from "@exa-webhooks/cli-kit/RecordingFileSystem"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect, Redacted } from "effect"
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import * as SecretFile from "../src/SecretFile.ts"
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

  it.live("a file that appears at the path while the create is slow is left alone: exit 1, the secret kept in the temporary file the message names", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const path = join(freshDir(), "hook.secret")
      const [result] = yield* Effect.all([
        run(["create", "--url", HOOK_URL, "--event", "webset.created", "--secret-file", path], { env: envFor(mock) }),
        // Once the create has reached the mock (which holds its answer for 2 s): someone else writes the path.
        Effect.andThen(requestsReceived(mock), Effect.sync(() => writeFileSync(path, "someone else's file")))
      ], { concurrency: "unbounded" })
      assert.strictEqual(result.code, 1, result.stderr)
      assert.strictEqual(readFileSync(path, "utf8"), "someone else's file", "never replaced")
      assert.include(result.stderr, `something was created at ${path} meanwhile, which was left alone`)
      const temporary = readdirSync(dirname(path)).filter((name) => name.endsWith(".tmp"))
      assert.strictEqual(temporary.length, 1)
      const kept = readFileSync(join(dirname(path), temporary[0]!), "utf8")
      assert.match(kept, /^whsec_/, "the secret is kept in the temporary file")
      assert.include(result.stderr, temporary[0]!)
      assert.notInclude(result.stderr + result.stdout, kept)
    }).pipe(Effect.provide(mockLayer({ latencyMillis: 2000 }))))
})

describe("SecretFile on effect's FileSystem (recorded)", () => {
  it.effect("the secret is written and synced to the temporary file before it is linked into place", () => {
    const recorder = Recording.make()
    const path = join(freshDir(), "hook.secret")
    return Effect.gen(function*() {
      const reserved = yield* SecretFile.reserve(path)
      yield* reserved.write(Redacted.make("whsec_recorded"))
      const steps = recorder.steps
      const written = Recording.indexOf(steps, (s) => s.op === "write" && s.path === reserved.temporary && s.detail === "whsec_recorded")
      const synced = Recording.indexOf(steps, (s) => s.op === "sync" && s.path === reserved.temporary, written + 1)
      const linked = Recording.indexOf(steps, (s) => s.op === "link" && s.detail === path, synced + 1)
      assert.isAtLeast(written, 0, "written")
      assert.isAbove(synced, written, "synced after the write")
      assert.isAbove(linked, synced, "linked into place after the sync")
      assert.strictEqual(readFileSync(path, "utf8"), "whsec_recorded")
    }).pipe(Effect.scoped, Effect.provide([recorder.layer, NodePath.layer]))
  })

  it.effect("a file that appears at the path between the reservation and the write is never replaced", () => {
    const recorder = Recording.make()
    const path = join(freshDir(), "hook.secret")
    // Just before the secret is put in place (the create took its time), another process writes the path.
    recorder.before((s) => s.op === "link" || s.op === "rename", Effect.sync(() => writeFileSync(path, "theirs")))
    return Effect.gen(function*() {
      const reserved = yield* SecretFile.reserve(path)
      const failed = yield* Effect.flip(reserved.write(Redacted.make("whsec_mine")))
      assert.strictEqual(failed.reason._tag, "AlreadyExists")
      assert.strictEqual(readFileSync(path, "utf8"), "theirs", "their file is untouched")
      assert.strictEqual(readFileSync(reserved.temporary, "utf8"), "whsec_mine", "the secret is kept in the temporary file")
    }).pipe(Effect.scoped, Effect.provide([recorder.layer, NodePath.layer]))
  })
})

