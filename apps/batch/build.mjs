// Bundles exa-webhooks-batch into dist/exa-webhooks-batch.mjs (and its chunks loaded on demand:
// scripts/bundle-options.mjs), so start-up reads and compiles a few modules instead of resolving hundreds, then renders
// every command's help page.
import { build } from "esbuild"
import { chmod, rm, writeFile } from "node:fs/promises"
import { binBundle, summary } from "../../scripts/bundle-options.mjs"
import { writeHelpPages } from "../../scripts/help-pages.mjs"

const outfile = "dist/exa-webhooks-batch.mjs"

await rm("dist", { recursive: true, force: true })
const result = await build(binBundle({ name: "exa-webhooks-batch" }))
// Which chunk holds which modules: test/LazyLoading.test.ts checks what a command loads against it.
await writeFile("dist/meta.json", JSON.stringify(result.metafile))
await chmod(outfile, 0o755)
// Every command's --help, rendered by the bundle now, for the bin's guard to print without loading it.
const pages = await writeHelpPages({ bundle: outfile })

console.log(summary(result.metafile, outfile, pages))
