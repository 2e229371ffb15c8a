import { describe, expect, it } from "@effect/vitest"
import { DateTime, Option } from "effect"
import * as Cursor from "../src/internal/cursor.ts"
import * as Store from "../src/internal/store.ts"
import * as Faults from "../src/internal/faultInjection.ts"
import * as RateLimit from "../src/internal/tokenBucket.ts"

describe("RateLimit", () => {
  it("lets a burst of R through, then refills R tokens per second", () => {
    const limit = RateLimit.make(2)
    expect([limit.take("k", 0), limit.take("k", 0)].every((d) => d.allowed)).toBe(true)
    expect(limit.take("k", 0)).toMatchObject({ allowed: false, retryAfterMillis: 500 })
    expect(limit.take("other", 0).allowed).toBe(true)
    expect(limit.take("k", 499).allowed).toBe(false)
    expect(limit.take("k", 1000).allowed).toBe(true)
  })

  it("a rate below 1 allows one request every 1/R seconds", () => {
    const limit = RateLimit.make(0.5)
    expect(limit.take("k", 0).allowed).toBe(true)
    expect(limit.take("k", 0)).toMatchObject({ allowed: false, retryAfterMillis: 2000 })
    expect(limit.take("k", 2000).allowed).toBe(true)
  })
})

describe("Cursor", () => {
  it("round-trips a position within its own list only", () => {
    const cursor = Cursor.encode("webhooks", 42)
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(Cursor.decode("webhooks", cursor)).toEqual(Option.some(42))
    expect(Cursor.decode("attempts:webhook_1", cursor)).toEqual(Option.none())
    for (const bad of ["", "abc", "a b", Buffer.from("c1|webhooks|-1").toString("base64url"), Buffer.from("c1|webhooks|1.5").toString("base64url")]) {
      expect(Cursor.decode("webhooks", bad)).toEqual(Option.none())
    }
  })
})

const draw = (faults: Faults.Faults) => Array.from({ length: 200 }, () => faults.draw())

describe("Faults", () => {
  it("the same seed gives the same fates; rates of 0 give none; reset rewinds", () => {
    const a = Faults.make({ seed: 9, faultRate: 0.3, ambiguousFaultRate: 0.3 })
    const first = draw(a)
    expect(draw(Faults.make({ seed: 9, faultRate: 0.3, ambiguousFaultRate: 0.3 }))).toEqual(first)
    a.reset()
    expect(draw(a)).toEqual(first)
    const faulted = first.filter((f) => f.fault !== undefined).length
    expect(faulted).toBeGreaterThan(30)
    expect(faulted).toBeLessThan(90)
    expect(draw(Faults.make({ seed: 9, faultRate: 0, ambiguousFaultRate: 0 }))
      .every((f) => f.fault === undefined && f.ambiguous === undefined)).toBe(true)
  })
})

const at = (millis: number) => DateTime.makeUnsafe(millis)

describe("Store events", () => {
  it("an event's createdAt is never earlier than the previous one's, even when the clock steps back", () => {
    const store = Store.make({ maxWebhooks: 10, maxAttempts: 10, maxEvents: 10 })
    const seen: Array<number> = []
    const data = (createdAt: DateTime.Utc) => {
      seen.push(DateTime.toEpochMillis(createdAt))
      return { at: DateTime.formatIso(createdAt) }
    }
    const first = store.addEvent("webset.created", data, at(5_000))
    const second = store.addEvent("webset.idle", data, at(1_000))
    const third = store.addEvent("webset.idle", data, at(6_000))
    expect([first, second, third].map((e) => DateTime.toEpochMillis(e.createdAt))).toEqual([5_000, 5_000, 6_000])
    // The data is made for the event's own time.
    expect(seen).toEqual([5_000, 5_000, 6_000])
    const after = store.events({ createdAfter: 5_000 }, undefined, 10).data.map((e) => e.id)
    expect(after).toEqual([third.id, second.id, first.id])
    expect(store.events({ createdBefore: 5_000 }, undefined, 10).data.map((e) => e.id)).toEqual([second.id, first.id])
  })
})
