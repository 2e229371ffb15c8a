import { assert, describe, it } from "@effect/vitest"
import * as Testing from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { API_KEY, envFor, json, lines, mockLayer, run, stats } from "./fixtures/cli.ts"

const TIMEOUT = Testing.timeoutFor(10)

describe("exa-webhooks events and trigger, against the mock", () => {
  it.live("trigger makes events; events list filters them by --type and --since; events get shows one as delivered", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const hook = yield* Testing.api(mock, API_KEY, "POST", "/websets/v0/webhooks", { url: Testing.HOOK_URL, events: ["webset.item.enriched"] })

      const triggered = yield* run(["trigger", "webset.item.enriched"], { env })
      assert.strictEqual(triggered.code, 0, triggered.stderr)
      assert.match(triggered.stdout, /^Triggered webset\.item\.enriched event_\S+: delivered to 0 of 1 subscribed webhook\.\n {2}not delivered to /)
      const other = yield* run(["trigger", "webset.created", "--json"], { env })
      const created = json(other).event.id as string
      assert.strictEqual((yield* stats).requests, 1, "trigger sends no API request (the webhook's create was the only one)")

      const all = yield* run(["events", "list"], { env })
      assert.strictEqual(all.code, 0, all.stderr)
      const table = lines(all.stdout)
      assert.deepStrictEqual(table[0]!.split(/\s{2,}/), ["CREATED", "TYPE", "EVENT ID", "ABOUT"])
      assert.strictEqual(table.length, 3)
      assert.include(table[1]!, created)

      const enriched = json(yield* run(["events", "list", "--type", "webset.item.enriched", "--since", "10m", "--json"], { env }))
      assert.deepStrictEqual(enriched.data.map((e: { type: string }) => e.type), ["webset.item.enriched"])
      const future = json(yield* run(["events", "list", "--since", "2999-01-01T00:00:00Z", "--json"], { env }))
      assert.deepStrictEqual(future.data, [])

      const shown = yield* run(["events", "get", created], { env })
      assert.strictEqual(shown.code, 0, shown.stderr)
      assert.match(shown.stdout, new RegExp(`^Event ${created}\\n  id       ${created}\\n  type     webset\\.created\\n`))
      assert.include(shown.stdout, '"object": "webset"')
      const asJson = json(yield* run(["events", "get", created, "--json"], { env }))
      const delivered = yield* Testing.api(mock, API_KEY, "GET", `/websets/v0/events/${created}`)
      assert.deepStrictEqual(asJson, delivered)

      const missing = yield* run(["events", "get", "event_missing"], { env })
      assert.strictEqual(missing.code, 1)
      assert.include(missing.stderr, "No event with this id exists")
      assert.isString(hook.id)
    }).pipe(Effect.provide(mockLayer())), TIMEOUT)

  it.live("trigger refuses Exa's API before sending anything, and says when a server is not the mock", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      // Through a proxy on a closed local port: were the refusal ever lost, the request would still reach no outside host.
      const exa = yield* run(["trigger", "webset.created"], { env: { EXA_API_KEY: API_KEY, HTTPS_PROXY: "http://127.0.0.1:9" } })
      assert.strictEqual(exa.code, 2)
      assert.include(exa.stderr, "https://api.exa.ai is Exa's API, which has no way to make one")
      assert.include(exa.stderr, "nothing was sent")
      // The mock's API paths under another prefix: a server without /_mock/events.
      const notMock = yield* run(["trigger", "webset.created", "--base-url", `${mock.url}/websets`], { env: { EXA_API_KEY: API_KEY } })
      assert.strictEqual(notMock.code, 1)
      assert.include(notMock.stderr, "answered 404 to POST /_mock/events: it is not exa-webhooks-mock")
      const badType = yield* run(["trigger", "webset.completed"], { env: envFor(mock) })
      assert.strictEqual(badType.code, 2)
      assert.include(badType.stderr, "webset.idle")
    }).pipe(Effect.provide(mockLayer())), TIMEOUT)

  it.live("listen: --from-api flags and the receiver's flags do not mix, each refused before anything runs", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const cases = [
        [["listen", "--from-api", "--forward-to", "http://127.0.0.1:3000/hooks", "--port", "4242"], "--port cannot be combined with --from-api"],
        [["listen", "--from-api"], "--from-api needs --forward-to URL"],
        [["listen", "--since", "10m", "--secret-file", "x"], "--since needs --from-api: it chooses what it polls"],
        [["listen"], "no signing secret: pass --secret-file PATH"],
        [["listen", "--from-api", "--forward-to", "http://127.0.0.1:3000/hooks"], "no signing secret: pass --secret-file PATH"],
        [
          ["listen", "--from-api", "--forward-to", "http://127.0.0.1:3000/hooks", "--checkpoint-file", "-"],
          "--checkpoint-file -: the checkpoint is a file rewritten after each delivery and locked"
        ],
        [["listen", "--from-api", "--forward-to", "http://127.0.0.1:3000/hooks", "--since", "soon"], "since must be a duration such as 30s"]
      ] as const
      for (const [args, message] of cases) {
        const result = yield* run(args, { env })
        assert.strictEqual(result.code, 2, `${args.join(" ")}: ${result.stderr}`)
        assert.include(result.stderr, message)
      }
      assert.strictEqual((yield* stats).requests, 0)
    }).pipe(Effect.provide(mockLayer())), TIMEOUT)
})
