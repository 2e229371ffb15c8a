// make install / make uninstall: the three commands (exa-webhooks, exa-webhooks-batch, exa-webhooks-mock) installed
// from the tarballs `make pack` wrote, with the user's own node and npm, where `npm i -g` puts things.
//
//   node scripts/install.mjs check          the node and npm on the user's PATH can install and run them
//   node scripts/install.mjs install DIR    the same check, then npm i -g DIR/<each command package>.tgz
//   node scripts/install.mjs uninstall      npm rm -g <each command package>
//
// EXA_USER_PATH is the PATH make was started with: make puts .tools/bin first, and an npm running on that Node would
// install into .tools (its global prefix), out of the user's PATH, and the installed commands would then run on
// whatever `node` the user's shell finds. So npm runs on the user's PATH, and a node there too old for the commands
// stops `make install` first, before it builds anything. PREFIX=dir installs under dir instead (npm --prefix: dir/bin).
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { delimiter, join, resolve } from "node:path"
import { isCommand, repoRoot, tarballName, workspace } from "./packages.mjs"

const userPath = process.env.EXA_USER_PATH || process.env.PATH || ""
const prefix = process.env.PREFIX ? resolve(process.env.PREFIX) : undefined
const env = { ...process.env, PATH: userPath }
const min = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).engines.node.replace(/^[^0-9]*/, "")

const [command, dir] = process.argv.slice(2)
const die = (message) => {
  console.error(`make ${command === "uninstall" ? "uninstall" : "install"}: ${message}`)
  process.exit(1)
}

const which = (name) =>
  userPath.split(delimiter).filter((dir) => dir !== "").map((dir) => join(dir, name)).find((file) => existsSync(file))

const older = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number))
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0)
  return false
}

const node = which("node")
const npmPath = which("npm")
const npm = (args) => {
  const r = spawnSync(npmPath, [...args, ...(prefix ? ["--prefix", prefix] : [])], { env, encoding: "utf8" })
  if (r.error) die(`npm ${args[0]}: ${r.error.message}`)
  return r
}

const commands = workspace(repoRoot).publishable.filter((p) => isCommand(p.manifest))

const check = () => {
  if (!node || !npmPath) {
    die(`needs Node.js ${min} or later, with npm, on your PATH (https://nodejs.org); meanwhile, after make setup, bin/exa-webhooks runs them from this clone.`)
  }
  const version = spawnSync(node, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim()
  if (older(version, min)) {
    die(`the commands need Node.js ${min} or later, and the node on your PATH is ${version} (${node}); install a current LTS from https://nodejs.org, then run make install again (meanwhile, after make setup, bin/exa-webhooks runs them from this clone).`)
  }
}

if (command === "check") {
  check()
} else if (command === "install") {
  check()
  const tarballs = commands.map((p) => join(resolve(dir), tarballName(p.manifest.name)))
  const r = npm(["install", "--global", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs])
  if (r.status !== 0) {
    process.stderr.write(r.stderr)
    die(`npm could not install into its global folder${prefix ? ` ${prefix}` : ""}; make install PREFIX=$HOME/.local installs under ~/.local/bin instead.`)
  }
  const bin = join(npm(["prefix", "--global"]).stdout.trim(), "bin")
  const names = commands.flatMap((p) => Object.keys(p.manifest.bin))
  console.log(`Installed ${names.join(", ")} ${commands[0].manifest.version} into ${bin}`)
  const found = which(names[0])
  if (found !== join(bin, names[0])) {
    console.log(found
      ? `Your PATH finds ${names[0]} in ${found} first: put ${bin} before it.`
      : `${bin} is not on your PATH: add it (export PATH="${bin}:$PATH").`)
  }
} else if (command === "uninstall") {
  if (!npmPath) die("needs npm on your PATH, the one that installed them")
  const r = npm(["uninstall", "--global", "--loglevel=error", ...commands.map((p) => p.manifest.name)])
  if (r.status !== 0) {
    process.stderr.write(r.stderr)
    die(`npm uninstall failed`)
  }
  console.log(`Removed ${commands.map((p) => p.manifest.name).join(", ")} from ${join(npm(["prefix", "--global"]).stdout.trim(), "bin")}`)
} else {
  console.error("usage: node scripts/install.mjs check | install DIR | uninstall")
  process.exit(2)
}
