/**
 * Our schema against the official spec. The facts are extracted from the spec by scripts/extract-spec-facts.ts and
 * committed, so this runs in any clone; when the spec itself is next to the repo (../shared in development and CI),
 * the facts are extracted again and must still match, so a change of the spec (a new event type, say) fails here.
 */
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { OpenApi } from "effect/http-api"
import { existsSync, readFileSync } from "node:fs"
import {
  Entity,
  Event,
  EventType,
  Import,
  Monitor,
  Page,
  Webhook,
  WebhookAttempt,
  WebhooksApi,
  Webset,
  WebsetItem,
  WebsetSearch
} from "../src/index.ts"
import { extractFacts, factsPath, shapeOf, sharedSpecPath } from "../scripts/extract-spec-facts.ts"

const committed = JSON.parse(readFileSync(factsPath, "utf8"))

// The JSON Schema effect derives from `schema`, with every `$ref` to its definitions resolved.
const jsonSchemaOf = (schema: Schema.Top): any => {
  const doc: any = Schema.toJsonSchemaDocument(schema)
  const resolve = (node: any): any => {
    if (Array.isArray(node)) return node.map(resolve)
    if (typeof node !== "object" || node === null) return node
    if (typeof node.$ref === "string") {
      return resolve(doc.definitions[decodeURIComponent(node.$ref.split("/").pop()!.replace(/~1/g, "/"))])
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolve(value)]))
  }
  return resolve(doc.schema)
}

// Our schema for each named schema of the spec that an event's `data` reaches.
const resources: Record<string, Schema.Top> = {
  Webset: Webset.Webset,
  WebsetEnrichment: Webset.WebsetEnrichment,
  WebsetEnrichmentFormat: Webset.EnrichmentFormat,
  WebsetSearch: WebsetSearch.WebsetSearch,
  WebsetSearchBehavior: WebsetSearch.Behavior,
  WebsetSearchCanceledReason: WebsetSearch.CanceledReason,
  Entity: Entity.Entity,
  CompanyEntity: Entity.CompanyEntity,
  PersonEntity: Entity.PersonEntity,
  ArticleEntity: Entity.ArticleEntity,
  ResearchPaperEntity: Entity.ResearchPaperEntity,
  CustomEntity: Entity.CustomEntity,
  Import: Import.Import,
  Monitor: Monitor.Monitor,
  MonitorRun: Monitor.MonitorRun,
  WebsetItem: WebsetItem.WebsetItem,
  WebsetItemPersonProperties: WebsetItem.PersonProperties,
  WebsetItemCompanyProperties: WebsetItem.CompanyProperties,
  WebsetItemArticleProperties: WebsetItem.ArticleProperties,
  WebsetItemResearchPaperProperties: WebsetItem.ResearchPaperProperties,
  WebsetItemCustomProperties: WebsetItem.CustomProperties,
  WebsetItemEvaluation: WebsetItem.Evaluation,
  EnrichmentResult: WebsetItem.EnrichmentResult
}

// The shape of our schema, as `shapeOf` reads the spec's (ours has no named references left).
const ourShape = (schema: Schema.Top) =>
  shapeOf(jsonSchemaOf(schema), (ref) => {
    throw new Error(`unresolved ${ref}`)
  })

// The spec's shape of a named schema with every `{ ref }` replaced by the shape it names.
const specShape = (facts: any, name: string): any => {
  const expand = (node: any): any => {
    if (Array.isArray(node)) return node.map(expand)
    if (typeof node !== "object" || node === null) return node
    if (typeof node.ref === "string") {
      const { ref, ...rest } = node
      return { ...specShape(facts, ref), ...rest }
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, expand(value)]))
  }
  return expand(facts.resources[name])
}

const accepts = (schema: Schema.Top, value: unknown) => Schema.decodeUnknownExit(schema as any)(value)._tag === "Success"

const events = (n: number) => EventType.values.slice(0, n)
const validCreate = { url: "https://example.com/hooks", events: ["webset.created"] }

