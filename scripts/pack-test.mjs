// make pack-test: the packages exactly as a user receives them from the registry.
//
//   1. every publishable package (packages/*, apps/* not marked private) declares what a registry package needs
//      (license, repository, engines, files, README with an Install section; bins are the shared Node guard);
//   2. each is packed as `make pack` packs it (scripts/packages.mjs: workspace:^ becomes a real version range), and
//      each tarball holds only what it needs;
//   3. a fresh project outside the repo installs the tarballs with npm: our packages from the files, everything else
//      from the registry, no workspace links; exactly one copy of effect;
//   4. from that project: `npx exa-webhooks --help`; the Node guard of every bin on an old Node (the machine's, when
//      it has one); the mock started with its bin; a webhook created, listed and deleted with the CLI; a manifest
//      applied with the batch tool; a TypeScript program importing the client and the schema compiled with
//      `declaration: true` by the repo's TypeScript (in npm's usual layout and in an isolated, pnpm-like one) and run
//      against the mock (with undici on this Node, and with fetch on the old Node too);
//   5. the root README as a user follows it, its commands and its quick start taken from the blocks marked
//      `<!-- pack-test: NAME -->`, byte for byte: `make install` into a temporary npm prefix (and, on an old Node, its
//      refusal), `npx` of a tarball in a fresh folder, the libraries into a fresh `npm init -y` project, and the
//      quick start in another, run twice against the mock (the second run creates nothing; the secret file is 0600);
//   6. the release (scripts/release.mjs): its dry run with no registry, and a rehearsal of a publish, token
//      included, to a registry on 127.0.0.1 that records what it receives.
//
// Needs the build (make pack-test runs make setup first), npm, and the npm registry (or npm's cache).
// KEEP_PACK_TEST=1 keeps the temporary folder for a look afterwards. PACK_TEST_PACKS=dir copies the tarballs it
// checked there when every step passed, and PACK_TEST_RELEASE=skip leaves out step 6 (the release does both, as it
// runs this test on the clone it releases).
import { spawn, spawnSync } from "node:child_process"
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { basename, delimiter, join, relative } from "node:path"
import { gunzipSync } from "node:zlib"
import { packAll, repoRoot as root, workspace } from "./packages.mjs"

const work = mkdtempSync(join(tmpdir(), "exa-webhooks-pack-"))
// As `make pack` writes them into a clone: <work>/packs/<name>.tgz, so the README's "$EXA_WEBHOOKS"/packs/... and
// ./packs/... name them with EXA_WEBHOOKS=<work>.
const tarballs = join(work, "packs")
const project = join(work, "project")
const started = Date.now()
const children = []
const servers = []
let passed = 0

const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const NODE_MIN = rootManifest.engines.node.replace(/^[^0-9]*/, "")
const shim = readFileSync(join(root, "scripts/bin-shim.cjs"), "utf8")

class Failure extends Error {}
const fail = (message) => {
  throw new Failure(message)
}
const assert = (condition, message) => condition || fail(message)

