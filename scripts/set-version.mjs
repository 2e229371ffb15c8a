// A package's `version` script (npm's lifecycle: run after the version is bumped, before the release commit, which
// scripts/release.mjs runs with `pnpm -r --if-present run version`): writes the version of ./package.json into the
// `VERSION = "..."` literal of FILE, for code that must name its own version without importing JSON from outside
// its sources (the client's User-Agent).
//
//   node ../../scripts/set-version.mjs src/internal/version.ts
import { readFileSync, writeFileSync } from "node:fs"

const [file] = process.argv.slice(2)
if (!file) {
  console.error("usage: node scripts/set-version.mjs FILE (run in the package's folder)")
  process.exit(2)
}
const { name, version } = JSON.parse(readFileSync("package.json", "utf8"))
const source = readFileSync(file, "utf8")
const literal = /(\bVERSION = )"[^"]*"/
if (!literal.test(source)) {
  console.error(`set-version: ${file} has no VERSION = "..." to set to ${name}'s version ${version}`)
  process.exit(1)
}
writeFileSync(file, source.replace(literal, `$1${JSON.stringify(version)}`))
