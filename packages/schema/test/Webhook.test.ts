import { describe, expect, it } from "@effect/vitest"
import { DateTime, Exit, Schema } from "effect"
import { EventType, Validation, Webhook, WebhookAttempt } from "../src/index.ts"

const problemsOf = (schema: Schema.Top, value: unknown) => {
  const exit = Schema.decodeUnknownExit(schema as any)(value, Validation.parseOptions)
  if (exit._tag === "Success") return []
  const error = (exit.cause as any).reasons[0].error as Schema.SchemaError
  return Validation.problems(error.issue)
}

const create = (overrides: Record<string, unknown>) =>
  problemsOf(Webhook.CreateWebhookParameters, { url: "https://example.com/hooks/exa", events: ["webset.created"], ...overrides })

describe("CreateWebhookParameters", () => {
  it("accepts a minimal and a full valid body", () => {
    expect(create({})).toEqual([])
    expect(create({ events: [...EventType.values], metadata: { team: "growth", "owner email": "a@b.c" } })).toEqual([])
  })

  it("19 events pass, 20 fail naming the limit", () => {
    expect(create({ events: [...EventType.values] })).toEqual([])
    expect(create({ events: [...EventType.values, "webset.created"] })).toEqual([
      { path: "events", message: "at most 19 events are allowed; got 20" }
    ])
  })

  it("an empty event list fails and lists what is valid", () => {
    const [problem] = create({ events: [] })
    expect(problem?.path).toBe("events")
    expect(problem?.message).toMatch(/^at least one event is required \(valid: webset\.created, /)
  })

  it("a repeated event fails naming it", () => {
    expect(create({ events: ["webset.idle", "webset.idle"] })).toEqual([
      { path: "events", message: "\"webset.idle\" is listed more than once" }
    ])
  })

  it("an unknown event names its position and the closest valid events", () => {
    const problems = create({ events: ["webset.created", "webset.completed", "enrichment.completed"] })
    expect(problems.map((p) => p.path)).toEqual(["events[1]", "events[2]"])
    expect(problems[0]!.message).toMatch(/^unknown event type "webset\.completed"; did you mean "webset\.idle" or "webset\.search\.completed"/)
    expect(problems[1]!.message).toMatch(/^unknown event type "enrichment\.completed"; did you mean "webset\.item\.enriched"/)
  })

  it("URL: absolute http(s) passes; relative, other schemes and garbage fail", () => {
    expect(create({ url: "http://127.0.0.1:8080/hook" })).toEqual([])
    expect(create({ url: "/hooks/exa" })).toEqual([{
      path: "url",
      message: "expected an absolute http(s) URL such as \"https://example.com/hooks/exa\", got \"/hooks/exa\""
    }])
    expect(create({ url: "ftp://example.com/x" })[0]?.message).toMatch(/scheme "ftp:"/)
    for (const url of ["https:/example.com/hook", "http:example.com"]) {
      expect(create({ url })[0]?.message).toMatch(/^expected an absolute http\(s\) URL/)
    }
    expect(create({ url: 42 })).toEqual([{ path: "url", message: "Expected string, got 42" }])
  })

  it("metadata: 1000 characters pass, 1001 fail naming the key; non-strings fail", () => {
    expect(create({ metadata: { note: "x".repeat(1000) } })).toEqual([])
    expect(create({ metadata: { note: "x".repeat(1001) } })).toEqual([
      { path: "metadata.note", message: "metadata values are at most 1000 characters; this one has 1001" }
    ])
    expect(create({ metadata: { "two words": 1 } })).toEqual([
      { path: "metadata[\"two words\"]", message: "Expected string, got 1" }
    ])
  })

  it("missing required fields are named", () => {
    expect(problemsOf(Webhook.CreateWebhookParameters, {})).toEqual([
      { path: "events", message: "required, but missing" },
      { path: "url", message: "required, but missing" }
    ])
  })
})

describe("UpdateWebhookParameters", () => {
  it("every field is optional, each keeps its rule", () => {
    expect(problemsOf(Webhook.UpdateWebhookParameters, {})).toEqual([])
    expect(problemsOf(Webhook.UpdateWebhookParameters, { url: "nope" }).map((p) => p.path)).toEqual(["url"])
    expect(problemsOf(Webhook.UpdateWebhookParameters, { events: [] }).map((p) => p.path)).toEqual(["events"])
  })
})

const wire = {
  id: "wh_1",
  object: "webhook",
  status: "active",
  events: ["webset.created"],
  url: "https://example.com/hooks/exa",
  secret: null,
  metadata: { team: "growth" },
  createdAt: "2023-11-07T05:31:56Z",
  updatedAt: "2023-11-08T05:31:56.123Z"
}

describe("Webhook (received)", () => {
  it("decodes timestamps to comparable DateTimes and encodes them back to ISO-8601", () => {
    const webhook = Schema.decodeUnknownSync(Webhook.Webhook)(wire)
    expect(DateTime.isGreaterThan(webhook.updatedAt, webhook.createdAt)).toBe(true)
    const encoded = Schema.encodeSync(Webhook.Webhook)(webhook)
    expect(encoded.createdAt).toBe("2023-11-07T05:31:56.000Z")
    expect(encoded.updatedAt).toBe("2023-11-08T05:31:56.123Z")
  })

  it("an event type this version does not know still decodes, kept as its string", () => {
    const webhook = Schema.decodeUnknownSync(Webhook.Webhook)({ ...wire, events: ["webset.created", "webset.archived"] })
    expect(webhook.events).toEqual(["webset.created", "webset.archived"])
    expect(webhook.events.map(EventType.isEventType)).toEqual([true, false])
    const page = Schema.decodeUnknownSync(Webhook.ListWebhooksResponse)({ data: [{ ...wire, events: ["x.y"] }], hasMore: false, nextCursor: null })
    expect(page.data[0]!.events).toEqual(["x.y"])
  })

  it("missing or null metadata decodes to {}; fields Exa adds later are ignored", () => {
    const { metadata: _, ...withoutMetadata } = wire
    expect(Schema.decodeUnknownSync(Webhook.Webhook)(withoutMetadata).metadata).toEqual({})
    expect(Schema.decodeUnknownSync(Webhook.Webhook)({ ...wire, metadata: null }).metadata).toEqual({})
    expect(Schema.decodeUnknownSync(Webhook.Webhook)({ ...wire, newField: 1 }).id).toBe("wh_1")
  })

  it("a bad timestamp or status is reported with its field", () => {
    expect(problemsOf(Webhook.Webhook, { ...wire, createdAt: "yesterday", status: "paused" }).map((p) => p.path).toSorted())
      .toEqual(["createdAt", "status"])
  })
})

describe("Timestamp", () => {
  it("accepts RFC 3339 date-times (the spec's format: date-time), with any fraction and offset", () => {
    const decode = Schema.decodeUnknownSync(Webhook.Timestamp)
    expect(DateTime.toEpochMillis(decode("2023-11-07T05:31:56Z"))).toBe(Date.UTC(2023, 10, 7, 5, 31, 56))
    expect(DateTime.toEpochMillis(decode("2023-11-07t07:31:56.5+02:00"))).toBe(Date.UTC(2023, 10, 7, 5, 31, 56, 500))
    expect(DateTime.toEpochMillis(decode("2023-11-07T05:31:56.123456z"))).toBe(Date.UTC(2023, 10, 7, 5, 31, 56, 123))
    expect(DateTime.isUtc(decode("2023-11-07T05:31:56-05:00"))).toBe(true)
  })

  it("refuses what is not one, with a message quoting it", () => {
    for (const value of ["yesterday", "2023-11-07", "2023-11-07 05:31:56Z", "2023-11-07T05:31Z", "2023-11-07T05:31:56", "2023-13-07T05:31:56Z", "2023-11-07T24:00:00Z", "2023-11-07T23:59:60Z", "Tue Nov 07 2023"]) {
      expect(problemsOf(Webhook.Timestamp, value), value).toEqual([
        { path: "", message: `expected an RFC 3339 date-time such as "2023-11-07T05:31:56Z", got ${JSON.stringify(value)}` }
      ])
    }
  })
})

function assertSuccess<A>(exit: Exit.Exit<A, unknown>): asserts exit is Exit.Success<A, unknown> {
  expect(exit._tag).toBe("Success")
}

const bySchema = (input: unknown) => {
  const exit = Schema.decodeUnknownExit(Webhook.Webhook)(input)
  return exit._tag === "Success" ? exit.value : undefined
}

// What the client's listings rely on: the schema alone decides every webhook and attempt a page holds.
describe("Webhook as a listing meets it", () => {
  const { metadata: _, ...withoutMetadata } = wire
  const valid: ReadonlyArray<unknown> = [
    wire,
    withoutMetadata,
    { ...wire, metadata: null },
    { ...wire, metadata: {} },
    { ...wire, status: "inactive", secret: "whsec_1", events: ["webset.created", "x.unknown"] },
    { ...wire, events: [] },
    { ...wire, newField: 1 },
    { ...wire, metadata: { a: "x".repeat(Webhook.MAX_METADATA_VALUE_LENGTH) } },
    { ...wire, createdAt: "2023-11-07t07:31:56.5+02:00" }
  ]
  const broken: ReadonlyArray<unknown> = [
    null,
    "wh_1",
    [wire],
    { ...wire, id: 1 },
    { ...wire, object: "event" },
    { ...wire, status: "paused" },
    { ...wire, events: "webset.created" },
    { ...wire, events: ["webset.created", 3] },
    { ...wire, url: null },
    { ...wire, secret: undefined },
    { ...wire, metadata: "team" },
    { ...wire, metadata: [] },
    { ...wire, metadata: { team: 1 } },
    { ...wire, metadata: { team: "x".repeat(Webhook.MAX_METADATA_VALUE_LENGTH + 1) } },
    { ...wire, createdAt: "yesterday" },
    { ...wire, updatedAt: "2023-11-07" },
    { ...wire, createdAt: 1699335116000 },
    { ...wire, updatedAt: undefined }
  ]

  it("decodes every valid webhook to a Webhook that encodes back", () => {
    for (const input of valid) {
      const decoded = bySchema(input)
      expect(decoded, JSON.stringify(input)).toBeInstanceOf(Webhook.Webhook)
      expect(Schema.decodeUnknownSync(Webhook.Webhook)(Schema.encodeSync(Webhook.Webhook)(decoded!))).toStrictEqual(decoded)
    }
  })

  it("refuses every broken one", () => {
    for (const input of broken) expect(bySchema(input), JSON.stringify(input)).toBeUndefined()
  })

  it("keeps a metadata key __proto__ as data", () => {
    const input = JSON.parse(`{"metadata":{"__proto__":"x"},${JSON.stringify(wire).slice(1)}`.replace(`"metadata":{"team":"growth"},`, ""))
    expect(bySchema(input)?.metadata).toEqual(JSON.parse(`{"__proto__":"x"}`))
  })
})

describe("WebhookAttempt as a listing meets it", () => {
  const attempt = {
    id: "wa_1",
    object: "webhook_attempt",
    eventId: "ev_1",
    eventType: "webset.created",
    webhookId: "wh_1",
    url: "https://example.com/hooks/exa",
    successful: false,
    responseHeaders: { "content-type": "text/plain" },
    responseBody: null,
    responseStatusCode: 500,
    attempt: 2,
    attemptedAt: "2023-11-07T05:31:56.5Z"
  }
  const attemptBySchema = Schema.decodeUnknownExit(WebhookAttempt.WebhookAttempt)

  it("decodes a valid attempt, an unknown event type and extra fields included", () => {
    for (const input of [attempt, { ...attempt, eventType: "x.unknown", responseBody: "boom", extra: 1 }]) {
      const decoded = attemptBySchema(input)
      assertSuccess(decoded)
      expect(decoded.value).toBeInstanceOf(WebhookAttempt.WebhookAttempt)
    }
  })

  it("refuses a broken one", () => {
    for (const input of [
      { ...attempt, object: "webhook" },
      { ...attempt, successful: "false" },
      { ...attempt, responseHeaders: { n: 1 } },
      { ...attempt, responseHeaders: null },
      { ...attempt, responseStatusCode: "500" },
      { ...attempt, eventType: 1 },
      { ...attempt, attemptedAt: "yesterday" }
    ]) {
      expect(attemptBySchema(input)._tag, JSON.stringify(input)).toBe("Failure")
    }
  })
})

describe("list queries", () => {
  it("limit: 1 and 200 pass; 0, 201, 2.5 and text fail naming limit", () => {
    expect(Schema.decodeUnknownSync(Webhook.ListWebhooksQuery)({ limit: "1" })).toEqual({ limit: 1 })
    expect(Schema.decodeUnknownSync(Webhook.ListWebhooksQuery)({ limit: "200" })).toEqual({ limit: 200 })
    for (const limit of ["0", "201", "2.5", "ten"]) {
      expect(problemsOf(Webhook.ListWebhooksQuery, { limit })[0]?.message).toBe(`limit must be a whole number from 1 to 200, got "${limit}"`)
      expect(problemsOf(Webhook.ListWebhooksQuery, { limit }).map((p) => p.path)).toEqual(["limit"])
    }
  })

  it("an empty cursor fails", () => {
    expect(problemsOf(Webhook.ListWebhooksQuery, { cursor: "" }).map((p) => p.path)).toEqual(["cursor"])
  })

  it("attempt filters decode from and encode to query strings", () => {
    const query = { limit: "10", eventType: "webset.idle", successful: "false" }
    const decoded = Schema.decodeUnknownSync(WebhookAttempt.ListWebhookAttemptsQuery)(query)
    expect(decoded).toEqual({ limit: 10, eventType: "webset.idle", successful: false })
    expect(Schema.encodeSync(WebhookAttempt.ListWebhookAttemptsQuery)(decoded)).toEqual(query)
    expect(problemsOf(WebhookAttempt.ListWebhookAttemptsQuery, { successful: "yes", eventType: "webset.done" })
      .map((p) => p.path).toSorted()).toEqual(["eventType", "successful"])
  })
})
