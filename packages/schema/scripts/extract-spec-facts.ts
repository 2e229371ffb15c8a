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

/** The facts of the webhook part of the spec, as plain JSON. */
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
  return {
    source: "exa-labs/openapi-spec: exa-websets-spec.yaml",
    paths: Object.keys(spec.paths).filter((p) => p.startsWith("/v0/webhooks")).map((p) => ({
      path: p,
      methods: Object.keys(spec.paths[p]).filter((m) => ["get", "post", "patch", "delete"].includes(m)).toSorted()
    })),
    operations: Object.keys(spec.paths).filter((p) => p.startsWith("/v0/webhooks")).flatMap((path) =>
      Object.entries(spec.paths[path])
        .filter(([method]) => ["get", "post", "patch", "delete"].includes(method))
        .map(([method, op]: [string, Json]) => {
          const params = (where: string) =>
            (op.parameters ?? []).filter((p: Json) => p.in === where).map((p: Json) => p.name).toSorted()
          const refName = (content: Json) => content?.["application/json"]?.schema?.$ref?.split("/").pop() ?? null
          const success = Object.keys(op.responses).filter((status) => status.startsWith("2"))
          return {
            method,
            path,
            pathParams: params("path"),
            queryParams: params("query"),
            requestBody: refName(op.requestBody?.content),
            successStatuses: success.map(Number),
            successBody: refName(op.responses[success[0]!]?.content)
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
        "ListWebhookAttemptsResponse"
      ].map((name) => [name, objectFacts(name)])
    ),
    eventEnvelope: {
      required: [...schemas.Event.oneOf[0].required].toSorted(),
      properties: Object.keys(schemas.Event.oneOf[0].properties).toSorted()
    },
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