const named = (name: string | null): Schema.Top | undefined =>
  name === null ? undefined : ({ ...Webhook, ...WebhookAttempt } as Record<string, any>)[name]

// The property names of an object schema; of a union, those its members share (every member must have the same).
const fieldsOf = (schema: Schema.Top | undefined): Array<string> => {
  if (schema === undefined) return []
  const json = jsonSchemaOf(schema)
  const members: Array<any> = json.anyOf ?? [json]
  const names = members.map((m) => Object.keys(m.properties ?? {}).toSorted())
  for (const other of names) expect(other).toEqual(names[0])
  return names[0]!
}

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
    for (const envelope of facts.eventEnvelopes) expect(envelope).toEqual(facts.eventEnvelope)
  })

  describe("the Event union", () => {
    it("has one variant per event type of the spec, each with the spec's envelope", () => {
      expect(Object.keys(Event.variants).toSorted()).toEqual([...facts.eventTypes].toSorted())
      expect(Event.TypedEvent.members).toHaveLength(facts.eventTypes.length)
      for (const variant of Object.values(Event.variants)) {
        const json = jsonSchemaOf(variant)
        expect(Object.keys(json.properties).toSorted()).toEqual(facts.eventEnvelope.properties)
        expect([...json.required].toSorted()).toEqual(facts.eventEnvelope.required)
      }
    })

    it.each<[string, any]>(facts.eventVariants.map((v: any) => [v.title, v]))(
      "%s: its type and its data as the spec defines them",
      (title, { data, type }) => {
        const variant = (Event as Record<string, any>)[title]
        expect(variant).toBe(Event.variants[type as EventType.EventType])
        expect(jsonSchemaOf(variant).properties.type).toMatchObject({ enum: [type] })
        expect(ourShape(variant.schema.fields.data)).toEqual(specShape(facts, data))
      }
    )

    it("only the export events have no variant in the spec (docs/spec-notes.md), and take any data", () => {
      const specified = new Set(facts.eventVariants.map((v: any) => v.type))
      expect(facts.eventTypes.filter((t: string) => !specified.has(t))).toEqual([
        "webset.export.created",
        "webset.export.completed"
      ])
      expect(ourShape(Event.WebsetExportCreatedEvent.schema.fields.data)).toEqual({ type: "object" })
    })

    it.each(Object.keys(facts.resources))("%s has the spec's fields, required fields, enums and nullability", (name) => {
      expect(resources[name], `no schema of ours is mapped to the spec's ${name}`).toBeDefined()
      expect(ourShape(resources[name]!)).toEqual(specShape(facts, name))
    })
  })

  it("the events list takes the spec's filters: known types, RFC 3339 times, the page limits", () => {
    const json = jsonSchemaOf(Event.ListEventsQuery)
    expect([...json.properties.types.items.allOf[0].enum].toSorted()).toEqual([...facts.listEventsQuery.types].toSorted())
    expect([...facts.listEventsQuery.types].toSorted()).toEqual([...EventType.values].toSorted())
    expect(json.properties.createdAfter).toMatchObject({ format: facts.listEventsQuery.createdAfter })
    expect(json.properties.createdBefore).toMatchObject({ format: facts.listEventsQuery.createdBefore })
    expect(Page.PAGE_LIMIT).toEqual(facts.eventsLimit)
    const limit = facts.eventsLimit
    expect(accepts(Event.ListEventsQuery, { limit: String(limit.maximum) })).toBe(true)
    expect(accepts(Event.ListEventsQuery, { limit: String(limit.maximum + 1) })).toBe(false)
    expect(accepts(Event.ListEventsQuery, { types: [...facts.listEventsQuery.types] })).toBe(true)
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

  describe("the HttpApi definition", () => {
    const endpoints = Object.values(WebhooksApi.WebhooksApi.groups).flatMap((group) => Object.values(group.endpoints))
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
        const body = op.successBody === "Event" ? facts.eventEnvelope : facts.objects[op.successBody]
        expect(fieldsOf(success[0])).toEqual(body.properties)
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
