import { assert, describe, it } from "@effect/vitest"
import { WebhooksError } from "@exa-webhooks/client"
import { Config, Effect, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Bin from "../src/Bin.ts"
import * as Completion from "../src/Completion.ts"
import * as ExitCode from "../src/ExitCode.ts"
import * as Help from "../src/Help.ts"
import { Output } from "../src/Output.ts"
import * as Testing from "../src/testing.ts"
import { UsageError } from "../src/UsageError.ts"

// A bin of its own, as an app writes one: a shared value flag on the root, a few commands, one error of its own.
class Broken extends Schema.TaggedError<Broken>()("Broken", { what: Schema.String }) {}

const root = Command.make("kit-test").pipe(
  Command.withSharedFlags({
    region: Flag.String("region").pipe(Flag.withDescription("where to go"), Flag.withMetavar("NAME"), Flag.optional)
  }),
  Command.withDescription("A bin for the kit's tests.")
)

const hello = Command.make("hello", { name: Argument.String("name").pipe(Argument.optional) }, ({ name }) =>
  Effect.gen(function*() {
    const output = yield* Output
    yield* output.result({ hello: name._tag === "Some" ? name.value : "world" }, () => `hello ${name._tag === "Some" ? name.value : "world"}`)
    yield* output.note("said hello")
  })).pipe(Command.withShortDescription("say hello"))

const fail = Command.make("fail", { kind: Argument.String("kind") }, ({ kind }) =>
  Effect.gen(function*() {
    if (kind === "own") return yield* new Broken({ what: "the widget" })
    if (kind === "usage") return yield* new UsageError({ message: "--region must be north or south" })
    if (kind === "config") return yield* Config.Int("KIT_TEST_NUMBER")
    if (kind === "exiting") return yield* new ExitCode.Exiting({ code: 3 })
    if (kind === "client") {
      return yield* new WebhooksError.NotFoundError({
        method: "GET",
        path: "/websets/v0/webhooks/wh_gone",
        status: 404,
        requestId: "req_1",
        serverMessage: "no webhook has the id wh_gone; list webhooks with GET /websets/v0/webhooks",
        advice: "List webhooks to see their ids."
      })
    }
    return yield* Effect.die(new Error("the bug\nwith a stack"))
  })).pipe(Command.withShortDescription("fail in the way asked"))

const wait = Command.make("wait", {}, () =>
  Effect.gen(function*() {
    yield* Bin.interrupted("interrupted while waiting; nothing was lost")
    yield* (yield* Output).line({ waiting: true }, () => "waiting")
    return yield* Effect.never
  })).pipe(Command.withShortDescription("wait until stopped"))

const pick = Command.make("pick", { shade: Completion.flag("shade", ["crimson", "navy"]) }, ({ shade }) =>
  Effect.gen(function*() {
    yield* (yield* Output).result({ shade }, () => shade)
  })).pipe(Command.withShortDescription("pick a shade"))

const local = Command.make("local", {}, () => Effect.void).pipe(
  Command.withShortDescription("talk to no API"),
  Command.annotate(Help.Offline, true),
  Command.annotate(Help.ExitCodes, { 1: "the widget is broken", 7: "a code of its own" }),
  Command.annotate(Help.Environment, [{ name: "KIT_TEST_SECRET", description: "a secret of its own" }])
)

const definition = Bin.make({
  name: "kit-test",
  version: "1.2.3",
  command: root.pipe(Command.withSubcommands([hello, fail, wait, local, pick])),
  errors: (error) =>
    error instanceof Broken ? { type: "Broken", message: `${error.what} is broken`, exitCode: 1, details: { what: error.what } } : undefined
})

const run = Testing.inProcess(definition)

describe("Bin.program", () => {
  it.effect("runs a command: the result on stdout, notes on stderr, exit 0", () =>
    Effect.gen(function*() {
      const result = yield* run(["--region", "north", "hello", "you"])
      assert.deepStrictEqual([result.code, result.stdout, result.stderr], [0, "hello you\n", "said hello\n"])
      const json = yield* run(["hello", "--json"])
      assert.deepStrictEqual([json.code, JSON.parse(json.stdout), json.stderr], [0, { hello: "world" }, ""])
    }))

  it.effect("reports the app's own errors, then the kit's, each as one line or one JSON object, with its code", () =>
    Effect.gen(function*() {
      const cases = [
        ["own", 1, "kit-test: the widget is broken", "Broken"],
        ["usage", 2, "kit-test: --region must be north or south", "UsageError"],
        ["config", 2, "kit-test: invalid client setting in the environment: KIT_TEST_NUMBER:", "UsageError"],
        ["bug", 1, "kit-test: internal error: the bug; with a stack (this is a bug in kit-test;", "InternalError"]
      ] as const
      for (const [kind, code, line, type] of cases) {
        const text = yield* run(["fail", kind], { env: { KIT_TEST_NUMBER: "many" } })
        assert.strictEqual(text.code, code, kind)
        assert.strictEqual(text.stdout, "")
        assert.strictEqual(Testing.lines(text.stderr).length, 1, text.stderr)
        assert.isTrue(text.stderr.startsWith(line), text.stderr)
        const json = yield* run(["fail", kind, "--json"], { env: { KIT_TEST_NUMBER: "many" } })
        const { error } = JSON.parse(json.stderr)
        assert.strictEqual(error.type, type)
        assert.strictEqual(error.exitCode, code)
      }
      assert.strictEqual((yield* run(["fail", "exiting"])).code, 3)
      assert.strictEqual((yield* run(["fail", "exiting"])).stderr, "")
    }))

  it.effect("a client error in the bin's terms: its advice once, without the server's echo of it", () =>
    Effect.gen(function*() {
      const result = yield* run(["fail", "client"])
      assert.strictEqual(result.code, 1)
      assert.strictEqual(
        result.stderr,
        "kit-test: NotFoundError: GET /websets/v0/webhooks/wh_gone: Exa answered 404 Not Found (request id req_1). " +
          "No webhook with this id exists for this key. List webhooks to see their ids.\n"
      )
      const json = JSON.parse((yield* run(["fail", "client", "--json"])).stderr).error
      assert.strictEqual(json.serverMessage, "no webhook has the id wh_gone; list webhooks with GET /websets/v0/webhooks")
      assert.strictEqual(json.status, 404)
      assert.strictEqual(json.retryable, false)
    }))

  it.effect("parse errors are one line naming the command's help; no command is the help on stderr, exit 2", () =>
    Effect.gen(function*() {
      const unknownFlag = yield* run(["hello", "--colour"])
      assert.strictEqual(unknownFlag.code, 2)
      assert.match(unknownFlag.stderr, /^kit-test: unknown flag --colour for 'kit-test hello'.*\(see 'kit-test hello --help'\)\n$/)
      const unknownCommand = yield* run(["helo"])
      assert.strictEqual(unknownCommand.code, 2)
      assert.match(unknownCommand.stderr, /^kit-test: unknown command "helo"; did you mean hello/)
      const none = yield* run([])
      assert.strictEqual(none.code, 2)
      assert.strictEqual(none.stdout, "")
      assert.include(none.stderr, "USAGE")
      const noneJson = yield* run(["--json"])
      assert.strictEqual(JSON.parse(noneJson.stderr).error.message, "no command given; see 'kit-test --help'")
    }))

  it.effect("an unknown command is exit 2 with --help too; a flag's value (by its own definition) is not a command", () =>
    Effect.gen(function*() {
      for (const args of [["nope", "--help"], ["--region", "north", "nope", "-h"], ["--json", "false", "nope", "--help"]]) {
        const result = yield* run(args)
        assert.strictEqual(result.code, 2, args.join(" "))
        assert.strictEqual(result.stdout, "")
        assert.strictEqual(result.stderr, `kit-test: unknown command "nope"; the commands are hello, fail, wait, local, pick (see 'kit-test --help')\n`)
      }
      for (const args of [["--region", "hello", "wait", "--help"], ["--region=north", "wait", "--help"], ["hello", "nope", "--help"]]) {
        const result = yield* run(args)
        assert.strictEqual(result.code, 0, `${args.join(" ")}: ${result.stderr}`)
      }
    }))

  it.effect("--version, as text or as one JSON document", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* run(["--version"])).stdout, "kit-test 1.2.3\n")
      assert.deepStrictEqual(JSON.parse((yield* run(["--version", "--json"])).stdout), { name: "kit-test", version: "1.2.3" })
    }))

  it.live("an interruption is reported once, with the command's message, and ends with the signal's code", () =>
    Effect.gen(function*() {
      for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
        const result = yield* run(["wait"], { interruptWhen: Effect.sleep("50 millis"), signal })
        assert.strictEqual(result.stdout, "waiting\n")
        assert.strictEqual(result.code, code)
        assert.strictEqual(result.stderr, "kit-test: interrupted while waiting; nothing was lost\n")
        const json = yield* run(["wait", "--json"], { interruptWhen: Effect.sleep("50 millis"), signal })
        assert.deepStrictEqual(JSON.parse(json.stderr).error, {
          type: "Interrupted",
          message: "interrupted while waiting; nothing was lost",
          exitCode: code
        })
      }
    }))
})