const step = async (name, f) => {
  const t0 = Date.now()
  await f()
  passed++
  console.log(`ok ${passed} - ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
}

// Runs a program to completion; returns { status, stdout, stderr }. Fails the test if it cannot be started.
const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, {
    cwd: existsSync(project) ? project : work,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    env: { ...process.env, ...options.env }
  })
  if (result.error) fail(`${command} ${args.join(" ")}: ${result.error.message}`)
  // Ctrl-C reaches the child too; stop here rather than go on to the next step.
  if (result.signal === "SIGINT" || result.signal === "SIGTERM") interrupted()
  return result
}
const show = (command, args, r) =>
  `$ ${command} ${args.join(" ")}\nexit ${r.status}${r.signal ? ` (${r.signal})` : ""}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`
// Runs a program that must succeed and returns its stdout.
const ok = (command, args, options) => {
  const r = run(command, args, options)
  if (r.status !== 0) fail(`expected exit 0\n${show(command, args, r)}`)
  return r.stdout
}

const versionOf = (node) => spawnSync(node, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout?.trim()
const older = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number))
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0)
  return false
}

// ---------------------------------------------------------------------------------------------------------------

const { publishable: packages, privateNames } = workspace(root)
const byName = (name) => packages.find((p) => p.manifest.name === name)
const binPackage = (bin) => packages.find((p) => p.manifest.bin?.[bin] !== undefined)

const checkManifests = () => {
  const problems = []
  for (const { dir, manifest: m } of packages) {
    const say = (what) => problems.push(`${dir}/package.json: ${what}`)
    for (const field of ["name", "version", "description", "license", "homepage", "bugs", "keywords", "files"]) {
      if (m[field] === undefined) say(`missing "${field}"`)
    }
    if (m.license !== "MIT") say(`license is ${JSON.stringify(m.license)}, expected "MIT" (LICENSE says so)`)
    if (m.repository?.directory !== dir || !m.repository?.url) say(`repository must name the repo and directory "${dir}"`)
    if (m.engines?.node !== rootManifest.engines.node) say(`engines.node must be "${rootManifest.engines.node}" as at the root`)
    if (m.publishConfig?.access !== "public") say(`publishConfig.access must be "public"`)
    if (!existsSync(join(root, dir, "LICENSE"))) say(`no LICENSE file beside it`)
    const readme = join(root, dir, "README.md")
    if (!existsSync(readme) || !/^## Install$/m.test(readFileSync(readme, "utf8"))) say(`README.md needs an "## Install" section`)
    const deps = { ...m.dependencies, ...m.peerDependencies }
    if (m.dependencies?.effect) say(`effect must be a peerDependency (and a devDependency), not a dependency`)
    if (m.exports) {
      if (!m.peerDependencies?.effect) say(`a library needs effect as a peerDependency`)
      if (JSON.stringify(m.publishConfig?.exports ?? {}).includes("source") || !m.publishConfig?.exports) {
        say(`publishConfig.exports must repeat "exports" without the workspace-only "source" condition`)
      }
    }
    for (const [bin, target] of Object.entries(m.bin ?? {})) {
      if (target !== `./bin/${bin}.cjs`) say(`bin ${bin} must be ./bin/${bin}.cjs (the Node guard), not ${target}`)
      else if (readFileSync(join(root, dir, target), "utf8") !== shim) say(`${target} must be a copy of scripts/bin-shim.cjs`)
      if (!m.exports && Object.keys(deps).length > 0) {
        say(`a bundled bin package must have no dependencies (it bundles them), has ${Object.keys(deps).join(", ")}`)
      }
    }
  }
  if (problems.length > 0) fail(`publishing fields:\n  ${problems.join("\n  ")}`)
}

const pack = () => {
  let packed
  try {
    packed = packAll(root, tarballs)
  } catch (error) {
    fail(error.message)
  }
  for (const p of packages) p.tarball = packed.find((q) => q.manifest.name === p.manifest.name).tarball
}

// What each tarball may hold. Bins: the guard and the bundle, nothing else. Libraries: compiled code and sources.
const FORBIDDEN = [/\/test\//, /\/bench\//, /\/examples\//, /tsconfig/, /vitest/, /\.turbo/, /node_modules/, /tsbuildinfo/,
  /build\.mjs$/, /\.vitest-results/, /\.env/]
const checkTarballs = () => {
  const lines = []
  for (const p of packages) {
    const files = ok("tar", ["tzf", p.tarball]).trim().split("\n").map((f) => f.replace(/^package\//, "")).sort()
    const where = relative(work, p.tarball)
    for (const required of ["package.json", "README.md", "LICENSE"]) {
      assert(files.includes(required), `${where}: no ${required}`)
    }
    const bad = files.filter((f) => FORBIDDEN.some((re) => re.test(`/${f}`)))
    assert(bad.length === 0, `${where} holds files a user does not need: ${bad.join(", ")}`)
    if (p.manifest.bin && !p.manifest.exports) {
      const expected = ["LICENSE", "README.md", "package.json"]
      for (const bin of Object.keys(p.manifest.bin)) expected.push(`bin/${bin}.cjs`, `dist/${bin}.mjs`)
      // Besides: JSON Schemas a user points an editor at (the batch manifest's), the help pages the guard prints
      // (dist/help/, scripts/help-pages.mjs) and the bundle's chunks, nothing.
      const extra = files.filter((f) =>
        !expected.includes(f) && !/^[^/]+\.schema\.json$/.test(f) && !/^dist\/help\/(plain|color)\/[a-z0-9._-]+\.txt$/.test(f) &&
        !/^dist\/chunks\/[\w-]+\.mjs$/.test(f))
      // A bin whose build renders help pages must ship them, or its --help loads the bundle.
      if (existsSync(join(root, p.dir, "dist", "help"))) expected.push("dist/help/plain/_.txt", "dist/help/color/_.txt")
      const missing = expected.filter((f) => !files.includes(f))
      assert(extra.length === 0 && missing.length === 0,
        `${where}: expected ${expected.join(", ")}${extra.length ? `; does not need ${extra.join(", ")}` : ""}${missing.length ? `; lacks ${missing.join(", ")}` : ""}`)
    } else {
      assert(files.includes("dist/index.js") && files.includes("dist/index.d.ts"), `${where}: no dist/index.js and .d.ts`)
      const stray = files.filter((f) => /(^|\/)main\.|exa-webhooks-mock\.mjs/.test(f))
      assert(stray.length === 0, `${where}: the standalone main belongs to the bin package, not the library: ${stray.join(", ")}`)
    }
    const packed = ok("tar", ["xzf", p.tarball, "-O", "package/package.json"])
    assert(!packed.includes("workspace:"), `${where}: package.json still says workspace: ...`)
    const manifest = JSON.parse(packed)
    assert(!JSON.stringify(manifest.exports ?? {}).includes("source"), `${where}: exports offer the "source" condition`)
    const needs = ["dependencies", "peerDependencies", "optionalDependencies"].flatMap((field) => Object.keys(manifest[field] ?? {}))
    const unpublished = needs.filter((name) => privateNames.includes(name))
    assert(unpublished.length === 0, `${where}: depends on private workspace packages, which are never published: ${unpublished.join(", ")}`)
    lines.push(`${p.manifest.name.padEnd(28)} ${String(files.length).padStart(3)} files ${(statSync(p.tarball).size / 1024).toFixed(0).padStart(5)} KiB`)
  }
  console.log(lines.map((l) => `   ${l}`).join("\n"))
}

const install = () => {
  mkdirSync(project)
  const file = (p) => `file:${relative(project, p.tarball)}`
  const ours = Object.fromEntries(packages.map((p) => [p.manifest.name, file(p)]))
  const dev = rootManifest.devDependencies
  writeFileSync(join(project, "package.json"), JSON.stringify({
    name: "pack-test-consumer",
    private: true,
    type: "module",
    // A user's own direct dependencies: ours, plus the effect and Node transport their program imports.
    dependencies: {
      ...ours,
      effect: dev.effect,
      "@effect/platform-node": packageVersion("@effect/platform-node"),
      "@types/node": dev["@types/node"]
    },
    // Our packages depend on each other by version range (^0.1.0); these make npm take them from the tarballs too,
    // so the test never reaches a copy already published to the registry.
    overrides: ours
  }, null, 2))
  ok("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline", "--loglevel=error"], {
    timeout: 120_000,
    env: { npm_config_update_notifier: "false" }
  })
  const lock = JSON.parse(readFileSync(join(project, "package-lock.json"), "utf8"))
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.replace(/^.*node_modules\//, "")
    if (byName(name)) {
      assert(String(entry.resolved).startsWith("file:"), `${path} was installed from ${entry.resolved}, not from its tarball`)
    }
    if (entry.link) fail(`${path} is a link (${entry.resolved}): no workspace links allowed`)
  }
  const effects = Object.keys(lock.packages).filter((path) => /(^|\/)node_modules\/effect$/.test(path))
  assert(effects.length === 1, `expected one copy of effect (a peer dependency), found ${effects.join(", ")}`)
  for (const p of packages.filter((p) => p.manifest.bin && !p.manifest.exports)) {
    const installed = Object.keys(lock.packages).filter((path) => path.startsWith(`node_modules/${p.manifest.name}/node_modules/`))
    assert(installed.length === 0, `${p.manifest.name} brought dependencies of its own: ${installed.join(", ")}`)
  }
}

const packageVersion = (name) => {
  const found = readdirSync(join(root, "node_modules/.pnpm")).find((d) => d.startsWith(`${name.replace("/", "+")}@`))
  assert(found, `${name} is not installed in the workspace`)
  return found.slice(name.length + 1).split("_")[0]
}

// A toolchain bootstrapped into a .tools folder: this repo's, or that of the clone a release runs this test in.
const isTools = (dir) => dir.startsWith(join(root, ".tools")) || /[/\\]\.tools[/\\]bin[/\\]?$/.test(dir)
// The first `node` on PATH outside .tools, when it is older than the bins need.
const oldNode = () => {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || isTools(dir)) continue
    const candidate = join(dir, "node")
    if (!existsSync(candidate)) continue
    const version = versionOf(candidate)
    return version && older(version, NODE_MIN) ? { path: candidate, dir, version } : undefined
  }
  return undefined
}
const PATH_WITHOUT_TOOLS = (process.env.PATH ?? "").split(delimiter).filter((d) => !isTools(d)).join(delimiter)

const checkGuard = (old) => {
  for (const p of packages) {
    for (const bin of Object.keys(p.manifest.bin ?? {})) {
      // Through npm's link and the shebang, as a user's shell runs it, with the old Node first on PATH.
      const args = ["--help"]
      const r = run(join(project, "node_modules/.bin", bin), args, { env: { PATH: PATH_WITHOUT_TOOLS } })
      const lines = r.stderr.split("\n").filter((l) => l !== "")
      const expected = `${bin} needs Node.js ${NODE_MIN} or later, but this is Node.js ${old.version} (${old.path}); install a current LTS from https://nodejs.org and run it again.`
      assert(r.status === 1 && r.stdout === "" && lines.length === 1 && lines[0] === expected,
        `on Node ${old.version}, expected exit 1 and one line on stderr:\n${expected}\n${show(bin, args, r)}`)
    }
  }
}

