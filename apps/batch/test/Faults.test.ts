import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { BIN, envFor, journal, journalOf, json, manifestOf, mockLayer, remote, run, stats, writeManifest } from "./fixtures/batch.ts"

/** Checks the invariant: exactly one remote webhook per key of the namespace. */
const onePerKey = (webhooks: ReadonlyArray<{ readonly metadata: Record<string, string> | null }>, namespace: string, count: number) => {
  const keys = webhooks
    .filter((webhook) => webhook.metadata?.["exa-webhooks.namespace"] === namespace)
    .map((webhook) => webhook.metadata?.["exa-webhooks.key"])
  assert.strictEqual(keys.length, count, "one remote webhook per key")
  assert.strictEqual(new Set(keys).size, count, "no key twice")
}

describe("faults, 429s and crashes", () => {
  it.live("under 5xx, ambiguous failures and 429s, applying until success creates each webhook exactly once and journals every secret", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      // The client paces at 8/s against a server that allows 3/s, 16 requests at a time: 429s whatever the machine's
      // speed, each one pausing the client as the server asks.
      const manifest = writeManifest(manifestOf("faulty", 16))
      let last = { code: null as number | null, stderr: "" }
      for (let attempt = 0; attempt < 6 && last.code !== 0; attempt++) {
        const result = yield* run(["apply", manifest, "--json", "--rotate-missing-secrets", "--concurrency", "16", "--rate-limit", "8"], {
          env: { ...env, EXA_MAX_RETRIES: "10" }
        })
        last = result
        assert.oneOf(result.code, [0, 1], result.stderr)
        if (result.stdout !== "") json(result) // one document when there is a report
      }
      assert.strictEqual(last.code, 0, last.stderr)
      const s = yield* stats
      assert.isAbove(s.rateLimited, 0, "the mock answered some requests 429")
      assert.isAbove(s.ambiguousFaults, 0, "some changes were applied and then failed")
      const webhooks = yield* remote(mock)
      onePerKey(webhooks, "faulty", 16)
      const journaled = new Set(journal(journalOf(manifest)).map((entry) => entry.id))
      for (const webhook of webhooks as ReadonlyArray<{ readonly id: string }>) assert.isTrue(journaled.has(webhook.id), `secret of ${webhook.id}`)
      const before = yield* stats
      const again = yield* run(["apply", manifest], { env })
      // Faults may still fail the listing; nothing may be created.
      assert.oneOf(again.code, [0, 1])
      assert.strictEqual((yield* stats).creates, before.creates)
    }).pipe(Effect.provide(mockLayer({ faultRate: 0.15, ambiguousFaultRate: 0.15, rateLimit: 3, seed: 7 }))))

  it.live("kill -9 during apply, then apply again: one webhook per key, a journal entry for each created one, the rest reported and rotated", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const count = 30
      const manifest = writeManifest(manifestOf("crash", count))
      const secrets = journalOf(manifest)
      // Killed once a few secrets are journaled, while other creates are in flight (the mock holds each answer 150 ms
      // after committing it, so some webhooks exist whose secret never arrived).
      const killed = yield* Effect.callback<NodeJS.Signals | null>((resume) => {
        const child = spawn(process.execPath, [BIN, "apply", manifest, "--concurrency", "4"], { env, stdio: "ignore" })
        const poll = setInterval(() => {
          const lines = existsSync(secrets) ? readFileSync(secrets, "utf8").split("\n").length - 1 : 0
          if (lines >= 5) {
            clearInterval(poll)
            child.kill("SIGKILL")
          }
        }, 5)
        child.on("close", (_code, signal) => {
          clearInterval(poll)
          resume(Effect.succeed(signal))
        })
      })
      assert.strictEqual(killed, "SIGKILL")
      const afterKill = yield* remote(mock)
      assert.isBelow(afterKill.length, count, "killed mid-run")
      const journaledAtKill = new Set(journal(secrets).map((entry) => entry.id))
      const unjournaled = afterKill.filter((webhook) => !journaledAtKill.has(webhook.id)).length
      assert.isAtLeast(unjournaled, 1, "some webhooks were created whose secret never reached the journal")

      const second = yield* run(["apply", manifest, "--json"], { env })
      assert.strictEqual(second.code, 0, second.stderr)
      const report = json(second)
      assert.strictEqual(report.summary.created, count - afterKill.length)
      assert.strictEqual(report.summary.missingSecrets, unjournaled)
      assert.include(second.stderr, "--rotate-missing-secrets")
      onePerKey(yield* remote(mock), "crash", count)
      const plan = yield* run(["plan", manifest, "--json"], { env })
      assert.strictEqual(json(plan).summary.missingSecrets, unjournaled)

      const third = yield* run(["apply", manifest, "--rotate-missing-secrets", "--json"], { env })
      assert.strictEqual(third.code, 0, third.stderr)
      assert.strictEqual(json(third).summary.rotated, unjournaled)
      const final = yield* remote(mock)
      onePerKey(final, "crash", count)
      const journaled = new Set(journal(secrets).map((entry) => entry.id))
      for (const webhook of final) assert.isTrue(journaled.has(webhook.id), `secret of ${webhook.id}`)
    }).pipe(Effect.provide(mockLayer({ latencyMillis: 150 }))))

  it.live("Ctrl-C during apply: exits 130 after the creates already sent are finished and their secrets journaled", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const count = 20
      const manifest = writeManifest(manifestOf("interrupted", count))
      const secrets = journalOf(manifest)
      const result = yield* Effect.callback<{ code: number | null; stderr: string }>((resume) => {
        const child = spawn(process.execPath, [BIN, "apply", manifest, "--concurrency", "4"], { env, stdio: ["ignore", "ignore", "pipe"] })
        let stderr = ""
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
        const poll = setInterval(() => {
          const lines = existsSync(secrets) ? readFileSync(secrets, "utf8").split("\n").length - 1 : 0
          if (lines >= 3) {
            clearInterval(poll)
            child.kill("SIGINT")
          }
        }, 5)
        child.on("close", (code) => {
          clearInterval(poll)
          resume(Effect.succeed({ code, stderr }))
        })
      })
      assert.strictEqual(result.code, 130, result.stderr)
      assert.include(result.stderr, "interrupted")
      const webhooks = yield* remote(mock)
      assert.isBelow(webhooks.length, count, "stopped mid-run")
      const journaled = new Set(journal(secrets).map((entry) => entry.id))
      for (const webhook of webhooks) assert.isTrue(journaled.has(webhook.id), `secret of ${webhook.id} was kept`)
    }).pipe(Effect.provide(mockLayer({ latencyMillis: 150 }))))
})
