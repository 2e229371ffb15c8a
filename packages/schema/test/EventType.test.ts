import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { EventType } from "../src/index.ts"

describe("EventType", () => {
  it("has the 19 values of the spec", () => {
    expect(EventType.values).toHaveLength(19)
  })

  it("suggests the events meant by the docs' own sample", () => {
    expect(EventType.suggest("webset.completed")).toEqual(["webset.idle", "webset.search.completed", "import.completed"])
    expect(EventType.suggest("enrichment.completed")[0]).toBe("webset.item.enriched")
  })

  it("suggests near misses by spelling and by last segment", () => {
    expect(EventType.suggest("webset.item.enrichd")[0]).toBe("webset.item.enriched")
    expect(EventType.suggest("Webset.Created")[0]).toBe("webset.created")
    expect(EventType.suggest("monitor.run.complete")[0]).toBe("monitor.run.completed")
    expect(EventType.suggest("zzzzzzzzzzzzzzzzzzzzzzzz")).toEqual([])
  })

  it("strict decoding fails with the suggestion; received decoding keeps unknown values", () => {
    expect(() => Schema.decodeUnknownSync(EventType.EventType)("webset.itemcreated")).toThrow(
      /unknown event type "webset\.itemcreated"; did you mean "webset\.item\.created"/
    )
    expect(Schema.decodeUnknownSync(EventType.ReceivedEventType)("webset.archived")).toBe("webset.archived")
    expect(() => Schema.decodeUnknownSync(EventType.EventType)("webset.created,webset.idle")).toThrow(
      /that is several in one value; give each event type as a value of its own \(in a query, repeat the parameter/
    )
    expect(Schema.decodeUnknownSync(EventType.ReceivedEventType)("webset.idle")).toBe("webset.idle")
  })
})
