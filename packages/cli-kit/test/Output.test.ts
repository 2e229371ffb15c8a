import { assert, describe, it } from "@effect/vitest"
import { Console, Effect, PlatformError, Sink, Stdio, Stream } from "effect"
import * as Output from "../src/Output.ts"
import * as Text from "../src/Text.ts"

describe("Output.wantsJson", () => {
  it("reads --json before parsing, as the parser will", () => {
    assert.isTrue(Output.wantsJson(["list", "--json"]))
    assert.isTrue(Output.wantsJson(["--json=true", "list"]))
    assert.isFalse(Output.wantsJson(["list", "--json", "false"]))
    assert.isFalse(Output.wantsJson(["list", "--json=false"]))
    assert.isFalse(Output.wantsJson(["get", "--", "--json"]))
    for (const off of [["--json", "no"], ["--json", "0"], ["--json=off"], ["--json=n"], ["--json", "--no-json"]]) {
      assert.isFalse(Output.wantsJson(["list", ...off]), off.join(" "))
    }
    assert.isTrue(Output.wantsJson(["list", "--json", "yes"]))
  })
})

const use = (choice: Output.ColorChoice | undefined, env: Record<string, string>, isTerminal: boolean) =>
  Output.useColor({ choice, env, isTerminal })

describe("colour", () => {
  it("--color is read before parsing; an unknown word or one after -- is not a choice", () => {
    assert.strictEqual(Output.colorChoice(["list", "--color", "never"]), "never")
    assert.strictEqual(Output.colorChoice(["--color=always", "list"]), "always")
    assert.isUndefined(Output.colorChoice(["list", "--color", "sometimes"]))
    assert.isUndefined(Output.colorChoice(["get", "--", "--color", "always"]))
  })

  it("auto: on a terminal, unless NO_COLOR (not empty) or TERM=dumb; FORCE_COLOR forces it either way; the flag wins", () => {
    assert.isTrue(use(undefined, {}, true))
    assert.isFalse(use(undefined, {}, false))
    assert.isFalse(use("auto", { NO_COLOR: "1" }, true))
    assert.isTrue(use("auto", { NO_COLOR: "" }, true), "an empty NO_COLOR is unset (no-color.org)")
    assert.isFalse(use("auto", { TERM: "dumb" }, true))
    assert.isTrue(use("auto", { FORCE_COLOR: "1" }, false))
    assert.isFalse(use("auto", { FORCE_COLOR: "0" }, true))
    assert.isTrue(use("always", { NO_COLOR: "1" }, false))
    assert.isFalse(use("never", { FORCE_COLOR: "1" }, true))
  })
})

describe("Text", () => {
  it("escapes every plain piece and masks URL passwords; styles are SGR only with colour", () => {
    const text = ["id ", Text.green("+ create"), " https://u:pw@host/\u001b[2J", Text.red(["x\u202e", Text.bold("y")])]
    assert.strictEqual(Text.render(text, { color: false }), "id + create https://u:****@host/\\u001b[2Jx\\u202ey")
    assert.strictEqual(
      Text.render(text, { color: true }),
      "id \u001b[32m+ create\u001b[39m https://u:****@host/\\u001b[2J\u001b[31mx\\u202e\u001b[1my\u001b[22m\u001b[39m"
    )
    assert.strictEqual(Text.render("a\nb", { color: false }), "a\\nb")
    assert.strictEqual(Text.render("a\nb", { color: false, lines: true }), "a\nb")
  })

  it("lays out columns by what is shown, styles not counted", () => {
    const rows = Text.columns([[Text.green("+ create"), "a", "x"], ["~ update", "bbbb", "y"]])
    assert.deepStrictEqual(rows.map((row) => Text.render(row, { color: false })), ["+ create  a     x", "~ update  bbbb  y"])
    assert.strictEqual(Text.width(Text.yellow("abc")), 3)
  })
})

