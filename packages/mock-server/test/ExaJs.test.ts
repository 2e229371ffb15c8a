// The official SDK, pointed at the mock's printed base URL, must work unchanged for every webhook method.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type EventType, Exa, ExaError } from "exa-js"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { MockServer } from "../src/index.ts"

const KEY = "sdk-key"

describe("exa-js against the mock", () => {
  let mock: MockServer.Handle
  let exa: Exa
  let receiver: Server
  let receiverUrl: string

  beforeAll(async () => {
    mock = await MockServer.start({ apiKey: KEY, deliveryRetryDelayMillis: 5 })
    exa = new Exa(KEY, mock.url)
    receiver = createServer((req, res) => {
      req.resume()
      // Fails the first try of every event, so attempts have both outcomes.
      res.writeHead(req.headers["exa-signature"] !== undefined && (failNext = !failNext) ? 500 : 200).end()
    })
    let failNext = false
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/exa`
  })

  afterAll(async () => {
    receiver.closeAllConnections()
    receiver.close()
    await mock.close()
  })

  it("create, get, list, listAll, getAll, update, listAttempts, listAllAttempts, getAllAttempts, delete", async () => {
    const webhooks = exa.websets.webhooks
    const created = await webhooks.create({
      url: receiverUrl,
      events: ["webset.created", "webset.idle"] as Array<EventType>,
      metadata: { owner: "sdk-test" }
    })
    expect(created).toMatchObject({ object: "webhook", status: "active", url: receiverUrl, metadata: { owner: "sdk-test" } })
    expect(created.secret).toMatch(/^whsec_/)

    const got = await webhooks.get(created.id)
    expect(got).toEqual({ ...created, secret: null })

    const second = await webhooks.create({ url: receiverUrl, events: ["webset.deleted"] as Array<EventType> })
    const page = await webhooks.list({ limit: 1 })
    expect(page.data.map((w) => w.id)).toEqual([second.id])
    expect(page.hasMore).toBe(true)
    const viaIterator: Array<string> = []
    for await (const w of webhooks.listAll({ limit: 1 })) viaIterator.push(w.id)
    expect(viaIterator).toEqual([second.id, created.id])
    expect((await webhooks.getAll({ limit: 1 })).map((w) => w.id)).toEqual([second.id, created.id])

    const updated = await webhooks.update(created.id, { events: ["webset.created"] as Array<EventType> })
    expect(updated).toMatchObject({ id: created.id, events: ["webset.created"], status: "active", metadata: { owner: "sdk-test" } })
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt))

    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${mock.url}/_mock/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "webset.created", data: { id: `webset_${i}` } })
      })
      expect(response.status).toBe(200)
    }
    const attempts = await webhooks.listAttempts(created.id, { limit: 3 })
    expect(attempts.data.map((a) => a.attempt)).toEqual([2, 1, 2])
    expect(attempts.hasMore).toBe(true)
    const failed = await webhooks.listAttempts(created.id, { successful: false, eventType: "webset.created" as EventType })
    expect(failed.data.map((a) => a.responseStatusCode)).toEqual([500, 500])
    const all: Array<number> = []
    for await (const a of webhooks.listAllAttempts(created.id, { limit: 1 })) all.push(a.responseStatusCode)
    expect(all).toEqual([200, 500, 200, 500])
    expect(await webhooks.getAllAttempts(created.id, { successful: true })).toHaveLength(2)

    const deleted = await webhooks.delete(created.id)
    expect(deleted).toMatchObject({ id: created.id, secret: null })
    const missing = await webhooks.get(created.id).catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(ExaError)
    expect(missing).toMatchObject({ statusCode: 404 })
    expect((missing as ExaError).message).toMatch(/No webhook has the id/)
  })

  it("events: list (with types), listAll, get", async () => {
    await mock.reset()
    const ids: Array<string> = []
    for (const type of ["webset.created", "webset.idle", "webset.item.created"]) {
      const response = await fetch(`${mock.url}/_mock/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type })
      })
      ids.push(((await response.json()) as { event: { id: string } }).event.id)
    }
    const events = exa.websets.events
    const page = await events.list({ types: ["webset.created", "webset.item.created"] as Array<EventType>, limit: 1 })
    expect(page.data.map((e) => e.id)).toEqual([ids[2]])
    expect(page.hasMore).toBe(true)
    const all: Array<string> = []
    for await (const event of events.listAll({ limit: 2 })) all.push(event.id)
    expect(all).toEqual(ids.toReversed())
    const got = await events.get(ids[1]!)
    expect(got).toMatchObject({ id: ids[1], object: "event", type: "webset.idle", data: { object: "webset", status: "idle" } })
    const missing = await events.get("event_missing").catch((e: unknown) => e)
    expect(missing).toMatchObject({ statusCode: 404 })
  })

  it("errors surface through the SDK with their status and message", async () => {
    const invalid = await exa.websets.webhooks.create({ url: "not a url", events: [] }).catch((e: unknown) => e)
    expect(invalid).toMatchObject({ statusCode: 400 })
    expect((invalid as ExaError).message).toMatch(/events: at least one event is required/)
    expect((invalid as ExaError).message).toMatch(/url: expected an absolute http\(s\) URL/)

    const unauthorized = await new Exa("wrong-key", mock.url).websets.webhooks.list().catch((e: unknown) => e)
    expect(unauthorized).toMatchObject({ statusCode: 401 })
    expect((unauthorized as ExaError).message).toMatch(/^Unauthorized\. The API key sent in the x-api-key header/)
  })
})
