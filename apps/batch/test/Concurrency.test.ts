/**
 * Applies that run at the same time, as CI runs them: two clones of one manifest, each with its own journal (two
 * checkouts, two runners, no shared store), and four with a shared Redis. At most one webhook per key whatever the
 * timing; every webhook's secret in exactly one journal; a second round changes nothing. The mock answers every
 * request after 100 ms, so the runs overlap for seconds whatever the machine's speed.
 */
import { assert, describe, it } from "@effect/vitest"
import { RateLimitStore, RedisUrl, WebhooksClient } from "@exa-webhooks/client"
import { RedisServer } from "@exa-webhooks/cli-kit/testing"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect, Redacted } from "effect"
import { API_KEY, envFor, journal, journalOf, json, killWhileSinkRuns, manifestOf, mockLayer, mutations, remote, runBin as run, stats, tempDir, writeManifest } from "./fixtures/batch.ts"
import type { Result } from "./fixtures/batch.ts"

const KEYS = 60

/** `n` clones of one manifest: the same file name in `n` folders, each with its own journal. */
const clones = (namespace: string, n: number) => {
  const text = manifestOf(namespace, KEYS)
  return Array.from({ length: n }, () => writeManifest(text, tempDir()))
}

/** The figures of one round, and the invariants: one webhook per key, each secret in exactly one journal. */
const check = (namespace: string, manifests: ReadonlyArray<string>, results: ReadonlyArray<Result>) =>
  Effect.gen(function*() {
    const mock = yield* MockServer.MockServer
    for (const result of results) assert.strictEqual(result.code, 0, result.stderr)
    const ours = (yield* remote(mock)).filter((webhook) => webhook.metadata?.["exa-webhooks.namespace"] === namespace)
    const keys = ours.map((webhook) => webhook.metadata?.["exa-webhooks.key"])
    assert.strictEqual(new Set(keys).size, KEYS, "every key has a webhook")
    assert.strictEqual(ours.length, KEYS, `no duplicates: ${ours.length - new Set(keys).size} keys have two`)
    const holders = new Map<string, number>()
    for (const manifest of manifests) {
      for (const entry of journal(journalOf(manifest))) holders.set(entry.id, (holders.get(entry.id) ?? 0) + 1)
    }
    for (const webhook of ours) assert.strictEqual(holders.get(webhook.id), 1, `the secret of ${webhook.id} is in exactly one journal`)
    assert.strictEqual(holders.size, KEYS, "no journal holds the secret of a webhook that is gone")
    return results.map((result) => json(result).summary as { created: number; converged: number; unchanged: number })
  })

const applyAt = (manifests: ReadonlyArray<string>, extra: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const mock = yield* MockServer.MockServer
    return yield* Effect.forEach(
      manifests,
      (manifest) => run(["apply", manifest, "--json", "--concurrency", "16", ...extra], { env: envFor(mock) }),
      { concurrency: "unbounded" }
    )
  })

describe("applies at the same time converge on one webhook per key", () => {
  it.live(`two clones of one manifest (${KEYS} keys), each with its own journal, no shared store: 0 duplicates; a second round changes nothing`, () =>
    Effect.gen(function*() {
      const manifests = clones("two-clones", 2)
      const started = Date.now()
      const first = yield* check("two-clones", manifests, yield* applyAt(manifests, []))
      const took = Date.now() - started
      // Both created some keys, and some creates met: the runs did overlap (the race check had work to do).
      const created = first.reduce((sum, s) => sum + s.created, 0)
      const converged = first.reduce((sum, s) => sum + s.converged, 0)
      assert.strictEqual(created, KEYS, "each key created once, by one of them")
      const before = yield* stats
      console.log(`two clones: ${took} ms; created ${first.map((s) => s.created).join(" + ")}, converged ${converged}; ` +
        `${before.requests} requests (${before.creates} creates, ${before.deletes} deletes)`)
      const second = yield* check("two-clones", manifests, yield* applyAt(manifests, []))
      assert.strictEqual(mutations(yield* stats), mutations(before), "the second round sends no change")
      assert.deepStrictEqual(second.map((s) => s.created), [0, 0])
    }).pipe(Effect.provide(mockLayer({ latencyMillis: 100 }))))

  it.live("a duplicate found later is reported with both ids and whose secret is journaled, never deleted unless asked", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const [mine, theirs] = clones("found-later", 2)
      assert.strictEqual((yield* run(["apply", mine!], { env })).code, 0)
      // Another checkout made a second webhook for hook-3 by other means (an older version, a hand-made copy).
      const kept = journal(journalOf(mine!)).find((entry) => entry.key === "hook-3")!
      const twin = yield* Effect.promise(() =>
        fetch(`${mock.url}/websets/v0/webhooks`, {
          method: "POST",
          headers: { "x-api-key": API_KEY, "content-type": "application/json" },
          body: JSON.stringify({
            url: kept.url,
            events: ["webset.item.created"],
            metadata: { team: "growth", "exa-webhooks.namespace": "found-later", "exa-webhooks.key": "hook-3", "exa-webhooks.manifest": "webhooks.yaml" }
          })
        }).then((response) => response.json() as Promise<{ id: string }>)
      )
      const plan = yield* run(["plan", mine!], { env })
      assert.match(plan.stdout, new RegExp(`! duplicate +hook-3 +\\(${twin.id}\\) +\\(secret not in this journal\\) besides ${kept.id} \\(kept; secret in this journal\\)`))
      const applied = yield* run(["apply", mine!], { env })
      assert.strictEqual(applied.code, 0, applied.stderr)
      assert.include(applied.stderr, `apply --delete-duplicate ${twin.id}`)
      assert.strictEqual((yield* remote(mock)).length, KEYS + 1, "neither is deleted")
      // Another clone, whose journal holds neither, deletes nothing either.
      const other = yield* run(["apply", theirs!], { env })
      assert.strictEqual(other.code, 0, other.stderr)
      assert.strictEqual((yield* remote(mock)).length, KEYS + 1)
      // Asked by name: that one goes.
      const asked = yield* run(["apply", mine!, "--delete-duplicate", twin.id], { env })
      assert.strictEqual(asked.code, 0, asked.stderr)
      const left = yield* remote(mock)
      assert.strictEqual(left.length, KEYS)
      assert.isTrue(left.some((webhook) => webhook.id === kept.id))
      // An id that is not a duplicate is refused before anything is sent.
      const wrong = yield* run(["apply", mine!, "--delete-duplicate", kept.id], { env })
      assert.strictEqual(wrong.code, 2, wrong.stderr)
      assert.include(wrong.stderr, "not a duplicate webhook")
    }).pipe(Effect.provide(mockLayer())))
})

