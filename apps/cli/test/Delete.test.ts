import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CLI, envFor, HOOK_URL, json, mockLayer, run, runBin, stats } from "./fixtures/cli.ts"

// `script` (util-linux) runs the CLI on a pseudo-terminal, the only reliable way to give it a terminal on stdin.
const SCRIPT = "/usr/bin/script"
const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`

const createOne = (env: Record<string, string>) =>
  Effect.map(run(["create", "--url", HOOK_URL, "--event", "webset.created", "--json"], { env }), (result) => json(result).id as string)

/**
 * Runs `delete id` on a pseudo-terminal, typing `keys`. The CLI's stdout goes to a file, so `terminal` shows what
 * reached the terminal through stderr alone (the question, errors) and `stdout` what the CLI printed as its result.
 */
const deleteOnTerminal = (env: Record<string, string>, id: string, keys: string) =>
  Effect.gen(function*() {
    const stdoutFile = join(mkdtempSync(join(tmpdir(), "exa-webhooks-tty-")), "stdout")
    const command = `${quote(process.execPath)} ${quote(CLI)} delete ${quote(id)} > ${quote(stdoutFile)}`
    const result = yield* runBin([], {
      env,
      // Typed once the question is on screen, as a person would.
      answer: { when: "[y/N]", keys },
      command: [SCRIPT, "--quiet", "--return", "--command", command, "/dev/null"]
    })
    return { code: result.code, terminal: result.stdout, stdout: readFileSync(stdoutFile, "utf8") }
  })

describe("delete", () => {
  it.live("refuses without --yes when stdin is not a terminal: exit 2, nothing sent, the webhook stays", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const id = yield* createOne(env)
      const before = (yield* stats).requests
      for (const args of [["delete", id], ["delete", id, "--json"]]) {
        const result = yield* run(args, { env, stdin: "y\n" })
        assert.strictEqual(result.code, 2, result.stderr)
        assert.strictEqual(result.stdout, "")
        assert.include(result.stderr, "stdin is not a terminal")
        assert.include(result.stderr, "--yes")
      }
      assert.strictEqual((yield* stats).requests, before, "no request at all, not even a lookup")
      assert.strictEqual((yield* stats).webhooks, 1)
    }).pipe(Effect.provide(mockLayer())))

  it.live("--yes deletes without asking", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const id = yield* createOne(env)
      const result = yield* run(["delete", id, "-y"], { env })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual((yield* stats).webhooks, 0)
    }).pipe(Effect.provide(mockLayer())))

  it.live.skipIf(!existsSync(SCRIPT))("on a terminal, asks first (on stderr): yes deletes, anything else keeps it", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const id = yield* createOne(env)

      const declined = yield* deleteOnTerminal(env, id, "n\n")
      assert.strictEqual(declined.code, 2, declined.terminal)
      assert.include(declined.terminal, `Delete webhook ${id} (${HOOK_URL}; 1 event)?`)
      assert.include(declined.terminal, "not confirmed")
      assert.strictEqual(declined.stdout, "", "the question is not on stdout")
      assert.strictEqual((yield* stats).webhooks, 1)

      const accepted = yield* deleteOnTerminal(env, id, "y\n")
      assert.strictEqual(accepted.code, 0, accepted.terminal)
      assert.strictEqual(accepted.stdout, `Deleted webhook ${id} (${HOOK_URL}).\n`)
      assert.strictEqual((yield* stats).webhooks, 0)
    }).pipe(Effect.provide(mockLayer())))

  it.live.skipIf(!existsSync(SCRIPT))("Ctrl-C at the question stops with 130 and deletes nothing", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const id = yield* createOne(env)
      const result = yield* deleteOnTerminal(env, id, "\u0003")
      assert.strictEqual(result.code, 130, result.terminal)
      assert.include(result.terminal, "interrupted")
      assert.strictEqual(result.stdout, "")
      assert.strictEqual((yield* stats).webhooks, 1)
    }).pipe(Effect.provide(mockLayer())))
})
