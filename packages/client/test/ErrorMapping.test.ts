import { assert, describe, it } from "@effect/vitest"
import { Headers } from "effect/http"
import { WebhooksError } from "../src/index.ts"
import * as Errors from "../src/internal/errors.ts"
import { redactor } from "../src/internal/redact.ts"

const context: Errors.Context = { baseUrl: "https://api.exa.ai", redact: redactor("k") }

const operation = { method: "POST", path: "/websets/v0/webhooks" }
const response = (status: number, body = "") => ({
  status,
  headers: Headers.fromInput({ "x-request-id": "req_h" }),
  body,
  retryAfterMillis: undefined
})

const at = (value: string, now: number) => Errors.retryAfterMillis(Headers.fromInput({ "retry-after": value }), now)

describe("error mapping", () => {
  it("Retry-After in seconds or as an HTTP date, measured from now", () => {
    assert.strictEqual(at("3", 0), 3_000)
    assert.strictEqual(at("Thu, 01 Jan 1970 00:00:05 GMT", 1_000), 4_000)
    assert.strictEqual(at("Thu, 01 Jan 1970 00:00:05 GMT", 9_000), 0, "a date in the past means now")
    assert.isUndefined(at("soon", 0))
    assert.isUndefined(Errors.retryAfterMillis(Headers.empty, 0))
  })

  it("only a 5xx or a lost connection leaves a create's outcome unknown", () => {
    assert.isTrue(Errors.fromResponse(operation, response(500), context).ambiguous)
    assert.isTrue(Errors.fromResponse(operation, response(503), context).ambiguous)
    assert.isFalse(Errors.fromResponse(operation, response(429), context).ambiguous)
    assert.isFalse(Errors.fromResponse(operation, response(408), context).ambiguous)
    assert.isTrue(Errors.timeout(operation, 1_000).ambiguous)
    const dropped = Errors.transport(operation, {
      cause: new TypeError("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) }),
    }, context)
    assert.isTrue(dropped.ambiguous)
    const refused = Errors.transport(operation, {
      cause: new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }),
    }, context)
    assert.isFalse(refused.ambiguous, "a connection never made sent nothing")
  })

  it("an unknown outcome of a create: the recovery advice is the message's last line, after what went wrong", () => {
    const create = { ...operation, idempotencyKey: "k-7" }
    const dropped = new TypeError("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) })
    const errors = [
      Errors.fromResponse(create, response(502, "upstream\nfailed"), context).toError(3),
      Errors.timeout(create, 1_000).toError(1),
      Errors.transport(create, { cause: dropped }, context).toError(2)
    ]
    for (const error of errors) {
      assert.strictEqual((error as WebhooksError.ServerError | WebhooksError.TransportError).idempotencyKey, "k-7")
      const cut = error.message.lastIndexOf("\n")
      assert.strictEqual(error.message.slice(cut + 1), Errors.recoveryAdvice("k-7"))
      assert.notInclude(error.message.slice(0, cut), "k-7")
    }
    // Without a key (any other request), no advice and no line break of its own.
    const plain = Errors.fromResponse(operation, response(502), context).toError(1)
    assert.notInclude(plain.message, "\n")
    assert.notInclude(plain.message, "lookupFirst")
  })

  it("transient statuses are 408, 429, 500, 502, 503, 504", () => {
    const transient = [400, 401, 403, 404, 408, 409, 422, 429, 500, 501, 502, 503, 504, 505].filter((status) =>
      Errors.fromResponse(operation, response(status), context).transient
    )
    assert.deepStrictEqual(transient, [408, 429, 500, 502, 503, 504])
  })

  it("reads either Exa error body, falling back to X-Request-Id and the raw body", () => {
    const nested = Errors.fromResponse(operation, response(422, JSON.stringify({
      error: { type: "invalid_request_error", code: "bad_url", message: "URL unreachable.", detail: { url: "x" }, requestId: "req_b" }
    })), context).toError(1)
    assert.instanceOf(nested, WebhooksError.ApiError)
    const api = nested as WebhooksError.ApiError
    assert.deepStrictEqual({ requestId: api.requestId, code: api.code, detail: api.detail }, {
      requestId: "req_b",
      code: "bad_url",
      detail: { url: "x" }
    })
    assert.include(nested.message, "Exa answered 422 Unprocessable Entity: URL unreachable")
    const plain = Errors.fromResponse(operation, response(502, "<html>Bad gateway</html>"), context).toError(3)
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
      retryAfterMillis: undefined
    }, context)
    assert.isFalse(failure.transient)
    assert.isFalse(failure.ambiguous)
    const error = failure.toError(1)
    assert.instanceOf(error, WebhooksError.UnexpectedResponseError)
    assert.include(error.message, "307 Temporary Redirect, redirecting to http://127.0.0.1:8502")
    assert.include(error.message, "never follows a redirect")
  })
})
