import { defineConfig } from "vitest/config"

// Tests run the TypeScript sources of workspace packages (the "source" export condition), so no build is needed
// between editing a package and testing its dependents.
export default defineConfig({
  resolve: { conditions: ["source", "module", "node", "import", "default"] },
  ssr: { resolve: { conditions: ["source", "module", "node", "import", "default"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