describe("Bin.helpText", () => {
  it.effect("renders a page without running anything: the root's in full, a command's with what applies to it", () =>
    Effect.gen(function*() {
      const rootPage = (yield* Bin.helpText(definition, [], { colors: false }))!
      assert.include(rootPage, "--region NAME    where to go")
      assert.include(rootPage, "GLOBAL FLAGS")
      assert.include(rootPage, "KIT_TEST_SECRET")
      assert.include(rootPage, "EXA_API_KEY")
      const helloPage = (yield* Bin.helpText(definition, ["hello"], { colors: false }))!
      assert.include(helloPage, "SHARED FLAGS\n  --region, --help, --log-level, --json, --color: see 'kit-test --help'")
      assert.include(helloPage, "EXA_API_KEY")
      assert.notInclude(helloPage, "KIT_TEST_SECRET")
      const offline = (yield* Bin.helpText(definition, ["local"], { colors: false }))!
      assert.include(offline, "SHARED FLAGS\n  --help, --log-level, --json, --color: see 'kit-test --help'")
      assert.notInclude(offline, "EXA_API_KEY")
      assert.match(offline, /^ {2}KIT_TEST_SECRET +a secret of its own$/m)
      assert.match(offline, /^ {2}1 +the widget is broken$/m)
      assert.match(offline, /^ {2}7 +a code of its own$/m)
      assert.isUndefined(yield* Bin.helpText(definition, ["nope"], { colors: false }))
      // Coloured only when asked.
      assert.notInclude(helloPage, "\u001b[")
      assert.include((yield* Bin.helpText(definition, ["hello"], { colors: true }))!, "\u001b[1mSHARED FLAGS")
    }))

  it.effect("is the page --help prints", () =>
    Effect.gen(function*() {
      const printed = yield* run(["local", "--help"])
      assert.strictEqual(printed.code, 0)
      assert.strictEqual(printed.stdout, `${yield* Bin.helpText(definition, ["local"], { colors: false })}\n`)
    }))
})

describe("Completion.flag", () => {
  it.effect("the shells complete its values; the parser still takes any text (the flag's own rule judges it)", () =>
    Effect.gen(function*() {
      for (const shell of ["bash", "zsh", "fish"]) {
        const script = (yield* run(["--completions", shell])).stdout
        assert.include(script, "crimson", shell)
        assert.include(script, "navy", shell)
      }
      assert.strictEqual((yield* run(["pick", "--shade", "teal,navy"])).stdout, "teal,navy\n")
    }))
})
