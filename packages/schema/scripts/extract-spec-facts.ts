/**
 * Extracts from the official OpenAPI spec the facts our schema is checked against, so the conformance test runs in
 * a clone that has no ../shared.
 *
 *   node scripts/extract-spec-facts.ts [path/to/exa-websets-spec.yaml]   # rewrites test/fixtures/spec-facts.json
 */
import { readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

type Json = any

const asArray = (value: unknown): Array<unknown> => (value === undefined ? [] : Array.isArray(value) ? value : [value])

const isNull = (schema: Json) => schema?.type === "null"

/**
 * The shape of a JSON Schema as the conformance test compares it, the same for the spec's OpenAPI 3.1 dialect and for
 * the JSON Schema effect derives from ours: objects (properties, required, the value schema of a record), arrays,
 * enums (and `const`), strings (with `format: date-time`), numbers, booleans, unions, and whether `null` is allowed.
 * What only constrains Exa's input (lengths, ranges, `format: uri`), titles, descriptions and defaults are left out.
 * `refs` turns a `$ref` into `{ ref: name }` (the spec's named schemas, compared once each) or into the schema it names.
 */
export const shapeOf = (schema: Json, refs: (ref: string) => Json): Json => {
  if (schema === undefined || schema === true || (typeof schema === "object" && Object.keys(schema).length === 0)) {
    return { any: true }
  }
  if (typeof schema.$ref === "string") return refs(schema.$ref)
  const variants: Array<Json> | undefined = schema.oneOf ?? schema.anyOf
  if (variants !== undefined) {
    const nonNull = variants.filter((v) => !isNull(v))
    const inner = nonNull.length === 1 ? shapeOf(nonNull[0], refs) : { oneOf: nonNull.map((v) => shapeOf(v, refs)) }
    return nonNull.length < variants.length ? { ...inner, nullable: true } : inner
  }
  const types = asArray(schema.type)
  const nullable = types.includes("null") ? { nullable: true } : {}
  const type = types.find((t) => t !== "null")
  if (schema.enum !== undefined || schema.const !== undefined) {
    return { enum: [...(schema.enum ?? [schema.const])].filter((v) => v !== null).toSorted(), ...nullable }
  }
  switch (type) {
    case "object": {
      const properties: Json = Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, value]) => [name, shapeOf(value, refs)])
      )
      const record = schema.additionalProperties
      return {
        type: "object",
        ...(schema.properties === undefined ? {} : { properties }),
        ...(schema.required === undefined ? {} : { required: [...schema.required].toSorted() }),
        ...(typeof record === "object" && Object.keys(record).length > 0 ? { values: shapeOf(record, refs) } : {}),
        ...nullable
      }
    }
    case "array":
      return { type: "array", items: shapeOf(schema.items, refs), ...nullable }
    case "string":
      return { type: "string", ...(schema.format === "date-time" ? { format: "date-time" } : {}), ...nullable }
    default:
      return { type, ...nullable }
  }
}

const refName = (ref: string) => ref.split("/").pop()!

// The parts of the spec this project covers: the webhooks and the events.
const covered = (path: string) => path.startsWith("/v0/webhooks") || path.startsWith("/v0/events")