// The comparison at the edge, on any machine: this Node, made to report another version before the shim runs.
const checkBoundary = () => {
  const fake = (version) => {
    const file = join(work, `node-${version}.cjs`)
    writeFileSync(file, `Object.defineProperty(process, "versions", { value: { ...process.versions, node: "${version}" } })\n`)
    return file
  }
  for (const p of packages) {
    for (const bin of Object.keys(p.manifest.bin ?? {})) {
      const shimFile = join(project, "node_modules", p.manifest.name, "bin", `${bin}.cjs`)
      const refused = run(process.execPath, ["-r", fake("22.18.9"), shimFile, "--version"])
      assert(refused.status === 1 && refused.stdout === "" && refused.stderr.trim().split("\n").length === 1 &&
        refused.stderr.startsWith(`${bin} needs Node.js ${NODE_MIN} or later, but this is Node.js 22.18.9 (`),
        `on "Node 22.18.9" ${bin} should refuse in one line\n${show(bin, ["--version"], refused)}`)
      const accepted = run(process.execPath, ["-r", fake(NODE_MIN), shimFile, "--version"])
      assert(accepted.status === 0 && accepted.stdout.includes(p.manifest.version),
        `on "Node ${NODE_MIN}" ${bin} should run\n${show(bin, ["--version"], accepted)}`)
    }
  }
}

// Starts a mock; resolves with its base URL (its first stdout line). By default the bin npm linked into the project.
const startMock = (command = join(project, "node_modules/.bin/exa-webhooks-mock"), args = ["--port", "0", "--host", "127.0.0.1"], options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: project,
      stdio: ["ignore", "pipe", "pipe"],
      ...options,
      env: { ...process.env, ...options.env }
    })
    child.group = options.detached === true
    children.push(child)
    let out = ""
    let err = ""
    const timer = setTimeout(() => reject(new Failure(`the mock printed no URL in 15 s\n${err}`)), 15_000)
    child.stdout.on("data", (chunk) => {
      out += chunk
      const line = out.split("\n")
      if (line.length > 1) {
        clearTimeout(timer)
        resolve(line[0].trim())
      }
    })
    child.stderr.on("data", (chunk) => (err += chunk))
    child.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Failure(`the mock exited (${code}) before printing its URL\n${err}`))
    })
  })

// The bins as npm linked them (what npx runs too, without npm's own start-up in front of every call).
const bin = (name) => join(project, "node_modules/.bin", name)
const cli = (args) => ok(bin("exa-webhooks"), args, { env: { EXA_API_KEY: "pack-test-key" } })

