import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Exit, Result } from "effect"
import { TestClock } from "effect/testing"
import { Signature, Verifier, Web } from "../src/index.ts"
import { compact as vector } from "./fixtures/vectors.ts"

const t = vector.timestamp
const v = vector.v1
const at = t * 1000

interface Case {
  readonly name: string
  readonly signature: string | ReadonlyArray<string> | null | undefined
  /** The error's tag, or "ok". */
  readonly expect: string
  /** `reason` of a MalformedSignature. */
  readonly reason?: string
}

// Every header variant has one defined answer (see Signature.ts for the rules).
const cases: ReadonlyArray<Case> = [
  { name: "header missing", signature: undefined, expect: "MissingSignature" },
  { name: "header null (Headers.get of an absent header)", signature: null, expect: "MissingSignature" },
  { name: "empty header", signature: "", expect: "MalformedSignature", reason: "empty" },
  { name: "blank header", signature: "   ", expect: "MalformedSignature", reason: "empty" },
  { name: "no t", signature: `v1=${v}`, expect: "MalformedSignature", reason: "missing-t" },
  { name: "two t (even equal ones)", signature: `t=${t},t=${t},v1=${v}`, expect: "MalformedSignature", reason: "duplicate-t" },
  { name: "non-numeric t", signature: `t=yesterday,v1=${v}`, expect: "MalformedSignature", reason: "t-not-a-number" },
  { name: "negative t", signature: `t=-${t},v1=${v}`, expect: "MalformedSignature", reason: "t-not-a-number" },
  { name: "fractional t", signature: `t=${t}.5,v1=${v}`, expect: "MalformedSignature", reason: "t-not-a-number" },
  { name: "empty t", signature: `t=,v1=${v}`, expect: "MalformedSignature", reason: "t-not-a-number" },
  { name: "huge t (30 digits)", signature: `t=${"9".repeat(30)},v1=${v}`, expect: "MalformedSignature", reason: "t-out-of-range" },
  { name: "large but well-formed t (year 2286)", signature: `t=9999999999,v1=${v}`, expect: "TimestampOutOfTolerance" },
  { name: "v1 not hex", signature: `t=${t},v1=${"z".repeat(64)}`, expect: "MalformedSignature", reason: "v1-not-hex" },
  { name: "v1 empty", signature: `t=${t},v1=`, expect: "MalformedSignature", reason: "v1-wrong-length" },
  { name: "v1 too short", signature: `t=${t},v1=${v.slice(0, 62)}`, expect: "MalformedSignature", reason: "v1-wrong-length" },
  { name: "v1 too long", signature: `t=${t},v1=${v}00`, expect: "MalformedSignature", reason: "v1-wrong-length" },
  { name: "v1 in uppercase hex", signature: `t=${t},v1=${v.toUpperCase()}`, expect: "MalformedSignature", reason: "v1-uppercase" },
  { name: "no v1, only another scheme", signature: `t=${t},v0=${v}`, expect: "MalformedSignature", reason: "missing-v1" },
  { name: "unknown schemes are ignored", signature: `t=${t},v0=deadbeef,v1=${v},v2=not-even-hex`, expect: "ok" },
  { name: "whitespace around parts, keys and values", signature: `  t = ${t} ,\tv1 = ${v}  `, expect: "ok" },
  { name: "v1 before t", signature: `v1=${v},t=${t}`, expect: "ok" },
  { name: "a header repeated (given as an array)", signature: [`t=${t}`, `v1=${v}`], expect: "ok" },
  { name: "an empty part", signature: `t=${t},,v1=${v}`, expect: "MalformedSignature", reason: "empty-part" },
  { name: "a trailing comma", signature: `t=${t},v1=${v},`, expect: "MalformedSignature", reason: "empty-part" },
  { name: "a part without =", signature: `t=${t},v1`, expect: "MalformedSignature", reason: "not-key-value" },
  { name: "a part without a key", signature: `t=${t},=${v}`, expect: "MalformedSignature", reason: "not-key-value" },
  { name: "a 1 MB header", signature: `t=${t},v1=${v},` + "x".repeat(1024 * 1024), expect: "MalformedSignature", reason: "too-long" },
  { name: "a signature of another body", signature: `t=${t},v1=${"ab".repeat(32)}`, expect: "NoMatchingSignature" },
  { name: "a timestamp that is not the signed one", signature: `t=${t + 1},v1=${v}`, expect: "NoMatchingSignature" }
]

const outcome = (exit: Exit.Exit<unknown, { readonly _tag: string; readonly reason?: string }>) =>
  Exit.isSuccess(exit)
    ? { tag: "ok", reason: undefined }
    : (() => {
      const error = exit.cause.reasons.find((r) => r._tag === "Fail")?.error
      return { tag: error?._tag ?? "defect", reason: error?.reason }
    })()

