/**
 * `apply --secrets-to COMMAND`: each new secret handed to a command on stdin, done only when it exited 0; a failing
 * command reported (exit 1, keys named, nothing lost) and the next apply handing over what it did not take; kill -9
 * while the command runs; a later job without the journal knowing the sink holds the secrets.
 */
import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { envFor, journal, journalOf, json, killWhileSinkRuns, manifestOf, mockLayer, remote, runBin as run, tempDir, writeManifest } from "./fixtures/batch.ts"

/** A sink that writes each document it is given to `<dir>/got/<key>.<n>.json` (n counts hand-overs of that key). */
const recordingSink = (dir: string) =>
  `mkdir -p "${dir}/got"; n=$(ls "${dir}/got" | grep -c "^$EXA_WEBHOOK_KEY\\.") ; cat > "${dir}/got/$EXA_WEBHOOK_KEY.$n.json"`

/** What the recording sink got: key -> documents. */
const got = (dir: string) => {
  const folder = join(dir, "got")
  const all = new Map<string, Array<{ key: string; id: string; secret: string }>>()
  if (!existsSync(folder)) return all
  for (const name of readdirSync(folder)) {
    const document = JSON.parse(readFileSync(join(folder, name), "utf8"))
    all.set(document.key, [...(all.get(document.key) ?? []), document])
  }
  return all
}

const entriesOf = (manifest: string) => journal(journalOf(manifest)).filter((line) => "secret" in line)

describe("apply --secrets-to", () => {
  it.live("a failing command: retried, then exit 1 naming the keys (its stderr shown with the secret masked); nothing lost; the next apply hands over what it did not take", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("failing-sink", 3), dir)
      // Echoes its input (the secret) to stderr, then fails.
      const failing = yield* run(["apply", manifest, "--secrets-to", "cat >&2; exit 7"], { env })
      assert.strictEqual(failing.code, 1, failing.stderr)
      assert.include(failing.stderr, "the secret sink did not take the secrets of 3 webhook(s) (hook-0, hook-1, hook-2)")
      assert.include(failing.stderr, "failed 3 times")
      assert.include(failing.stderr, "exited 7")
      assert.include(failing.stderr, "****", "what the command printed is shown, masked")
      const entries = entriesOf(manifest)
      assert.strictEqual(entries.length, 3, "every secret is in the journal")
      for (const entry of entries) assert.notInclude(failing.stderr + failing.stdout, entry.secret, "never a secret in the output")
      const fixed = yield* run(["apply", manifest, "--json", "--secrets-to", recordingSink(dir)], { env })
      assert.strictEqual(fixed.code, 0, fixed.stderr)
      assert.strictEqual(json(fixed).summary.delivered, 3)
      const received = got(dir)
      for (const entry of entries) assert.deepStrictEqual(received.get(entry.key)?.map((d) => d.secret), [entry.secret], `${entry.key} once`)
      // Taken: the next apply hands over nothing.
      const again = yield* run(["apply", manifest, "--json", "--secrets-to", recordingSink(dir)], { env })
      assert.strictEqual(json(again).summary.delivered, 0)
      assert.strictEqual([...got(dir).values()].flat().length, 3)
    }).pipe(Effect.provide(mockLayer())))

  it.live("kill -9 while the command runs: the secret is in the journal, and the next apply hands it to the sink", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("killed-sink", 3), dir)
      // The first hand-over hangs, so the apply is killed while the command runs.
      yield* killWhileSinkRuns(manifest, ["--concurrency", "1"], env)
      const before = entriesOf(manifest)
      assert.strictEqual(before.length, 1, "the secret being handed over is journaled")
      assert.isFalse(journal(journalOf(manifest)).some((line) => "sink" in line), "and not acknowledged")
      const again = yield* run(["apply", manifest, "--json", "--secrets-to", recordingSink(dir)], { env })
      assert.strictEqual(again.code, 0, again.stderr)
      assert.match(again.stderr, /took over the lock of the secrets journal .* is gone/)
      const received = got(dir)
      const entries = entriesOf(manifest)
      assert.strictEqual(entries.length, 3)
      for (const entry of entries) assert.deepStrictEqual(received.get(entry.key)?.map((d) => d.secret), [entry.secret], `${entry.key} once`)
      assert.strictEqual((yield* remote(mock)).length, 3)
    }).pipe(Effect.provide(mockLayer())))

  it.live("a job whose journal is gone (CI): plan knows the sink took the secrets; the document and variables the command gets", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("ci-sink", 2), dir)
      const names = join(dir, "names")
      const applied = yield* run(["apply", manifest, "--secrets-to", `cat > /dev/null; echo "$EXA_WEBHOOK_SECRET_NAME $EXA_WEBHOOK_KEY $EXA_WEBHOOK_NAMESPACE" >> ${names}`], { env })
      assert.strictEqual(applied.code, 0, applied.stderr)
      assert.deepStrictEqual(
        readFileSync(names, "utf8").trim().split("\n").toSorted(),
        ["EXA_WEBHOOK_SECRET_HOOK_0 hook-0 ci-sink", "EXA_WEBHOOK_SECRET_HOOK_1 hook-1 ci-sink"]
      )
      // The next job: a fresh checkout, no journal.
      rmSync(journalOf(manifest))
      const plan = yield* run(["plan", manifest, "--detailed-exit-code", "--json"], { env })
      assert.strictEqual(plan.code, 0, plan.stderr)
      assert.deepStrictEqual(json(plan).missingSecrets, [])
      // Without a sink, the same job would have lost them: a plain journal thrown away is reported.
      const other = writeManifest(manifestOf("ci-plain", 1), tempDir())
      assert.strictEqual((yield* run(["apply", other], { env })).code, 0)
      rmSync(journalOf(other))
      const lost = yield* run(["plan", other, "--detailed-exit-code", "--json"], { env })
      assert.strictEqual(lost.code, 3, lost.stderr)
      assert.strictEqual(json(lost).missingSecrets.length, 1)
    }).pipe(Effect.provide(mockLayer())))
})