// The consumer's program: exported values with inferred types that mention the client's and the schema's types,
// which `declaration: true` has to be able to name from this project.
// Only the namespaces it uses are imported: the declarations of roundTrip must name the schema's Webhook and the
// client's WebhooksError through the packages' own specifiers (their "./*" exports), or tsc fails with TS2883.
const PROGRAM = `import { WebhooksClient } from "@exa-webhooks/client"
import { EventType } from "@exa-webhooks/schema"
import { Effect, Stream } from "effect"

export const events: ReadonlyArray<EventType.EventType> = ["webset.created", "webset.item.enriched"]

export const roundTrip = (url: string) =>
  Effect.gen(function*() {
    const webhooks = yield* WebhooksClient.WebhooksClient
    const created = yield* webhooks.create({ url, events })
    const all = yield* Stream.runCollect(webhooks.listAll())
    const listed = Array.from(all).some((hook) => hook.id === created.id)
    const deleted = yield* webhooks.delete(created.id)
    return { created, listed, deleted }
  })

export const described = (hook: { readonly id: string; readonly events: ReadonlyArray<string> }) =>
  \`\${hook.id} \${hook.events.join(",")}\`

export const layer = WebhooksClient.layerConfig()
`
const MAIN = `import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { described, layer, roundTrip } from "./program.js"

// undici (the Node transport) on a current Node; fetch anywhere, Node 20 included.
const transport = process.argv[2] === "undici"
  ? (await import("@effect/platform-node/NodeHttpClient")).layerUndici
  : FetchHttpClient.layer

const result = await Effect.runPromise(
  roundTrip("http://127.0.0.1:9/hooks/pack-test").pipe(Effect.provide(layer.pipe(Layer.provide(transport))))
)
console.log(JSON.stringify({ created: described(result.created), listed: result.listed, deleted: result.deleted.id }))
`
const TSCONFIG = {
  compilerOptions: {
    target: "ES2023",
    // effect's crypto declarations name Web Crypto types (CryptoKey, JsonWebKey), which live in the DOM lib.
    lib: ["ES2023", "DOM"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    types: ["node"],
    strict: true,
    exactOptionalPropertyTypes: true,
    declaration: true,
    // Our own .d.ts files are checked too, as a consumer's stricter build would.
    skipLibCheck: false,
    outDir: "dist",
    rootDir: "src"
  },
  include: ["src"]
}

const compile = () => {
  mkdirSync(join(project, "src"))
  writeFileSync(join(project, "src/program.ts"), PROGRAM)
  writeFileSync(join(project, "src/main.ts"), MAIN)
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2))
  const tsc = join(root, "node_modules/.bin/tsc")
  const r = run(tsc, ["-p", "tsconfig.json"])
  if (r.status !== 0) fail(`the consumer program does not compile with declaration: true\n${show("tsc", ["-p", "tsconfig.json"], r)}`)
  const declarations = readFileSync(join(project, "dist/program.d.ts"), "utf8")
  assert(/@exa-webhooks\/schema\/Webhook/.test(declarations) && !/node_modules|\/dist\//.test(declarations),
    `dist/program.d.ts should name our types by package specifiers only:\n${declarations}`)
}

// pnpm's layout: each package sees only its own dependencies. The consumer lists what its exported code names (the
// client and the schema, as the README's Install says) and must compile the same way.
const compileIsolated = () => {
  const strict = join(work, "strict")
  mkdirSync(join(strict, "src"), { recursive: true })
  const file = (name) => `file:${relative(strict, byName(name).tarball)}`
  const ours = { "@exa-webhooks/client": file("@exa-webhooks/client"), "@exa-webhooks/schema": file("@exa-webhooks/schema") }
  const dev = rootManifest.devDependencies
  writeFileSync(join(strict, "package.json"), JSON.stringify({
    name: "pack-test-strict-consumer",
    private: true,
    type: "module",
    dependencies: { ...ours, effect: dev.effect, "@types/node": dev["@types/node"] },
    overrides: ours
  }, null, 2))
  writeFileSync(join(strict, "src/program.ts"), PROGRAM)
  // The libraries' own declarations were checked by the first compile; here only naming our types matters.
  const options = { ...TSCONFIG.compilerOptions, skipLibCheck: true }
  writeFileSync(join(strict, "tsconfig.json"), JSON.stringify({ ...TSCONFIG, compilerOptions: options }, null, 2))
  ok("npm", ["install", "--install-strategy=linked", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline", "--loglevel=error"], {
    cwd: strict,
    timeout: 120_000,
    env: { npm_config_update_notifier: "false" }
  })
  assert(lstatSync(join(strict, "node_modules/@exa-webhooks/client")).isSymbolicLink(), "npm's linked install did not isolate the packages")
  const r = run(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], { cwd: strict })
  if (r.status !== 0) fail(`with an isolated node_modules the consumer does not compile\n${show("tsc", ["-p", "tsconfig.json"], r)}`)
}

const runProgram = (node, transport, mock) => {
  const out = ok(node, ["dist/main.js", transport], { env: { EXA_API_KEY: "pack-test-key", EXA_BASE_URL: mock } })
  const result = JSON.parse(out.trim().split("\n").at(-1))
  assert(result.listed === true && result.created.startsWith(result.deleted), `unexpected result on ${transport}: ${out}`)
}

// ---------------------------------------------------------------------------------------------------------------
// The root README, followed as a user follows it.

