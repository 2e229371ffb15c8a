// Bundles exa-webhooks-batch into one file, dist/exa-webhooks-batch.mjs, so start-up reads and compiles one module instead of
// resolving hundreds. Workspace packages are bundled from their TypeScript sources (the "source" condition).
import { build } from "esbuild"
import { writeHelpPages } from "../../scripts/help-pages.mjs"
import { chmod, rm } from "node:fs/promises"

const outfile = "dist/exa-webhooks-batch.mjs"

await rm("dist", { recursive: true, force: true })
const result = await build({
  entryPoints: ["src/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  conditions: ["source"],
  minify: true,
  legalComments: "none",
  metafile: true,
  // No `module.enableCompileCache()` banner: it only caches modules loaded after the call, and this file is the only
  // module there is (Node's built-ins come from its snapshot). The launcher can set NODE_COMPILE_CACHE instead,
  // which does cover the entry module (see bench/startup.mjs).
  // The `yaml` package is CommonJS and requires Node built-ins; an ES module has no `require` of its own.
  banner: { js: '#!/usr/bin/env node\nimport { createRequire as __createRequire } from "node:module";const require=__createRequire(import.meta.url);' },
  logLevel: "warning"
})
await chmod(outfile, 0o755)
// Every command's --help, rendered by the bundle now, for the bin's guard to print without loading it.
const pages = await writeHelpPages({ bundle: outfile })

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0)
console.log(`built ${outfile} (${Math.round(bytes / 1024)} KiB) and ${pages} help pages`)
