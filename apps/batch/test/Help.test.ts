import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import packageJson from "../package.json" with { type: "json" }
import { envFor, json, lines, manifestOf, mockLayer, run, writeManifest } from "./fixtures/batch.ts"

describe("the command line, before any command runs", () => {
  it.effect("an unknown command is exit 2 with --help too, as in exa-webhooks", () =>
    Effect.gen(function*() {
      for (const args of [["UNKNOWN", "--help"], ["--rate-limit-store", "redis://127.0.0.1:6379/0", "UNKNOWN", "-h"]]) {
        const result = yield* run(args)
        assert.strictEqual(result.code, 2, args.join(" "))
        assert.strictEqual(result.stdout, "")
        assert.strictEqual(lines(result.stderr).length, 1)
        assert.match(result.stderr, /^exa-webhooks-batch: unknown command "UNKNOWN"; the commands are validate, plan, apply, import, secret/)
      }
      const known = yield* run(["--rate-limit-store", "redis://127.0.0.1:6379/0", "plan", "--help"])
      assert.strictEqual(known.code, 0, known.stderr)
      assert.include(known.stdout, "exa-webhooks-batch plan [flags] <manifest>")
    }))

  it.effect("--version --json is one JSON document", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(json(yield* run(["--version", "--json"])), { name: "exa-webhooks-batch", version: packageJson.version })
    }))
})

describe("help pages show what applies", () => {
  it.effect("validate and secret read only local files: no API flags or variables", () =>
    Effect.gen(function*() {
      for (const command of ["validate", "secret"]) {
        const page = (yield* run([command, "--help"])).stdout
        for (const apiOnly of ["EXA_API_KEY", "EXA_BASE_URL", "--base-url", "--rate-limit"]) assert.notInclude(page, apiOnly, command)
        assert.match(page, /SHARED FLAGS\n {2}--help, --log-level, --json, --color: see 'exa-webhooks-batch --help'/)
      }
      const plan = (yield* run(["plan", "--help"])).stdout
      assert.match(plan, /^ {2}3 +--detailed-exit-code: changes are pending/m)
      assert.include(plan, "EXA_API_KEY")
      assert.match((yield* run(["validate", "--help"])).stdout, /^ {2}2 +the manifest has problems/m)
      assert.notMatch((yield* run(["validate", "--help"])).stdout, /^ {2}3 /m)
      assert.match((yield* run(["apply", "--help"])).stdout, /^ {2}130 +interrupted \(Ctrl-C\); the secrets of the webhooks created so far are in the journal/m)
    }))
})

describe("errors name the settings the bin's way, as exa-webhooks does", () => {
  it.live("a timeout names --timeout and EXA_TIMEOUT", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const manifest = writeManifest(manifestOf("timeout", 1))
      const result = yield* run(["plan", manifest, "--timeout", "50 millis"], { env: envFor(mock, { EXA_MAX_RETRIES: "0" }) })
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, "(--timeout or EXA_TIMEOUT).")
    }).pipe(Effect.provide(mockLayer({ latencyMillis: 500 }))))
})