const README = readFileSync(join(root, "README.md"), "utf8")
// The fenced block after `<!-- pack-test: NAME -->` in README.md, as written there (one source: never a copy here).
const readmeBlock = (name) => {
  const at = README.indexOf(`<!-- pack-test: ${name} -->\n`)
  assert(at >= 0, `README.md has no block marked <!-- pack-test: ${name} -->`)
  const block = /^```[a-z]*\n([\s\S]*?)^```$/m.exec(README.slice(at))
  assert(block && README.slice(at).indexOf(block[0]) === `<!-- pack-test: ${name} -->\n`.length,
    `the marker <!-- pack-test: ${name} --> in README.md must be followed at once by a fenced block`)
  return block[1]
}
// The lines of a README block that start with `prefix`, each run as written by bash (its comments included).
const linesOf = (name, prefix) => {
  const lines = readmeBlock(name).split("\n").filter((line) => line.startsWith(prefix))
  assert(lines.length > 0, `README.md's ${name} block has no line starting with ${JSON.stringify(prefix)}`)
  return lines
}
const sh = (script, options) => ok("bash", ["-eu", "-o", "pipefail", "-c", script], options)
// npm as a user's shell runs it: quiet, and from the cache when it can (the first steps filled it).
const NPM_ENV = { npm_config_prefer_offline: "true", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" }

// A fresh npm project as a user starts one: `npm init -y`, which writes "type": "commonjs". New checks of what a user
// installs (an entry point, an example) go here: make a project, install tarballs in it, write the user's file, run it.
//   const dir = freshProject("receiver-edge", { type: "module", install: ["@exa-webhooks/receiver"] })
const freshProject = (name, { type, install = [] } = {}) => {
  const dir = join(work, name)
  mkdirSync(dir)
  ok("npm", ["init", "-y"], { cwd: dir, env: NPM_ENV })
  if (type) ok("npm", ["pkg", "set", `type=${type}`], { cwd: dir, env: NPM_ENV })
  if (install.length > 0) {
    ok("npm", ["install", ...install.map((name) => byName(name)?.tarball ?? name)], { cwd: dir, env: NPM_ENV, timeout: 120_000 })
  }
  return dir
}

// make install with npm's prefix in a temporary folder (npm_config_prefix, as a user's ~/.npmrc would set it; PREFIX
// cleared, so that nothing from this shell sends it anywhere else): the README's lines, as written.
const checkMakeInstall = (old) => {
  const prefix = join(work, "npm-prefix")
  // make as a user's shell starts it, not as a sub-make of `make pack-test` (which would print its directories).
  const shell = { MAKELEVEL: undefined, MAKEFLAGS: undefined, MFLAGS: undefined }
  const env = { ...shell, npm_config_prefix: prefix, PREFIX: "" }
  const [install] = linesOf("install", "make install")
  sh(install, { cwd: root, env })
  const bins = join(prefix, "bin")
  for (const p of packages.filter((p) => p.manifest.bin && !p.manifest.exports)) {
    for (const bin of Object.keys(p.manifest.bin)) {
      const out = ok(join(bins, bin), ["--version"])
      assert(out.includes(p.manifest.version), `${bin} installed by make install printed ${JSON.stringify(out)}, not ${p.manifest.version}`)
    }
  }
  for (const line of linesOf("install", "exa-webhooks ")) {
    const help = sh(line, { cwd: work, env: { PATH: `${bins}${delimiter}${process.env.PATH}` } })
    assert(/create/.test(help) && /EXA_API_KEY/.test(help), `${line} printed:\n${help}`)
  }
  sh("make uninstall", { cwd: root, env })
  const left = existsSync(bins) ? readdirSync(bins) : []
  assert(left.length === 0, `make uninstall left ${left.join(", ")} in ${bins}`)
  if (old) {
    // The user's PATH finds an old node: nothing is installed, and one line says why.
    const refusedPrefix = join(work, "npm-prefix-old")
    const r = run("bash", ["-c", install], { cwd: root, env: { ...shell, PATH: PATH_WITHOUT_TOOLS, npm_config_prefix: refusedPrefix, PREFIX: "" } })
    const said = r.stderr.split("\n").filter((line) => line.startsWith("make install:"))
    // ... before it builds or packs anything (make prints nothing on stdout).
    assert(r.status !== 0 && r.stdout === "" && said.length === 1 && said[0].includes(`node on your PATH is ${old.version}`) && !existsSync(join(refusedPrefix, "bin")),
      `with Node ${old.version} first on PATH, make install should stop in one line before building or installing anything\n${show("make", ["install"], r)}`)
  }
}

// npx of a tarball in a folder that holds only packs/ (no package.json), with a cache of its own so that nothing
// npx installed before is reused: the README's lines, as written (the mock's on a free port instead of 4010).
const checkNpx = async () => {
  const dir = join(work, "npx")
  mkdirSync(dir)
  symlinkSync(tarballs, join(dir, "packs"))
  const env = { ...NPM_ENV, npm_config_cache: join(work, "npx-cache") }
  const [help, mock] = [linesOf("npx", "npx --yes ./packs/exa-webhooks.tgz --help")[0], linesOf("npx", "npx --yes ./packs/exa-webhooks-mock.tgz")[0]]
  const out = sh(help, { cwd: dir, env })
  assert(/create/.test(out) && /EXA_API_KEY/.test(out), `${help} printed:\n${out}`)
  const args = mock.replace(/\s+#.*$/, "").split(/\s+/).slice(1).map((a) => (a === "4010" ? "0" : a))
  assert(args.includes("0"), `expected the README's npx of the mock to take --port 4010: ${mock}`)
  const url = await startMock("npx", [...args, "--host", "127.0.0.1"], { cwd: dir, env, detached: true })
  assert(/^http:\/\/127\.0\.0\.1:\d+$/.test(url), `npx of the mock's tarball printed ${url}`)
  const elsewhere = /`(npx --yes --package="\$EXA_WEBHOOKS\/packs\/exa-webhooks\.tgz" exa-webhooks --help)`/.exec(README)?.[1]
  assert(elsewhere, "README.md no longer shows npx --package=\"$EXA_WEBHOOKS/packs/exa-webhooks.tgz\" for other folders")
  const fromElsewhere = sh(elsewhere, { cwd: freshProject("npx-elsewhere"), env: { ...env, EXA_WEBHOOKS: work } })
  assert(/create/.test(fromElsewhere), `${elsewhere} printed:\n${fromElsewhere}`)
}

// The libraries into a fresh project, with the README's lines as written: ours from the tarballs (none looked up on
// the registry, where they are not yet), one copy of effect.
const checkLibraries = () => {
  const dir = freshProject("libraries")
  sh(readmeBlock("libraries"), { cwd: dir, env: { ...NPM_ENV, EXA_WEBHOOKS: work }, timeout: 180_000 })
  const lock = JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8"))
  const ours = Object.entries(lock.packages).filter(([path]) => /node_modules\/@exa-webhooks\//.test(path))
  assert(ours.length >= 3 && ours.every(([, entry]) => String(entry.resolved).startsWith("file:")),
    `the README's library install took @exa-webhooks packages from elsewhere than the tarballs: ${JSON.stringify(ours.map(([path, e]) => [path, e.resolved]))}`)
  const effects = Object.keys(lock.packages).filter((path) => /(^|\/)node_modules\/effect$/.test(path))
  assert(effects.length === 1, `expected one copy of effect, found ${effects.join(", ")}`)
}

const mockStats = async (mock) => (await fetch(`${mock}/_mock/stats`)).json()

// The quick start: the README's setup commands in a fresh folder, its quickstart.ts byte for byte, its `node` lines
// run against the mock, twice. One webhook, its secret in a 0600 file and nowhere in the output; the rerun creates
// nothing and leaves the file as it was.
const checkQuickstart = async (mock) => {
  const setup = readmeBlock("quickstart-setup")
  const program = readmeBlock("quickstart.ts")
  const example = readFileSync(join(root, "packages/client/examples/quickstart.ts"), "utf8")
  assert(program === example, "README.md's quickstart.ts is not packages/client/examples/quickstart.ts byte for byte")
  const clientReadme = readFileSync(join(root, "packages/client/README.md"), "utf8")
  assert(/```ts\n([\s\S]*?)```/.exec(clientReadme)?.[1] === example,
    "the first ts block of packages/client/README.md is not packages/client/examples/quickstart.ts byte for byte")
  const name = /^mkdir (\S+) && cd \1$/m.exec(setup)?.[1]
  assert(name, `the quickstart-setup block should start in a new folder (mkdir X && cd X):\n${setup}`)
  sh(setup, { cwd: work, env: { ...NPM_ENV, EXA_WEBHOOKS: work }, timeout: 180_000 })
  const dir = join(work, name)
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  assert(manifest.type === "module", `after the README's setup, package.json has "type": ${JSON.stringify(manifest.type)}`)
  writeFileSync(join(dir, "quickstart.ts"), program)

  const runBlock = readmeBlock("quickstart-run")
  assert(/EXA_API_KEY=/.test(runBlock) && /EXA_BASE_URL=/.test(runBlock), `the quickstart-run block should set EXA_API_KEY and EXA_BASE_URL, as this test does:\n${runBlock}`)
  const runs = linesOf("quickstart-run", "node ")
  assert(runs.length === 2, `the quickstart-run block should run the program twice, has ${runs.length} node lines`)
  const env = { EXA_API_KEY: "pack-test-key", EXA_BASE_URL: mock }
  const secretFile = join(dir, "exa-webhook.secret")
  const before = await mockStats(mock)
  const first = run("bash", ["-c", runs[0]], { cwd: dir, env })
  assert(first.status === 0 && first.stderr === "", `the quick start failed\n${show(runs[0], [], first)}`)
  const created = /^Created (webhook_\S+); its signing secret is in exa-webhook\.secret \(mode 0600\)\.\n$/.exec(first.stdout)
  assert(created, `the quick start printed ${JSON.stringify(first.stdout)}`)
  const afterFirst = await mockStats(mock)
  assert(afterFirst.creates === before.creates + 1 && afterFirst.webhooks === before.webhooks + 1,
    `the first run should create one webhook: creates ${before.creates} -> ${afterFirst.creates}, webhooks ${before.webhooks} -> ${afterFirst.webhooks}`)
  assert(existsSync(secretFile), `the quick start wrote no ${basename(secretFile)}`)
  const mode = statSync(secretFile).mode & 0o777
  assert(mode === 0o600, `${basename(secretFile)} has mode ${mode.toString(8)}, not 600`)
  const secret = readFileSync(secretFile, "utf8")
  assert(secret.length >= 16 && !first.stdout.includes(secret), "the secret file is empty, or the secret was printed")

  const second = run("bash", ["-c", runs[1]], { cwd: dir, env })
  assert(second.status === 0 && second.stderr === "", `the quick start's rerun failed\n${show(runs[1], [], second)}`)
  assert(second.stdout.startsWith(`${created[1]} already exists, nothing created`), `the rerun printed ${JSON.stringify(second.stdout)}`)
  const afterSecond = await mockStats(mock)
  assert(afterSecond.creates === afterFirst.creates && afterSecond.webhooks === afterFirst.webhooks,
    `the rerun created something: creates ${afterFirst.creates} -> ${afterSecond.creates}, webhooks ${afterFirst.webhooks} -> ${afterSecond.webhooks}`)
  assert(readFileSync(secretFile, "utf8") === secret && (statSync(secretFile).mode & 0o777) === 0o600, "the rerun changed the secret file")
}

// ---------------------------------------------------------------------------------------------------------------
// The release (scripts/release.mjs), run as its README section says, against a registry that records what it gets.

// Like `run`, without blocking this process: the fake registry below answers from it meanwhile.
const runAsync = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? work, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] })
    children.push(child)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeout ?? 600_000)
    child.on("error", reject)
    child.on("close", (status, signal) => {
      clearTimeout(timer)
      if (signal === "SIGINT") interrupted()
      resolve({ status, signal, stdout, stderr })
    })
  })

