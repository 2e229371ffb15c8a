import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Signature } from "@exa-webhooks/receiver"
import { Effect } from "effect"
import { existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { API_KEY, envFor, HOOK_URL, json, lines, mockLayer, run, stats } from "./fixtures/cli.ts"
import { eventBody, secretFile } from "./fixtures/listener.ts"

const OLD = "whsec_cli_rotation_old_5c2e"
const NEW = "whsec_cli_rotation_new_9a13"

const body = eventBody("event_cli_env", "webset.created", "webset_1")

const dir = mkdtempSync(join(tmpdir(), "exa-webhooks-secrets-"))
const bodyFile = join(dir, "body.json")
writeFileSync(bodyFile, body)

const now = () => Math.floor(Date.now() / 1000)

describe("secrets in: verify and listen read EXA_WEBHOOK_SECRET when no file is given", () => {
  it.live("one secret, or several separated by whitespace (rotation), as the receiver library reads it", () =>
    Effect.gen(function*() {
      for (const secret of [OLD, NEW]) {
        const signature = yield* Signature.sign(secret, now(), body)
        for (const value of [NEW, `${OLD} ${NEW}`, `\n${NEW}\n${OLD}\n`, `${OLD}\t${NEW}`]) {
          const result = yield* run(["verify", "--signature", signature, bodyFile], { env: { EXA_WEBHOOK_SECRET: value } })
          const genuine = value.includes(secret)
          assert.strictEqual(result.code, genuine ? 0 : 1, `${JSON.stringify(value)}: ${result.stderr}`)
          assert.notInclude(result.stdout + result.stderr, secret)
        }
      }
    }))

  it.live("a file wins over the variable; - reads the secret from standard input", () =>
    Effect.gen(function*() {
      const signature = yield* Signature.sign(NEW, now(), body)
      const fromFile = yield* run(["verify", "--secret-file", secretFile(NEW), "--signature", signature, bodyFile], {
        env: { EXA_WEBHOOK_SECRET: OLD }
      })
      assert.strictEqual(fromFile.code, 0, fromFile.stderr)
      const fromStdin = yield* run(["verify", "--secret-file", "-", "--signature", signature, bodyFile], { stdin: `${OLD}\n${NEW}\n` })
      assert.strictEqual(fromStdin.code, 0, fromStdin.stderr)
      assert.isFalse(existsSync(join(process.cwd(), "-")), "never a file named -")
      // Both from standard input cannot be: refused before anything is read.
      const both = yield* run(["verify", "--secret-file", "-", "--signature", signature, "-"], { stdin: NEW })
      assert.strictEqual(both.code, 2)
      assert.include(both.stderr, "--secret-file - and the body both read standard input")
    }))

  it.live("no secret anywhere: exit 2 naming both ways to give one, for verify and listen", () =>
    Effect.gen(function*() {
      for (const args of [["verify", "--signature", "t=1,v1=00", bodyFile], ["listen", "--port", "0"]]) {
        for (const env of [{}, { EXA_WEBHOOK_SECRET: "  \n " }]) {
          const result = yield* run(args, { env })
          assert.strictEqual(result.code, 2, result.stderr)
          assert.strictEqual(result.stdout, "")
          assert.strictEqual(
            result.stderr,
            "exa-webhooks: no signing secret: pass --secret-file PATH (the file 'exa-webhooks create --secret-file' wrote, " +
              "or - for standard input) or set EXA_WEBHOOK_SECRET\n"
          )
        }
      }
    }))
})

describe("- where a path is taken", () => {
  it.live("--api-key-file - reads the key from standard input", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      delete (env as Record<string, string>)["EXA_API_KEY"]
      const listed = yield* run(["list", "--api-key-file", "-", "--json"], { env, stdin: `${API_KEY}\n` })
      assert.strictEqual(listed.code, 0, listed.stderr)
      assert.deepStrictEqual(json(listed).data, [])
      assert.notInclude(listed.stderr, "chmod", "standard input is no file to restrict")
      const empty = yield* run(["list", "--api-key-file", "-"], { env, stdin: "" })
      assert.strictEqual(empty.code, 2)
      assert.include(empty.stderr, "--api-key-file: standard input is empty")
    }).pipe(Effect.provide(mockLayer())))

  it.live("create --secret-file - is refused (without the flag the secret is printed on stdout): exit 2, nothing sent", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const result = yield* run(["create", "--url", HOOK_URL, "--event", "webset.created", "--secret-file", "-"], { env: envFor(mock) })
      assert.strictEqual(result.code, 2)
      assert.strictEqual(lines(result.stderr).length, 1)
      assert.match(result.stderr, /^exa-webhooks: --secret-file -: .* it cannot be standard input or output; pass a file path\n$/)
      assert.strictEqual((yield* stats).requests, 0)
      assert.isFalse(existsSync(join(process.cwd(), "-")))
    }).pipe(Effect.provide(mockLayer())))
})
