/**
 * The tests of a bin's pre-rendered help (scripts/help-pages.mjs, served by scripts/bin-shim.cjs), shared by the
 * bins' test suites: each page is byte for byte what the bundle prints for the same arguments in the same
 * terminal, for every command of the tree; and the guard prints it without loading the bundle.
 */
import { spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "vitest"

interface Ran {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`

/** The environment every case starts from: nothing that chooses colours. */
const baseEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  for (const name of ["NO_COLOR", "FORCE_COLOR", "NODE_OPTIONS", "COLUMNS", "TERM"]) delete env[name]
  env["TERM"] = "xterm-256color"
  return env
}

/**
 * Runs `command` with stdout a pipe, or with stdin, stdout and stderr a pseudo-terminal (util-linux `script`, which
 * exits with the command's status); stdout as bytes read as latin1, so any difference in bytes is one here.
 */
const run = (command: ReadonlyArray<string>, env: NodeJS.ProcessEnv, tty: boolean, columns?: number): Ran => {
  const line = `${columns === undefined ? "" : `stty cols ${columns}; `}exec ${command.map(quote).join(" ")}`
  const [file, ...args] = tty ? ["script", "-qec", line, "/dev/null"] : command
  const result = spawnSync(file!, args, { env, stdio: ["ignore", "pipe", "pipe"], encoding: "latin1", timeout: 30_000 })
  if (result.error) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/**
 * Registers the tests for the bin `name` of the package in `packageDir` (its build must have run).
 */
export const describeHelpPages = (packageDir: string, name: string): void => {
  const bin = join(packageDir, "bin", `${name}.cjs`)
  const bundle = join(packageDir, "dist", `${name}.mjs`)
  const help = join(packageDir, "dist", "help")
  const paths = readdirSync(join(help, "plain")).map((file) => {
    const key = file.replace(/\.txt$/, "")
    return key === "_" ? [] : key.split(".")
  })
  const page = (words: ReadonlyArray<string>, colors: boolean) =>
    readFileSync(join(help, colors ? "color" : "plain", `${words.length === 0 ? "_" : words.join(".")}.txt`), "latin1")
  const deepest = paths.reduce((a, b) => (b.length > a.length ? b : a))
  const hasScript = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0
  if (!hasScript && process.env["CI"] === "true") throw new Error("util-linux `script` is needed for the terminal cases")
  if (!hasScript) console.warn(`${name}: help pages on a terminal not checked: no util-linux \`script\``)

  /** The guard's answer and the bundle's, for the same arguments in the same environment and terminal. */
  const same = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, tty: boolean, columns?: number) => {
    if (tty && !hasScript) return undefined
    const served = run([process.execPath, bin, ...args], env, tty, columns)
    const real = run([process.execPath, bundle, ...args], env, tty, columns)
    const what = `${name} ${args.join(" ")} (${tty ? "terminal" : "pipe"}, NO_COLOR=${env["NO_COLOR"] ?? "unset"})`
    assert.strictEqual(served.stdout, real.stdout, `${what}: stdout differs from the bundle's`)
    assert.strictEqual(served.stderr, real.stderr, `${what}: stderr differs`)
    assert.strictEqual(served.status, real.status, `${what}: exit status differs`)
    return served
  }

  describe(`${name}: help rendered at build time`, () => {
    it("has a page for every subcommand each page lists", () => {
      const keys = new Set(paths.map((words) => words.join(".")))
      assert.isAbove(paths.length, 1)
      for (const words of paths) {
        const listed = /\nSUBCOMMANDS\n((?: {2}\S.*\n)+)/.exec(page(words, false))?.[1] ?? ""
        for (const line of listed.split("\n").filter((l) => l !== "")) {
          const sub = line.trim().split(/\s+/)[0]!
          assert.isTrue(keys.has([...words, sub].join(".")), `no page for ${name} ${[...words, sub].join(" ")} --help`)
        }
      }
    })

    it("is byte for byte the bundle's --help for every command, on a pipe and on a terminal", () => {
      for (const words of paths) {
        const piped = same([...words, "--help"], baseEnv(), false)
        assert.strictEqual(piped?.stdout, page(words, false))
        assert.strictEqual(piped?.status, 0)
        same([...words, "--help"], baseEnv(), true)
      }
    }, 240_000)

    it("matches the bundle under every setting that could change help: -h, --color, NO_COLOR, FORCE_COLOR, TERM, width, env", () => {
      for (const words of [[], deepest]) {
        same([...words, "-h"], baseEnv(), false)
        same([...words, "-h"], baseEnv(), true)
        for (const tty of [false, true]) {
          same([...words, "--help"], { ...baseEnv(), NO_COLOR: "1" }, tty)
          same([...words, "--help"], { ...baseEnv(), NO_COLOR: "" }, tty)
        }
        same([...words, "--help"], { ...baseEnv(), FORCE_COLOR: "1" }, false)
        same([...words, "--help"], { ...baseEnv(), FORCE_COLOR: "" }, false)
        same([...words, "--help"], { ...baseEnv(), FORCE_COLOR: "0" }, true)
        same([...words, "--help"], { ...baseEnv(), TERM: "dumb" }, true)
        same([...words, "--help"], { ...baseEnv(), COLUMNS: "40" }, true, 40)
        same([...words, "--color", "always", "--help"], baseEnv(), false)
        same([...words, "--color=never", "--help"], baseEnv(), true)
        same([...words, "--help"], {
          ...baseEnv(),
          EXA_RATE_LIMIT: "3",
          EXA_BASE_URL: "http://127.0.0.1:9",
          EXA_TIMEOUT: "1 second",
          EXA_MAX_RETRIES: "1",
          EXA_RATE_LIMIT_STORE: "redis://127.0.0.1:9"
        }, false)
      }
      // What has no page goes to the bundle, which answers it (here: usage errors).
      same(["no-such-command", "--help"], baseEnv(), false)
      same([...deepest, "no-such-command", "--help"], baseEnv(), false)
      same(["--json", "--help"], baseEnv(), false)
    }, 240_000)

    const bare = mkdtempSync(join(tmpdir(), `${name}-help-`))
    afterAll(() => rmSync(bare, { recursive: true, force: true }))

    it("prints every page without loading the bundle", () => {
      // The package without its bundle: the guard and the pages only.
      mkdirSync(join(bare, "dist"))
      cpSync(join(packageDir, "package.json"), join(bare, "package.json"))
      cpSync(join(packageDir, "bin"), join(bare, "bin"), { recursive: true })
      cpSync(help, join(bare, "dist", "help"), { recursive: true })
      assert.isFalse(existsSync(join(bare, "dist", `${name}.mjs`)))
      for (const words of paths) {
        const served = run([process.execPath, join(bare, "bin", `${name}.cjs`), ...words, "--help"], baseEnv(), false)
        assert.strictEqual(served.stderr, "", `${words.join(" ")} --help`)
        assert.strictEqual(served.status, 0)
        assert.strictEqual(served.stdout, page(words, false))
      }
      // Anything else needs the bundle: here it is missing, so the run fails.
      const version = run([process.execPath, join(bare, "bin", `${name}.cjs`), "--version"], baseEnv(), false)
      assert.notStrictEqual(version.status, 0)
    })
  })
}
