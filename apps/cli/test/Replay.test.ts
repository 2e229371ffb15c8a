import { assert, describe, it } from "@effect/vitest"
import * as Testing from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { WebhookAttempt } from "@exa-webhooks/schema"
import { Effect, Option, Redacted, Schema } from "effect"
import * as Replay from "../src/Replay.ts"
import { app, counts } from "./fixtures/app.ts"
import { API_KEY, json, mockLayer, run } from "./fixtures/cli.ts"
import { capture, services, sessionFor } from "./fixtures/inProcess.ts"
import { secretFile } from "./fixtures/listener.ts"

const api = (mock: MockServer.Service, method: string, path: string, body?: unknown) => Testing.api(mock, API_KEY, method, path, body)

/** A webhook for `webset.created`, pointed at an app that verifies with its secret. */
const webhookWithApp = (mock: MockServer.Service, policy?: Parameters<typeof app>[1]) =>
  Effect.gen(function*() {
    const hook = yield* api(mock, "POST", "/websets/v0/webhooks", { url: "http://127.0.0.1:9/not-yet", events: ["webset.created"] })
    const yourApp = yield* app(hook.secret, policy)
    yield* api(mock, "PATCH", `/websets/v0/webhooks/${hook.id}`, { url: yourApp.url })
    return { id: hook.id as string, secret: hook.secret as string, app: yourApp }
  })

const publish = (mock: MockServer.Service) =>
  Effect.map(api(mock, "POST", "/_mock/events", { type: "webset.created" }), (answer) => answer.event.id as string)

const replay = (
  mock: MockServer.Service,
  options: Omit<Partial<Replay.Options>, "secret"> & { readonly webhookId: string; readonly secret?: string }
) => {
  const { layer, printed } = capture()
  const { secret, ...rest } = options
  return Replay.run({
    session: sessionFor(mock),
    failed: false,
    since: Option.none(),
    events: [],
    to: Option.none(),
    dryRun: false,
    ...rest,
    secret: Effect.succeed(Redacted.make(secret ?? "unused"))
  }).pipe(Effect.provide(services(layer)), Effect.result, Effect.map((result) => ({ result, printed })))
}

// Every try is recorded, two per event here: a failed try that a retry mended, and events whose every try failed.
const twoTries = mockLayer({ deliveryAttempts: 2, deliveryRetryDelayMillis: 10 })

const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString()

const attempt = (eventId: string, n: number, successful: boolean, s: number) =>
  Schema.decodeUnknownSync(WebhookAttempt.WebhookAttempt)({
    id: `attempt_${eventId}_${n}`,
    object: "webhook_attempt",
    eventId,
    eventType: "webset.created",
    webhookId: "webhook_1",
    url: "https://example.com",
    successful,
    responseHeaders: {},
    responseBody: null,
    responseStatusCode: successful ? 200 : 503,
    attempt: n,
    attemptedAt: at(s)
  })

