import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import {
  ApiError,
  BaseUrl,
  Page,
  Webhook,
  WebhookAttempt
} from "../src/index.ts"

const failure = <S extends Schema.Decoder<unknown>>(schema: S, input: unknown): string | undefined => {
  const exit = Schema.decodeUnknownExit(schema)(input)
  return exit._tag === "Success" ? undefined : String(exit.cause)
}

describe("Page: one envelope and one paging rule for every list", () => {
  it("the list responses are the generic envelope of their item", () => {
    const page = { data: [], hasMore: true, nextCursor: "c1" }
    for (const schema of [Webhook.ListWebhooksResponse, WebhookAttempt.ListWebhookAttemptsResponse, Page.Page(Schema.String)]) {
      assert.deepStrictEqual(Schema.decodeUnknownSync(schema)(page), page)
      assert.isDefined(failure(schema, { data: [], hasMore: true }), "nextCursor is required (null on the last page)")
    }
    assert.deepStrictEqual(Object.keys(Webhook.ListWebhooksResponse.fields), ["data", "hasMore", "nextCursor"])
  })

  it("limit is a whole number from 1 to 200, as text; both list queries use it", () => {
    assert.strictEqual(Schema.decodeUnknownSync(Page.PageLimit)("200"), 200)
    for (const bad of ["0", "201", "ten", "2.5", "-1", ""]) {
      assert.include(Page.limitProblem(bad) ?? "", "1 to 200", bad)
      assert.isDefined(failure(Webhook.ListWebhooksQuery, { limit: bad }), bad)
      assert.isDefined(failure(WebhookAttempt.ListWebhookAttemptsQuery, { limit: bad }), bad)
    }
  })

  it("a cursor is not empty or blank", () => {
    for (const bad of ["", "  "]) assert.include(failure(Page.Cursor, bad) ?? "", "nextCursor")
    assert.isUndefined(failure(Page.Cursor, "c1"))
  })
})

describe("Problem: one shape for local and server-side validation", () => {
  it("the 400 detail carries Validation.Problem", () => {
    const detail = { problems: [{ path: "events[0]", message: "unknown event type" }] }
    assert.deepStrictEqual(Schema.decodeUnknownSync(ApiError.ValidationDetail)(detail), detail)
    assert.notProperty(ApiError, "Problem")
  })
})

describe("BaseUrl: scheme:// and no credentials", () => {
  it("refuses a single slash after the scheme and a user or password, in the schema as in problem()", () => {
    for (const value of ["https:/api.exa.ai", "https://user:pw@api.exa.ai", "https://user@api.exa.ai"]) {
      assert.isDefined(BaseUrl.problem(value), value)
      assert.isDefined(failure(BaseUrl.BaseUrl, value), value)
      assert.notInclude(failure(BaseUrl.BaseUrl, value) ?? "", ":pw@", "the password is never quoted")
    }
  })
})
