import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { envFor, HOOK_URL, json, lines, mockLayer, publishEvent, run, stats } from "./fixtures/cli.ts"

describe("a webhook's life through the CLI", () => {
  it.live("--help lists the commands and the exit codes on stdout, and exits 0", () =>
    Effect.gen(function*() {
      const result = yield* run(["--help"])
      assert.strictEqual(result.code, 0)
      assert.strictEqual(result.stderr, "")
      for (const command of ["create", "list", "get", "update", "delete", "attempts"]) {
        assert.include(result.stdout, command)
      }
      assert.include(result.stdout, "EXIT CODES")
      assert.match(result.stdout, /^ {2}2 {4}invalid usage/m)
      assert.include(result.stdout, "EXA_API_KEY")
      const create = yield* run(["create", "--help"])
      assert.strictEqual(create.code, 0)
      assert.include(create.stdout, "--secret-file")
      assert.include(create.stdout, "EXIT CODES")
    }))

  it.live("create, list, get, update, attempts and delete, as text; the secret appears exactly once", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)

      const created = yield* run(
        ["create", "--url", HOOK_URL, "--event", "webset.created,webset.idle", "--event", "webset.item.enriched", "--metadata", "team=growth"],
        { env }
      )
      assert.strictEqual(created.code, 0, created.stderr)
      // stdout is a pipe here, not a terminal: the CLI warns that the secret went there.
      assert.match(created.stderr, /^exa-webhooks: warning: the signing secret is printed to stdout, which is not a terminal/)
      const id = /Created webhook (\S+)\./.exec(created.stdout)?.[1]
      assert.isDefined(id)
      // The secret is the last line, under its heading.
      const [heading, secretLine] = lines(created.stdout).slice(-2)
      assert.match(heading!, /^Signing secret/)
      const secret = secretLine?.trim()
      assert.isAbove(secret?.length ?? 0, 8)
      assert.include(created.stdout, "shown only this once")
      assert.strictEqual(created.stdout.split(secret!).length - 1, 1, "the secret is printed once")
      assert.notInclude(created.stderr, secret!)
      assert.include(created.stdout, "team=growth")

      const listed = yield* run(["list"], { env })
      assert.strictEqual(listed.code, 0)
      assert.match(lines(listed.stdout)[0]!, /^ID\s+STATUS\s+EVENTS/)
      assert.include(listed.stdout, id!)

      const got = yield* run(["get", id!], { env })
      assert.strictEqual(got.code, 0)
      assert.include(got.stdout, HOOK_URL)
      assert.notInclude(got.stdout, secret!)

      const updated = yield* run(["update", id!, "--event", "webset.created", "--metadata", "team=search"], { env })
      assert.strictEqual(updated.code, 0, updated.stderr)
      assert.include(updated.stdout, "Updated webhook")
      assert.include(updated.stdout, "team=search")

      yield* publishEvent("webset.created")
      const attempts = yield* run(["attempts", id!], { env })
      assert.strictEqual(attempts.code, 0, attempts.stderr)
      assert.match(lines(attempts.stdout)[0]!, /^ATTEMPTED\s+EVENT TYPE\s+RESULT/)
      assert.include(attempts.stdout, "webset.created")

      const deleted = yield* run(["delete", id!, "--yes"], { env })
      assert.strictEqual(deleted.code, 0, deleted.stderr)
      assert.include(deleted.stdout, `Deleted webhook ${id}`)
      assert.strictEqual((yield* stats).webhooks, 0)
    }).pipe(Effect.provide(mockLayer())))

  it.live("with --json, stdout carries exactly one JSON document per command and stderr stays empty", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)

      const created = yield* run(["--json", "create", "--url", HOOK_URL, "--event", "webset.created"], { env })
      assert.strictEqual(created.code, 0, created.stderr)
      assert.strictEqual(created.stderr, "")
      const webhook = json(created)
      assert.strictEqual(webhook.object, "webhook")
      assert.isString(webhook.secret, "without --secret-file the JSON document is the secret's only copy")

      // Global flags may also follow the command.
      const listed = yield* run(["list", "--json"], { env })
      const page = json(listed)
      assert.deepStrictEqual(Object.keys(page), ["data", "hasMore", "nextCursor"])
      assert.deepStrictEqual(page.data.map((w: { id: string }) => w.id), [webhook.id])
      assert.isNull(page.data[0].secret)

      const all = json(yield* run(["list", "--all", "--limit", "1", "--json"], { env }))
      assert.strictEqual(all.data.length, 1)
      assert.isFalse(all.hasMore)

      const got = json(yield* run(["get", webhook.id, "--json"], { env }))
      assert.strictEqual(got.id, webhook.id)

      const updated = json(yield* run(["update", webhook.id, "--url", "https://example.com/v2", "--json"], { env }))
      assert.strictEqual(updated.url, "https://example.com/v2")

      yield* publishEvent("webset.created")
      const attempts = yield* run(["attempts", webhook.id, "--successful", "false", "--event-type", "webset.created", "--json"], {
        env
      })
      assert.strictEqual(attempts.stderr, "")
      const attemptsPage = json(attempts)
      assert.isAtLeast(attemptsPage.data.length, 1)
      assert.strictEqual(attemptsPage.data[0].object, "webhook_attempt")

      const deleted = yield* run(["delete", webhook.id, "--yes", "--json"], { env })
      assert.strictEqual(deleted.stderr, "")
      assert.strictEqual(json(deleted).id, webhook.id)
    }).pipe(Effect.provide(mockLayer())))

  it.live("list says when there are more pages, on stderr, and --all follows them", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      for (let i = 0; i < 3; i++) {
        const created = yield* run(["create", "--url", `${HOOK_URL}/${i}`, "--event", "webset.created", "--json"], { env })
        assert.strictEqual(created.code, 0, created.stderr)
      }
      const first = yield* run(["list", "--limit", "2"], { env })
      assert.strictEqual(first.code, 0)
      assert.strictEqual(lines(first.stdout).length, 3, "a header and two rows")
      assert.include(first.stderr, "--all")
      const all = yield* run(["list", "--all", "--limit", "2"], { env })
      assert.strictEqual(lines(all.stdout).length, 4)
      assert.strictEqual(all.stderr, "")
    }).pipe(Effect.provide(mockLayer())))
})
