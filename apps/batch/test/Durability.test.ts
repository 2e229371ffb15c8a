/**
 * What the journal and a secret sink promise, seen through a recording `FileSystem` and a recording child-process
 * spawner: a create counts as done only after its entry was written and synced, and, with a sink, after the sink's
 * command exited 0 and its acknowledgement was written and synced. In process: the real client against the mock.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import { WebhooksClient } from "@exa-webhooks/client"
import * as Recording from "@exa-webhooks/cli-kit/RecordingFileSystem"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect, Layer, Redacted } from "effect"
import { ChildProcessSpawner } from "effect/process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as Apply from "../src/Apply.ts"
import * as Journal from "../src/Journal.ts"
import type * as Manifest from "../src/Manifest.ts"
import * as Plan from "../src/Plan.ts"
import * as Sink from "../src/Sink.ts"
import { API_KEY, HOOK_URL, journal, mockLayer, tempDir } from "./fixtures/batch.ts"

const desired = (key: string, index: number): Manifest.Desired => ({
  key,
  index,
  url: `${HOOK_URL}/${key}`,
  events: ["webset.created"],
  metadata: {}
})

const KEYS = ["alpha", "beta", "gamma"]

const client = Layer.unwrap(Effect.gen(function*() {
  const mock = yield* MockServer.MockServer
  return WebhooksClient.layer({ apiKey: Redacted.make(API_KEY), baseUrl: mock.url, rateLimit: 1000 }).pipe(
    Layer.provide(NodeHttpClient.layerUndici)
  )
}))

// Node's spawner, with the end of every sink command in the same log: "sink exited <code> <key>".
const recordingSpawner = (recorder: Recording.Recorder) =>
  Layer.effect(
    ChildProcessSpawner.ChildProcessSpawner,
    Effect.gen(function*() {
      const node = yield* ChildProcessSpawner.ChildProcessSpawner
      return ChildProcessSpawner.make((command) =>
        Effect.map(node.spawn(command), (handle) => {
          const key = command._tag === "StandardCommand" ? String(command.options.env?.["EXA_WEBHOOK_KEY"] ?? "") : ""
          const wrapped = Object.create(handle)
          Object.defineProperty(wrapped, "exitCode", {
            value: Effect.tap(handle.exitCode, (code) => recorder.mark(`sink exited ${code} ${key}`)),
            enumerable: true
          })
          return wrapped
        })
      )
    })
  ).pipe(Layer.provide(Sink.layerSpawner), Layer.provide([NodePath.layer, NodeFileSystem.layer]))

const applyAll = (recorder: Recording.Recorder, journalPath: string, sinkCommand: string | undefined) =>
  Effect.gen(function*() {
    const opened = yield* Journal.open(journalPath)
    const sink = sinkCommand === undefined ? undefined : yield* Sink.make(sinkCommand)
    const plan = Plan.make("durable", "durable.yaml", KEYS.map(desired), [], { adopt: false, journaled: new Set() })
    const progress = { tick: (line: string) => recorder.mark(`done ${line}`), done: Effect.void }
    return yield* Apply.run(plan, opened, { concurrency: 1, prune: false, rotateMissingSecrets: false, sink }, progress)
  }).pipe(
    Effect.scoped,
    Effect.provide(Layer.mergeAll(client, recordingSpawner(recorder), recorder.layer).pipe(Layer.provideMerge(mockLayer())))
  )

const at = (steps: ReadonlyArray<Recording.Step>, what: string, from: number, matches: (step: Recording.Step) => boolean) => {
  const index = Recording.indexOf(steps, matches, from)
  assert.isAtLeast(index, from, `${what} (after step ${from}): ${JSON.stringify(steps.slice(from))}`)
  return index
}

describe("a create is done only once its secret is safe", () => {
  it.live("journal: write -> sync -> done, for every key", () => {
    const recorder = Recording.make()
    const path = join(tempDir(), "durable.secrets.jsonl")
    return Effect.gen(function*() {
      const outcomes = yield* applyAll(recorder, path, undefined)
      assert.deepStrictEqual(outcomes.map((outcome) => outcome.result), ["created", "created", "created"])
      const steps = recorder.steps
      for (const key of KEYS) {
        const written = at(steps, `${key}'s entry written`, 0, (s) =>
          s.op === "write" && s.path === path && s.detail?.includes(`"key":"${key}"`) === true)
        const synced = at(steps, `${key}'s entry synced`, written + 1, (s) => s.op === "sync" && s.path === path)
        const done = at(steps, `${key} done`, 0, (s) => s.op === "mark" && s.detail?.startsWith(`done created ${key} `) === true)
        assert.isAbove(done, synced, `${key}: done only after its entry was synced`)
      }
    })
  })

  it.live("sink: write -> sync -> the command exits 0 -> acknowledgement written and synced -> done", () => {
    const recorder = Recording.make()
    const dir = tempDir()
    const path = join(dir, "durable.secrets.jsonl")
    return Effect.gen(function*() {
      // The command closes its output before it ends: only its exit says it is done.
      const outcomes = yield* applyAll(recorder, path, `cat > "${dir}/sink.$EXA_WEBHOOK_KEY.json"; exec >&- 2>&-; sleep 0.2`)
      assert.deepStrictEqual(outcomes.map((outcome) => outcome.result), ["created", "created", "created"])
      const steps = recorder.steps
      for (const key of KEYS) {
        const written = at(steps, `${key}'s entry written`, 0, (s) =>
          s.op === "write" && s.path === path && s.detail?.includes(`"key":"${key}"`) === true && s.detail.includes("\"secret\""))
        const synced = at(steps, `${key}'s entry synced`, written + 1, (s) => s.op === "sync" && s.path === path)
        const exited = at(steps, `${key}'s sink exited 0`, synced + 1, (s) => s.op === "mark" && s.detail === `sink exited 0 ${key}`)
        const acknowledged = at(steps, `${key}'s acknowledgement written`, exited + 1, (s) =>
          s.op === "write" && s.path === path && s.detail?.includes(`"key":"${key}"`) === true && s.detail.includes("\"sink\""))
        const ackSynced = at(steps, `${key}'s acknowledgement synced`, acknowledged + 1, (s) => s.op === "sync" && s.path === path)
        const done = at(steps, `${key} done`, 0, (s) => s.op === "mark" && s.detail?.startsWith(`done created ${key} `) === true)
        assert.isAbove(done, ackSynced, `${key}: done only after the sink's acknowledgement was synced`)
        // The sink got exactly the journaled secret.
        const got = JSON.parse(readFileSync(join(dir, `sink.${key}.json`), "utf8"))
        const entry = journal(path).findLast((line) => line.key === key && "secret" in line)
        assert.strictEqual(got.secret, entry?.secret)
        assert.deepStrictEqual(Object.keys(got), ["namespace", "key", "id", "url", "secret"])
      }
    })
  })
})
