/**
 * Our schema against the official spec. The facts are extracted from the spec by scripts/extract-spec-facts.ts and
 * committed, so this runs in any clone; when the spec itself is next to the repo (../shared in development and CI),
 * the facts are extracted again and must still match, so a change of the spec (a new event type, say) fails here.
 */
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { OpenApi } from "effect/http-api"
import { existsSync, readFileSync } from "node:fs"
import { Endpoints, Event, EventType, Page, Webhook, WebhookAttempt, WebhooksApi } from "../src/index.ts"
import { extractFacts, factsPath, sharedSpecPath } from "../scripts/extract-spec-facts.ts"

const committed = JSON.parse(readFileSync(factsPath, "utf8"))

const jsonSchemaOf = (schema: Schema.Top): any => {
  const doc: any = Schema.toJsonSchemaDocument(schema)
  const ref: string | undefined = doc.schema.$ref
  return ref === undefined ? doc.schema : doc.definitions[decodeURIComponent(ref.split("/").pop()!.replace(/~1/g, "/"))]
}

const accepts = (schema: Schema.Top, value: unknown) => Schema.decodeUnknownExit(schema as any)(value)._tag === "Success"

const events = (n: number) => EventType.values.slice(0, n)
const validCreate = { url: "https://example.com/hooks", events: ["webset.created"] }

const named = (name: string | null): Schema.Top | undefined =>
  name === null ? undefined : ({ ...Webhook, ...WebhookAttempt } as Record<string, any>)[name]

const fieldsOf = (schema: Schema.Top | undefined): Array<string> =>
  schema === undefined ? [] : Object.keys(jsonSchemaOf(schema).properties ?? {}).toSorted()

