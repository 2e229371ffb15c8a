// make release / pnpm release: one command from the pending changesets to the packages on the registry.
//
//   node scripts/release.mjs                             the dry run (the default): every step but the upload
//   NPM_TOKEN=... node scripts/release.mjs --publish     the release
//
//   --publish        publish: needs NPM_TOKEN (an npm access token allowed to publish the packages) and a clean
//                    working tree on a branch; without it nothing is uploaded, whatever the environment holds
//   --registry URL   where to look up and publish (default https://registry.npmjs.org/, whatever ~/.npmrc says,
//                    so that a company mirror set there never receives the packages)
//   --offline        install and check from this machine's caches only (pnpm store, npm cache); a dry run then
//                    contacts no registry at all: it does not look up what is published already
//   --no-tests       skip typecheck, lint and tests (the pack test's dry run, which runs beside make test); with
//                    --publish only towards a registry on this machine, a rehearsal
//   --no-pack-test   pack without the pack test (the pack test's rehearsal of a publish, which has just run it on the
//                    same commit); with --publish, the same rule
//   --keep           keep the temporary folder (its path is printed)
//
// Every step runs in a clone of HEAD in a temporary folder, so a dry run never changes this checkout, and what is
// published is a commit (uncommitted changes are never part of a release):
//   1. pnpm install, from the lockfile;
//   2. `changeset version`: the pending changesets become one new version of every package (the fixed group in
//      .changeset/config.json) and their CHANGELOG.md entries; then each package's `version` script (npm's
//      lifecycle: the client writes its version into its User-Agent); committed in the clone as "Release X.Y.Z";
//   3. `make test` (build, typecheck, lint, every test), or `make setup` (the build) with --no-tests;
//   4. the clone's own pack test, which packs every package, installs the tarballs into fresh projects and uses them
//      as a user would, and keeps the tarballs it checked;
//   5. which of the versions the registry has already: a release that stopped half way is finished, never repeated;
//   6. `npm publish` of exactly those tarballs, dependencies first (`--dry-run` unless --publish); the token reaches
//      npm as `${NPM_TOKEN}` in the clone's .npmrc, which npm expands itself: it is never written or printed;
//   7. with --publish, the release commit is fast-forwarded into this checkout and tagged vX.Y.Z (then: git push
//      --follow-tags).
//
// Not `changeset publish`: it runs `pnpm publish` in every package folder, which packs each package again, so the
// registry would get tarballs other than the ones the pack test installed and ran; it has no dry run; and it
// publishes with whatever login ~/.npmrc holds rather than a token given for this one run.
import { spawnSync } from "node:child_process"
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { repoRoot, tarballName, workspace } from "./packages.mjs"

const USAGE = "usage: node scripts/release.mjs [--publish] [--registry URL] [--offline] [--no-tests] [--no-pack-test] [--keep]"
const started = Date.now()

class Stop extends Error {}
const stop = (message) => {
  throw new Stop(message)
}
const say = (message) => console.log(`release: ${message}`)

