import { assert, describe, it } from "@effect/vitest"
import * as Text from "@exa-webhooks/cli-kit/Text"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import * as Progress from "../src/Progress.ts"
import { envFor, lines, manifestOf, mockLayer, run, writeManifest } from "./fixtures/batch.ts"

const plain = (text: Text.Text) => Text.render(text, { color: false })

describe("apply's progress", () => {
  it("the status line: done of total, the rate so far, the time left at that rate, the failures", () => {
    assert.strictEqual(
      plain(Progress.statusLine({ done: 120, total: 500, failed: 2, elapsedMillis: 5_000, width: 20 })),
      "[#####...............] 120/500  24.0/s  ETA 16s  2 failed"
    )
    assert.strictEqual(
      plain(Progress.statusLine({ done: 500, total: 500, failed: 0, elapsedMillis: 50_000, width: 10 })),
      "[##########] 500/500  10.0/s"
    )
    assert.strictEqual(plain(Progress.statusLine({ done: 0, total: 9, failed: 0, elapsedMillis: 0, width: 4 })), "[....] 0/9  0.0/s")
    assert.deepStrictEqual([Progress.formatEta(42), Progress.formatEta(200), Progress.formatEta(3_900)], ["42s", "3m 20s", "1h 05m"])
  })

  it.live("on a terminal: a status line redrawn in place, failures above it; off one, a plain line per item", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const onTerminal = yield* run(["apply", writeManifest(manifestOf("tty", 3))], { env, stderrIsTerminal: true })
      assert.strictEqual(onTerminal.code, 0, onTerminal.stderr)
      // oxlint-disable-next-line no-control-regex
      assert.match(onTerminal.stderr, /\r\[#{20}\] 3\/3 {2}\d+\.\d\/s\u001b\[K/)
      assert.isTrue(onTerminal.stderr.endsWith("\r\u001b[K"), "the status line is cleared at the end")
      assert.notInclude(onTerminal.stderr, "created hook-0", "no line per item on a terminal")

      const piped = yield* run(["apply", writeManifest(manifestOf("pipe", 3))], { env })
      assert.strictEqual(piped.code, 0, piped.stderr)
      const items = lines(piped.stderr)
      assert.strictEqual(items.length, 3, piped.stderr)
      for (const line of items) assert.match(line, /^\[[123]\/3\] created hook-[012] \(webhook_\w+\)$/)
      assert.notInclude(piped.stderr, "\r")

      const json = yield* run(["apply", writeManifest(manifestOf("json", 3)), "--json"], { env, stderrIsTerminal: true })
      assert.strictEqual(json.stderr, "")
    }).pipe(Effect.provide(mockLayer())))

  it.live("failures are counted on the status line and each is printed above it", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const result = yield* run(["apply", writeManifest(manifestOf("failing", 4)), "--concurrency", "1"], {
        env: envFor(mock, { EXA_MAX_RETRIES: "0" }),
        stderrIsTerminal: true
      })
      assert.strictEqual(result.code, 1, result.stderr)
      const failures = (result.stderr.match(/failed hook-\d/g) ?? []).length
      assert.isAbove(failures, 0, result.stderr)
      assert.include(result.stderr, `${failures} failed`)
    }).pipe(Effect.provide(mockLayer({ faultRate: 0.5, seed: 3 }))))
})
