import { assert, describe, it } from "@effect/vitest"
import { Duration, Schema } from "effect"
import { Headers, HttpClient } from "effect/http"
import type { HttpClientResponse } from "effect/http"
import { WebhooksError } from "../src/index.ts"
import * as Errors from "../src/internal/errors.ts"
import { redactor } from "../src/internal/redact.ts"

const context: Errors.Context = { baseUrl: "https://api.exa.ai", origin: "https://api.exa.ai", redact: redactor("k"), env: {} }

const operation = { method: "POST", path: "/websets/v0/webhooks" }
const response = (status: number, body = "") => ({
  status,
  headers: Headers.fromInput({ "x-request-id": "req_h" }),
  body,
  retryAfter: undefined
})

const at = (value: string, now: number) => {
  const delay = Errors.retryAfterOf(Headers.fromInput({ "retry-after": value }), now)
  return delay === undefined ? undefined : Duration.toMillis(delay)
}

describe("error mapping", () => {
  it("Retry-After in seconds or as an HTTP date, measured from now", () => {
    assert.strictEqual(at("3", 0), 3_000)
    assert.strictEqual(at("Thu, 01 Jan 1970 00:00:05 GMT", 1_000), 4_000)
    assert.strictEqual(at("Thu, 01 Jan 1970 00:00:05 GMT", 9_000), 0, "a date in the past means now")
    assert.isUndefined(at("soon", 0))
    assert.isUndefined(Errors.retryAfterOf(Headers.empty, 0))
  })

  it("only a 5xx or a lost connection leaves a create's outcome unknown", () => {
    assert.isTrue(Errors.fromResponse(operation, response(500), context).mayHaveBeenApplied)
    assert.isTrue(Errors.fromResponse(operation, response(503), context).mayHaveBeenApplied)
    assert.isFalse(Errors.fromResponse(operation, response(429), context).mayHaveBeenApplied)
    assert.isFalse(Errors.fromResponse(operation, response(408), context).mayHaveBeenApplied)
    assert.isTrue(Errors.timeout(operation, Duration.millis(1_000), context).mayHaveBeenApplied)
    const dropped = Errors.transport(operation, new TypeError("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) }), context)
    assert.isTrue(dropped.mayHaveBeenApplied)
    const refused = Errors.transport(operation, new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }), context)
    assert.isFalse(refused.mayHaveBeenApplied, "a connection never made sent nothing")
  })

  it("an unknown outcome of a create: the message says what went wrong, the advice how to recover", () => {
    const create = { ...operation, idempotencyKey: "k-7" }
    const dropped = new TypeError("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) })
    const errors = [
      Errors.withAttempts(Errors.fromResponse(create, response(502, "upstream\nfailed"), context), 3),
      Errors.withAttempts(Errors.timeout(create, Duration.millis(1_000), context), 1),
      Errors.withAttempts(Errors.transport(create, dropped, context), 2)
    ]
    for (const error of errors) {
      const uncertain = error as WebhooksError.ServerError | WebhooksError.TransportError
      assert.strictEqual(uncertain.idempotencyKey, "k-7")
      assert.strictEqual(uncertain.advice, Errors.recoveryAdvice("k-7"))
      assert.notInclude(error.message, "k-7", "the message says what happened; the key and the advice are fields")
      assert.notInclude(error.message, "lookupFirst")
    }
    // Without a key (any other request), the advice is the failure's own.
    const plain = Errors.withAttempts(Errors.fromResponse(operation, response(502), context), 1) as WebhooksError.ServerError
    assert.strictEqual(plain.advice, "Retry later.")
    assert.notInclude(plain.message, "\n")
  })

  it("errors classify themselves: retryable statuses are exactly HttpClient.isTransientResponse's", () => {
    const statuses = [400, 401, 403, 404, 408, 409, 422, 429, 500, 501, 502, 503, 504, 505]
    const retryable = statuses.filter((status) => Errors.withAttempts(Errors.fromResponse(operation, response(status), context), 1).isRetryable)
    assert.deepStrictEqual(retryable, [408, 429, 500, 502, 503, 504])
    assert.deepStrictEqual(
      retryable,
      statuses.filter((status) => HttpClient.isTransientResponse({ status } as HttpClientResponse.HttpClientResponse))
    )
    assert.isTrue(Errors.withAttempts(Errors.timeout(operation, Duration.millis(1_000), context), 1).isRetryable)
    assert.isFalse(Errors.invalidInput(operation, [{ path: "url", message: "bad" }]).isRetryable)
  })

  it("retryAfter is a Duration on the error, when the server said", () => {
    const limited = Errors.withAttempts(Errors.fromResponse(operation, { ...response(429), retryAfter: Duration.seconds(2) }, context), 1)
    assert.instanceOf(limited, WebhooksError.RateLimitError)
    assert.deepStrictEqual(WebhooksError.retryAfterOf(limited), Duration.seconds(2))
    assert.isUndefined(WebhooksError.retryAfterOf(Errors.withAttempts(Errors.fromResponse(operation, response(503), context), 1)))
  })

  it("the advice names an environment variable only when the client read the setting from it", () => {
    const fromEnv: Errors.Context = { ...context, env: { apiKey: "EXA_API_KEY", rateLimit: "EXA_RATE_LIMIT" } }
    const viaEnv = Errors.withAttempts(Errors.fromResponse(operation, response(401), fromEnv), 1) as WebhooksError.AuthenticationError
    assert.deepStrictEqual(viaEnv.setting, { option: "apiKey", env: "EXA_API_KEY" })
    assert.include(WebhooksError.format(viaEnv), "Check the API key: it is missing, mistyped or revoked (EXA_API_KEY).")
    const explicit = Errors.withAttempts(Errors.fromResponse(operation, response(401), context), 1) as WebhooksError.AuthenticationError
    assert.deepStrictEqual(explicit.setting, { option: "apiKey" })
    assert.notInclude(WebhooksError.format(explicit), "EXA_")
    assert.include(WebhooksError.format(explicit, { name: () => "--api-key-file" }), "(--api-key-file).")
    for (const error of [viaEnv, explicit]) assert.notInclude(error.message, "Check the API key", "advice is not in the message")
  })

  it("the union is a schema and the guard knows every error, and nothing else", () => {
    const errors = [
      Errors.withAttempts(Errors.fromResponse(operation, response(404), context), 1),
      Errors.withAttempts(Errors.timeout(operation, Duration.millis(5), context), 2),
      Errors.invalidInput(operation, []),
      Errors.store(operation, { message: "connection lost" }, context),
      new WebhooksError.InvalidOptionsError({ option: "rateLimit", value: "0", rule: "m" })
    ]
    for (const error of errors) {
      assert.isTrue(WebhooksError.isWebhooksError(error), error._tag)
      assert.isTrue(Schema.is(WebhooksError.WebhooksError)(error), error._tag)
    }
    assert.isFalse(WebhooksError.isWebhooksError({ _tag: "NotFoundError", message: "lookalike" }))
    assert.isFalse(WebhooksError.isWebhooksError(new Error("x")))
    // Encoded and decoded again (as across a worker boundary), an error keeps its class and fields.
    const codec = Schema.toCodecJson(WebhooksError.WebhooksError)
    const limited = Errors.withAttempts(Errors.fromResponse(operation, { ...response(429), retryAfter: Duration.seconds(3) }, context), 2)
    const back = Schema.decodeUnknownSync(codec)(JSON.parse(JSON.stringify(Schema.encodeSync(codec)(limited))))
    assert.instanceOf(back, WebhooksError.RateLimitError)
    assert.isTrue(WebhooksError.isWebhooksError(back))
    assert.deepStrictEqual(WebhooksError.retryAfterOf(back), Duration.seconds(3))
  })

  it("reads either Exa error body, falling back to X-Request-Id and the raw body", () => {
    const nested = Errors.withAttempts(Errors.fromResponse(operation, response(422, JSON.stringify({
      error: { type: "invalid_request_error", code: "bad_url", message: "URL unreachable.", detail: { url: "x" }, requestId: "req_b" }
    })), context), 1)
    assert.instanceOf(nested, WebhooksError.ApiError)
    const api = nested as WebhooksError.ApiError
    assert.deepStrictEqual({ requestId: api.requestId, code: api.code, detail: api.detail }, {
      requestId: "req_b",
      code: "bad_url",
      detail: { url: "x" }
    })
    assert.include(nested.message, "Exa answered 422 Unprocessable Entity: URL unreachable")
    const plain = Errors.withAttempts(Errors.fromResponse(operation, response(502, "<html>Bad gateway</html>"), context), 3)
    assert.instanceOf(plain, WebhooksError.ServerError)
    assert.strictEqual((plain as WebhooksError.ServerError).requestId, "req_h")
    assert.include(plain.message, "after 3 attempts: <html>Bad gateway</html>")
  })

  it("redacts the key, and any run of 8 or more of its characters, from text", () => {
    const redact = redactor("sk-LEAKCHECK-0123456789abcdef")
    assert.strictEqual(redact("key sk-LEAKCHECK-0123456789abcdef and again"), "key <redacted> and again")
    assert.strictEqual(redact("masked sk-LEAKCHECK********cdef"), "masked <redacted>********cdef")
    assert.strictEqual(redact("tail 456789abcdef!"), "tail <redacted>!")
    assert.strictEqual(redact("short sk-LEAK and cdef"), "short sk-LEAK and cdef", "runs under 8 characters stay")
    assert.strictEqual(redactor("abc")("key abc and abc again"), "key <redacted> and <redacted> again")
    assert.strictEqual(redactor("")("nothing"), "nothing")
  })

  it("a redirect is an error naming where it pointed, never retried", () => {
    const failure = Errors.fromResponse(operation, {
      status: 307,
      headers: Headers.fromInput({ location: "http://127.0.0.1:8502/websets/v0/webhooks" }),
      body: "",
      retryAfter: undefined
    }, context)
    assert.isFalse(failure.mayHaveBeenApplied)
    const error = failure
    assert.isFalse(error.isRetryable)
    assert.instanceOf(error, WebhooksError.UnexpectedResponseError)
    assert.include(error.message, "307 Temporary Redirect, redirecting to http://127.0.0.1:8502")
    assert.include(error.message, "never follows a redirect")
  })
})
