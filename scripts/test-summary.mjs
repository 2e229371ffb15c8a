// Adds up the results every package's vitest run wrote (.vitest-results.json) into one closing line, so a reader
// (and CI) sees the whole suite's outcome at the end of `make test`.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
let passed = 0, failed = 0, skipped = 0, files = 0
for (const group of ["packages", "apps"]) {
  const dir = join(root, group)
  if (!existsSync(dir)) continue
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, ".vitest-results.json")
    if (!existsSync(file)) continue
    const results = JSON.parse(readFileSync(file, "utf8"))
    files++
    passed += results.numPassedTests
    failed += results.numFailedTests
    skipped += results.numPendingTests + results.numTodoTests
  }
}
console.log(`\nTests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""} (${files} packages)`)
process.exitCode = failed > 0 || files === 0 ? 1 : 0
