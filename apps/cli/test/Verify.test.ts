import { assert, describe, it } from "@effect/vitest"
import { Signature } from "@exa-webhooks/receiver"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CLI, json, run } from "./fixtures/cli.ts"
import { eventBody, secretFile } from "./fixtures/listener.ts"

const SECRET = "whsec_cli_verify_7d41c08e2b"
const vectors: ReadonlyArray<{ secret: string; timestamp: number; body: string; header: string; name: string }> = JSON.parse(
  readFileSync(new URL("../../../packages/receiver/test/fixtures/vectors.json", import.meta.url), "utf8")
).vectors

const body = eventBody("event_cli_1", "webset.item.enriched", "witem_1")

const bodyFile = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), "exa-webhooks-verify-")), "body.json")
  writeFileSync(path, text)
  return path
}

const now = () => Math.floor(Date.now() / 1000)

// Each test spawns the CLI several times; on a loaded machine one start can take seconds.
const TIMEOUT = 120_000

describe("exa-webhooks verify", () => {
  it.live("a genuine delivery: exit 0 and the event, from a file or stdin, as text or JSON", () =>
    Effect.gen(function*() {
      const secrets = secretFile(SECRET)
      const signature = yield* Signature.sign(SECRET, now(), body)
      const fromFile = yield* run(["verify", "--secret-file", secrets, "--signature", signature, bodyFile(body)])
      assert.strictEqual(fromFile.code, 0, fromFile.stderr)
      assert.strictEqual(fromFile.stdout, "Valid: webset.item.enriched event_cli_1, created 2026-01-01T00:00:00.000Z.\n")
      assert.strictEqual(fromFile.stderr, "")

      const fromStdin = yield* run(["verify", "--json", "--secret-file", secrets, "--signature", `Exa-Signature: ${signature}`, "-"], {
        stdin: body
      })
      assert.strictEqual(fromStdin.code, 0, fromStdin.stderr)
      const document = json(fromStdin)
      assert.isTrue(document.valid)
      assert.strictEqual(document.event.id, "event_cli_1")

      const implicitStdin = yield* run(["verify", "--secret-file", secrets, "--signature", signature], { stdin: body })
      assert.strictEqual(implicitStdin.code, 0, implicitStdin.stderr)
      for (const result of [fromFile, fromStdin, implicitStdin]) assert.notInclude(result.stdout + result.stderr, SECRET)
    }), TIMEOUT)

  it.live("the OpenSSL test vectors verify through the CLI (with a tolerance wide enough for their dates)", () =>
    Effect.gen(function*() {
      for (const vector of vectors) {
        const result = yield* run([
          "verify", "--secret-file", secretFile(vector.secret), "--signature", vector.header, "--tolerance", "999999999",
          bodyFile(vector.body)
        ])
        assert.strictEqual(result.code, 0, `${vector.name}: ${result.stderr}`)
        assert.include(result.stdout, JSON.parse(vector.body).id)
      }
    }), TIMEOUT)

  it.live("several secrets in the file (rotation): any of them verifies", () =>
    Effect.gen(function*() {
      const signature = yield* Signature.sign(SECRET, now(), body)
      const result = yield* run(
        ["verify", "--secret-file", secretFile("  old-secret-1  ", "", SECRET), "--signature", signature, bodyFile(body)]
      )
      assert.strictEqual(result.code, 0, result.stderr)
    }), TIMEOUT)

  it.live("not genuine: exit 1 and the reason, one line (JSON with --json)", () =>
    Effect.gen(function*() {
      const secrets = secretFile(SECRET)
      const signature = yield* Signature.sign(SECRET, now(), body)
      const tampered = yield* run(["verify", "--secret-file", secrets, "--signature", signature, bodyFile(body.replace("witem_1", "witem_2"))])
      assert.strictEqual(tampered.code, 1)
      assert.strictEqual(tampered.stdout, "")
      assert.match(tampered.stderr, /^exa-webhooks: not a genuine delivery: no v1 signature matches the body under the secret/)
      assert.strictEqual(tampered.stderr.trim().split("\n").length, 1)

      const stale = yield* run([
        "verify", "--json", "--secret-file", secrets, "--signature", yield* Signature.sign(SECRET, now() - 301, body), bodyFile(body)
      ])
      assert.strictEqual(stale.code, 1)
      const error = JSON.parse(stale.stderr).error
      assert.strictEqual(error.type, "TimestampOutOfTolerance")
      assert.strictEqual(error.exitCode, 1)
      const tolerated = yield* run([
        "verify", "--secret-file", secrets, "--tolerance", "400", "--signature", yield* Signature.sign(SECRET, now() - 301, body),
        bodyFile(body)
      ])
      assert.strictEqual(tolerated.code, 0, tolerated.stderr)

      const malformed = yield* run(["verify", "--json", "--secret-file", secrets, "--signature", "t=123,v1=ABC", bodyFile(body)])
      assert.strictEqual(malformed.code, 1)
      assert.strictEqual(JSON.parse(malformed.stderr).error.reason, "v1-wrong-length")

      const notEvent = JSON.stringify({ hello: "world" })
      const wrongShape = yield* run([
        "verify", "--json", "--secret-file", secrets, "--signature", yield* Signature.sign(SECRET, now(), notEvent), bodyFile(notEvent)
      ])
      assert.strictEqual(wrongShape.code, 1)
      assert.strictEqual(JSON.parse(wrongShape.stderr).error.type, "InvalidEventBody")
      for (const result of [tampered, stale, malformed, wrongShape]) assert.notInclude(result.stdout + result.stderr, SECRET)
    }), TIMEOUT)

  it.live("usage problems: exit 2, nothing checked", () =>
    Effect.gen(function*() {
      const secrets = secretFile(SECRET)
      const signature = yield* Signature.sign(SECRET, now(), body)
      const cases: ReadonlyArray<[ReadonlyArray<string>, RegExp]> = [
        [["verify", "--secret-file", secrets, bodyFile(body)], /--signature/],
        [["verify", "--signature", signature, bodyFile(body)], /--secret-file/],
        [["verify", "--secret-file", "/nonexistent/secret", "--signature", signature, bodyFile(body)], /cannot read \/nonexistent\/secret \(no such file\)/],
        [["verify", "--secret-file", secretFile("", "  "), "--signature", signature, bodyFile(body)], /holds no secret/],
        [["verify", "--secret-file", secrets, "--signature", signature, "/nonexistent/body.json"], /cannot read the body from \/nonexistent\/body\.json/],
        [["verify", "--secret-file", secrets, "--tolerance", "-5", "--signature", signature, bodyFile(body)], /--tolerance must be a whole number/]
      ]
      for (const [args, message] of cases) {
        const result = yield* run(args, { stdin: body })
        assert.strictEqual(result.code, 2, `${args.join(" ")}: ${result.stderr}`)
        assert.match(result.stderr, message)
        assert.strictEqual(result.stdout, "")
      }
    }), TIMEOUT)

  it.live("a secret file other users can read gets a warning (still verified)", () =>
    Effect.gen(function*() {
      const secrets = secretFile(SECRET)
      yield* Effect.sync(() => chmodSync(secrets, 0o644))
      const signature = yield* Signature.sign(SECRET, now(), body)
      const result = yield* run(["verify", "--secret-file", secrets, "--signature", signature, bodyFile(body)])
      assert.strictEqual(result.code, 0)
      assert.include(result.stderr, "can be read by other users")
      assert.notInclude(result.stderr, SECRET)
    }), TIMEOUT)

  it.live("a body larger than 10 MiB is refused (exit 2) at the limit, on stdin and from a file, without reading the rest", () =>
    Effect.gen(function*() {
      const secrets = secretFile(SECRET)
      const signature = yield* Signature.sign(SECRET, now(), body)
      // 300 MB on stdin, written as fast as verify reads it: it must stop reading at the limit.
      const total = 300 * 1024 * 1024
      const piped = yield* Effect.callback<{ code: number | null; stderr: string; written: number }>((resume) => {
        const child = spawn(process.execPath, [CLI, "verify", "--secret-file", secrets, "--signature", signature], {
          env: {},
          stdio: ["pipe", "ignore", "pipe"]
        })
        let stderr = ""
        let written = 0
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
        const chunk = Buffer.alloc(1024 * 1024, 0x20)
        child.stdin.on("error", () => {})
        const pump = () => {
          while (written < total) {
            written += chunk.length
            if (!child.stdin.write(chunk)) return void child.stdin.once("drain", pump)
          }
          child.stdin.end()
        }
        pump()
        child.on("close", (code) => resume(Effect.succeed({ code, stderr, written })))
      })
      assert.strictEqual(piped.code, 2, piped.stderr)
      assert.include(piped.stderr, `the body on stdin is larger than ${10 * 1024 * 1024} bytes (10 MiB)`)
      assert.include(piped.stderr, "nothing was checked")
      assert.isBelow(piped.written, 64 * 1024 * 1024, "reading stopped near the limit (it used to read all 300 MB)")

      // A 300 MB file (sparse: nothing is written to disk).
      const big = join(mkdtempSync(join(tmpdir(), "exa-webhooks-verify-")), "big.json")
      writeFileSync(big, "")
      truncateSync(big, total)
      const fromFile = yield* run(["verify", "--secret-file", secrets, "--signature", signature, big])
      assert.strictEqual(fromFile.code, 2, fromFile.stderr)
      assert.include(fromFile.stderr, `the body in ${big} is larger than`)

      // Exactly at the limit is still read (and judged on its signature).
      const atLimit = bodyFile(body.padEnd(10 * 1024 * 1024, " "))
      const judged = yield* run(["verify", "--secret-file", secrets, "--signature", signature, atLimit])
      assert.strictEqual(judged.code, 1, judged.stderr)
      assert.include(judged.stderr, "signature")
    }), TIMEOUT)
})
