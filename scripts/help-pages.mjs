// Run by the build of a bin (apps/cli, apps/batch, from its folder) after its bundle is written: renders the help of
// every command of the bin's real command tree into dist/help/, so that the bin's Node guard (scripts/bin-shim.cjs)
// can print it without loading the bundle: `--help` of a bin then costs about what `node -e 0` costs.
//
// The pages are the bundle's own output, captured byte for byte: for each command path (aliases included), the
// bundle is run with `PATH... --help`, once with stdout a pipe (plain) and once with stdout taken for a terminal
// (colours). The command paths are read from the command tree itself (`command` of src/Commands.ts, walked through
// effect/cli's `subcommands`), so a new command gets its page without a list to keep. test/HelpPages.test.ts checks
// every page against the bundle run for real, on a pipe and on a pseudo-terminal, with and without NO_COLOR.
import { spawn } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { build } from "esbuild"

/**
 * The file of one page, under dist/help/: `plain/` or `color/`, then the command path joined by dots (`_` for the
 * root): the guard computes the same name (scripts/bin-shim.cjs).
 */
export const pageFile = (words, colors) => join(colors ? "color" : "plain", `${words.length === 0 ? "_" : words.join(".")}.txt`)

/** Every command path of `command` ([] for the root), each name and alias of each subcommand. */
const pathsOf = (command, prefix = []) => {
  const out = [prefix]
  for (const group of command.subcommands ?? []) {
    for (const sub of group.commands) {
      for (const name of [sub.name, sub.alias].filter((n) => typeof n === "string" && n.length > 0)) {
        out.push(...pathsOf(sub, [...prefix, name]))
      }
    }
  }
  return out
}

/** Reads the command tree: bundles `export { command } from <commandsModule>` to a temporary file and imports it. */
const commandPaths = async (commandsModule) => {
  const out = resolve("dist", ".command-tree.mjs")
  await build({
    stdin: { contents: `export { command } from ${JSON.stringify(`./${commandsModule}`)}`, resolveDir: process.cwd(), loader: "ts" },
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    conditions: ["source"],
    logLevel: "warning",
    banner: { js: 'import { createRequire as __createRequire } from "node:module";const require=__createRequire(import.meta.url);' }
  })
  try {
    const { command } = await import(pathToFileURL(out).href)
    return pathsOf(command)
  } finally {
    rmSync(out, { force: true })
  }
}

// Taken for a terminal: the bundle decides on colours from `process.stdout.isTTY` (and NO_COLOR).
const TTY_PRELOAD = `data:text/javascript,${encodeURIComponent('Object.defineProperty(process.stdout, "isTTY", { value: true })')}`

const render = (bundle, words, colors) =>
  new Promise((resolvePage, reject) => {
    const env = { ...process.env }
    // As on a user's terminal, whatever the build's own (a CI job has TERM=dumb or none).
    delete env.NO_COLOR
    delete env.FORCE_COLOR
    env.TERM = "xterm-256color"
    const args = [...(colors ? ["--import", TTY_PRELOAD] : []), bundle, ...words, "--help"]
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] })
    const stdout = []
    let stderr = ""
    child.stdout.on("data", (chunk) => stdout.push(chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => {
      if (code !== 0 || stderr !== "") {
        reject(new Error(`${bundle} ${words.join(" ")} --help: exit ${code}: ${stderr.trim()}`))
      } else resolvePage(Buffer.concat(stdout))
    })
  })

/**
 * Writes dist/help/: one page per command path and colour choice. `bundle` is the built bin, `commandsModule` the
 * module (relative to the package) that exports the bin's `command`.
 */
export const writeHelpPages = async ({ bundle, commandsModule = "src/Commands.ts" }) => {
  const dir = resolve("dist", "help")
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, "plain"), { recursive: true })
  mkdirSync(join(dir, "color"), { recursive: true })
  const jobs = (await commandPaths(commandsModule)).flatMap((words) => [false, true].map((colors) => ({ words, colors })))
  // Two at a time: the build runs beside others on small machines.
  let next = 0
  const worker = async () => {
    while (next < jobs.length) {
      const { words, colors } = jobs[next++]
      writeFileSync(join(dir, pageFile(words, colors)), await render(bundle, words, colors))
    }
  }
  await Promise.all([worker(), worker()])
  return jobs.length
}