describe.skipIf(!RedisServer.available())("with a shared store (a real redis-server): the apply lock", () => {
  it.live(`four processes, one manifest (${KEYS} keys), four journals, a shared Redis: one after another, 0 duplicates; a second round changes nothing`, () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.start
      const manifests = clones("four-shared", 4)
      const extra = ["--rate-limit-store", redis.url, "--lock-timeout", "2m"]
      const started = Date.now()
      const results = yield* applyAt(manifests, extra)
      const first = yield* check("four-shared", manifests, results)
      const sent = yield* stats
      console.log(`four with Redis: ${Date.now() - started} ms; created ${first.map((s) => s.created).join(" + ")}; ` +
        `${sent.requests} requests (${sent.creates} creates, ${sent.deletes} deletes)`)
      // The lock serialises them: one creates everything, the others find it done.
      assert.deepStrictEqual(first.map((s) => s.created).toSorted((a, b) => b - a), [KEYS, 0, 0, 0])
      assert.isTrue(results.some((result) => result.stderr.includes("waiting up to 2m")), "the others waited for the lock")
      const before = yield* stats
      yield* check("four-shared", manifests, yield* applyAt(manifests, extra))
      assert.strictEqual(mutations(yield* stats), mutations(before), "the second round sends no change")
    }).pipe(Effect.scoped, Effect.provide(mockLayer({ latencyMillis: 100 }))))

  it.live("a lock held on another host: the second apply says who holds it (host, pid, since); with --lock-timeout it waits for the lease to end", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const redis = yield* RedisServer.start
      const manifest = writeManifest(manifestOf("held-elsewhere", 2))
      const key = `${yield* WebhooksClient.defaultRateLimitKey(mock.url, Redacted.make(API_KEY))}:apply-lock:held-elsewhere`
      assert.notInclude(key, API_KEY, "the lock's key names no API key")
      const holder = { id: "lock-1", host: "ci-runner-elsewhere", pid: 4242, since: "2026-01-01T10:00:00.000Z", leaseMillis: 30_000 }
      const store = yield* RateLimitStore.connectRedis({ url: RedisUrl.parse(redis.url)! })
      yield* store.send("SET", key, JSON.stringify(holder))
      const args = ["apply", manifest, "--rate-limit-store", redis.url]
      const busy = yield* run(args, { env: envFor(mock) })
      assert.strictEqual(busy.code, 2, busy.stderr)
      assert.include(busy.stderr, "pid 4242 on host ci-runner-elsewhere since 2026-01-01T10:00:00.000Z")
      assert.include(busy.stderr, "--lock-timeout")
      assert.strictEqual((yield* stats).requests, 0, "nothing was sent")
      // Its holder died on its own machine 25 s ago: 5 s of its lease are left.
      yield* store.send("SET", key, JSON.stringify(holder), "PX", "5000")
      const waited = yield* run([...args, "--lock-timeout", "20s"], { env: envFor(mock) })
      assert.strictEqual(waited.code, 0, waited.stderr)
      assert.include(waited.stderr, "waiting up to 20s")
      assert.strictEqual((yield* remote(mock)).length, 2)
      assert.isNull(yield* store.send("GET", key), "released at the end")
    }).pipe(Effect.scoped, Effect.provide(mockLayer())))

  it.live("kill -9 of the holder: its lock has a lease (it expires), and an apply on the same host takes it over at once", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const redis = yield* RedisServer.start
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("killed-holder", 2), dir)
      const key = `${yield* WebhooksClient.defaultRateLimitKey(mock.url, Redacted.make(API_KEY))}:apply-lock:killed-holder`
      const store = yield* RateLimitStore.connectRedis({ url: RedisUrl.parse(redis.url)! })
      // Held while a slow sink runs, then killed.
      const killed = yield* killWhileSinkRuns(manifest, ["--rate-limit-store", redis.url], envFor(mock))
      const ttl = yield* store.send<number>("PTTL", key)
      assert.isAbove(ttl, 0, "the lock expires")
      assert.isAtMost(ttl, 30_000, "within one lease")
      const again = yield* run(["apply", manifest, "--rate-limit-store", redis.url], { env: envFor(mock) })
      assert.strictEqual(again.code, 0, again.stderr)
      assert.match(again.stderr, new RegExp(`took over the lock of namespace killed-holder .*pid ${killed} .*is gone`))
    }).pipe(Effect.scoped, Effect.provide(mockLayer())))
})
