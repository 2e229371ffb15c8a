import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { ClientOptions } from "@exa-webhooks/client"
import { ConfigProvider, Effect, FileSystem, Layer, Option, Redacted, Stdio, Stream } from "effect"
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as ApiKey from "../src/ApiKey.ts"
import * as Dash from "../src/Dash.ts"
import * as FileProblem from "../src/FileProblem.ts"
import * as PrivateFile from "../src/PrivateFile.ts"
import * as Session from "../src/Session.ts"

const dir = mkdtempSync(join(tmpdir(), "cli-kit-files-"))
const file = (name: string, text: string, mode = 0o600) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  chmodSync(path, mode)
  return path
}

// The file system, standard input holding `stdin`, and the environment `env`.
const host = (stdin = "", env: Record<string, string> = {}) =>
  Layer.mergeAll(
    NodeFileSystem.layer,
    Stdio.layerTest({ stdin: Stream.make(new TextEncoder().encode(stdin)) }),
    ConfigProvider.layer(ConfigProvider.fromEnv({ env }))
  )

describe("Dash: - for a path", () => {
  it.effect("reads a file, or standard input for -; a file too large or missing is a usage error naming the flag", () =>
    Effect.gen(function*() {
      const path = file("note.txt", "from the file\n")
      const options = { flag: "--note", hint: "pass a note", maxBytes: 64 }
      assert.deepStrictEqual(yield* Dash.read(path, options), { text: "from the file\n", path })
      assert.deepStrictEqual(yield* Dash.read("-", options), { text: "from stdin", path: undefined })
      const missing = yield* Effect.flip(Dash.read(join(dir, "nope.txt"), options))
      assert.strictEqual(missing.message, `--note: cannot read ${join(dir, "nope.txt")} (no such file); pass a note`)
      const large = yield* Effect.flip(Dash.read(file("large.txt", "x".repeat(65)), options))
      assert.include(large.message, "holds more than 64 bytes")
    }).pipe(Effect.provide(host("from stdin"))))

  it("refuses - where a path must be a file, saying why", () => {
    assert.isTrue(Dash.isDash("-"))
    assert.isTrue(Dash.isDash(" - "))
    assert.isFalse(Dash.isDash("./-"))
    assert.strictEqual(
      Dash.refuse("--secrets-file", "the secrets journal is appended to and locked").message,
      "--secrets-file -: the secrets journal is appended to and locked, so it cannot be standard input or output; pass a file path"
    )
  })
})

describe("PrivateFile", () => {
  it.effect("one sentence for a file others can read; nothing for a private or missing one", () =>
    Effect.gen(function*() {
      const shared = file("shared.key", "k", 0o644)
      assert.strictEqual(
        yield* PrivateFile.check(shared),
        `${shared} can be read by other users (mode 644); restrict it with: chmod 600 ${shared}`
      )
      assert.strictEqual(
        yield* PrivateFile.check(shared, `the journal ${shared}`),
        `the journal ${shared} can be read by other users (mode 644); restrict it with: chmod 600 ${shared}`
      )
      assert.isUndefined(yield* PrivateFile.check(file("private.key", "k")))
      assert.isUndefined(yield* PrivateFile.check(join(dir, "absent.key")))
      assert.isTrue(PrivateFile.isShared(0o640))
      assert.isFalse(PrivateFile.isShared(0o600))
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})

describe("FileProblem", () => {
  it.effect("says what went wrong in a person's terms, for effect's errors and the system's codes", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const missing = join(dir, "missing", "file")
      assert.strictEqual(FileProblem.of(yield* Effect.flip(fs.readFileString(join(dir, "none"))), join(dir, "none")), "no such file")
      const notDir = join(file("plain", "x"), "below")
      assert.strictEqual(FileProblem.of(yield* Effect.flip(fs.readFileString(notDir)), notDir), `a part of ${notDir} is not a folder`)
      mkdirSync(join(dir, "folder"))
      assert.strictEqual(FileProblem.of(yield* Effect.flip(fs.readFileString(join(dir, "folder"))), join(dir, "folder")), "it is a folder")
      assert.strictEqual(FileProblem.describe("ENOENT", missing, "?"), `the folder ${join(dir, "missing")} does not exist`)
      assert.strictEqual(FileProblem.describe("ENOSPC", missing, "?"), "the disk is full")
      assert.strictEqual(FileProblem.describe("EWHATEVER", missing, "the fallback"), "the fallback")
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})

describe("ApiKey", () => {
  it.effect("from --api-key-file (standard input for -), else EXA_API_KEY; a shared key file gets the private-file sentence", () =>
    Effect.gen(function*() {
      const key = "exa_0123456789abcdef"
      const fromFile = yield* ApiKey.resolve(Option.some(file("key", `${key}\n`)))
      assert.strictEqual(Redacted.value(fromFile.value), key)
      assert.isUndefined(fromFile.loose)
      const shared = file("shared-key", key, 0o644)
      assert.include((yield* ApiKey.resolve(Option.some(shared))).loose!, `chmod 600 ${shared}`)
      const fromStdin = yield* ApiKey.resolve(Option.some("-"))
      assert.deepStrictEqual([Redacted.value(fromStdin.value), fromStdin.source._tag], ["exa_from_stdin_0000", "Stdin"])
      const fromEnv = yield* ApiKey.resolve(Option.none())
      assert.deepStrictEqual([Redacted.value(fromEnv.value), fromEnv.source._tag], ["exa_from_env_000000", "Env"])
      const two = yield* Effect.flip(ApiKey.resolve(Option.some(file("two", "a b"))))
      assert.include(two.message, "holds more than one line or word")
    }).pipe(Effect.provide(host("exa_from_stdin_0000\n", { EXA_API_KEY: "exa_from_env_000000" }))))

  it.effect("no key anywhere: one usage error naming both ways to give it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(ApiKey.resolve(Option.none()))
      assert.include(error.message, "no API key: set EXA_API_KEY or pass --api-key-file PATH")
    }).pipe(Effect.provide(host())))
})

describe("Session: the shared flags, read off the client's settings table", () => {
  it("each flag's description ends with the table's default and variable", () => {
    const { settings } = ClientOptions
    assert.strictEqual(Session.describeSetting(settings.rateLimit), "requests per second, shared by every request of the run, or auto to learn it from the server's answers (default 10, or EXA_RATE_LIMIT)")
    assert.strictEqual(Session.describeSetting(settings.timeout), "how long one request may take (default 30 seconds, or EXA_TIMEOUT)")
    assert.strictEqual(Session.describeSetting(settings.rateLimitStore), `${settings.rateLimitStore.description} (or EXA_RATE_LIMIT_STORE)`)
  })
})
