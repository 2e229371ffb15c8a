// Test helpers: plain `fetch` against the mock (so the tests exercise the wire, not our own client), and a tiny
// webhook receiver on 127.0.0.1.
import { ApiError, WebhooksApi } from "@exa-webhooks/schema"
import { expect } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { HttpApiClient } from "effect/http-api"
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"

export const KEY = "test-key"

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly body: any
}

export interface CallOptions {
  readonly body?: unknown
  /** Sent as is instead of JSON-encoding `body`. */
  readonly raw?: string
  readonly headers?: Record<string, string>
  /** `null` sends no key. */
  readonly key?: string | null
}

/** One request; fails (instead of answering) when the connection drops. */
export const call = (base: string, method: string, path: string, options: CallOptions = {}) =>
  Effect.tryPromise(async (): Promise<Reply> => {
    const hasBody = options.body !== undefined || options.raw !== undefined
    const response = await fetch(base + path, {
      method,
      headers: {
        ...(options.key === null ? {} : { "x-api-key": options.key ?? KEY }),
        ...(hasBody ? { "content-type": "application/json" } : {}),
        ...options.headers
      },
      ...(hasBody ? { body: options.raw ?? JSON.stringify(options.body) } : {})
    })
    const text = await response.text()
    let body: unknown = undefined
    if (text !== "") body = JSON.parse(text)
    return { status: response.status, headers: response.headers, text, body }
  })

const decodeNested = Schema.decodeUnknownSync(ApiError.NestedErrorBody)

/** A 4xx in the nested form, with the request id of the header in the body; its `error`. */
export const expectNested = (reply: { status: number; headers: Headers; body: unknown }, status: number, code: string) => {
  expect(reply.status).toBe(status)
  const body = decodeNested(reply.body)
  expect(body.error.code).toBe(code)
  expect(body.error.requestId).toBe(reply.headers.get("x-request-id"))
  return body.error
}

export const hook = (url: string, events: ReadonlyArray<string> = ["webset.created"], extra: object = {}) => ({
  url,
  events,
  ...extra
})

export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/**
 * A webhook receiver on 127.0.0.1: records every request and answers with the next of `replies` (the last one
 * repeats).
 */
export const receiver = (
  replies: ReadonlyArray<{ readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }>
) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly url: string; readonly received: Array<Received>; readonly close: () => void }>(
      (resume) => {
        const received: Array<Received> = []
        const server = createServer((req, res) => {
          const chunks: Array<Buffer> = []
          req.on("data", (c: Buffer) => chunks.push(c))
          req.on("end", () => {
            received.push({
              method: req.method ?? "",
              url: req.url ?? "",
              headers: req.headers,
              body: Buffer.concat(chunks).toString("utf8")
            })
            const reply = replies[Math.min(received.length - 1, replies.length - 1)]!
            res.writeHead(reply.status, reply.headers ?? {})
            res.end(reply.body ?? "")
          })
        })
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo
          resume(Effect.succeed({
            url: `http://127.0.0.1:${port}`,
            received,
            close: () => {
              server.close()
              server.closeAllConnections()
            }
          }))
        })
      }
    ),
    (r) => Effect.sync(r.close)
  )

/**
 * The API's paths, built from its one definition (`WebhooksApi`) by effect's `HttpApiClient.urlBuilder`:
 * `apiPaths.webhooks.list({ query: {} })` is `/websets/v0/webhooks`, `apiPaths.webhooks.get({ params: { id } })` one webhook's.
 */
export const apiPaths = HttpApiClient.urlBuilder(WebhooksApi.WebhooksApi)

/** The path of the endpoint of one webhook (`get`, `update`, `delete`, `attempts`). */
export const webhookPath = (endpoint: "get" | "update" | "delete" | "attempts", id: string): string =>
  // Every one of them takes the id; `attempts` also a query, here none.
  (apiPaths.webhooks[endpoint] as (request: { readonly params: { readonly id: string }; readonly query: {} }) => string)({
    params: { id },
    query: {}
  })