describe("bad headers: each has one defined answer, the same in the Effect and promise forms", () => {
  for (const c of cases) {
    it.effect(`${c.name} -> ${c.expect}${c.reason === undefined ? "" : ` (${c.reason})`}`, () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(at)
        const input = { body: vector.body, signature: c.signature }
        const effect = outcome(yield* Effect.exit(Verifier.verify(input, { secrets: vector.secret })))
        assert.strictEqual(effect.tag, c.expect)
        assert.strictEqual(effect.reason, c.reason)
        const web = yield* Effect.promise(() =>
          Web.verify(input, { secrets: vector.secret, now: () => at }).then(
            () => ({ tag: "ok", reason: undefined }),
            (e: { _tag: string; reason?: string }) => ({ tag: e._tag, reason: e.reason })
          )
        )
        assert.deepStrictEqual(web, effect)
      }))
  }

  it("a 1 MB header is refused without being split (the message does not quote it)", () => {
    const result = Signature.parse("t=1," + "v1=".repeat(300_000))
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) assert.isBelow(result.failure.message.length, 200)
  })

  it("messages quote at most 40 characters of what the sender wrote, escaped", () => {
    const result = Signature.parse(`t=${t},v1=${"\u001b[31m".repeat(50)}`)
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.notInclude(result.failure.message, "\u001b")
      assert.isBelow(result.failure.message.length, 150)
    }
  })
})

const signedAt = (seconds: number) => Signature.sign(vector.secret, seconds, vector.body)

const signed = (body: string | Uint8Array<ArrayBuffer>) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(at)
    const signature = yield* Signature.sign(vector.secret, t, body)
    return yield* Effect.flip(Verifier.verify({ body, signature }, { secrets: vector.secret }))
  })

const check = (seconds: number, tolerance?: Duration.Input) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(at)
    const signature = yield* signedAt(seconds)
    return outcome(yield* Effect.exit(Verifier.verify({ body: vector.body, signature }, { secrets: vector.secret, tolerance })))
  })

describe("timestamps: 300 s either way by default, configurable", () => {
  it.effect("exactly 300 s old or ahead is accepted; 301 s is refused, naming the direction", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* check(t - 300)).tag, "ok")
      assert.strictEqual((yield* check(t + 300)).tag, "ok")
      assert.strictEqual((yield* check(t - 301)).tag, "TimestampOutOfTolerance")
      assert.strictEqual((yield* check(t + 301)).tag, "TimestampOutOfTolerance")
      yield* TestClock.setTime(at)
      const error = yield* Effect.flip(
        Verifier.verify({ body: vector.body, signature: yield* signedAt(t - 301) }, { secrets: vector.secret })
      )
      assert.strictEqual(error._tag, "TimestampOutOfTolerance")
      if (error._tag === "TimestampOutOfTolerance") {
        assert.strictEqual(error.direction, "past")
        assert.strictEqual(error.status, 401)
        assert.include(error.message, "301 s old")
      }
    }))

  it.effect("a tolerance of 10 seconds refuses 11 s; the promise form takes seconds", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* check(t - 10, "10 seconds")).tag, "ok")
      assert.strictEqual((yield* check(t - 11, "10 seconds")).tag, "TimestampOutOfTolerance")
      const signature = yield* signedAt(t - 11)
      const web = yield* Effect.promise(() =>
        Web.verify({ body: vector.body, signature }, { secrets: vector.secret, toleranceSeconds: 10, now: () => at })
          .then(() => "ok", (e: { _tag: string }) => e._tag)
      )
      assert.strictEqual(web, "TimestampOutOfTolerance")
    }))
})

describe("bodies: checked only once the signature is genuine", () => {
  it.effect("a body that is not JSON", () =>
    Effect.gen(function*() {
      const error = yield* signed("<html>not json</html>")
      assert.strictEqual(error._tag, "InvalidEventBody")
      if (error._tag === "InvalidEventBody") assert.strictEqual(error.reason, "not-json")
    }))

  it.effect("bytes that are not UTF-8", () =>
    Effect.gen(function*() {
      const error = yield* signed(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))
      assert.strictEqual(error._tag, "InvalidEventBody")
      if (error._tag === "InvalidEventBody") assert.strictEqual(error.reason, "not-json")
    }))

  it.effect("JSON that is not an event names what is wrong", () =>
    Effect.gen(function*() {
      const error = yield* signed(JSON.stringify({ id: "event_1", object: "webhook", data: [] }))
      assert.strictEqual(error._tag, "InvalidEventBody")
      if (error._tag === "InvalidEventBody") {
        assert.strictEqual(error.reason, "not-an-event")
        assert.include(error.message, "object")
        assert.include(error.message, "type")
      }
    }))

  it.effect("a changed body (one space added) no longer matches: the body is never re-serialised", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(at)
      const error = yield* Effect.flip(
        Verifier.verify({ body: vector.body.replace(":", ": "), signature: vector.header }, { secrets: vector.secret })
      )
      assert.strictEqual(error._tag, "NoMatchingSignature")
    }))
})
