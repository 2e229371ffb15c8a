import { assert, describe, it } from "@effect/vitest"
import { EventType } from "@exa-webhooks/schema"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { API_KEY, envFor, HOOK_URL, lines, mockLayer, run, stats } from "./fixtures/cli.ts"

const dir = mkdtempSync(join(tmpdir(), "exa-webhooks-cli-"))
const existingSecretFile = join(dir, "existing.secret")
writeFileSync(existingSecretFile, "keep me")
const emptyKeyFile = join(dir, "empty.key")
writeFileSync(emptyKeyFile, "\n")

interface Case {
  readonly name: string
  readonly args: ReadonlyArray<string>
  /** Environment changes relative to a run against the mock with a valid key; `null` removes a variable. */
  readonly env?: Readonly<Record<string, string | null>>
  /** What the one line on stderr must say. */
  readonly says: ReadonlyArray<string | RegExp>
}

const create = (...rest: ReadonlyArray<string>) => ["create", "--url", HOOK_URL, "--event", "webset.created", ...rest]

const cases: ReadonlyArray<Case> = [
  {
    name: "an unknown event, with a did-you-mean",
    args: ["create", "--url", HOOK_URL, "--event", "webset.item.enrich"],
    says: ["--event", 'unknown event type "webset.item.enrich"', 'did you mean "webset.item.enriched"']
  },
  {
    name: "an event that does not exist but looks plausible",
    args: ["create", "--url", HOOK_URL, "--event", "webset.completed"],
    says: ["did you mean", "webset.idle"]
  },
  { name: "a malformed URL", args: ["create", "--url", "example.com/hook", "--event", "webset.created"], says: ["--url", "absolute http(s) URL"] },
  { name: "a URL that is not http(s)", args: ["create", "--url", "ftp://example.com", "--event", "webset.created"], says: ["--url", "ftp:"] },
  { name: "--metadata without =", args: create("--metadata", "team"), says: ["--metadata", 'no "="', "key=value"] },
  {
    name: "a metadata value over 1000 characters",
    args: create("--metadata", `team=${"x".repeat(1001)}`),
    says: ["--metadata team", "at most 1000 characters", "1001"]
  },
  {
    name: "more than 19 events",
    args: ["create", "--url", HOOK_URL, "--event", [...EventType.values, "webset.created"].join(",")],
    says: ["--event", "at most 19 events", "got 20"]
  },
  { name: "no event at all", args: ["create", "--url", HOOK_URL], says: ["--event", "at least one event"] },
  { name: "a missing --url", args: ["create", "--event", "webset.created"], says: ["--url"] },
  { name: "a missing key", args: create(), env: { EXA_API_KEY: null }, says: ["no API key", "EXA_API_KEY", "--api-key-file"] },
  {
    name: "an unreadable key file",
    args: create("--api-key-file", join(dir, "missing.key")),
    env: { EXA_API_KEY: null },
    says: ["--api-key-file", "cannot read", "no such file"]
  },
  { name: "an empty key file", args: create("--api-key-file", emptyKeyFile), says: ["--api-key-file", "is empty"] },
  { name: "an unknown flag", args: create("--colour"), says: ["unknown flag --colour", "exa-webhooks create --help"] },
  { name: "an unknown command", args: ["crate"], says: ['unknown command "crate"', "did you mean create"] },
  {
    name: "a key typed on the command line",
    args: create("--api-key", API_KEY),
    says: ["--api-key is not supported", "shell history", "EXA_API_KEY"]
  },
  { name: "an update that changes nothing", args: ["update", "webhook_1"], says: ["nothing to change", "--url", "--event", "--metadata"] },
  { name: "a page size out of range", args: ["list", "--limit", "500"], says: ["--limit", "1 to 200", '"500"'] },
  { name: "a page size that is not a number", args: ["list", "--limit", "ten"], says: ["--limit", '"ten"'] },
  { name: "an unknown --event-type filter", args: ["attempts", "webhook_1", "--event-type", "item.enriched"], says: ["--event-type", "webset.item.enriched"] },
  { name: "a --successful that is not true or false", args: ["attempts", "webhook_1", "--successful", "yes"], says: ["--successful"] },
  { name: "a malformed --base-url", args: create("--base-url", "localhost:8080"), says: ["--base-url", "absolute http(s) URL"] },
  { name: "a malformed EXA_BASE_URL", args: create(), env: { EXA_BASE_URL: "api.exa.ai" }, says: ["EXA_BASE_URL"] },
  {
    name: "a --secret-file that exists",
    args: create("--secret-file", existingSecretFile),
    says: ["--secret-file", "already exists", "refusing to overwrite"]
  },
  {
    name: "a --secret-file in a directory that does not exist",
    args: create("--secret-file", join(dir, "no", "such", "dir", "s")),
    says: ["--secret-file", `the folder ${join(dir, "no", "such", "dir")} does not exist`]
  },
  { name: "a malformed client setting", args: create(), env: { EXA_TIMEOUT: "soon" }, says: ["EXA_TIMEOUT", '"soon"', "--timeout"] },
  // The rules of @exa-webhooks/schema, applied by the parser (Flag.withSchema / withFallbackConfig): named by flag or
  // variable, in the rule's words.
  { name: "a base URL with one slash after the scheme", args: create("--base-url", "https:/api.exa.ai"), says: ["--base-url", "absolute http(s) URL"] },
  {
    name: "a base URL with a user and password (never echoed)",
    args: create("--base-url", "https://user:hunter2@api.exa.ai"),
    says: ["--base-url", "user name or password", "user:****@"]
  },
  { name: "a rate limit of zero", args: create("--rate-limit", "0"), says: ["--rate-limit", "positive number of requests per second", '"0"'] },
  { name: "a malformed EXA_RATE_LIMIT", args: create(), env: { EXA_RATE_LIMIT: "fast" }, says: ["EXA_RATE_LIMIT", '"fast"', "--rate-limit"] },
  { name: "a timeout of zero", args: create("--timeout", "0 seconds"), says: ["--timeout", "positive, finite duration"] },
  { name: "a blank idempotency key", args: create("--idempotency-key", " "), says: ["--idempotency-key", "empty or blank"] },
  { name: "a blank cursor", args: ["list", "--cursor", " "], says: ["--cursor", "must not be empty"] },
  { name: "an id of blanks", args: ["get", "  "], says: ["ID", "only blanks"] },
  // Issue 20: a URL without a host, a password in a refused URL or a mistyped store address (never echoed).
  { name: "a webhook URL without a host (https:///a)", args: ["create", "--url", "https:///a", "--event", "webset.created"], says: ["--url", "needs a host", '"https:///a"'] },
  { name: "a webhook URL with only slashes after the scheme", args: ["update", "webhook_1", "--url", "https:////hooks"], says: ["--url", "needs a host"] },
  { name: "a webhook URL with userinfo but no host", args: ["create", "--url", "https://u:hunter2@/a", "--event", "webset.created"], says: ["--url", "u:****@"] },
  { name: "a refused webhook URL with a password (never echoed)", args: ["create", "--url", "https://u:hunter2@e.com/a b", "--event", "webset.created"], says: ["--url", "u:****@e.com"] },
  { name: "a store address missing its @host (never echoed)", args: ["list", "--rate-limit-store", "redis://user:hunter2"], says: ["--rate-limit-store", "not a port number", "not shown"] },
  { name: "a store address that is a bare password (never echoed)", args: ["list", "--rate-limit-store", "hunter2"], says: ["--rate-limit-store", "does not start with redis://"] },
  { name: "a store address without its colon (never echoed)", args: ["list"], env: { EXA_RATE_LIMIT_STORE: "redis//hunter2" }, says: ["EXA_RATE_LIMIT_STORE", "does not start with redis://"] },
  { name: "a mistyped store address under --log-level all (never echoed)", args: ["list", "--log-level", "all", "--rate-limit-store", "redis://user:hunter2/0"], says: ["--rate-limit-store", "not a port number"] },
  { name: "no command (the help page as text; one JSON error with --json)", args: [], says: [/USAGE|no command given/] }
]

