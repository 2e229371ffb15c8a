import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { readFileSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"

const here = fileURLToPath(new URL("..", import.meta.url))

// Compiles src/ with `declaration: true` (tsconfig.json: against the packages' sources; tsconfig.dist.json: against
// their built dist/*.d.ts, what a user installs) and returns the emitted declarations.
const compile = (project: string, out: string) => {
  rmSync(`${here}/${out}`, { recursive: true, force: true })
  const result = spawnSync("tsc", ["-p", project], { cwd: here, encoding: "utf8", shell: process.platform === "win32" })
  assert.strictEqual(result.error, undefined, `tsc could not be started: ${result.error?.message}`)
  assert.strictEqual(result.status, 0, `tsc -p ${project} failed:\n${result.stdout}${result.stderr}`)
  return readFileSync(`${here}/${out}/index.d.ts`, "utf8")
}

describe("a consumer of schema, client and receiver compiles with declaration: true", () => {
  for (const [project, out] of [["tsconfig.json", "dist/source"], ["tsconfig.dist.json", "dist/published"]] as const) {
    it(`${project}: no TS2883, every exported type named through public entry points`, () => {
      const declarations = compile(project, out)
      // An inferred type the emitter could not name becomes `any` (or an error); a private path would break for users.
      assert.notMatch(declarations, /:\s*any\b/, "a type degraded to any")
      assert.notMatch(declarations, /\/internal\/|\/dist\/|\/src\//, "a type named through a private path")
      for (const name of ["createHook", "listHooks", "verifyBody", "AttemptPage", "rateLimit"]) {
        assert.match(declarations, new RegExp(`export declare const ${name}\\b`), name)
      }
    }, 120_000)
  }
})