describe("replay", () => {
  it("groups attempts by event: an event counts as delivered when any of its attempts succeeded", () => {
    // Newest first, as listed.
    const grouped = Replay.byEvent([
      attempt("b", 2, false, 40),
      attempt("a", 2, true, 30),
      attempt("b", 1, false, 20),
      attempt("a", 1, false, 10)
    ])
    assert.deepStrictEqual(grouped.map((e) => [e.eventId, e.tries, e.delivered]), [["a", 2, true], ["b", 2, false]])
  })

  it.live("--failed: an app that was down gets exactly the events no attempt delivered, each once, verified", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      let down = true
      let flaky: string | undefined
      const hook = yield* webhookWithApp(mock, {
        policy: (id, n) => {
          if (!down) return "accept"
          flaky ??= id
          // The first event's retry got through; every other try failed.
          return id === flaky && n === 2 ? "accept" : 503
        }
      })
      const missed = [yield* publish(mock), yield* publish(mock), yield* publish(mock), yield* publish(mock)]
      down = false
      const delivered = yield* publish(mock)
      const before = hook.app.received.length

      const dry = yield* replay(mock, { webhookId: hook.id, failed: true, dryRun: true })
      assert.strictEqual(dry.result._tag, "Success")
      assert.include(dry.printed.stdout[0]!, "Would replay 3 failed events")
      assert.strictEqual(hook.app.received.length, before, "a dry run delivers nothing")

      const { printed, result } = yield* replay(mock, { webhookId: hook.id, failed: true, secret: hook.secret })
      assert.strictEqual(result._tag, "Success")
      const replayed = hook.app.received.slice(before)
      assert.deepStrictEqual(replayed.map((r) => r.id), missed.slice(1))
      assert.isTrue(replayed.every((r) => r.verified && r.status === 200))
      assert.notInclude(replayed.map((r) => r.id), delivered)
      assert.strictEqual(printed.stdout.at(-1), `Replayed 3 failed events of webhook ${hook.id} to ${hook.app.url}: 3 delivered, 0 refused, 0 failed.`)

      // Each event at most once per run: nothing failed any more, and a second --failed run finds the same three
      // (replays are not attempts), delivering each once again.
      const again = yield* replay(mock, { webhookId: hook.id, failed: true, secret: hook.secret })
      assert.strictEqual(again.result._tag, "Success")
      assert.deepStrictEqual(counts(hook.app.received.slice(before).map((r) => r.id!)), Object.fromEntries(missed.slice(1).map((id) => [id, 2])))
    }).pipe(Effect.provide(twoTries)))

  it.live("the app's inbox processes a replayed delivery once; refusals and unknown events are counted, exit 1", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const hook = yield* webhookWithApp(mock, { once: true })
      const event = yield* publish(mock)
      assert.deepStrictEqual(hook.app.processed, [event])

      const { result } = yield* replay(mock, { webhookId: hook.id, events: [event], secret: hook.secret })
      assert.strictEqual(result._tag, "Success")
      // Delivered (answered 200, a duplicate), and not processed again.
      assert.deepStrictEqual(hook.app.received.map((r) => r.status), [204, 200])
      assert.deepStrictEqual(hook.app.processed, [event])

      // A wrong secret is refused by the app's verification; an id Exa does not have is a failure.
      const wrong = yield* replay(mock, { webhookId: hook.id, events: [event, "event_missing"], secret: "whsec_wrong" })
      assert.strictEqual(wrong.result._tag, "Failure")
      assert.strictEqual(wrong.printed.stdout.at(-1), `Replayed 2 events of webhook ${hook.id} to ${hook.app.url}: 0 delivered, 1 refused, 1 failed.`)
      assert.match(wrong.printed.stdout[0]!, /^refused +webset\.created \S+ -> 401.*check that the secret is the webhook's/)
      assert.deepStrictEqual(hook.app.processed, [event])
    }).pipe(Effect.provide(mockLayer())))

  it.live("the bin: replay --failed with --secret-file, --json summary, --to elsewhere", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      let down = true
      const hook = yield* webhookWithApp(mock, { policy: () => (down ? 503 : "accept") })
      const missed = yield* publish(mock)
      down = false
      const other = yield* app(hook.secret)
      const result = yield* run(
        ["replay", hook.id, "--failed", "--since", "1h", "--to", other.url, "--secret-file", secretFile(hook.secret), "--json"],
        { env: { EXA_BASE_URL: mock.url, EXA_API_KEY: API_KEY } }
      )
      assert.strictEqual(result.code, 0, result.stderr)
      const summary = json(result)
      assert.deepStrictEqual([summary.url, summary.delivered, summary.refused, summary.failed], [other.url, 1, 0, 0])
      assert.deepStrictEqual(other.accepted(), [missed])
      assert.notInclude(result.stdout + result.stderr, hook.secret)

      const noSecret = yield* run(["replay", hook.id, "--failed"], { env: { EXA_BASE_URL: mock.url, EXA_API_KEY: API_KEY } })
      assert.strictEqual(noSecret.code, 2)
      assert.include(noSecret.stderr, "no signing secret: pass --secret-file PATH")
    }).pipe(Effect.provide(mockLayer())), Testing.timeoutFor(2))
})
