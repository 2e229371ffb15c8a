import { defineConfig } from "vitest/config"

const conditions = ["source", "module", "node", "import", "default"]

// Tests run the TypeScript sources of workspace packages (the "source" export condition), so no build is needed
// between editing a package and testing its dependents. Each package also writes its results to
// .vitest-results.json, which scripts/test-summary.mjs adds up into the closing line of `make test`.
//
// `isolate: false`: a worker keeps its module graph between test files instead of importing effect and the
// workspace packages afresh for each one. Measured on the client suite (2 cores): user CPU 28.7 s -> 13.1 s, wall
// 46 s -> 27 s. Tests build their state in layers and fixtures, never in module-level variables shared across files.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["test/**/*.test.ts"],
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]]
  }
})
