import { assert, describe, it } from "@effect/vitest"
import { ClientOptions } from "@exa-webhooks/client"
import { EventType } from "@exa-webhooks/schema"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect } from "effect"
import packageJson from "../package.json" with { type: "json" }
import { API_KEY, envFor, json, lines, mockLayer, run } from "./fixtures/cli.ts"

const STORE = "redis://127.0.0.1:6379/0"

// The ENVIRONMENT section of a page, line by line.
const environmentOf = (page: string) => page.split("\nENVIRONMENT\n")[1]!.split("\n\n")[0]!.split("\n")

describe("the command line, before any command runs", () => {
  it.effect("a global flag's value is never taken for a command: --rate-limit-store URL create --help is create's help", () =>
    Effect.gen(function*() {
      for (const args of [["--rate-limit-store", STORE, "create", "--help"], ["--timeout", "5 seconds", "create", "-h"]]) {
        const result = yield* run(args, { env: { EXA_API_KEY: API_KEY } })
        assert.strictEqual(result.code, 0, result.stderr)
        assert.strictEqual(result.stderr, "")
        assert.include(result.stdout, "Create a webhook")
        assert.include(result.stdout, "exa-webhooks create [flags]")
      }
    }))

  it.effect("an unknown command is exit 2 with --help too, wherever the global flags stand", () =>
    Effect.gen(function*() {
      for (
        const args of [
          ["UNKNOWN", "--help"],
          ["--rate-limit-store", STORE, "UNKNOWN", "--help"],
          ["--json", "false", "--base-url", "http://127.0.0.1:8080", "UNKNOWN", "-h"],
          ["--log-level", "debug", "UNKNOWN", "--help"]
        ]
      ) {
        const result = yield* run(args, { env: { EXA_API_KEY: API_KEY } })
        assert.strictEqual(result.code, 2, args.join(" "))
        assert.strictEqual(result.stdout, "")
        assert.strictEqual(lines(result.stderr).length, 1, result.stderr)
        assert.match(result.stderr, /^exa-webhooks: unknown command "UNKNOWN"; the commands are create, list, /)
      }
      // A flag no page lists (the refused --api-key) ends the walk: its value is never quoted as a command.
      const typed = yield* run(["--api-key", "sk-secret-typed-by-mistake", "--help"], { env: {} })
      assert.notInclude(typed.stdout + typed.stderr, "sk-secret-typed-by-mistake")
    }))

  it.effect("--version prints the name and the package's version; with --json, one JSON document", () =>
    Effect.gen(function*() {
      const text = yield* run(["--version"])
      assert.strictEqual(text.stdout, `exa-webhooks ${packageJson.version}\n`)
      const asJson = yield* run(["--version", "--json"])
      assert.strictEqual(asJson.code, 0)
      assert.deepStrictEqual(json(asJson), { name: "exa-webhooks", version: packageJson.version })
    }))
})

describe("help pages show what applies", () => {
  it.effect("a subcommand names the shared flags and where they are described, instead of repeating them", () =>
    Effect.gen(function*() {
      const page = (yield* run(["list", "--help"])).stdout
      assert.include(page, "SHARED FLAGS")
      assert.match(page, /--base-url, --api-key-file, --rate-limit, --timeout, --rate-limit-store, --dry-run, .*--json, --color: see 'exa-webhooks --help'/)
      assert.notInclude(page, "INHERITED FLAGS")
      assert.notInclude(page, "GLOBAL FLAGS")
      assert.notInclude(page, "--completions")
      // The root's page has them in full.
      const root = (yield* run(["--help"])).stdout
      assert.include(root, "GLOBAL FLAGS")
      assert.match(root, /--rate-limit N +requests per second/)
      assert.include(root, "--color WHEN")
    }))

  it.effect("verify lists neither the API's flags nor its variables; verify and listen say what exit 1 means for them", () =>
    Effect.gen(function*() {
      const verify = (yield* run(["verify", "--help"])).stdout
      for (const apiOnly of ["EXA_API_KEY", "EXA_BASE_URL", "EXA_RATE_LIMIT", "--base-url", "--api-key-file", "--dry-run"]) {
        assert.notInclude(verify, apiOnly)
      }
      assert.match(verify, /SHARED FLAGS\n {2}--help, --log-level, --json, --color: see 'exa-webhooks --help'/)
      assert.match(verify, /^ {2}1 +not a genuine delivery/m)
      // listen --from-api polls the API, so listen's page keeps the API's flags and variables.
      const listen = (yield* run(["listen", "--help"])).stdout
      assert.include(listen, "EXA_API_KEY")
      assert.match(listen, /^ {2}1 +with --from-api: the API failed, or the checkpoint could not be written/m)
      for (const page of [verify, listen]) {
        assert.include(page, "EXA_WEBHOOK_SECRET")
        assert.notMatch(page, /^ {2}1 +the API or the network failed/m)
      }
      // The root's page lists every variable some command reads.
      assert.include((yield* run(["--help"])).stdout, "EXA_WEBHOOK_SECRET")
    }))

  it.effect("ENVIRONMENT states each setting's default as the client's settings table has it, and none it does not", () =>
    Effect.gen(function*() {
      const page = environmentOf((yield* run(["create", "--help"])).stdout)
      for (const setting of Object.values(ClientOptions.settings)) {
        const line = page.find((row) => row.trimStart().startsWith(`${setting.env} `))
        assert.isDefined(line, setting.env)
        const fallback = ClientOptions.defaultText(setting as ClientOptions.Setting<unknown, unknown>)
        if (fallback === undefined) assert.notInclude(line!, "default", setting.env)
        else assert.isTrue(line!.endsWith(`; default ${fallback}`), line)
        if (setting.flag !== undefined) assert.include(line!, `(or --${setting.flag.name} ${setting.flag.metavar})`)
      }
      assert.include(page.join("\n"), "EXA_RATE_LIMIT         requests per second, shared by every request of the run, or auto to learn it from the server's answers (or --rate-limit N); default 10")
      assert.include(page.join("\n"), "EXA_TIMEOUT            how long one request may take (or --timeout DURATION); default 30 seconds")
    }))
})