// A registry on 127.0.0.1 (a free port) that records every request: nothing is published (404), a publish (PUT) is
// accepted.
const fakeRegistry = () =>
  new Promise((resolve) => {
    const requests = []
    const server = createServer((req, res) => {
      let body = ""
      req.setEncoding("utf8")
      req.on("data", (chunk) => (body += chunk))
      req.on("end", () => {
        requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body })
        res.writeHead(req.method === "PUT" ? 200 : 404, { "content-type": "application/json" })
        res.end(req.method === "PUT" ? `{"ok":true}` : `{"error":"Not found"}`)
      })
    })
    servers.push(server)
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, requests }))
  })

const RELEASE = "scripts/release.mjs"
const published = (out) => [...out.matchAll(/(?:would publish|published) (\S+)@(\S+)/g)].map((m) => ({ name: m[1], version: m[2] }))
const sameVersion = (list, what, r) => {
  const versions = [...new Set(list.map((p) => p.version))]
  assert(versions.length === 1, `${what}: expected one version for every package, saw ${versions.join(", ")}\n${show("node", [RELEASE], r)}`)
  assert(JSON.stringify(list.map((p) => p.name)) === JSON.stringify(packages.map((p) => p.manifest.name)),
    `${what}: expected ${packages.map((p) => p.manifest.name).join(", ")} in this order (dependencies first), saw ${list.map((p) => p.name).join(", ")}\n${show("node", [RELEASE], r)}`)
  return versions[0]
}

