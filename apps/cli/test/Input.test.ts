import { assert, describe, it } from "@effect/vitest"
import { EventType } from "@exa-webhooks/schema"
import { Effect, Option, Schema } from "effect"
import * as Input from "../src/Input.ts"

describe("Input", () => {
  it("splits comma-separated events (the rule of each --event), in order", () => {
    assert.deepStrictEqual(Schema.decodeUnknownSync(EventType.EventList)("webset.created, webset.idle,,"), [
      "webset.created",
      "webset.idle"
    ])
    assert.include(String(Schema.decodeUnknownExit(EventType.EventList)("webset.created,webset.idl")), 'did you mean "webset.idle"')
  })

  it.effect("parses metadata: the value is everything after the first =", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Input.metadata(["team=growth", "query=a=b", "empty="]), {
        team: "growth",
        query: "a=b",
        empty: ""
      })
      const twice = yield* Effect.flip(Input.metadata(["team=a", "team=b"]))
      assert.include(twice.message, "--metadata \"team\" is given more than once")
    }))

  it.effect("names metadata problems by key, as typed", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Input.createParameters({
        url: Option.some("https://example.com/hook"),
        events: ["webset.created"],
        metadata: { "my key": "x".repeat(1001) }
      }))
      assert.include(error.message, "--metadata my key: ")
    }))

  it.effect("reports every broken flag of a create at once", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Input.createParameters({
        url: Option.some("nope"),
        events: ["webset.nope"],
        metadata: undefined
      }))
      assert.include(error.message, "--url: ")
      assert.include(error.message, "--event: ")
    }))
})
