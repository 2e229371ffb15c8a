import { assert, describe, it } from "@effect/vitest"
import { EventType } from "@exa-webhooks/schema"
import { Effect, Option, Redacted, Schema } from "effect"
import * as ApiKey from "@exa-webhooks/cli-kit/ApiKey"
import * as KitErrorReport from "@exa-webhooks/cli-kit/ErrorReport"
import { CliError } from "effect/cli"
import * as Input from "../src/Input.ts"
import * as Output from "@exa-webhooks/cli-kit/Output"

describe("Input", () => {
  it("splits comma-separated events (the rule of each --event), in order", () => {
    assert.deepStrictEqual(Schema.decodeUnknownSync(EventType.EventList)("webset.created, webset.idle,,"), [
      "webset.created",
      "webset.idle"
    ])
    assert.include(String(Schema.decodeUnknownExit(EventType.EventList)("webset.created,webset.idl")), 'did you mean "webset.idle"')
  })

  it.effect("parses metadata: the value is everything after the first =", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Input.metadata(["team=growth", "query=a=b", "empty="]), {
        team: "growth",
        query: "a=b",
        empty: ""
      })
      const twice = yield* Effect.flip(Input.metadata(["team=a", "team=b"]))
      assert.include(twice.message, "--metadata \"team\" is given more than once")
    }))

  it.effect("names metadata problems by key, as typed", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Input.createParameters({
        url: Option.some("https://example.com/hook"),
        events: ["webset.created"],
        metadata: { "my key": "x".repeat(1001) }
      }))
      assert.include(error.message, "--metadata my key: ")
    }))

  it.effect("reports every broken flag of a create at once", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Input.createParameters({
        url: Option.some("nope"),
        events: ["webset.nope"],
        metadata: undefined
      }))
      assert.include(error.message, "--url: ")
      assert.include(error.message, "--event: ")
    }))
})

describe("Output.wantsJson", () => {
  it("reads --json before parsing, as the parser will", () => {
    assert.isTrue(Output.wantsJson(["list", "--json"]))
    assert.isTrue(Output.wantsJson(["--json=true", "list"]))
    assert.isFalse(Output.wantsJson(["list", "--json", "false"]))
    assert.isFalse(Output.wantsJson(["list", "--json=false"]))
    assert.isFalse(Output.wantsJson(["get", "--", "--json"]))
    for (const off of [["--json", "no"], ["--json", "0"], ["--json=off"], ["--json=n"], ["--json", "--no-json"]]) {
      assert.isFalse(Output.wantsJson(["list", ...off]), off.join(" "))
    }
    assert.isTrue(Output.wantsJson(["list", "--json", "yes"]))
  })
})

describe("ApiKey.mask", () => {
  it("shows at most the last four characters of a long key, nothing of a short one", () => {
    assert.strictEqual(ApiKey.mask(Redacted.make("exa_0123456789abcdef")), "****...cdef")
    assert.strictEqual(ApiKey.mask(Redacted.make("short")), "****")
  })
})

const invalid = (option: string, value: string, expected: string, kind: "flag" | "argument" = "flag") =>
  KitErrorReport.invalidValueLine(new CliError.InvalidValue({ option, value, expected, kind }))

describe("ErrorReport: a value refused by its schema rule", () => {
  it("names the flag, the argument or the variable, in the rule's words, and never echoes the value", () => {
    assert.strictEqual(invalid("limit", "500", "Schema validation failed: limit must be a whole number"), "--limit must be a whole number")
    assert.strictEqual(invalid("base-url", "https://u:pw@h", "Schema validation failed: must not contain a user name or password"), "--base-url: must not contain a user name or password")
    assert.strictEqual(invalid("id", "..", "Schema validation failed: not a webhook id", "argument"), "ID: not a webhook id")
    assert.strictEqual(
      invalid("rate-limit", "config", 'SchemaError(must be a positive number; got "fast"\n  at ["EXA_RATE_LIMIT"])'),
      'EXA_RATE_LIMIT: must be a positive number; got "fast" (read for --rate-limit)'
    )
    assert.notInclude(invalid("base-url", "https://u:pw@h", "Schema validation failed: bad"), "pw")
  })
})
