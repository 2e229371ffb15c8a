// Bundles the standalone server (src/main.ts) into one file, dist/exa-webhooks-mock.mjs, which bin/exa-webhooks-mock
// runs with the bootstrapped Node. Workspace packages are bundled from their TypeScript sources ("source" condition).
import { build } from "esbuild"

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/exa-webhooks-mock.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  conditions: ["source"],
  legalComments: "none",
  logLevel: "warning",
  // Some dependencies are CommonJS and call `require` for Node built-ins, which an ES module does not have.
  banner: { js: "import { createRequire as __createRequire } from \"node:module\"; const require = __createRequire(import.meta.url);" }
})
