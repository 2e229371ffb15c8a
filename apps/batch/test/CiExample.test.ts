/**
 * The worked CI example (`examples/ci/`): the workflows' own shell steps, read from their YAML (never a second copy),
 * run as GitHub Actions runs them (`bash -eo pipefail`, the workflow's, job's and step's env with their `${{ }}`
 * expressions filled in, $GITHUB_OUTPUT) against the mock, each job in a fresh checkout as a runner's disk is. A
 * stand-in `gh` on PATH records what it was given; `exa-webhooks-batch` is the bundle under test (the install step is
 * the one step left out); the encrypted-journal workflow pushes to a local bare repository.
 */
import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { generateIdentity, identityToRecipient } from "age-encryption"
import { Effect } from "effect"
import { execFileSync, spawn } from "node:child_process"
import { chmodSync, copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parse } from "yaml"
import { availability } from "../../../packages/client/test/fixtures/systemTool.ts"
import { API_KEY, BIN, mockLayer, remote, tempDir } from "./fixtures/batch.ts"

const EXAMPLES = new URL("../../../examples/ci/", import.meta.url).pathname
const jqAvailable = availability("jq", "CI example's test (its secret sink reads the secret with jq)")

interface Step {
  readonly id?: string
  readonly name?: string
  readonly uses?: string
  readonly run?: string
  readonly if?: string
  readonly env?: Record<string, string>
}
interface Workflow {
  readonly env?: Record<string, string>
  readonly jobs: Record<string, { readonly env?: Record<string, string>; readonly steps: ReadonlyArray<Step> }>
}

const workflow = (file: string): Workflow => parse(readFileSync(join(EXAMPLES, file), "utf8"))

/** `${{ expr }}` filled in from `context`; an expression the test does not know fails it (the example changed). */
const fill = (text: string, context: Readonly<Record<string, string>>) =>
  text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => {
    const value = context[expression]
    if (value === undefined) throw new Error(`the example uses \${{ ${expression} }}, which this test does not provide`)
    return value
  })