const parseArgs = (argv) => {
  const options = { publish: false, registry: "https://registry.npmjs.org/", offline: false, tests: true, packTest: true, keep: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === "--publish") options.publish = true
    else if (arg === "--offline") options.offline = true
    else if (arg === "--no-tests") options.tests = false
    else if (arg === "--no-pack-test") options.packTest = false
    else if (arg === "--keep") options.keep = true
    else if (arg === "--registry" || arg.startsWith("--registry=")) {
      const value = arg === "--registry" ? argv[++i] : arg.slice("--registry=".length)
      let url
      try {
        url = new URL(value ?? "")
      } catch {
        stop(`--registry needs an http(s) URL, got ${JSON.stringify(value ?? "")}\n${USAGE}`)
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") stop(`--registry needs an http(s) URL, got ${value}\n${USAGE}`)
      options.registry = url.href.endsWith("/") ? url.href : `${url.href}/`
    } else stop(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`)
  }
  return options
}

// Runs a program; returns its result, or stops with its output when it fails (unless `allowFailure`).
const run = (command, args, { cwd, env, allowFailure = false, quiet = true } = {}) => {
  const r = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: quiet ? "pipe" : ["ignore", "inherit", "inherit"]
  })
  if (r.error) stop(`${command} ${args.join(" ")}: ${r.error.message}`)
  if (r.status !== 0 && !allowFailure) {
    stop(`${command} ${args.join(" ")} failed (exit ${r.status ?? r.signal})${quiet ? `\n${r.stdout}${r.stderr}` : ""}`)
  }
  return r
}
const git = (args, cwd = repoRoot, options = {}) => run("git", args, { cwd, ...options }).stdout?.trim()

const isLoopback = (registry) => ["127.0.0.1", "localhost", "[::1]"].includes(new URL(registry).hostname)

const step = (name, f) => {
  const t0 = Date.now()
  say(`${name} ...`)
  const result = f()
  say(`${name}: done (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  return result
}

const main = (options) => {
  const { publish, registry, offline, tests, packTest } = options
  if (!existsSync(join(repoRoot, ".git"))) stop(`${repoRoot} is not a git clone: a release is made from a commit`)
  const head = git(["rev-parse", "HEAD"])
  const branch = git(["rev-parse", "--abbrev-ref", "HEAD"])
  const dirty = git(["status", "--porcelain", "--untracked-files=no"])
  if (publish) {
    if (!process.env.NPM_TOKEN) stop("--publish needs NPM_TOKEN: an npm access token allowed to publish @exa-webhooks/* and the exa-webhooks* commands")
    if (dirty) stop(`--publish needs a clean working tree (a release is made from a commit); commit or stash:\n${dirty}`)
    if (branch === "HEAD") stop("--publish needs a branch checked out (the release commit is added to it), not a detached HEAD")
    if ((!tests || !packTest) && !isLoopback(registry)) {
      stop(`${tests ? "--no-pack-test" : "--no-tests"} with --publish is only for a rehearsal towards a registry on this machine`)
    }
  } else {
    say(`dry run of ${head.slice(0, 7)}${branch === "HEAD" ? "" : ` (${branch})`}: nothing is uploaded${process.env.NPM_TOKEN ? " (NPM_TOKEN is set; --publish would use it)" : ""}`)
    if (dirty) say("uncommitted changes are not part of it: a release is made from HEAD")
  }
  const offlineEnv = offline ? { npm_config_offline: "true" } : {}

  const work = mkdtempSync(join(tmpdir(), "exa-webhooks-release-"))
  const stage = join(work, "repo")
  const packs = join(work, "packs")
  try {
    step(`clone ${head.slice(0, 7)} into ${stage}`, () => {
      run("git", ["clone", "--quiet", "--shared", "--no-checkout", repoRoot, stage])
      git(["checkout", "--quiet", "-b", "exa-release", head], stage)
      // The toolchain this checkout bootstrapped (make would otherwise fetch Node again when the machine's is old), as
      // a link that stays out of the release commit whatever the released commit's .gitignore says.
      if (existsSync(join(repoRoot, ".tools"))) {
        symlinkSync(realpathSync(join(repoRoot, ".tools")), join(stage, ".tools"))
        mkdirSync(join(stage, ".git", "info"), { recursive: true })
        appendFileSync(join(stage, ".git", "info", "exclude"), "/.tools\n")
      }
    })
    step("pnpm install from the lockfile", () =>
      run("pnpm", ["install", "--frozen-lockfile", "--reporter=silent", offline ? "--offline" : "--prefer-offline"], { cwd: stage }))

    const before = workspace(stage).publishable
    const changesets = readdirSync(join(stage, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md")
    const version = step(`version (${changesets.length} pending changeset${changesets.length === 1 ? "" : "s"})`, () => {
      if (changesets.length > 0) {
        run("pnpm", ["exec", "changeset", "version"], { cwd: stage, env: offlineEnv })
        // npm's `version` lifecycle, which changesets does not run: what a package writes of its own version.
        run("pnpm", ["-r", "--if-present", "run", "version"], { cwd: stage, env: offlineEnv })
      }
      const after = workspace(stage).publishable
      const versions = [...new Set(after.map((p) => p.manifest.version))]
      if (versions.length !== 1) {
        stop(`every package should have one version (the fixed group in .changeset/config.json), but they have ${after.map((p) => `${p.manifest.name}@${p.manifest.version}`).join(", ")}`)
      }
      const from = [...new Set(before.map((p) => p.manifest.version))].join(", ")
      say(changesets.length > 0 ? `version ${from} -> ${versions[0]}` : `no pending changesets: releasing the current version ${versions[0]}`)
      if (git(["status", "--porcelain"], stage)) {
        const identity = ["user.name", "user.email"].flatMap((key) => {
          const value = run("git", ["config", key], { cwd: repoRoot, allowFailure: true }).stdout.trim()
          return ["-c", `${key}=${value || (key === "user.name" ? "exa-webhooks release" : "release@localhost")}`]
        })
        git(["add", "--all"], stage)
        git([...identity, "commit", "--quiet", "--no-verify", "-m", `Release ${versions[0]}`], stage)
      }
      return versions[0]
    })

    const env = offlineEnv
    if (tests) step("make test (build, typecheck, lint, every test)", () => run("make", ["test"], { cwd: stage, env, quiet: false }))
    else step("make setup (build; tests skipped: --no-tests)", () => run("make", ["setup"], { cwd: stage, env }))

    const what = packTest ? "pack test: every package packed, installed into fresh projects and used" : "pack (no pack test: --no-pack-test)"
    const packages = step(what, () => {
      if (packTest) {
        run("node", ["scripts/pack-test.mjs"], { cwd: stage, env: { ...env, PACK_TEST_PACKS: packs, PACK_TEST_RELEASE: "skip" }, quiet: false })
      } else {
        run("node", ["scripts/packages.mjs", "pack", packs], { cwd: stage })
      }
      return workspace(stage).publishable.map((p) => {
        const tarball = join(packs, tarballName(p.manifest.name))
        if (!existsSync(tarball)) stop(`no tarball of ${p.manifest.name} in ${packs}`)
        const packed = JSON.parse(run("tar", ["xzf", tarball, "-O", "package/package.json"]).stdout)
        if (packed.version !== version) stop(`${tarball} holds ${packed.name}@${packed.version}, not ${version}`)
        return { ...p, tarball }
      })
    })

    // What the registry has already: npm view answers the version, or E404.
    const onRegistry = (p) => {
      const r = run("npm", ["view", `${p.manifest.name}@${version}`, "version", "--json", "--registry", registry, "--loglevel=error"], { cwd: work, allowFailure: true })
      if (r.status === 0) return r.stdout.trim() !== ""
      if (/E404|404 Not Found/.test(r.stderr)) return false
      return stop(`could not ask ${registry} about ${p.manifest.name}@${version}:\n${r.stderr.trim()}${publish ? "" : "\n(--offline makes a dry run without the registry)"}`)
    }
    const lookup = !offline || publish
    const published = lookup ? step(`look up ${version} on ${registry}`, () => packages.filter(onRegistry).map((p) => p.manifest.name)) : []
    if (!lookup) say(`not looked up on ${registry} (--offline): npm publish would refuse a version that is there already`)
    const pending = packages.filter((p) => !published.includes(p.manifest.name))
    if (published.length > 0) say(`on the registry already, skipped: ${published.map((n) => `${n}@${version}`).join(", ")}`)
    if (pending.length === 0) {
      say(`nothing to publish: every package's ${version} is on ${registry}; pnpm changeset adds a change to release`)
      return
    }

    const results = step(`npm publish${publish ? "" : " --dry-run"} ${pending.length} package${pending.length === 1 ? "" : "s"}, dependencies first`, () => {
      const host = registry.replace(/^https?:/, "")
      // The placeholder, not the token: npm reads it from the environment when it loads the file.
      if (publish) writeFileSync(join(stage, ".npmrc"), `${host}:_authToken=\${NPM_TOKEN}\n`, { mode: 0o600 })
      const prerelease = version.includes("-")
      return pending.map((p) => {
        const args = ["publish", p.tarball, "--registry", registry, "--access", "public", "--tag", prerelease ? "next" : "latest", "--json", "--loglevel=error"]
        if (!publish) args.push("--dry-run")
        if (!publish && offline) args.push("--offline")
        const r = run("npm", args, { cwd: stage, allowFailure: true })
        if (r.status !== 0) {
          const done = pending.slice(0, pending.indexOf(p)).map((q) => q.manifest.name)
          stop(`npm ${args.join(" ")} failed (exit ${r.status}):\n${r.stderr.trim() || r.stdout.trim()}` +
            (publish && done.length > 0 ? `\npublished before it: ${done.join(", ")}; run the same command again to publish the rest` : ""))
        }
        const summary = JSON.parse(r.stdout)
        const info = summary[p.manifest.name] ?? summary
        return { name: p.manifest.name, files: info.files?.length ?? 0, size: info.size ?? 0 }
      })
    })
    for (const r of results) {
      say(`  ${publish ? "published" : "would publish"} ${`${r.name}@${version}`.padEnd(36)} ${String(r.files).padStart(4)} files ${(r.size / 1024).toFixed(0).padStart(5)} KiB`)
    }

    if (publish) {
      step(`add the release commit to ${branch} and tag it v${version}`, () => {
        if (git(["rev-parse", "HEAD"], stage) !== head) {
          git(["fetch", "--quiet", stage, "exa-release"])
          git(["merge", "--quiet", "--ff-only", "FETCH_HEAD"])
        }
        if (run("git", ["rev-parse", "--verify", "--quiet", `refs/tags/v${version}`], { cwd: repoRoot, allowFailure: true }).status !== 0) {
          git(["tag", "--annotate", `v${version}`, "--message", `Release ${version}`])
        }
      })
      say(`released ${version} to ${registry}; now: git push --follow-tags`)
    } else {
      say(`dry run complete: ${version} ${lookup ? "is ready to publish" : "is ready to publish, unless the registry has it already"}; NPM_TOKEN=... make release PUBLISH=1 publishes it`)
    }
  } finally {
    if (options.keep) say(`kept ${work}`)
    else rmSync(work, { recursive: true, force: true })
  }
}

// Ctrl-C reaches the running step too; it fails, the temporary folder is removed, and the exit status says why.
process.on("SIGINT", () => (process.exitCode = 130))
try {
  main(parseArgs(process.argv.slice(2)))
  say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
} catch (error) {
  console.error(`release: ${error instanceof Stop ? error.message : error.stack}`)
  process.exitCode ||= 1
}
