/**
 * The dependency-free `Web` form and the Effect form give every delivery the same answer: the same event, or the
 * same refusal (tag, status, reason, fields and message), on fixed inputs and on a few thousand generated ones. Both
 * run one implementation (src/internal/scheme.ts); this test is what keeps it so, should either form grow code of its
 * own. And the envelope the checks accept is exactly what the schema's `Event` decodes, so the Effect form never
 * refuses what `Web` accepts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Event, Webhook } from "@exa-webhooks/schema"
import { Effect, Exit, Schema } from "effect"
import * as Scheme from "../src/internal/scheme.ts"
import { Signature, Verifier } from "../src/index.ts"
import * as Web from "../src/Web.ts"
import { vectors } from "./fixtures/vectors.ts"

const FIELDS = ["_tag", "status", "message", "reason", "timestamp", "now", "toleranceSeconds", "direction", "signatures", "secrets"]

// What a refusal carries, whichever form made it.
const fieldsOf = (error: unknown): Record<string, unknown> =>
  Object.fromEntries(FIELDS.flatMap((key) => {
    const value = (error as Record<string, unknown>)[key]
    return value === undefined ? [] : [[key, value]]
  }))

type Outcome =
  | { readonly event: { readonly id: string; readonly type: string; readonly createdAt: number } }
  | { readonly refused: Record<string, unknown> }
  | { readonly thrown: string }

interface Case {
  readonly body: string | Uint8Array<ArrayBuffer>
  readonly signature: string | ReadonlyArray<string> | null | undefined
  readonly secrets: ReadonlyArray<string>
  readonly toleranceSeconds: number
  readonly nowMillis: number
}

const viaEffect = (c: Case): Promise<Outcome> =>
  Effect.runPromiseExit(
    Effect.flatMap(
      Verifier.make({ secrets: c.secrets, tolerance: `${c.toleranceSeconds} seconds` }),
      (verifier) => verifier.verifyAt({ body: c.body, signature: c.signature }, c.nowMillis)
    )
  ).then((exit): Outcome => {
    if (Exit.isSuccess(exit)) {
      const { createdAt, id, type } = exit.value
      return { event: { id, type, createdAt: createdAt.epochMilliseconds } }
    }
    const failure = exit.cause.reasons.find((reason) => reason._tag === "Fail")
    if (failure !== undefined) return { refused: fieldsOf(failure.error) }
    const defect = exit.cause.reasons.find((reason) => reason._tag === "Die")
    return { thrown: String((defect as { readonly defect?: unknown } | undefined)?.defect) }
  })

const viaWeb = (c: Case): Promise<Outcome> =>
  Web.verify({ body: c.body, signature: c.signature }, { secrets: c.secrets, toleranceSeconds: c.toleranceSeconds, now: () => c.nowMillis })
    .then(
      (event): Outcome => ({ event: { id: event.id, type: event.type, createdAt: Date.parse(event.createdAt) } }),
      (error: unknown): Outcome => (Web.isVerifyError(error) ? { refused: fieldsOf(error) } : { thrown: String(error) })
    )

const same = async (c: Case, label: string) => {
  const [effect, web] = await Promise.all([viaEffect(c), viaWeb(c)])
  assert.deepStrictEqual(web, effect, `${label}: ${JSON.stringify({ ...c, body: String(c.body).slice(0, 200) })}`)
  return effect
}

// A seeded generator, so that a failure names a case that can be run again.
const random = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
  return seed / 2 ** 31
}

const SECRET = "whsec_differential_9c1d"
const T = 1_700_000_000
const AT = T * 1000

const sign = (body: string | Uint8Array<ArrayBuffer>, t: number | string = T, secret = SECRET) =>
  Effect.runPromise(Signature.sign(secret, Number(t), body))

const envelope = (fields: Record<string, unknown>) =>
  JSON.stringify({ id: "event_d", object: "event", type: "webset.created", data: { id: "w" }, createdAt: "2023-11-14T22:13:20Z", ...fields })

// Bodies that are events or are not, for each rule of the envelope.
const BODIES: ReadonlyArray<string | Uint8Array<ArrayBuffer>> = [
  envelope({}),
  envelope({ type: "webset.something.new" }),
  envelope({ type: "" }),
  envelope({ extra: { nested: [1, 2] } }),
  envelope({ id: 1 }),
  envelope({ id: null }),
  envelope({ id: undefined }),
  envelope({ object: "webhook" }),
  envelope({ object: undefined, type: undefined }),
  envelope({ type: 5 }),
  envelope({ data: [] }),
  envelope({ data: null }),
  envelope({ data: "x" }),
  envelope({ data: {} }),
  envelope({ createdAt: "2023-11-07" }),
  envelope({ createdAt: 5 }),
  envelope({ createdAt: "2023-02-30T05:31:56Z" }),
  envelope({ createdAt: "2023-11-07T23:59:60Z" }),
  envelope({ createdAt: "2023-11-07t05:31:56z" }),
  envelope({ createdAt: "2023-11-07T24:00:00Z" }),
  envelope({ createdAt: "2023-11-07T05:31:56.123456789+05:30" }),
  envelope({ createdAt: "2023-11-07T05:31:56+24:00" }),
  envelope({ createdAt: "x".repeat(100) }),
  "{}",
  "[]",
  "null",
  "42",
  "\"event\"",
  "<html>not json</html>",
  "",
  "{\"id\":",
  new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
  new TextEncoder().encode(`\uFEFF${envelope({})}`),
  ...vectors.map((v) => v.body)
]

describe("the Web form and the Effect form answer alike", () => {
  it("every OpenSSL vector", async () => {
    for (const v of vectors) {
      const outcome = await same({ body: v.body, signature: v.header, secrets: [v.secret], toleranceSeconds: 300, nowMillis: v.timestamp * 1000 }, v.name)
      assert.property(outcome, "event")
    }
  })

  it("every body, genuinely signed", async () => {
    for (const body of BODIES) {
      await same({ body, signature: await sign(body), secrets: [SECRET], toleranceSeconds: 300, nowMillis: AT }, "body")
    }
  })

  it("timestamps at and past the tolerance, either way, and tolerances of 0, 10 and 300 s", async () => {
    const body = envelope({})
    for (const toleranceSeconds of [0, 10, 300]) {
      for (const offset of [-301, -300, -11, -10, -1, 0, 1, 10, 11, 300, 301, 10 ** 9]) {
        const signature = await sign(body, T + offset)
        for (const extra of [0, 999]) {
          await same({ body, signature, secrets: [SECRET], toleranceSeconds, nowMillis: AT + extra }, `offset ${offset}`)
        }
      }
    }
  })

  it("configuration mistakes: no secret, an empty one, a negative tolerance", async () => {
    const body = envelope({})
    const signature = await sign(body)
    for (const [secrets, toleranceSeconds] of [[[], 300], [[""], 300], [[SECRET], -1]] as const) {
      const outcome = await same({ body, signature, secrets, toleranceSeconds, nowMillis: AT }, "configuration")
      assert.property(outcome, "thrown")
    }
  })

  it("3,000 generated headers, bodies and secrets", async () => {
    const next = random(20_240_611)
    const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)]!
    const genuineBody = envelope({})
    const v1Of = async (body: string | Uint8Array<ArrayBuffer>) => (await sign(body)).slice(`t=${T},v1=`.length)
    const genuine = await v1Of(genuineBody)
    const notAnEvent = envelope({ object: "webhook", data: [] })
    const notJson = "<html>not json</html>"
    const parts = [
      `t=${T}`, `t=${T + 400}`, `t=${T - 1}`, "t=", "t=-1", "t=1.5", `t=${"9".repeat(13)}`, "t=abc", " t = " + T,
      `v1=${genuine}`, `v1=${genuine.toUpperCase()}`, `v1=${genuine.slice(2)}`, `v1=${"z".repeat(64)}`, "v1=", `v1=${"ab".repeat(32)}`,
      `v0=${genuine}`, "v2=future", "", "=x", "x", "t", "  ", `v1 = ${genuine} `, `v1=${await v1Of(notAnEvent)}`,
      `v1=${await v1Of(notJson)}`
    ]
    const bodies = [genuineBody, `${genuineBody} `, genuineBody.replace("event_d", "event_e"), notAnEvent, notJson, ...BODIES.slice(0, 12)]
    const secretSets = [[SECRET], ["other", SECRET], ["other"], [SECRET, "other", "third"]]
    const seen = new Set<string>()
    for (let i = 0; i < 3000; i++) {
      const body = pick(bodies)
      // Half well-formed (the body's own signature among harmless parts), half parts drawn at random.
      const header = next() < 0.5
        ? [`t=${pick([T, T, T - 5, T + 400])}`, `v1=${await v1Of(body)}`, ...(next() < 0.3 ? [pick(["v0=x", "v2=y", `v1=${"ab".repeat(32)}`])] : [])]
          .toSorted(() => next() - 0.5).join(pick([",", ", ", " , "]))
        : Array.from({ length: 1 + Math.floor(next() * 5) }, () => pick(parts)).join(pick([",", ", ", ",,", " ,"]))
      const signature = pick<Case["signature"]>([header, header, header, undefined, null, [header, `v1=${genuine}`], header.repeat(300)])
      const outcome = await same({ body, signature, secrets: pick(secretSets), toleranceSeconds: pick([0, 10, 300]), nowMillis: AT }, `case ${i}`)
      seen.add("event" in outcome ? "accepted" : "refused" in outcome ? `${outcome.refused["_tag"]} ${outcome.refused["reason"] ?? ""}`.trim() : "thrown")
    }
    // The generator reaches every answer, so agreement is tested on each.
    for (const answer of ["accepted", "MissingSignature", "TimestampOutOfTolerance", "NoMatchingSignature", "InvalidEventBody not-an-event",
      "InvalidEventBody not-json",
      ...Scheme.MALFORMED_REASONS.map((reason) => `MalformedSignature ${reason}`)]) {
      assert.isTrue(seen.has(answer), `no generated case was answered ${answer}: ${[...seen].join(", ")}`)
    }
  }, 120_000)
})

const decodes = (body: string | Uint8Array<ArrayBuffer>) => {
  let json: unknown
  try {
    json = JSON.parse(typeof body === "string" ? body : new TextDecoder("utf-8", { fatal: true }).decode(body))
  } catch {
    return false
  }
  return Exit.isSuccess(Schema.decodeUnknownExit(Event.Event)(json))
}

describe("the envelope the checks accept is the schema's Event", () => {
  it("on every body", () => {
    for (const body of BODIES) {
      assert.strictEqual(!("_tag" in Scheme.envelope(body)), decodes(body), String(body))
    }
  })

  it("createdAt follows the schema's RFC 3339 rule (Webhook.parseTimestamp)", () => {
    const next = random(7)
    const pieces = ["2023", "-", "11", "02", "13", "00", "-", "07", "30", "31", "32", "T", "t", " ", "05", "23", "24", ":", "31", "59", "60",
      "56", ".", "123", "Z", "z", "+05:30", "-24:00", "+23:59", ""]
    const samples = ["2023-11-07T05:31:56Z", "2023-11-07T05:31:56.5+01:00", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z"]
    for (let i = 0; i < 5000; i++) {
      samples.push(Array.from({ length: 6 + Math.floor(next() * 10) }, () => pieces[Math.floor(next() * pieces.length)]).join(""))
      const base = "2023-11-07T05:31:56Z".split("")
      base[Math.floor(next() * base.length)] = pieces[Math.floor(next() * pieces.length)]!
      samples.push(base.join(""))
    }
    for (const createdAt of samples) {
      const accepted = !("_tag" in Scheme.envelope(envelope({ createdAt })))
      assert.strictEqual(accepted, Webhook.parseTimestamp(createdAt) !== undefined, createdAt)
    }
  })
})

describe("a refusal of the Web form", () => {
  it("is an Error named after its tag, with the fields of the Effect form's tagged error", async () => {
    const body = envelope({})
    const error = await Web.verify({ body, signature: `t=${T},v1=${"ab".repeat(32)}` }, { secrets: SECRET, now: () => AT })
      .then(() => undefined, (e: unknown) => e)
    assert.instanceOf(error, Error)
    assert.instanceOf(error, Web.VerifyError)
    assert.strictEqual((error as Error).name, "NoMatchingSignature")
    assert.deepStrictEqual(fieldsOf(error), {
      _tag: "NoMatchingSignature",
      status: 401,
      message: "no v1 signature matches the body under the secret (1 checked): the body, timestamp or signature was changed, " +
        "or the secret is not this webhook's",
      signatures: 1,
      secrets: 1
    })
    assert.isTrue(Web.isVerifyError(error))
    assert.isFalse(Web.isVerifyError(new Error("x")))
    assert.isFalse(Web.isVerifyError(null))
    assert.isFalse(Web.isVerifyError("NoMatchingSignature"))
  })
})