// What an Output wrote, through a Console and a Stdio of its own.
const capture = (options: Output.Options) => {
  const written = { stdout: "", stderr: "" }
  const stdio = Stdio.make({
    args: Effect.succeed([]),
    stdout: () => Sink.forEach((chunk: string | Uint8Array) => Effect.sync(() => void (written.stdout += String(chunk)))),
    stderr: () => Sink.forEach((chunk: string | Uint8Array) => Effect.sync(() => void (written.stderr += String(chunk)))),
    stdin: Stream.empty
  })
  const console = {
    ...globalThis.console,
    log: (text: string) => void (written.stdout += `${text}\n`),
    error: (text: string) => void (written.stderr += `${text}\n`)
  }
  const output = Output.make(options, stdio)
  return { written, output, run: <A, E>(effect: Effect.Effect<A, E>) => Effect.provideService(effect, Console.Console, console) }
}

describe("Output", () => {
  it.effect("text: the result on stdout, notes and warnings on stderr, a failure as one line; colour only when on", () =>
    Effect.gen(function*() {
      const plain = capture({ program: "bin", json: false })
      yield* plain.run(Effect.all([
        plain.output.result({ a: 1 }, () => ["ok ", Text.green("done")]),
        plain.output.note("a hint\nover two lines"),
        plain.output.warn("careful"),
        plain.output.failure({ type: "X", message: "it broke", exitCode: 1, lines: ["f.yaml:1:1: bad"] })
      ]))
      assert.strictEqual(plain.written.stdout, "ok done\n")
      assert.strictEqual(plain.written.stderr, "a hint; over two lines\nbin: warning: careful\nf.yaml:1:1: bad\nbin: it broke\n")
      const coloured = capture({ program: "bin", json: false, color: { stdout: true, stderr: true } })
      yield* coloured.run(Effect.all([coloured.output.warn("careful"), coloured.output.failure({ type: "X", message: "no", exitCode: 1 })]))
      assert.strictEqual(coloured.written.stderr, "bin: \u001b[33mwarning:\u001b[39m careful\n\u001b[31mbin:\u001b[39m no\n")
    }))

  it.effect("JSON: one document on stdout, one object per line on stderr, notes dropped", () =>
    Effect.gen(function*() {
      const json = capture({ program: "bin", json: true, color: { stdout: true, stderr: true } })
      yield* json.run(Effect.all([
        json.output.result({ url: "https://u:pw@h/" }, () => "never"),
        json.output.note("a hint"),
        json.output.warn("careful"),
        json.output.failure({ type: "X", message: "it\nbroke", exitCode: 2, details: { status: 400 } })
      ]))
      assert.deepStrictEqual(JSON.parse(json.written.stdout), { url: "https://u:****@h/" })
      assert.deepStrictEqual(json.written.stderr.trim().split("\n").map((line) => JSON.parse(line)), [
        { warning: "careful" },
        { error: { type: "X", message: "it; broke", exitCode: 2, status: 400 } }
      ])
    }))

  it.effect("a status line is drawn only on a terminal and without --json; a line on stderr clears it and it comes back", () =>
    Effect.gen(function*() {
      const piped = capture({ program: "bin", json: false, stderrIsTerminal: false })
      yield* piped.run(piped.output.status("1/2"))
      assert.strictEqual(piped.written.stderr, "")
      const json = capture({ program: "bin", json: true, stderrIsTerminal: true })
      yield* json.run(json.output.status("1/2"))
      assert.strictEqual(json.written.stderr, "")
      const terminal = capture({ program: "bin", json: false, stderrIsTerminal: true })
      yield* terminal.run(Effect.all([
        terminal.output.status("1/2"),
        terminal.output.warn("slow"),
        terminal.output.status(undefined)
      ]))
      assert.strictEqual(terminal.written.stderr, "\r1/2\u001b[K\r\u001b[Kbin: warning: slow\n\r1/2\u001b[K\r\u001b[K")
    }))

  it.effect("a result stdout cannot take is a StdoutError", () =>
    Effect.gen(function*() {
      const broken = Output.make(
        { program: "bin", json: false },
        Stdio.make({
          args: Effect.succeed([]),
          stdout: () =>
            Sink.forEach(() =>
              Effect.fail(PlatformError.systemError({ _tag: "BadResource", module: "Stdio", method: "stdout", cause: new Error("EPIPE: broken pipe") }))
            ),
          stderr: () => Sink.drain,
          stdin: Stream.empty
        })
      )
      const error = yield* Effect.flip(broken.result(null, () => "x"))
      assert.instanceOf(error, Output.StdoutError)
      assert.strictEqual(error.message, "the result could not be written to stdout (EPIPE: broken pipe)")
    }))
})
