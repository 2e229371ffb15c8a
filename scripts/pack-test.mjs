// make pack-test: the packages exactly as a user receives them from the registry.
//
//   1. every publishable package (packages/*, apps/* not marked private) declares what a registry package needs
//      (license, repository, engines, files, README with an Install section; bins are the shared Node guard);
//   2. `pnpm pack` each (workspace:^ becomes a real version range), and each tarball holds only what it needs;
//   3. a fresh project outside the repo installs the tarballs with npm: our packages from the files, everything else
//      from the registry, no workspace links; exactly one copy of effect;
//   4. from that project: `npx exa-webhooks --help`; the Node guard of every bin on an old Node (the machine's, when
//      it has one); the mock started with its bin; a webhook created, listed and deleted with the CLI; a manifest
//      applied with the batch tool; a TypeScript program importing the client and the schema compiled with
//      `declaration: true` by the repo's TypeScript (in npm's usual layout and in an isolated, pnpm-like one) and run
//      against the mock (with undici on this Node, and with fetch on the old Node too).
//
// Needs the build (make pack-test runs make setup first), npm, and the npm registry (or npm's cache).
// KEEP_PACK_TEST=1 keeps the temporary folder for a look afterwards.
import { spawn, spawnSync } from "node:child_process"
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "exa-webhooks-pack-"))
const tarballs = join(work, "tarballs")
const project = join(work, "project")
const started = Date.now()
const children = []
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

const packages = ["packages", "apps"].flatMap((group) =>
  readdirSync(join(root, group)).sort().flatMap((name) => {
    const dir = join(group, name)
    const file = join(root, dir, "package.json")
    if (!existsSync(file)) return []
    const manifest = JSON.parse(readFileSync(file, "utf8"))
    return manifest.private ? [] : [{ dir, manifest }]
  })
)
// Every workspace package folder, read off pnpm-workspace.yaml's `packages:` list ("dir/*" or "dir").
const workspaceDirs = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8")
  .split("\n")
  .map((line) => /^\s+-\s+["']?([^"'#\s]+)["']?\s*$/.exec(line)?.[1])
  .filter((pattern) => pattern !== undefined)
  .flatMap((pattern) =>
    pattern.endsWith("/*")
      ? readdirSync(join(root, pattern.slice(0, -2))).map((name) => join(pattern.slice(0, -2), name))
      : [pattern]
  )
// Private workspace packages (@exa-webhooks/cli-kit, the benchmarks): never published, so no published package may
// depend on one (a devDependency, which a user never installs, is how the bins name the kit they bundle).
const privateNames = workspaceDirs.flatMap((dir) => {
  const file = join(root, dir, "package.json")
  if (!existsSync(file)) return []
  const manifest = JSON.parse(readFileSync(file, "utf8"))
  return manifest.private ? [manifest.name] : []
})
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

const packAll = () => {
  mkdirSync(tarballs)
  // One pnpm for the whole workspace but the private packages (pnpm -r pack would pack them too); --json names each
  // tarball.
  const skip = privateNames.flatMap((name) => ["--filter", `!${name}`])
  const packed = JSON.parse(ok("pnpm", ["-r", ...skip, "pack", "--pack-destination", tarballs, "--json"], { cwd: root }))
  for (const p of packages) {
    p.tarball = packed.find((t) => t.name === p.manifest.name)?.filename
    assert(p.tarball && existsSync(p.tarball), `pnpm -r pack wrote no tarball for ${p.manifest.name}`)
  }
  const extra = packed.filter((t) => !byName(t.name)).map((t) => t.name)
  assert(extra.length === 0, `pnpm packed packages this test does not know: ${extra.join(", ")}`)
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
      // Besides: JSON Schemas a user points an editor at (the batch manifest's), nothing.
      const extra = files.filter((f) => !expected.includes(f) && !/^[^/]+\.schema\.json$/.test(f))
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

// The first `node` on PATH outside this repo's .tools, when it is older than the bins need.
const oldNode = () => {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.startsWith(join(root, ".tools"))) continue
    const candidate = join(dir, "node")
    if (!existsSync(candidate)) continue
    const version = versionOf(candidate)
    return version && older(version, NODE_MIN) ? { path: candidate, dir, version } : undefined
  }
  return undefined
}
const PATH_WITHOUT_TOOLS = (process.env.PATH ?? "").split(delimiter).filter((d) => !d.startsWith(join(root, ".tools"))).join(delimiter)

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

// Starts the mock with its bin; resolves with its base URL (its first stdout line).
const startMock = () =>
  new Promise((resolve, reject) => {
    const child = spawn(join(project, "node_modules/.bin/exa-webhooks-mock"), ["--port", "0", "--host", "127.0.0.1"], {
      cwd: project,
      stdio: ["ignore", "pipe", "pipe"]
    })
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
  await step("pnpm pack every package", packAll)
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
}

function interrupted() {
  console.error("\npack-test: interrupted")
  cleanup()
  process.exit(130)
}

function cleanup() {
  for (const child of children) child.kill("SIGTERM")
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
