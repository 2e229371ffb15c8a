import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { WebhooksApi } from "@exa-webhooks/schema"
import { HttpApiClient } from "effect/http-api"
import { API_KEY, envFor, HOOK_URL, json, lines, mockLayer, run, stats } from "./fixtures/cli.ts"

const maskedKey = `****...${API_KEY.slice(-4)}`

// The paths the requests must have, from the API's one definition.
const paths = HttpApiClient.urlBuilder(WebhooksApi.WebhooksApi).webhooks
const WEBHOOKS = paths.list({ query: {} })

describe("--dry-run", () => {
  it.live("prints the create request with the key masked, sends nothing and creates no secret file", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const secretFile = join(mkdtempSync(join(tmpdir(), "exa-webhooks-dry-")), "hook.secret")
      const result = yield* run(
        ["create", "--url", HOOK_URL, "--event", "webset.created", "--metadata", "team=growth", "--secret-file", secretFile, "--dry-run"],
        { env: envFor(mock) }
      )
      assert.strictEqual(result.code, 0, result.stderr)
      const [requestLine] = lines(result.stdout)
      assert.strictEqual(requestLine, `POST ${mock.url}${paths.create()}`)
      assert.include(result.stdout, `x-api-key: ${maskedKey}`)
      assert.include(result.stdout, "content-type: application/json")
      assert.include(result.stdout, '"team": "growth"')
      assert.include(result.stdout, `"url": "${HOOK_URL}"`)
      assert.notInclude(result.stdout + result.stderr, API_KEY)
      assert.include(result.stderr, "nothing was sent")
      assert.isFalse(existsSync(secretFile))
      assert.strictEqual((yield* stats).requests, 0)
    }).pipe(Effect.provide(mockLayer())))

  it.live("with --json, prints the request as one document", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const result = yield* run(["--dry-run", "--json", "update", "webhook_1", "--event", "webset.idle"], { env: envFor(mock) })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stderr, "")
      const request = json(result)
      assert.strictEqual(request.dryRun, true)
      assert.strictEqual(request.method, "PATCH")
      assert.strictEqual(request.url, `${mock.url}${paths.update({ params: { id: "webhook_1" } })}`)
      assert.strictEqual(request.headers["x-api-key"], maskedKey)
      assert.deepStrictEqual(request.body, { events: ["webset.idle"] })
      assert.notInclude(result.stdout, API_KEY)
      assert.strictEqual((yield* stats).requests, 0)
    }).pipe(Effect.provide(mockLayer())))

  it.live("shows the query of list and attempts, and delete needs no confirmation", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const list = yield* run(["list", "--limit", "5", "--dry-run"], { env })
      assert.strictEqual(lines(list.stdout)[0], `GET ${mock.url}${paths.list({ query: { limit: 5 } })}`)
      const attempts = yield* run(["attempts", "webhook_1", "--successful", "false", "--event-type", "webset.idle", "--dry-run"], { env })
      const url = new URL(lines(attempts.stdout)[0]!.split(" ")[1]!)
      assert.strictEqual(url.pathname, paths.attempts({ params: { id: "webhook_1" }, query: {} }))
      assert.strictEqual(url.searchParams.get("successful"), "false")
      assert.strictEqual(url.searchParams.get("eventType"), "webset.idle")
      const remove = yield* run(["delete", "webhook_1", "--dry-run"], { env })
      assert.strictEqual(remove.code, 0, remove.stderr)
      assert.strictEqual(lines(remove.stdout)[0], `DELETE ${mock.url}${paths.delete({ params: { id: "webhook_1" } })}`)
      assert.strictEqual((yield* stats).requests, 0)
    }).pipe(Effect.provide(mockLayer())))

  it.live("masks only the key's header: a one-character key leaves the rest of the request as it is", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock, { EXA_API_KEY: "a" })
      const args = ["create", "--url", HOOK_URL, "--event", "webset.created", "--metadata", "team=data", "--dry-run"]
      const text = yield* run(args, { env })
      assert.strictEqual(text.code, 0, text.stderr)
      assert.strictEqual(lines(text.stdout)[0], `POST ${mock.url}${paths.create()}`)
      assert.include(text.stdout, "x-api-key: ****\n")
      assert.include(text.stdout, "content-type: application/json")
      assert.include(text.stdout, "accept: application/json")
      assert.match(text.stdout, /user-agent: exa-webhooks-client\//)
      assert.include(text.stdout, '"team": "data"')
      assert.include(text.stdout, '"webset.created"')
      assert.notInclude(text.stdout.replace("x-api-key: ****", ""), "****")

      const asJson = yield* run([...args, "--json"], { env })
      assert.strictEqual(asJson.code, 0, asJson.stderr)
      const request = json(asJson)
      assert.strictEqual(request.headers["x-api-key"], "****")
      assert.strictEqual(request.headers["content-type"], "application/json")
      assert.strictEqual(request.headers.accept, "application/json")
      assert.strictEqual(request.url, `${mock.url}${WEBHOOKS}`)
      assert.deepStrictEqual(request.body.events, ["webset.created"])
      assert.strictEqual(request.body.metadata.team, "data")
      assert.strictEqual((yield* stats).requests, 0)
    }).pipe(Effect.provide(mockLayer())))

  it.live("still checks the input first", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const result = yield* run(["create", "--url", HOOK_URL, "--event", "nope", "--dry-run"], { env: envFor(mock) })
      assert.strictEqual(result.code, 2)
      assert.strictEqual(result.stdout, "")
    }).pipe(Effect.provide(mockLayer())))
})