describe("errors name the settings the bin's way", () => {
  it.live("a timeout names --timeout and EXA_TIMEOUT", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const result = yield* run(["list", "--timeout", "50 millis"], { env: envFor(mock, { EXA_MAX_RETRIES: "0" }) })
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, "(--timeout or EXA_TIMEOUT).")
    }).pipe(Effect.provide(mockLayer({ latencyMillis: 500 }))))

  it.live("a 429 names --rate-limit and EXA_RATE_LIMIT", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock, { EXA_MAX_RETRIES: "0", EXA_RATE_LIMIT: "1000" })
      const results = yield* Effect.all([run(["list"], { env }), run(["list"], { env }), run(["list"], { env })], {
        concurrency: "unbounded"
      })
      const limited = results.find((result) => result.stderr.includes("RateLimitError"))
      assert.isDefined(limited, results.map((r) => r.stderr).join("\n"))
      assert.include(limited!.stderr, "(--rate-limit or EXA_RATE_LIMIT).")
    }).pipe(Effect.provide(mockLayer({ rateLimit: 1, retryAfter: false }))))
})

describe("shell completions", () => {
  it.effect("complete every event type for --event and --event-type, in bash, zsh and fish", () =>
    Effect.gen(function*() {
      for (const shell of ["bash", "zsh", "fish"]) {
        const script = yield* run(["--completions", shell])
        assert.strictEqual(script.code, 0, script.stderr)
        for (const event of EventType.values) assert.include(script.stdout, event, `${shell}: ${event}`)
      }
      const zsh = (yield* run(["--completions", "zsh"])).stdout
      assert.match(zsh, new RegExp(`--event\\[[^\\]]*\\]:value:\\(${EventType.values.map((e) => e.replace(/\./g, "\\.")).join(" ")}\\)`))
      // Still text to the parser: a comma-separated list and the rule's did-you-mean.
      const dryRun = yield* run(["create", "--url", "https://example.com/h", "--event", "webset.created,webset.idle", "--dry-run", "--json"], {
        env: { EXA_API_KEY: API_KEY }
      })
      assert.deepStrictEqual(json(dryRun).body.events, ["webset.created", "webset.idle"])
      const nearMiss = yield* run(["create", "--url", "https://example.com/h", "--event", "webset.item.enrich"], { env: { EXA_API_KEY: API_KEY } })
      assert.include(nearMiss.stderr, 'did you mean "webset.item.enriched"')
    }))
})

describe("--color", () => {
  it.effect("auto: colour on a terminal only, never with NO_COLOR; FORCE_COLOR and --color always force it; never wins", () =>
    Effect.gen(function*() {
      const ESC = "\u001b["
      const unknownFlag = ["list", "--colour"]
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, Record<string, string>, boolean, boolean]> = [
        [unknownFlag, {}, false, false],
        [unknownFlag, {}, true, true],
        [unknownFlag, { NO_COLOR: "1" }, true, false],
        [unknownFlag, { FORCE_COLOR: "1" }, false, true],
        [[...unknownFlag, "--color", "always"], { NO_COLOR: "1" }, false, true],
        [[...unknownFlag, "--color=never"], { FORCE_COLOR: "1" }, true, false]
      ]
      for (const [args, env, terminal, coloured] of cases) {
        const result = yield* run(args, { env, stderrIsTerminal: terminal })
        assert.strictEqual(result.code, 2)
        assert.strictEqual(result.stderr.includes(ESC), coloured, `${args.join(" ")} ${JSON.stringify(env)} terminal: ${terminal}`)
        // oxlint-disable-next-line no-control-regex
        assert.include(result.stderr.replaceAll(/\u001b\[\d+m/g, ""), "exa-webhooks: unknown flag --colour")
      }
      const help = yield* run(["list", "--help"], { stdoutIsTerminal: true })
      assert.include(help.stdout, `${ESC}1mUSAGE`)
      assert.notInclude((yield* run(["list", "--help"])).stdout, ESC)
      assert.notInclude((yield* run(["list", "--help", "--json"], { stdoutIsTerminal: true, env: { FORCE_COLOR: "1" } })).stderr, ESC)
      const bad = yield* run(["list", "--color", "sometimes"])
      assert.strictEqual(bad.code, 2)
      assert.include(bad.stderr, "--color")
    }))
})