/** A folder of commands put first on PATH: the bundle as `exa-webhooks-batch`, and a `gh` that records its calls. */
const tools = (log: string) => {
  const dir = tempDir()
  writeFileSync(join(dir, "exa-webhooks-batch"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`)
  // Records its arguments and its stdin (the secret, for `gh secret set`), one JSON line per call.
  writeFileSync(
    join(dir, "gh"),
    `#!/bin/sh\nexec "${process.execPath}" -e 'const fs = require("fs"); const stdin = process.stdin.isTTY ? "" : fs.readFileSync(0, "utf8"); ` +
      `fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ args: process.argv.slice(1), stdin, token: process.env.GH_TOKEN }) + "\\n")' -- "$@"\n`
  )
  chmodSync(join(dir, "exa-webhooks-batch"), 0o755)
  chmodSync(join(dir, "gh"), 0o755)
  return dir
}

interface Run {
  readonly status: number
  readonly output: string
}

/** Runs `script` with bash as a runner does (the mock answers from this process, so never synchronously). */
const bash = (script: string, cwd: string, env: Readonly<Record<string, string>>) =>
  Effect.callback<Run>((resume) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
    child.on("close", (code) => resume(Effect.succeed({ status: code ?? -1, output })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** Runs the shell steps of `job` in `checkout`, as a runner does; the status and output of each. */
const runJob = (
  flow: Workflow,
  job: string,
  checkout: string,
  options: { readonly context: Readonly<Record<string, string>>; readonly env: Readonly<Record<string, string>>; readonly path: string }
) =>
  Effect.gen(function*() {
    const results: Array<Run> = []
    let failed = false
    for (const step of flow.jobs[job]!.steps) {
      // actions/checkout and setup-node are the runner's part (here: the folder and this Node); the install step is
      // replaced by the bundle on PATH.
      if (step.uses !== undefined || step.id === "install" || step.run === undefined) continue
      if (failed && step.if !== "always()") continue
      const env = Object.fromEntries(
        Object.entries({ ...flow.env, ...flow.jobs[job]!.env, ...step.env }).map(([name, value]) => [name, fill(String(value), options.context)])
      )
      const result = yield* bash(fill(step.run, options.context), checkout, {
        PATH: `${options.path}:${process.env["PATH"]}`,
        HOME: checkout,
        GITHUB_OUTPUT: join(checkout, ".github-output"),
        GITHUB_REPOSITORY: "example/webhooks",
        ...options.env,
        ...env
      })
      results.push(result)
      if (result.status !== 0) failed = true
    }
    return results
  })

const git = (cwd: string, ...args: Array<string>) => execFileSync("git", args, { cwd, encoding: "utf8" })

/** A fresh checkout: a folder holding the example's manifest at the root, as webhooks.yaml. */
const freshCheckout = () => {
  const dir = tempDir()
  copyFileSync(join(EXAMPLES, "webhooks.yaml"), join(dir, "webhooks.yaml"))
  return dir
}

const calls = (log: string): Array<{ args: Array<string>; stdin: string; token: string }> =>
  existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter((line) => line !== "").map((line) => JSON.parse(line)) : []

const KEYS = ["crm-sync", "search-alerts", "exports"]

describe.skipIf(!jqAvailable())("examples/ci/webhooks.yml: secrets into the repository's secrets", () => {
  it.live("plan on a pull request comments the plan; apply on main hands each secret to gh exactly once; the next runs change nothing", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const flow = workflow("webhooks.yml")
      const log = join(tempDir(), "gh.log")
      const path = tools(log)
      const context = {
        "github.event_name": "push",
        "secrets.EXA_API_KEY": API_KEY,
        "github.token": "ghs_workflow_token",
        "github.event.pull_request.number": "17",
        "secrets.SECRETS_WRITE_TOKEN": "ghp_secrets_writer",
        "secrets.EXA_RATE_LIMIT_STORE": ""
      }
      // The machine's own environment: where the API is (the mock), and no pacing to Exa's 10/s.
      const env = { EXA_BASE_URL: mock.url, EXA_RATE_LIMIT: "1000" }
      const pr = freshCheckout()
      const planned = yield* runJob(flow, "plan", pr, { context, env, path })
      for (const step of planned) assert.strictEqual(step.status, 0, step.output)
      const [comment] = calls(log)
      assert.deepStrictEqual(comment!.args.slice(0, 3), ["pr", "comment", "17"])
      assert.strictEqual(comment!.token, "ghs_workflow_token")
      assert.include(readFileSync(join(pr, "plan.md"), "utf8"), "3 to create")
      assert.include(readFileSync(join(pr, ".github-output"), "utf8"), "pending=true")

      const main = freshCheckout()
      const applied = yield* runJob(flow, "apply", main, { context, env, path })
      for (const step of applied) assert.strictEqual(step.status, 0, step.output)
      const journaled = readFileSync(join(main, "webhooks.secrets.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line))
      const sets = calls(log).filter((call) => call.args[0] === "secret")
      assert.strictEqual(sets.length, KEYS.length, "each secret once")
      for (const key of KEYS) {
        const name = `EXA_WEBHOOK_SECRET_${key.toUpperCase().replace(/-/g, "_")}`
        const mine = sets.filter((call) => call.args[2] === name)
        assert.strictEqual(mine.length, 1, `${name} set once`)
        assert.deepStrictEqual(mine[0]!.args, ["secret", "set", name, "--repo", "example/webhooks"])
        assert.strictEqual(mine[0]!.stdin.trim(), journaled.find((entry) => entry.key === key && "secret" in entry)?.secret)
        assert.strictEqual(mine[0]!.token, "ghp_secrets_writer")
      }
      assert.strictEqual((yield* remote(mock)).length, KEYS.length)

      // The next push and the next pull request, each on a new runner: nothing handed over again, nothing pending.
      const again = yield* runJob(flow, "apply", freshCheckout(), { context, env, path })
      for (const step of again) assert.strictEqual(step.status, 0, step.output)
      assert.strictEqual(calls(log).filter((call) => call.args[0] === "secret").length, KEYS.length)
      const next = freshCheckout()
      for (const step of yield* runJob(flow, "plan", next, { context, env, path })) assert.strictEqual(step.status, 0, step.output)
      assert.include(readFileSync(join(next, ".github-output"), "utf8"), "pending=false")
      assert.include(readFileSync(join(next, "plan.md"), "utf8"), "No changes")
    }).pipe(Effect.provide(mockLayer())))
})

describe("examples/ci/webhooks-encrypted-journal.yml: the encrypted journal committed back", () => {
  it.live("apply encrypts every secret, commits and pushes the journal; a clone with an identity reads them; the next run commits nothing", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const flow = workflow("webhooks-encrypted-journal.yml")
      const identity = yield* Effect.promise(() => generateIdentity())
      const recipient = yield* Effect.promise(() => identityToRecipient(identity))
      // The repository on "GitHub": a bare one with the manifest on main.
      const origin = join(tempDir(), "origin.git")
      git(tempDir(), "init", "--quiet", "--bare", "--initial-branch=main", origin)
      const seed = freshCheckout()
      git(seed, "init", "--quiet", "--initial-branch=main")
      git(seed, "add", "webhooks.yaml")
      git(seed, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "manifest")
      git(seed, "push", "--quiet", origin, "main")
      const checkout = () => {
        const dir = join(tempDir(), "checkout")
        git(tempDir(), "clone", "--quiet", origin, dir)
        return dir
      }
      const context = {
        "github.event_name": "push",
        "secrets.EXA_API_KEY": API_KEY,
        "vars.EXA_WEBHOOKS_SECRETS_RECIPIENTS": recipient
      }
      const env = { EXA_BASE_URL: mock.url, EXA_RATE_LIMIT: "1000" }
      const path = tools(join(tempDir(), "gh.log"))
      const first = checkout()
      for (const step of yield* runJob(flow, "apply", first, { context, env, path })) assert.strictEqual(step.status, 0, step.output)

      const reader = checkout()
      const text = readFileSync(join(reader, "webhooks.secrets.jsonl"), "utf8")
      assert.notInclude(text, "whsec_", "only encrypted secrets are committed")
      const read = yield* bash("exa-webhooks-batch secret webhooks.yaml --all --format env", reader, {
        PATH: `${path}:${process.env["PATH"]}`,
        EXA_WEBHOOKS_AGE_IDENTITY: identity
      })
      assert.strictEqual(read.status, 0, read.output)
      assert.strictEqual(read.output.trim().split("\n").length, KEYS.length)
      assert.match(read.output, /^EXA_WEBHOOK_SECRET_CRM_SYNC=whsec_/m)

      const commits = git(reader, "rev-list", "--count", "HEAD")
      for (const step of yield* runJob(flow, "apply", checkout(), { context, env, path })) assert.strictEqual(step.status, 0, step.output)
      assert.strictEqual(git(checkout(), "rev-list", "--count", "HEAD"), commits, "the next run commits nothing")
      assert.strictEqual((yield* remote(mock)).length, KEYS.length)
    }).pipe(Effect.provide(mockLayer())))
})
