import { defineConfig } from "vitest/config"

const conditions = ["source", "module", "node", "import", "default"]

// Tests run the TypeScript sources of workspace packages (the "source" export condition), so no build is needed
// between editing a package and testing its dependents. Each package also writes its results to
// .vitest-results.json, which scripts/test-summary.mjs adds up into the closing line of `make test`.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]]
  }
})
