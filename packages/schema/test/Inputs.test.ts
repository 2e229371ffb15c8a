import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { BaseUrl, IdempotencyKey, Ownership, Page, ReservedMetadata, Validation, Webhook, WebhookId } from "../src/index.ts"

const problemOf = <S extends Schema.Decoder<unknown>>(schema: S, input: unknown): string | undefined => {
  const exit = Schema.decodeUnknownExit(schema)(input)
  return exit._tag === "Success" ? undefined : String(exit.cause)
}

describe("WebhookId", () => {
  it("refuses ids that would address another path, blanks and control characters", () => {
    for (const id of ["", "   ", ".", "..", "wh\n1", "wh\u00001", "a\tb"]) {
      assert.isDefined(WebhookId.problem(id), JSON.stringify(id))
      assert.isDefined(problemOf(WebhookId.WebhookId, id))
    }
    assert.include(WebhookId.problem("..")!, "would address another path")
  })
  it("accepts real ids, dots inside included", () => {
    for (const id of ["webhook_01j", "a.b", "...", "wh-1"]) assert.isUndefined(WebhookId.problem(id), id)
  })
})

describe("IdempotencyKey", () => {
  it("refuses blanks, line breaks, NUL and over-long keys", () => {
    for (const key of ["", " ", "a\nb", "a\u0000", "x".repeat(1001)]) assert.isDefined(IdempotencyKey.problem(key))
    assert.isUndefined(IdempotencyKey.problem("ci-job-42"))
    assert.isDefined(problemOf(IdempotencyKey.IdempotencyKey, "a\rb"))
  })
})

describe("BaseUrl", () => {
  it("refuses queries, fragments, credentials, blocked ports and non-http schemes", () => {
    const cases: ReadonlyArray<[string, string]> = [
      ["http://127.0.0.1:8080?x=1", "query or fragment"],
      ["http://127.0.0.1:8080/#top", "query or fragment"],
      ["https://user:hunter2@api.exa.ai", "user name or password"],
      ["http://127.0.0.1:1", "port 1 "],
      ["http://127.0.0.1:6000", "port 6000"],
      ["ftp://api.exa.ai", "absolute http(s) URL"],
      ["https:/api.exa.ai", "absolute http(s) URL"],
      ["https://api.exa.ai/ x", "spaces"]
    ]
    for (const [value, expected] of cases) {
      const problem = BaseUrl.problem(value)
      assert.include(problem ?? "", expected, value)
      assert.notInclude(problem ?? "", "hunter2")
    }
    assert.notInclude(BaseUrl.problem("http://user:pa/ss@host:x") ?? "", "pa/ss", "a password in text that does not parse")
  })
  it("accepts origins and path prefixes", () => {
    for (const value of ["https://api.exa.ai", "http://127.0.0.1:8501", "https://proxy.example.com/exa/"]) {
      assert.isUndefined(BaseUrl.problem(value), value)
    }
  })
})

const decode = (url: string) => problemOf(Webhook.WebhookUrl, url)

describe("WebhookUrl follows format: uri with a length limit", () => {
  it("refuses spaces, line breaks, tabs, NUL, non-ASCII and over-long URLs", () => {
    for (const url of ["https://e.com/a b", "https://e.com/a\nb", "https://e.com/\t", "https://e.com/\u0000", "https://e.com/é"]) {
      assert.isDefined(decode(url), JSON.stringify(url))
    }
    const long = `https://e.com/${"x".repeat(70_000)}`
    const problem = decode(long)!
    assert.include(problem, `at most ${Webhook.MAX_URL_LENGTH} characters`)
    assert.isBelow(problem.length, 400, "the message does not echo 70 KB")
  })
  it("accepts percent-encoded URLs", () => {
    assert.isUndefined(decode("https://e.com/a%20b?q=1&r=%C3%A9#frag"))
  })
  it("needs a host as written: https:///a (which URL parsers turn into https://a/) and its family are refused", () => {
    for (const url of ["https:///a", "http:///", "https:////a/b", "https:///:443/a", "https://@/a", "https://u:p@/a", "https://:443/a"]) {
      const problem = decode(url)
      assert.isDefined(problem, url)
      assert.notInclude(problem!, ":p@", "never the password")
    }
    assert.include(decode("https:///a")!, "a webhook URL needs a host, such as \"https://example.com/hooks/exa\"; got \"https:///a\"")
    for (const url of ["https://a", "http://127.0.0.1:8080/x", "https://[::1]:8443/x", "https://u:p@e.com/a", "https://e.com:443"]) {
      assert.isUndefined(decode(url), url)
    }
    // The rule is the create and update bodies' too, so every caller (CLI, client, batch) refuses it.
    assert.include(problemOf(Webhook.CreateWebhookParameters, { url: "https:///a", events: ["webset.created"] }) ?? "", "needs a host")
    assert.include(problemOf(Webhook.UpdateWebhookParameters, { url: "https:///a" }) ?? "", "needs a host")
  })
  it("never quotes the password of a URL it refuses", () => {
    for (const url of ["https://u:hunter2@e.com/a b", "https://u:hunter2@e.com/é", "ftp://u:hunter2@e.com", "https://u:hunter2@e.com/\u202e"]) {
      const problem = decode(url)!
      assert.isDefined(problem, url)
      assert.notInclude(problem, "hunter2", url)
      assert.include(problem, "u:****@e.com", url)
    }
  })
})

describe("request metadata", () => {
  it("refuses __proto__ rather than dropping it", () => {
    const metadata = JSON.parse("{\"__proto__\":\"x\",\"team\":\"a\"}")
    assert.include(problemOf(Webhook.CreateWebhookParameters, { url: "https://e.com/h", events: ["webset.created"], metadata }) ?? "", "__proto__")
  })
  it("an update must change something", () => {
    assert.include(problemOf(Webhook.UpdateWebhookChanges, {}) ?? "", "nothing to change")
    assert.isUndefined(problemOf(Webhook.UpdateWebhookChanges, { metadata: {} }))
  })
  it("names the reserved key a person tried to set", () => {
    assert.include(ReservedMetadata.problem({ team: "a", "exa-webhooks.idempotency-key": "k" }) ?? "", "exa-webhooks.idempotency-key")
    assert.isUndefined(ReservedMetadata.problem({ team: "a" }))
  })
})

describe("Validation.quote", () => {
  it("bounds what a message echoes", () => {
    assert.strictEqual(Validation.quote("ab"), "\"ab\"")
    assert.include(Validation.quote("x".repeat(1000)), "(1000 characters)")
    assert.isBelow(Validation.quote("x".repeat(1000)).length, 120)
  })

  it("is how every rule echoes what a person gave, with its one limit", () => {
    const long = "x".repeat(1000)
    const quoted = Validation.quote(long)
    assert.strictEqual(quoted, `"${"x".repeat(Validation.QUOTE_LIMIT)}…" (1000 characters)`)
    for (
      const message of [
        ReservedMetadata.problem({ [`exa-webhooks.${long}`]: "v" }),
        Page.limitProblem(long),
        problemOf(Ownership.Namespace, `${long}!`.slice(-900)),
        problemOf(Webhook.WebhookUrl, `https://example.com/${long}`.replace("https", "ftp")),
        problemOf(Webhook.Timestamp, long),
        problemOf(IdempotencyKey.IdempotencyKey, `\n${long}`.slice(0, 900))
      ]
    ) {
      assert.isDefined(message)
      assert.match(message!, /"[^"]{1,81}…" \(\d+ characters\)/, message)
    }
  })
})