/** The facts of the webhook and events parts of the spec, as plain JSON. */
export const extractFacts = (specText: string): Json => {
  const spec = parse(specText)
  const schemas = spec.components.schemas
  const property = (schema: string, name: string) => schemas[schema].properties[name]
  const objectFacts = (name: string) => ({
    required: [...(schemas[name].required ?? [])].toSorted(),
    properties: Object.keys(schemas[name].properties).toSorted()
  })
  const queryParam = (path: string, name: string) =>
    spec.paths[path].get.parameters.find((p: Json) => p.name === name)?.schema
  const limit = (path: string) => {
    const s = queryParam(path, "limit")
    return { minimum: s.minimum, maximum: s.maximum, default: s.default }
  }
  // The named schemas an event's `data` reaches, each once, its own `$ref`s kept as `{ ref }`.
  const resources: Json = {}
  const collect = (name: string) => {
    if (name in resources) return
    resources[name] = null
    resources[name] = shapeOf(schemas[name], (ref) => {
      collect(refName(ref))
      return { ref: refName(ref) }
    })
  }
  const variants = schemas.Event.oneOf.map((variant: Json) => {
    const data = refName(variant.properties.data.$ref)
    collect(data)
    return { title: variant.title, type: variant.properties.type.const, data }
  })
  return {
    source: "exa-labs/openapi-spec: exa-websets-spec.yaml",
    paths: Object.keys(spec.paths).filter(covered).map((p) => ({
      path: p,
      methods: Object.keys(spec.paths[p]).filter((m) => ["get", "post", "patch", "delete"].includes(m)).toSorted()
    })),
    operations: Object.keys(spec.paths).filter(covered).flatMap((path) =>
      Object.entries(spec.paths[path])
        .filter(([method]) => ["get", "post", "patch", "delete"].includes(method))
        .map(([method, op]: [string, Json]) => {
          const params = (where: string) =>
            (op.parameters ?? []).filter((p: Json) => p.in === where).map((p: Json) => p.name).toSorted()
          const bodyName = (content: Json) => {
            const ref = content?.["application/json"]?.schema?.$ref
            return ref === undefined ? null : refName(ref)
          }
          const success = Object.keys(op.responses).filter((status) => status.startsWith("2"))
          return {
            method,
            path,
            pathParams: params("path"),
            queryParams: params("query"),
            requestBody: bodyName(op.requestBody?.content),
            successStatuses: success.map(Number),
            successBody: bodyName(op.responses[success[0]!]?.content)
          }
        })
    ),
    serverPath: new URL(spec.servers[0].url).pathname.replace(/\/$/, ""),
    security: Object.entries(spec.components.securitySchemes).map(([, s]: [string, Json]) => ({
      type: s.type,
      in: s.in,
      name: s.name
    })),
    eventTypes: schemas.EventType.enum,
    webhookStatus: property("Webhook", "status").enum,
    attemptEventTypes: property("WebhookAttempt", "eventType").enum,
    attemptsQueryEventTypes: queryParam("/v0/webhooks/{id}/attempts", "eventType").enum,
    eventEnvelopeTypes: schemas.Event.oneOf.map((variant: Json) => variant.properties.type.const),
    objects: Object.fromEntries(
      [
        "CreateWebhookParameters",
        "UpdateWebhookParameters",
        "Webhook",
        "ListWebhooksResponse",
        "WebhookAttempt",
        "ListWebhookAttemptsResponse",
        "ListEventsResponse"
      ].map((name) => [name, objectFacts(name)])
    ),
    eventEnvelope: {
      required: [...schemas.Event.oneOf[0].required].toSorted(),
      properties: Object.keys(schemas.Event.oneOf[0].properties).toSorted()
    },
    // Every variant's envelope, to check that they all are the first one's.
    eventEnvelopes: schemas.Event.oneOf.map((variant: Json) => ({
      required: [...variant.required].toSorted(),
      properties: Object.keys(variant.properties).toSorted()
    })),
    eventVariants: variants,
    resources,
    listEventsQuery: {
      types: queryParam("/v0/events", "types").items.enum,
      createdAfter: queryParam("/v0/events", "createdAfter").format,
      createdBefore: queryParam("/v0/events", "createdBefore").format
    },
    eventsLimit: limit("/v0/events"),
    createEvents: {
      minItems: property("CreateWebhookParameters", "events").minItems,
      maxItems: property("CreateWebhookParameters", "events").maxItems
    },
    updateEvents: {
      minItems: property("UpdateWebhookParameters", "events").minItems,
      maxItems: property("UpdateWebhookParameters", "events").maxItems
    },
    metadataValueMaxLength: {
      create: property("CreateWebhookParameters", "metadata").additionalProperties.maxLength,
      update: property("UpdateWebhookParameters", "metadata").additionalProperties.maxLength,
      webhook: property("Webhook", "metadata").additionalProperties.maxLength
    },
    urlFormat: property("CreateWebhookParameters", "url").format,
    listLimit: limit("/v0/webhooks"),
    attemptsLimit: limit("/v0/webhooks/{id}/attempts"),
    cursorMinLength: queryParam("/v0/webhooks", "cursor").minLength
  }
}

const here = dirname(fileURLToPath(import.meta.url))
/** Where the committed facts live. */
export const factsPath = join(here, "../test/fixtures/spec-facts.json")
/** Where the official spec is in the development checkout (absent in a user's clone). */
export const sharedSpecPath = join(here, "../../../../shared/spec/exa-websets-spec.yaml")

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const specPath = process.argv[2] ?? sharedSpecPath
  writeFileSync(factsPath, JSON.stringify(extractFacts(readFileSync(specPath, "utf8")), null, 2) + "\n")
  console.log(`wrote ${factsPath} from ${specPath}`)
}
