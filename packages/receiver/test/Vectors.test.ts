import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Exit, Layer, Redacted } from "effect"
import { HttpEffect, HttpServerRequest } from "effect/http"
import { TestClock } from "effect/testing"
import { HttpVerifier, Signature, Verifier, Web } from "../src/index.ts"
import { eventId, vectors } from "./fixtures/vectors.ts"

const request = (body: string | Uint8Array<ArrayBuffer>, header: string | undefined) =>
  new Request("http://127.0.0.1/hooks/exa", {
    method: "POST",
    headers: header === undefined ? {} : { "Exa-Signature": header, "content-type": "application/json" },
    body
  })

// Every form of the verifier, on every vector computed by OpenSSL: none of them made these signatures.
describe("OpenSSL test vectors pass in every form of the verifier", () => {
  for (const vector of vectors) {
    describe(vector.name, () => {
      const bytes = new TextEncoder().encode(vector.body)
      const at = vector.timestamp * 1000

      it.effect("Signature.sign makes the same header", () =>
        Effect.gen(function*() {
          assert.strictEqual(yield* Signature.sign(Redacted.make(vector.secret), vector.timestamp, vector.body), vector.header)
          assert.strictEqual(yield* Signature.sign(vector.secret, vector.timestamp, bytes), vector.header)
        }))

      it.effect("Verifier.verify (Effect, TestClock), body as string and as bytes", () =>
        Effect.gen(function*() {
          yield* TestClock.setTime(at)
          const options = { secrets: Redacted.make(vector.secret) }
          const fromString = yield* Verifier.verify({ body: vector.body, signature: vector.header }, options)
          const fromBytes = yield* Verifier.verify({ body: bytes, signature: vector.header }, options)
          const fromBuffer = yield* Verifier.verify({ body: bytes.buffer, signature: vector.header }, options)
          assert.strictEqual(fromString.id, eventId(vector))
          assert.strictEqual(fromBytes.id, eventId(vector))
          assert.strictEqual(fromBuffer.id, eventId(vector))
        }))

      it.effect("the Verifier service from layer()", () =>
        Effect.gen(function*() {
          yield* TestClock.setTime(at)
          const event = yield* Verifier.Verifier.use((v) => v.verify({ body: vector.body, signature: vector.header }))
          assert.strictEqual(event.id, eventId(vector))
        }).pipe(Effect.provide(Verifier.layer({ secrets: [vector.secret] }))))

      it("Web.verify and Web.verifyRequest (promises, injected now)", async () => {
        const options = { secrets: [vector.secret], now: () => at }
        assert.strictEqual((await Web.verify({ body: vector.body, signature: vector.header }, options)).id, eventId(vector))
        assert.strictEqual((await Web.verifyRequest(request(bytes, vector.header), options)).id, eventId(vector))
      })

      it.effect("HttpVerifier.handler (effect/http) answers 204 and hands over the event", () =>
        Effect.gen(function*() {
          yield* TestClock.setTime(at)
          const seen: Array<string> = []
          const response = yield* HttpVerifier.handler((event) => Effect.sync(() => seen.push(event.id))).pipe(
            Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(request(bytes, vector.header))),
            Effect.provide(Verifier.layer({ secrets: [vector.secret] }))
          )
          assert.strictEqual(response.status, 204)
          assert.deepStrictEqual(seen, [eventId(vector)])
        }))
    })
  }
})

