import { assert, describe, it } from "@effect/vitest"
import { ClientOptions, WebhooksError } from "@exa-webhooks/client"
import { Duration, Redacted } from "effect"
import { CliError } from "effect/cli"
import * as ApiKey from "../src/ApiKey.ts"
import * as ErrorReport from "../src/ErrorReport.ts"

const invalid = (option: string, value: string, expected: string, kind: "flag" | "argument" = "flag") =>
  ErrorReport.invalidValueLine(new CliError.InvalidValue({ option, value, expected, kind }))

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

describe("ApiKey.mask", () => {
  it("shows at most the last four characters of a long key, nothing of a short one", () => {
    assert.strictEqual(ApiKey.mask(Redacted.make("exa_0123456789abcdef")), "****...cdef")
    assert.strictEqual(ApiKey.mask(Redacted.make("short")), "****")
  })
})

describe("the names of a setting in an error's advice", () => {
  it("are read off the client's settings table: the flag and the variable, the key's file flag after its variable", () => {
    assert.strictEqual(ErrorReport.settingName({ option: "rateLimit", env: "EXA_RATE_LIMIT" }), "--rate-limit or EXA_RATE_LIMIT")
    assert.strictEqual(ErrorReport.settingName({ option: "timeout" }), "--timeout or EXA_TIMEOUT")
    assert.strictEqual(ErrorReport.settingName({ option: "apiKey" }), "EXA_API_KEY or --api-key-file")
    assert.strictEqual(ErrorReport.settingName({ option: "retry.maxRetries" }), "EXA_MAX_RETRIES")
    for (const setting of Object.values(ClientOptions.settings)) {
      assert.include(ErrorReport.settingName({ option: setting.option }), setting.env)
    }
  })

  it("render a client error's advice: 429 and timeout name the bin's flag and variable", () => {
    const limited = new WebhooksError.RateLimitError({
      method: "GET",
      path: "/websets/v0/webhooks",
      status: 429,
      advice: "Lower the client's rate limit or retry later.",
      setting: { option: "rateLimit", env: "EXA_RATE_LIMIT" },
      retryAfter: Duration.seconds(2)
    })
    assert.match(ErrorReport.describe(limited), /^RateLimitError: GET \/websets\/v0\/webhooks: Exa answered 429 .* \(--rate-limit or EXA_RATE_LIMIT\)\.$/)
    const report = ErrorReport.ofClientError(limited)
    assert.deepStrictEqual([report.exitCode, report.details?.["retryAfterMillis"], report.details?.["retryable"]], [1, 2000, true])
  })

  it("a 404 on a webhook says so once, with the bin's own command when it has one", () => {
    const missing = new WebhooksError.NotFoundError({
      method: "DELETE",
      path: "/websets/v0/webhooks/wh_1",
      status: 404,
      serverMessage: "No webhook has the id wh_1; list webhooks with GET /websets/v0/webhooks to find its id",
      advice: "List webhooks to see their ids."
    })
    const line = ErrorReport.describe(missing, { program: "tool", commands: ["list", "get"] })
    assert.strictEqual(
      line,
      "NotFoundError: DELETE /websets/v0/webhooks/wh_1: Exa answered 404 Not Found. No webhook with this id exists for this key. " +
        "Run 'tool list' to see the ids."
    )
    assert.include(ErrorReport.describe(missing, { program: "tool", commands: ["plan"] }), "List webhooks to see their ids.")
    assert.strictEqual(ErrorReport.ofClientError(missing, { program: "tool", commands: ["list"] }).details?.["advice"], "Run 'tool list' to see the ids.")
  })

  it("what was refused before anything was sent is a usage error (exit 2)", () => {
    const input = new WebhooksError.InvalidInputError({
      method: "POST",
      path: "/websets/v0/webhooks",
      problems: [{ path: "url", message: "expected an absolute http(s) URL" }]
    })
    assert.deepStrictEqual([ErrorReport.ofClientError(input).exitCode, ErrorReport.ofClientError(input).message], [
      2,
      "invalid input, nothing was sent: url: expected an absolute http(s) URL"
    ])
    const options = new WebhooksError.InvalidOptionsError({ option: "rateLimit", value: "0", rule: "must be positive" })
    assert.deepStrictEqual([ErrorReport.ofClientError(options).type, ErrorReport.ofClientError(options).exitCode], ["UsageError", 2])
  })
})