// The dry run as the pack test can run it: no registry (--offline: pnpm's store, npm's cache), no tests (make test
// runs them beside this). Every package would be published, at one version; the registry is never asked; this
// checkout is not touched.
const checkReleaseDryRun = async () => {
  const registry = await fakeRegistry()
  const status = git(["status", "--porcelain"])
  const r = await runAsync("node", [RELEASE, "--offline", "--no-tests", "--registry", registry.url], { cwd: root, env: { NPM_TOKEN: "" } })
  assert(r.status === 0, `the release's dry run failed\n${show("node", [RELEASE, "--offline", "--no-tests"], r)}`)
  const version = sameVersion(published(r.stdout), "the dry run", r)
  // The changesets of HEAD, which is what the release is made from.
  const pending = git(["ls-tree", "--name-only", "HEAD", ".changeset/"]).split("\n").filter((f) => f.endsWith(".md") && !f.endsWith("/README.md"))
  const current = packages[0].manifest.version
  assert(pending.length > 0 ? version !== current && !older(version, current) : version === current,
    `with ${pending.length} pending changesets the dry run would publish ${version} (the packages are at ${current})`)
  assert(registry.requests.length === 0, `the dry run asked the registry: ${registry.requests.map((q) => `${q.method} ${q.url}`).join(", ")}`)
  assert(git(["status", "--porcelain"]) === status, "the dry run changed this checkout")
}

// --publish: refused without a token; with one, in a clone of this checkout (so that its release commit and tag land
// there), every tarball goes to the registry, dependencies first, with the token and nowhere else.
const checkReleasePublish = async () => {
  const refused = await runAsync("node", [RELEASE, "--publish"], { cwd: root, env: { NPM_TOKEN: "" } })
  assert(refused.status === 1 && refused.stdout === "" && /--publish needs NPM_TOKEN/.test(refused.stderr),
    `--publish without NPM_TOKEN should stop at once\n${show("node", [RELEASE, "--publish"], refused)}`)

  const clone = join(work, "release-clone")
  ok("git", ["clone", "--quiet", "--shared", root, clone])
  if (existsSync(join(root, ".tools"))) {
    symlinkSync(join(root, ".tools"), join(clone, ".tools"))
    mkdirSync(join(clone, ".git", "info"), { recursive: true })
    writeFileSync(join(clone, ".git", "info", "exclude"), "/.tools\n")
  }
  const registry = await fakeRegistry()
  const token = `pack-test-token-${process.pid}-${Date.now()}`
  // Everything before the upload is what the dry run above has just checked on this commit.
  const args = [RELEASE, "--publish", "--offline", "--no-tests", "--no-pack-test", "--registry", registry.url]
  const r = await runAsync("node", args, { cwd: clone, env: { NPM_TOKEN: token } })
  assert(r.status === 0, `the rehearsal of a publish failed\n${show("node", args, r)}`)
  assert(!(r.stdout + r.stderr).includes(token), "the release printed the token")
  const version = sameVersion(published(r.stdout), "the publish", r)
  const puts = registry.requests.filter((q) => q.method === "PUT")
  assert(JSON.stringify(puts.map((q) => decodeURIComponent(q.url.slice(1)))) === JSON.stringify(packages.map((p) => p.manifest.name)),
    `the registry received ${puts.map((q) => q.url).join(", ")}`)
  const order = puts.map((q) => decodeURIComponent(q.url.slice(1)))
  for (const [i, name] of order.entries()) {
    const m = byName(name).manifest
    for (const dep of Object.keys({ ...m.dependencies, ...m.peerDependencies })) {
      assert(!order.includes(dep) || order.indexOf(dep) < i, `${name} reached the registry before its dependency ${dep}`)
    }
  }
  for (const put of puts) {
    const doc = JSON.parse(put.body)
    assert(put.authorization === `Bearer ${token}`, `${doc.name} was published without the token`)
    const attachments = Object.values(doc._attachments ?? {})
    assert(doc["dist-tags"]?.latest === version && doc.versions?.[version] && attachments.length === 1,
      `${doc.name}: the registry did not receive version ${version} with its tarball`)
    // Each package's `version` script ran before the build: the client's User-Agent names the released version.
    if (doc.name === "@exa-webhooks/client") {
      const tar = gunzipSync(Buffer.from(attachments[0].data, "base64")).toString("latin1")
      assert(tar.includes(`VERSION = "${version}"`), `the published @exa-webhooks/client does not send ${version} in its User-Agent`)
    }
  }
  assert(git(["log", "-1", "--format=%s"], clone) === `Release ${version}`, `the clone's branch does not end with the commit "Release ${version}"`)
  assert(git(["tag", "--points-at", "HEAD"], clone).split("\n").includes(`v${version}`), `the release commit is not tagged v${version}`)
  assert(git(["status", "--porcelain"], clone) === "", "the release left the clone's working tree changed")
  for (const p of workspace(clone).publishable) {
    assert(p.manifest.version === version, `${p.dir}/package.json says ${p.manifest.version} after the release of ${version}`)
  }
}

const git = (args, cwd = root) => ok("git", args, { cwd }).trim()

const MANIFEST = `version: 1
namespace: pack-test
defaults: { events: [webset.created] }
webhooks:
  - key: first
    url: http://127.0.0.1:9/hooks/pack-test-batch
    events: [webset.created, webset.item.enriched]
`

// ---------------------------------------------------------------------------------------------------------------