describe("secrets and signatures", () => {
  const vector = vectors[0]!
  const at = vector.timestamp * 1000
  const other = "a-different-secret"
  const otherHex = "0".repeat(64)

  it("rotation: any of several secrets, and any of several v1 signatures, is enough", async () => {
    const options = { secrets: [other, vector.secret], now: () => at }
    const event = await Web.verify({ body: vector.body, signature: vector.header }, options)
    assert.strictEqual(event.id, eventId(vector))
    const several = `t=${vector.timestamp},v1=${otherHex},v1=${vector.v1}`
    assert.strictEqual((await Web.verify({ body: vector.body, signature: several }, options)).id, eventId(vector))
  })

  it("only a secret that signed the delivery verifies it", async () => {
    const error = await Web.verify({ body: vector.body, signature: vector.header }, { secrets: [other], now: () => at })
      .then(() => undefined, (e: unknown) => e)
    assert.strictEqual((error as { _tag: string })._tag, "NoMatchingSignature")
    // Nothing a sender could use: neither secret, nor the expected signature, appears in the error.
    const shown = `${String(error)} ${JSON.stringify(error)}`
    assert.notInclude(shown, other)
    assert.notInclude(shown, vector.secret)
    assert.notInclude(shown, vector.v1)
  })

  it("no secret, or an empty one, is a configuration mistake (TypeError), not a refused delivery", async () => {
    for (const secrets of [[], [""]]) {
      const error = await Web.verify({ body: vector.body, signature: vector.header }, { secrets, now: () => at })
        .then(() => undefined, (e: unknown) => e)
      assert.instanceOf(error, TypeError)
    }
  })

  it.live("as a Fetch handler (effect/http's toWebHandler, live clock): 204 when genuine, 401 with the reason when not", () =>
    Effect.gen(function*() {
      const verifier = yield* Verifier.make({ secrets: [vector.secret] })
      const handle = HttpEffect.toWebHandlerWith<Verifier.Verifier, Verifier.Verifier | HttpServerRequest.HttpServerRequest>(
        Context.make(Verifier.Verifier, verifier)
      )(
        HttpVerifier.handler(() => Effect.void)
      )
      const now = Math.floor(Date.now() / 1000)
      const genuine = yield* Signature.sign(vector.secret, now, vector.body)
      const ok = yield* Effect.promise(() => handle(request(vector.body, genuine)))
      assert.strictEqual(ok.status, 204)
      const forged = yield* Signature.sign(other, now, vector.body)
      const refused = yield* Effect.promise(() => handle(request(vector.body, forged)))
      assert.strictEqual(refused.status, 401)
      const body: any = yield* Effect.promise(() => refused.json())
      assert.strictEqual(body.error.type, "NoMatchingSignature")
    }))

  it.effect("Verifier.verify reads the Clock: TestClock at 0 makes a 2023 timestamp future, set to t it verifies", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Verifier.verify({ body: vector.body, signature: vector.header }, { secrets: vector.secret }))
      // TestClock starts at 0: a 2023 timestamp is in the future.
      assert.isTrue(Exit.isFailure(exit))
      yield* TestClock.setTime(at)
      const header = yield* Signature.sign(vector.secret, vector.timestamp, vector.body)
      const event = yield* Verifier.verify({ body: vector.body, signature: header }, { secrets: vector.secret })
      assert.strictEqual(event.id, eventId(vector))
    }))
})

describe("Verifier.layerConfig", () => {
  const vector = vectors[0]!

  it.effect("reads EXA_WEBHOOK_SECRET (several, separated by whitespace) and EXA_WEBHOOK_TOLERANCE", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime((vector.timestamp + 20) * 1000)
      const input = { body: vector.body, signature: vector.header }
      const verified = yield* Verifier.Verifier.use((v) => v.verify(input)).pipe(
        Effect.provide(Verifier.layerConfig().pipe(
          Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { EXA_WEBHOOK_SECRET: `old-secret\n ${vector.secret}` } })))
        ))
      )
      assert.strictEqual(verified.id, eventId(vector))
      const refused = yield* Effect.flip(Verifier.Verifier.use((v) => v.verify(input)).pipe(
        Effect.provide(Verifier.layerConfig().pipe(
          Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({
            env: { EXA_WEBHOOK_SECRET: vector.secret, EXA_WEBHOOK_TOLERANCE: "10 seconds" }
          })))
        ))
      ))
      assert.strictEqual(refused._tag, "TimestampOutOfTolerance")
    }))
})