const envOf = (base: Record<string, string>, changes: Readonly<Record<string, string | null>> = {}) => {
  const env: Record<string, string> = { ...base }
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete env[name]
    else env[name] = value
  }
  return env
}

describe("bad input: exit 2, one line on stderr, nothing on stdout, nothing sent", () => {
  for (const c of cases) {
    it.live(c.name, () =>
      Effect.gen(function*() {
        const mock = yield* MockServer.MockServer
        for (const json of [false, true]) {
          const result = yield* run(json ? [...c.args, "--json"] : c.args, { env: envOf(envFor(mock), c.env) })
          assert.strictEqual(result.code, 2, `exit code (json: ${json}); stderr: ${result.stderr}`)
          assert.strictEqual(result.stdout, "", "stdout stays empty")
          if (c.args.length === 0 && !json) {
            // No command: the help page, on stderr since nobody asked for it.
            assert.match(result.stderr, c.says[0] as RegExp)
            continue
          }
          const errorLines = lines(result.stderr)
          assert.strictEqual(errorLines.length, 1, `one line on stderr, got: ${result.stderr}`)
          const line = errorLines[0]!
          const message = json ? JSON.parse(line).error.message : line
          if (json) {
            const error = JSON.parse(line).error
            assert.strictEqual(error.exitCode, 2)
          } else {
            assert.match(line, /^exa-webhooks: /)
          }
          for (const expected of c.says) {
            if (typeof expected === "string") assert.include(message, expected)
            else assert.match(message, expected)
          }
          assert.notInclude(result.stderr, API_KEY, "the key is never echoed")
          assert.notInclude(result.stderr, "hunter2", "a password is never echoed")
        }
        assert.strictEqual((yield* stats).requests, 0, "the mock received no request")
      }).pipe(Effect.provide(mockLayer())))
  }
})