const conformance = (facts: any) => {
  it("EventType has exactly the spec's values", () => {
    expect([...EventType.values].toSorted()).toEqual([...facts.eventTypes].toSorted())
    expect(EventType.values).toHaveLength(facts.eventTypes.length)
  })

  it("the attempts filter and the attempt record use the same event types", () => {
    expect([...facts.attemptEventTypes].toSorted()).toEqual([...EventType.values].toSorted())
    expect([...facts.attemptsQueryEventTypes].toSorted()).toEqual([...EventType.values].toSorted())
    for (const value of facts.attemptsQueryEventTypes) {
      expect(accepts(WebhookAttempt.ListWebhookAttemptsQuery, { eventType: value })).toBe(true)
    }
  })

  it("every event envelope type is a known event type", () => {
    for (const type of facts.eventEnvelopeTypes) expect(EventType.isEventType(type)).toBe(true)
  })

  it("WebhookStatus has exactly the spec's values", () => {
    expect([...Webhook.WebhookStatus.literals].toSorted()).toEqual([...facts.webhookStatus].toSorted())
  })

  it.each([
    ["CreateWebhookParameters", Webhook.CreateWebhookParameters],
    ["UpdateWebhookParameters", Webhook.UpdateWebhookParameters],
    ["Webhook", Webhook.Webhook],
    ["ListWebhooksResponse", Webhook.ListWebhooksResponse],
    ["WebhookAttempt", WebhookAttempt.WebhookAttempt],
    ["ListWebhookAttemptsResponse", WebhookAttempt.ListWebhookAttemptsResponse]
  ] as const)("%s has the spec's properties and required fields", (name, schema) => {
    const json = jsonSchemaOf(schema)
    expect(Object.keys(json.properties).toSorted()).toEqual(facts.objects[name].properties)
    expect([...(json.required ?? [])].toSorted()).toEqual(facts.objects[name].required)
  })

  it("the delivered event envelope has the spec's properties and required fields", () => {
    const json = jsonSchemaOf(Event.Event)
    expect(Object.keys(json.properties).toSorted()).toEqual(facts.eventEnvelope.properties)
    expect([...(json.required ?? [])].toSorted()).toEqual(facts.eventEnvelope.required)
  })

  it("create and update take a url of the spec's format", () => {
    expect(jsonSchemaOf(Webhook.CreateWebhookParameters).properties.url).toMatchObject({ format: facts.urlFormat })
    expect(jsonSchemaOf(Webhook.UpdateWebhookParameters).properties.url).toMatchObject({ format: facts.urlFormat })
  })

  it("create and update take minItems..maxItems events", () => {
    for (const [schema, limits, base] of [
      [Webhook.CreateWebhookParameters, facts.createEvents, validCreate],
      [Webhook.UpdateWebhookParameters, facts.updateEvents, {}]
    ] as const) {
      expect(jsonSchemaOf(schema).properties.events).toMatchObject(limits)
      expect(accepts(schema, { ...base, events: events(limits.minItems) })).toBe(true)
      expect(accepts(schema, { ...base, events: events(limits.minItems - 1) })).toBe(false)
      expect(accepts(schema, { ...base, events: events(limits.maxItems) })).toBe(true)
      expect(accepts(schema, { ...base, events: [...events(limits.maxItems), "webset.created"] })).toBe(false)
    }
  })

  it("metadata values are limited to the spec's maxLength", () => {
    const max = facts.metadataValueMaxLength.create
    expect(facts.metadataValueMaxLength.update).toBe(max)
    expect(facts.metadataValueMaxLength.webhook).toBe(max)
    expect(Webhook.MAX_METADATA_VALUE_LENGTH).toBe(max)
    expect(accepts(Webhook.CreateWebhookParameters, { ...validCreate, metadata: { k: "x".repeat(max) } })).toBe(true)
    expect(accepts(Webhook.CreateWebhookParameters, { ...validCreate, metadata: { k: "x".repeat(max + 1) } })).toBe(false)
    expect(accepts(Webhook.UpdateWebhookParameters, { metadata: { k: "x".repeat(max + 1) } })).toBe(false)
  })

  it("list limits match the spec on both list endpoints", () => {
    for (const [schema, limit] of [
      [Webhook.ListWebhooksQuery, facts.listLimit],
      [WebhookAttempt.ListWebhookAttemptsQuery, facts.attemptsLimit]
    ] as const) {
      expect(Page.PAGE_LIMIT).toEqual(limit)
      expect(accepts(schema, { limit: String(limit.minimum) })).toBe(true)
      expect(accepts(schema, { limit: String(limit.minimum - 1) })).toBe(false)
      expect(accepts(schema, { limit: String(limit.maximum) })).toBe(true)
      expect(accepts(schema, { limit: String(limit.maximum + 1) })).toBe(false)
    }
    expect(accepts(Webhook.ListWebhooksQuery, { cursor: "" })).toBe(facts.cursorMinLength === 0)
  })

  it("our endpoint table has the spec's paths and methods", () => {
    const ours = new Map<string, Array<string>>()
    for (const e of Endpoints.all) {
      const path = "/v0" + e.path.replace(":id", "{id}")
      ours.set(path, [...(ours.get(path) ?? []), e.method.toLowerCase()])
    }
    expect(facts.paths.map((p: any) => [p.path, p.methods])).toEqual(
      [...ours].map(([path, methods]) => [path, methods.toSorted()])
    )
  })

  describe("the HttpApi definition", () => {
    const endpoints = Object.values(WebhooksApi.WebhooksApi.groups.webhooks.endpoints)
    const specPath = (path: string) => {
      expect(path.startsWith(facts.serverPath + "/")).toBe(true)
      return path.slice(facts.serverPath.length).replace(/:(\w+)/g, "{$1}")
    }
    // The OpenAPI document effect derives from the definition: what a client generated from it would see.
    const openApi: any = OpenApi.fromApi(WebhooksApi.WebhooksApi)

    it("has exactly the spec's operations: method and path under the server's prefix", () => {
      expect(endpoints.every((e) => e.path.startsWith(WebhooksApi.BASE_PATH + "/"))).toBe(true)
      expect(endpoints.map((e) => `${e.method.toLowerCase()} ${specPath(e.path)}`).toSorted()).toEqual(
        facts.operations.map((o: any) => `${o.method} ${o.path}`).toSorted()
      )
    })

    it.each<[string, any]>(facts.operations.map((o: any) => [`${o.method} ${o.path}`, o]))(
      "%s: path params, query params, request body and success as in the spec",
      (_, op) => {
        const endpoint = endpoints.find((e) => e.method.toLowerCase() === op.method && specPath(e.path) === op.path)!
        expect(fieldsOf(endpoint.params)).toEqual(op.pathParams)
        expect(fieldsOf(endpoint.query)).toEqual(op.queryParams)
        const payload = endpoint.payload.get("application/json")?.schemas ?? []
        expect(payload).toHaveLength(op.requestBody === null ? 0 : 1)
        if (op.requestBody !== null) {
          expect(fieldsOf(payload[0])).toEqual(facts.objects[op.requestBody].properties)
          expect(fieldsOf(payload[0])).toEqual(fieldsOf(named(op.requestBody)))
        }
        const success = [...endpoint.success]
        expect(success).toHaveLength(1)
        expect(fieldsOf(success[0])).toEqual(facts.objects[op.successBody].properties)
        const operation = openApi.paths[endpoint.path.replace(/:(\w+)/g, "{$1}")][op.method]
        expect(Object.keys(operation.responses).filter((status) => status.startsWith("2")).map(Number))
          .toEqual(op.successStatuses)
        expect(operation.parameters.filter((p: any) => p.in === "path").map((p: any) => p.name).toSorted())
          .toEqual(op.pathParams)
        expect(operation.requestBody === undefined).toBe(op.requestBody === null)
      }
    )

    it("every endpoint needs the spec's API key header", () => {
      expect(facts.security).toEqual([{ type: "apiKey", in: "header", name: "x-api-key" }])
      for (const endpoint of endpoints) expect(endpoint.middlewares.has(WebhooksApi.ApiKey)).toBe(true)
      expect(WebhooksApi.ApiKey.security.apiKey).toMatchObject({ _tag: "ApiKey", in: "header", key: "x-api-key" })
    })
  })
}

describe("conformance with the committed spec facts", () => conformance(committed))

// Said out loud when skipped: a silent skip reads as "conformance checked" in a clone without ../shared.
if (!existsSync(sharedSpecPath)) {
  console.warn(`conformance with the live spec SKIPPED: ${sharedSpecPath} not found (only the committed facts were checked)`)
}

describe.runIf(existsSync(sharedSpecPath))("conformance with the official spec in ../shared", () => {
  const live = existsSync(sharedSpecPath) ? extractFacts(readFileSync(sharedSpecPath, "utf8")) : committed
  it("the committed facts are up to date (else run `pnpm spec:facts` and review the diff)", () => {
    expect(committed).toEqual(live)
  })
  conformance(live)
})
