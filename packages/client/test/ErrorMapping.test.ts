import { assert, describe, it } from "@effect/vitest"
import { Headers } from "effect/http"
import { WebhooksError } from "../src/index.ts"
import * as Errors from "../src/internal/errors.ts"

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
    assert.isTrue(Errors.fromResponse(operation, response(500)).ambiguous)
    assert.isTrue(Errors.fromResponse(operation, response(503)).ambiguous)
    assert.isFalse(Errors.fromResponse(operation, response(429)).ambiguous)
    assert.isFalse(Errors.fromResponse(operation, response(408)).ambiguous)
    assert.isTrue(Errors.timeout(operation, 1_000).ambiguous)
    const dropped = Errors.transport(operation, {
      cause: new TypeError("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) }),
      origin: "https://api.exa.ai",
      secret: "k"
    })
    assert.isTrue(dropped.ambiguous)
    const refused = Errors.transport(operation, {
      cause: new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }),
      origin: "https://api.exa.ai",
      secret: "k"
    })
    assert.isFalse(refused.ambiguous, "a connection never made sent nothing")
  })

  it("an unknown outcome of a create: the recovery advice is the message's last line, after what went wrong", () => {
    const create = { ...operation, idempotencyKey: "k-7" }
    const dropped = new TypeError("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) })
    const errors = [
      Errors.fromResponse(create, response(502, "upstream\nfailed")).toError(3),
      Errors.timeout(create, 1_000).toError(1),
      Errors.transport(create, { cause: dropped, origin: "https://api.exa.ai", secret: "k" }).toError(2)
    ]
    for (const error of errors) {
      assert.strictEqual((error as WebhooksError.ServerError | WebhooksError.TransportError).idempotencyKey, "k-7")
      const cut = error.message.lastIndexOf("\n")
      assert.strictEqual(error.message.slice(cut + 1), Errors.recoveryAdvice("k-7"))
      assert.notInclude(error.message.slice(0, cut), "k-7")
    }
    // Without a key (any other request), no advice and no line break of its own.
    const plain = Errors.fromResponse(operation, response(502)).toError(1)
    assert.notInclude(plain.message, "\n")
    assert.notInclude(plain.message, "lookupFirst")
  })

  it("transient statuses are 408, 429, 500, 502, 503, 504", () => {
    const transient = [400, 401, 403, 404, 408, 409, 422, 429, 500, 501, 502, 503, 504, 505].filter((status) =>
      Errors.fromResponse(operation, response(status)).transient
    )
    assert.deepStrictEqual(transient, [408, 429, 500, 502, 503, 504])
  })

  it("reads either Exa error body, falling back to X-Request-Id and the raw body", () => {
    const nested = Errors.fromResponse(operation, response(422, JSON.stringify({
      error: { type: "invalid_request_error", code: "bad_url", message: "URL unreachable.", detail: { url: "x" }, requestId: "req_b" }
    }))).toError(1)
    assert.instanceOf(nested, WebhooksError.ApiError)
    const api = nested as WebhooksError.ApiError
    assert.deepStrictEqual({ requestId: api.requestId, code: api.code, detail: api.detail }, {
      requestId: "req_b",
      code: "bad_url",
      detail: { url: "x" }
    })
    assert.include(nested.message, "Exa answered 422 Unprocessable Entity: URL unreachable")
    const plain = Errors.fromResponse(operation, response(502, "<html>Bad gateway</html>")).toError(3)
    assert.instanceOf(plain, WebhooksError.ServerError)
    assert.strictEqual((plain as WebhooksError.ServerError).requestId, "req_h")
    assert.include(plain.message, "after 3 attempts: <html>Bad gateway</html>")
  })

  it("scrubs a secret from any text", () => {
    assert.strictEqual(Errors.scrub("key abc and abc again", "abc"), "key <redacted> and <redacted> again")
    assert.strictEqual(Errors.scrub("nothing", ""), "nothing")
  })
})
