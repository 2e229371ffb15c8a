// What this repository publishes and how it is packed, once, for `make pack` / `make install`, the pack test and the
// release (scripts/install.mjs, scripts/pack-test.mjs, scripts/release.mjs).
//
//   node scripts/packages.mjs pack DIR    pack every publishable package into DIR (what `make pack` runs)
//
// Tarballs get stable names, the package name without its version (@exa-webhooks/client -> exa-webhooks-client.tgz),
// so that the README's commands name files that exist in every clone at every version.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository this script belongs to. */
export const repoRoot = fileURLToPath(new URL("..", import.meta.url))

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"))

/**
 * The workspace of the repository at `root`: every package folder listed by pnpm-workspace.yaml ("dir/*" or "dir"),
 * split into the publishable packages ({ dir, manifest }, in dependency order: a package after those it depends on)
 * and the names of the private ones (never published, so nothing published may depend on them).
 */
export const workspace = (root) => {
  const dirs = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8")
    .split("\n")
    .map((line) => /^\s+-\s+["']?([^"'#\s]+)["']?\s*$/.exec(line)?.[1])
    .filter((pattern) => pattern !== undefined)
    .flatMap((pattern) =>
      pattern.endsWith("/*")
        ? readdirSync(join(root, pattern.slice(0, -2))).sort().map((name) => join(pattern.slice(0, -2), name))
        : [pattern]
    )
    .filter((dir) => existsSync(join(root, dir, "package.json")))
  const all = dirs.map((dir) => ({ dir, manifest: readJson(join(root, dir, "package.json")) }))
  return {
    publishable: dependencyOrder(all.filter((p) => !p.manifest.private)),
    privateNames: all.filter((p) => p.manifest.private).map((p) => p.manifest.name)
  }
}

// Dependencies first: published in this order, no registry ever holds a package whose dependency is not there yet.
const dependencyOrder = (packages) => {
  const names = new Set(packages.map((p) => p.manifest.name))
  const done = new Set()
  const ordered = []
  const visit = (p, path) => {
    if (done.has(p.manifest.name)) return
    if (path.includes(p.manifest.name)) throw new Error(`dependency cycle: ${[...path, p.manifest.name].join(" -> ")}`)
    const m = p.manifest
    for (const dep of Object.keys({ ...m.dependencies, ...m.peerDependencies, ...m.optionalDependencies })) {
      if (names.has(dep)) visit(packages.find((q) => q.manifest.name === dep), [...path, m.name])
    }
    done.add(m.name)
    ordered.push(p)
  }
  for (const p of packages) visit(p, [])
  return ordered
}

/** A command package: a bundled bin with no library entry (exa-webhooks, exa-webhooks-batch, exa-webhooks-mock). */
export const isCommand = (manifest) => manifest.bin !== undefined && manifest.exports === undefined

/** The stable tarball name of a package: @exa-webhooks/client -> exa-webhooks-client.tgz. */
export const tarballName = (name) => `${name.replace(/^@/, "").replace("/", "-")}.tgz`

/**
 * Packs every publishable package of `root` into `dest` with one pnpm call (workspace:^ becomes ^<version>), under
 * its stable name; earlier tarballs in `dest` are removed first. Returns the publishable packages, each with its
 * `tarball` path. Needs the build. Throws with pnpm's output when pnpm fails.
 */
export const packAll = (root, dest, env = process.env) => {
  const { publishable, privateNames } = workspace(root)
  mkdirSync(dest, { recursive: true })
  for (const file of readdirSync(dest)) if (file.endsWith(".tgz")) rmSync(join(dest, file))
  const skip = privateNames.flatMap((name) => ["--filter", `!${name}`])
  const r = spawnSync("pnpm", ["-r", ...skip, "pack", "--pack-destination", dest, "--json"], {
    cwd: root,
    encoding: "utf8",
    env,
    maxBuffer: 64 * 1024 * 1024
  })
  if (r.error || r.status !== 0) {
    throw new Error(`pnpm pack failed${r.error ? `: ${r.error.message}` : ` (exit ${r.status})`}\n${r.stdout}${r.stderr}`)
  }
  const packed = JSON.parse(r.stdout)
  const unknown = packed.filter((t) => !publishable.some((p) => p.manifest.name === t.name)).map((t) => t.name)
  if (unknown.length > 0) throw new Error(`pnpm packed packages that are not publishable: ${unknown.join(", ")}`)
  return publishable.map((p) => {
    const from = packed.find((t) => t.name === p.manifest.name)?.filename
    if (!from || !existsSync(from)) throw new Error(`pnpm -r pack wrote no tarball for ${p.manifest.name}`)
    const tarball = join(dest, tarballName(p.manifest.name))
    renameSync(from, tarball)
    return { ...p, tarball }
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, dir] = process.argv.slice(2)
  if (command !== "pack" || !dir) {
    console.error("usage: node scripts/packages.mjs pack DIR")
    process.exit(2)
  }
  try {
    const dest = resolve(dir)
    for (const p of packAll(repoRoot, dest)) console.log(`${relative(process.cwd(), p.tarball)}  ${p.manifest.name}@${p.manifest.version}`)
  } catch (error) {
    console.error(`pack: ${error.message}`)
    process.exit(1)
  }
}