const main = async () => {
  console.log(`pack-test: in ${work}`)
  const npm = spawnSync("npm", ["--version"], { encoding: "utf8" })
  assert(npm.status === 0, "npm is needed (it comes with Node.js; the test installs the tarballs with it as a user would)")
  await step(`publishing fields of ${packages.map((p) => p.manifest.name).join(", ")}`, checkManifests)
  for (const [bin, dir] of [["exa-webhooks", "apps/cli"], ["exa-webhooks-mock", "apps/mock"]]) {
    assert(binPackage(bin), `no publishable package has the bin ${bin} (expected in ${dir})`)
  }
  await step("pack every package (as make pack does)", pack)
  await step("each tarball holds only what it needs", checkTarballs)
  await step("npm install of the tarballs in a fresh project (registry for the rest, one copy of effect)", install)

  await step("npx exa-webhooks --help", () => {
    const help = ok("npx", ["--yes=false", "exa-webhooks", "--help"])
    assert(/exa-webhooks/.test(help) && /create/.test(help) && /EXA_API_KEY/.test(help), `unexpected help:\n${help}`)
  })
  await step("every bin's --version is its package's version", () => {
    for (const p of packages) {
      for (const bin of Object.keys(p.manifest.bin ?? {})) {
        const out = ok(join(project, "node_modules/.bin", bin), ["--version"])
        assert(out.includes(p.manifest.version), `${bin} --version printed ${JSON.stringify(out)}, not ${p.manifest.version}`)
      }
    }
  })

  await step(`every bin refuses Node 22.18.9 and runs on ${NODE_MIN} (the version faked by a preload)`, checkBoundary)
  const old = oldNode()
  if (old) {
    await step(`on Node ${old.version} (${old.path}) every bin says in one line which Node it needs`, () => checkGuard(old))
  } else {
    console.log(`pack-test: SKIPPED the old-Node guard check: no node older than ${NODE_MIN} on PATH outside .tools`)
  }

  let mock
  await step("exa-webhooks-mock starts on a free port", async () => {
    mock = await startMock()
    assert(/^http:\/\/127\.0\.0\.1:\d+$/.test(mock), `the mock's first line is not its URL: ${mock}`)
  })

  await step("exa-webhooks create, list and delete against the mock", () => {
    const created = JSON.parse(cli(["create", "--base-url", mock, "--url", "http://127.0.0.1:9/hooks/pack-test", "--event", "webset.created", "--json"]))
    assert(typeof created.id === "string" && typeof created.secret === "string", `create printed ${JSON.stringify(created)}`)
    const listed = JSON.parse(cli(["list", "--base-url", mock, "--json"]))
    assert(listed.data.some((hook) => hook.id === created.id), `list does not show ${created.id}`)
    const deleted = JSON.parse(cli(["delete", created.id, "--base-url", mock, "--yes", "--json"]))
    assert(deleted.id === created.id, `delete printed ${JSON.stringify(deleted)}`)
    const after = JSON.parse(cli(["list", "--base-url", mock, "--json"]))
    assert(!after.data.some((hook) => hook.id === created.id), `${created.id} is still listed after delete`)
  })

  await step("exa-webhooks-batch applies a manifest against the mock", () => {
    assert(binPackage("exa-webhooks-batch"), "apps/batch exists but no publishable package has the bin exa-webhooks-batch")
    writeFileSync(join(project, "webhooks.yaml"), MANIFEST)
    ok(bin("exa-webhooks-batch"), ["apply", "webhooks.yaml", "--base-url", mock], { env: { EXA_API_KEY: "pack-test-key" } })
    const listed = JSON.parse(cli(["list", "--base-url", mock, "--json"]))
    const applied = listed.data.filter((hook) => hook.url === "http://127.0.0.1:9/hooks/pack-test-batch")
    assert(applied.length === 1, `expected one webhook from the manifest, the mock has ${applied.length}`)
  })

  await step("a TypeScript program importing the client and the schema compiles with declaration: true", compile)
  await step("the same program compiles in an isolated (pnpm-like) node_modules", compileIsolated)
  await step(`that program runs against the mock (undici, Node ${process.versions.node})`, () => runProgram(process.execPath, "undici", mock))
  if (old) {
    await step(`that program runs against the mock (fetch, Node ${old.version})`, () => runProgram(old.path, "fetch", mock))
  }

  await step(`README: make install into a temporary npm prefix, then make uninstall${old ? `; with Node ${old.version} first on PATH, a refusal in one line` : ""}`, () => checkMakeInstall(old))
  await step("README: npx of the tarballs in a folder with no package.json", checkNpx)
  await step("README: the libraries from the tarballs into a fresh npm init -y project", checkLibraries)
  await step("README: the quick start, byte for byte, in a fresh npm init -y project, run twice against the mock", () => checkQuickstart(mock))

  if (process.env.PACK_TEST_RELEASE === "skip") {
    console.log("pack-test: the release checks are left out (PACK_TEST_RELEASE=skip: the release runs this test itself)")
  } else if (!existsSync(join(root, ".git")) && process.env.CI !== "true") {
    console.log("pack-test: SKIPPED the release checks: this copy is not a git clone, and a release is made from a commit")
  } else {
    await step("release: the dry run versions, builds, packs and checks every package, asking no registry", checkReleaseDryRun)
    await step("release: --publish refuses without NPM_TOKEN; with one, publishes every tarball to a registry on 127.0.0.1", checkReleasePublish)
  }

  if (process.env.PACK_TEST_PACKS) {
    mkdirSync(process.env.PACK_TEST_PACKS, { recursive: true })
    for (const p of packages) copyFileSync(p.tarball, join(process.env.PACK_TEST_PACKS, basename(p.tarball)))
  }
}

function interrupted() {
  console.error("\npack-test: interrupted")
  cleanup()
  process.exit(130)
}

function cleanup() {
  // A child started in a process group of its own (npx, which starts the bin in a shell) is stopped with its group.
  for (const child of children) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue
    try {
      process.kill(child.group ? -child.pid : child.pid, "SIGTERM")
    } catch {
      // gone meanwhile
    }
  }
  for (const server of servers) server.close()
  if (!process.env.KEEP_PACK_TEST) rmSync(work, { recursive: true, force: true })
}

// Ctrl-C or a CI timeout: stop the mock and remove the folder on the way out (signals are handled between steps;
// a step's child that got the signal ends the run through `run`).
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, interrupted)

try {
  await main()
  console.log(`pack-test: done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  console.log(`\nPack: ${passed} passed, 0 failed`)
} catch (error) {
  console.error(`\npack-test: FAILED: ${error instanceof Failure ? error.message : error.stack}`)
  if (process.env.KEEP_PACK_TEST) console.error(`pack-test: kept ${work}`)
  console.log(`\nPack: ${passed} passed, 1 failed`)
  process.exitCode = 1
} finally {
  cleanup()
}
