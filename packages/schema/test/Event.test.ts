import { describe, expect, it } from "@effect/vitest"
import { DateTime, Exit, Schema } from "effect"
import { Event, EventId, Validation } from "../src/index.ts"

const T = "2025-03-01T10:00:00.000Z"

const search = {
  id: "webset_search_1",
  object: "webset_search",
  status: "running",
  websetId: "webset_1",
  query: "AI startups in Europe that raised a Series A",
  entity: { type: "company" },
  criteria: [{ description: "raised a Series A", successRate: 40 }],
  count: 10,
  behavior: "override",
  exclude: [],
  scope: [],
  progress: { found: 3, analyzed: 12, completion: 30, timeLeft: null },
  recall: null,
  metadata: {},
  canceledAt: null,
  canceledReason: null,
  createdAt: T,
  updatedAt: T
}

const webset = {
  id: "webset_1",
  object: "webset",
  status: "running",
  externalId: null,
  title: "Series A",
  searches: [search],
  imports: [],
  enrichments: [],
  monitors: [],
  metadata: { team: "growth" },
  createdAt: T,
  updatedAt: T,
  // Not in the spec: kept as received.
  dashboardUrl: "https://websets.exa.ai/webset_1"
}

const envelope = (type: string, data: unknown) => ({ id: "event_1", object: "event", type, data, createdAt: T })

const decodeReceived = Schema.decodeUnknownSync(Event.ReceivedEvent)
const encodeReceived = Schema.encodeSync(Event.ReceivedEvent)
const decodeQuery = (input: unknown) =>
  Schema.decodeUnknownExit(Event.ListEventsQuery)(input, { ...Validation.parseOptions, onExcessProperty: "error" })
const problemsOf = (exit: Exit.Exit<unknown, Schema.SchemaError>) =>
  Exit.isFailure(exit) ? Validation.format(exit.cause.reasons.find((r) => r._tag === "Fail")!.error as any) : ""

describe("Event", () => {
  it("an event true to the spec decodes to its typed variant, and encodes back to the same JSON, extra fields and all", () => {
    const json = envelope("webset.created", webset)
    const event = decodeReceived(json)
    expect(Event.isTyped(event)).toBe(true)
    if (!Event.isTyped(event) || event.type !== "webset.created") throw new Error("not typed")
    expect(event.data.searches[0]!.progress.completion).toBe(30)
    expect(DateTime.isDateTime(event.data.createdAt)).toBe(true)
    expect(event.data["dashboardUrl"]).toBe(webset.dashboardUrl)
    expect(encodeReceived(event)).toEqual(json)
  })

  it("an event whose data strays from the spec, or of a type this version does not know, is kept as the envelope", () => {
    const stray = decodeReceived(envelope("webset.created", { ...webset, status: "archived" }))
    expect(stray).toBeInstanceOf(Event.Event)
    expect(Event.isTyped(stray)).toBe(false)
    expect(stray.data).toMatchObject({ status: "archived", title: "Series A" })
    const unknown = decodeReceived(envelope("webset.archived", { id: "webset_1" }))
    expect(unknown).toMatchObject({ type: "webset.archived", data: { id: "webset_1" } })
    expect(encodeReceived(unknown)).toEqual(envelope("webset.archived", { id: "webset_1" }))
    // The strict union says why.
    expect(() => Schema.decodeUnknownSync(Event.TypedEvent)(envelope("webset.created", { ...webset, status: "archived" })))
      .toThrow(/Expected "idle" \| "pending" \| "running" \| "paused"/)
  })

  it("a page of mixed events decodes whole", () => {
    const page = Schema.decodeUnknownSync(Event.ListEventsResponse)({
      data: [envelope("webset.search.updated", search), envelope("webset.export.created", { id: "export_1" }), envelope("x.y", {})],
      hasMore: false,
      nextCursor: null
    })
    expect(page.data.map(Event.isTyped)).toEqual([true, true, false])
  })

  describe("ListEventsQuery", () => {
    it("takes known types, RFC 3339 times (decoded to DateTime) and the page parameters", () => {
      const exit = decodeQuery({
        types: ["webset.created", "webset.item.enriched"],
        createdAfter: "2025-03-01T10:00:00Z",
        createdBefore: "2025-03-01T12:00:00+02:00",
        limit: "50",
        cursor: "abc"
      })
      expect(Exit.isSuccess(exit)).toBe(true)
      if (Exit.isSuccess(exit)) {
        expect(exit.value.limit).toBe(50)
        expect(DateTime.toEpochMillis(exit.value.createdBefore!)).toBe(Date.parse("2025-03-01T10:00:00Z"))
      }
      // Both bounds are inclusive: the same instant is a window of one instant.
      expect(Exit.isSuccess(decodeQuery({ createdAfter: T, createdBefore: T }))).toBe(true)
    })

    it("names every broken rule: an unknown type with a suggestion, a time that is not RFC 3339, an empty window", () => {
      const message = problemsOf(decodeQuery({ types: ["webset.created", "webset.completed"], createdBefore: "yesterday" }))
      expect(message).toMatch(/^types\[1\]: unknown event type "webset\.completed"; did you mean "webset\.idle"/m)
      expect(message).toMatch(/^createdBefore: expected an RFC 3339 date-time such as "2023-11-07T05:31:56Z", got "yesterday"/m)
      expect(problemsOf(decodeQuery({ createdAfter: "2025-03-02T00:00:00Z", createdBefore: T }))).toBe(
        "createdAfter: createdAfter is later than createdBefore, so no event can match; swap them, or drop one"
      )
      expect(problemsOf(decodeQuery({ type: ["webset.created"] }))).toMatch(/^type: /)
      // An offset's "+" sent unencoded in a URL arrives as a space.
      expect(problemsOf(decodeQuery({ createdAfter: "2025-03-01T12:00:00 02:00" }))).toBe(
        "createdAfter: expected an RFC 3339 date-time, got \"2025-03-01T12:00:00 02:00\": a \"+\" in a query string " +
          "arrives as a space, so send the offset's \"+\" as %2B (or give the time in UTC, ending in Z)"
      )
    })
  })
})

describe("EventId", () => {
  it("refuses what would address another path or cannot be sent; Typed drops surrounding blanks", () => {
    expect(EventId.problem("event_01j")).toBeUndefined()
    expect(EventId.problem("..")).toBe("\"..\" is not an event id (it would address another path); pass an id such as \"event_01j...\"")
    expect(EventId.problem(" ")).toMatch(/^an event id is required/)
    expect(EventId.problem("a\nb")).toMatch(/no control characters/)
    expect(Schema.decodeUnknownSync(EventId.Typed)(" event_01j ")).toBe("event_01j")
  })
})
