import { assert, describe, it } from "@effect/vitest"
import * as Testing from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { API_KEY, envFor, json, mockLayer, run } from "./fixtures/cli.ts"

// What Exa returns is shown, never obeyed: a URL's password is masked wherever it is printed (stdout included, text
// and JSON) and kept in what is sent; control characters and bidi overrides in remote data are shown escaped in
// text and as JSON escapes in --json.

const PASSWORD = "hunter2-pw-8c1d"
const URL_WITH_PASSWORD = `https://ops:${PASSWORD}@example.com/hooks/exa`
const MASKED = "https://ops:****@example.com/hooks/exa"

// Clears the screen, homes the cursor, prints a fake line over the real one, and reverses what follows.
const HOSTILE = {
  note: "ok\u001b[2J\u001b[H0 to create\rfake",
  "bidi\u202ekey": "gnp.exe\u202e\u2066x\u2069",
  lines: "one\ntwo\u0085three\u2028four",
  link: `see ${URL_WITH_PASSWORD}`
}

// oxlint-disable-next-line no-control-regex
const RAW = /[\u001b\r\u0085\u2028\u202e\u2066\u2069]/

const api = (mock: MockServer.Service, method: string, path: string, body?: unknown) => Testing.api(mock, API_KEY, method, path, body)

describe("remote data is shown safely", () => {
  it.live("list, get and delete: the URL's password masked (text and --json), control characters escaped; JSON keeps the values", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const hook = yield* api(mock, "POST", "/websets/v0/webhooks", {
        url: URL_WITH_PASSWORD,
        events: ["webset.created"],
        metadata: HOSTILE
      })
      const runs = {
        list: yield* run(["list"], { env }),
        get: yield* run(["get", hook.id], { env }),
        listJson: yield* run(["list", "--json"], { env }),
        getJson: yield* run(["get", hook.id, "--json"], { env })
      }
      for (const [name, result] of Object.entries(runs)) {
        assert.strictEqual(result.code, 0, `${name}: ${result.stderr}`)
        assert.notInclude(result.stdout + result.stderr, PASSWORD, name)
        assert.notMatch(result.stdout, RAW, `${name}: no raw control or bidi character reaches the terminal`)
      }
      assert.include(runs.list.stdout, MASKED)
      assert.include(runs.get.stdout, `url      ${MASKED}`)
      assert.include(runs.get.stdout, "note=ok\\u001b[2J\\u001b[H0 to create\\rfake")
      assert.include(runs.get.stdout, "bidi\\u202ekey=gnp.exe\\u202e\\u2066x\\u2069")
      assert.include(runs.get.stdout, "lines=one\\ntwo\\u0085three\\u2028four")
      assert.include(runs.get.stdout, `link=see ${MASKED}`)
      // Each field on its own line: nothing from Exa started a line of its own.
      assert.deepStrictEqual(
        runs.get.stdout.trimEnd().split("\n").map((line) => line.trim().split(/\s+/)[0]),
        ["Webhook", "id", "status", "url", "events", "metadata", "created", "updated"]
      )
      // --json: the same values, control characters as JSON escapes; only the URLs' passwords are masked.
      const got = json(runs.getJson)
      assert.strictEqual(got.url, MASKED)
      assert.deepStrictEqual(got.metadata, { ...HOSTILE, link: `see ${MASKED}` })
      assert.strictEqual(json(runs.listJson).data[0].url, MASKED)

      const deleted = yield* run(["delete", hook.id, "--yes"], { env })
      assert.strictEqual(deleted.code, 0, deleted.stderr)
      assert.strictEqual(deleted.stdout, `Deleted webhook ${hook.id} (${MASKED}).\n`)
    }).pipe(Effect.provide(mockLayer())))

  it.live("create and update send the URL with its password and show it masked, --dry-run included", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const created = yield* run(["create", "--url", URL_WITH_PASSWORD, "--event", "webset.created", "--json"], { env })
      assert.strictEqual(created.code, 0, created.stderr)
      const id = json(created).id
      assert.strictEqual(json(created).url, MASKED)
      // Exa got the URL as given: it delivers with the credentials.
      assert.strictEqual((yield* api(mock, "GET", `/websets/v0/webhooks/${id}`)).url, URL_WITH_PASSWORD)

      const other = URL_WITH_PASSWORD.replace("/hooks/exa", "/hooks/other")
      const updated = yield* run(["update", id, "--url", other], { env })
      assert.strictEqual(updated.code, 0, updated.stderr)
      assert.include(updated.stdout, MASKED.replace("/hooks/exa", "/hooks/other"))
      assert.strictEqual((yield* api(mock, "GET", `/websets/v0/webhooks/${id}`)).url, other)

      const preview = yield* run(["--dry-run", "create", "--url", URL_WITH_PASSWORD, "--event", "webset.created"], { env })
      assert.strictEqual(preview.code, 0, preview.stderr)
      assert.include(preview.stdout, MASKED)
      for (const result of [created, updated, preview]) assert.notInclude(result.stdout + result.stderr, PASSWORD)
    }).pipe(Effect.provide(mockLayer())))
})
