// Bundles the CLI into dist/exa-webhooks.mjs (and its chunks loaded on demand: scripts/bundle-options.mjs), so
// start-up reads and compiles a few modules instead of resolving hundreds, then renders every command's help page.
// effect/cli builds an `Intl.Segmenter` when its module is evaluated (about 7 ms, ICU data) to measure text
// widths; a plugin makes it created on first use instead, and plain printable ASCII (all of the help) is measured
// without it (start-up figures: bench/run.mjs, docs/benchmarks.md).
import { build } from "esbuild"
import { binBundle, summary } from "../../scripts/bundle-options.mjs"
import { writeHelpPages } from "../../scripts/help-pages.mjs"
import { chmod, readFile, rm, writeFile } from "node:fs/promises"

const outfile = "dist/exa-webhooks.mjs"
const snapshotEntry = "dist/exa-webhooks.snapshot.cjs"

/** Replaces `search` by `replacement` in one file of a dependency, or warns (the bundle stays correct, only slower). */
const patch = (name, filter, edits) => ({
  name,
  setup(esbuild) {
    esbuild.onLoad({ filter }, async (args) => {
      let contents = await readFile(args.path, "utf8")
      const warnings = []
      for (const [search, replacement] of edits) {
        if (contents.includes(search)) contents = contents.replace(search, replacement)
        else warnings.push({ text: `${name}: pattern not found in ${args.path}; left as is (start-up is slower)` })
      }
      return { contents, loader: "js", warnings }
    })
  }
})

const lazySegmenter = patch("lazy-segmenter", /[\\/]effect[\\/]dist[\\/]cli[\\/]CliOutput\.js$/, [
  [
    `const graphemeSegmenter = /*#__PURE__*/new Intl.Segmenter(undefined, {
  granularity: "grapheme"
});`,
    `let graphemeSegmenterInstance;
const graphemeSegmenter = {
  segment: text => (graphemeSegmenterInstance ??= new Intl.Segmenter(undefined, {
    granularity: "grapheme"
  })).segment(text)
};`
  ],
  [
    `export const displayWidth = text => {
  let length = 0;`,
    `export const displayWidth = text => {
  // Printable ASCII is one cell per character: no segmenter needed.
  if (/^[\\x20-\\x7e]*$/.test(text)) return text.length;
  let length = 0;`
  ]
])

// @effect/platform-node loads node:http and node:https (and with them tls) when its module is evaluated; the CLI needs
// them only when it sends a request, and a V8 startup snapshot cannot hold node:http's parser binding at all.
const lazyNodeHttp = {
  name: "lazy-node-http",
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]platform-node[\\/]dist[\\/]internal[\\/]http\.js$/ }, () => ({
      loader: "js",
      contents: `const lazy = (name) => {
  let module
  return () => (module ??= process.getBuiltinModule(name))
}
const loadHttp = lazy("node:http")
const loadHttps = lazy("node:https")
export const http = { get Agent() { return loadHttp().Agent }, request: (...args) => loadHttp().request(...args) }
export const https = { get Agent() { return loadHttps().Agent }, request: (...args) => loadHttps().request(...args) }
`
    }))
  }
}

// Namespace imports of heavy built-ins (tls and crypto in @effect/platform-node-shared's sockets and file system,
// readline in Confirm.ts) become lazy: the module is loaded on first property access, e.g. when a prompt is shown,
// instead of at every start (together about 20 ms, and less heap in the snapshot).
const LAZY_BUILTINS = /import \* as (\w+) from "(node:(?:tls|crypto|readline))";?/g
const lazyBuiltins = {
  name: "lazy-builtins",
  setup(esbuild) {
    esbuild.onLoad({ filter: /([\\/]platform-node-shared[\\/]dist[\\/].*\.js|[\\/]apps[\\/]cli[\\/]src[\\/].*\.ts)$/ }, async (args) => {
      const source = await readFile(args.path, "utf8")
      const loader = args.path.endsWith(".ts") ? "ts" : "js"
      if (!LAZY_BUILTINS.test(source)) return { contents: source, loader }
      const contents = source.replace(
        LAZY_BUILTINS,
        (_, name, module) =>
          `const ${name} = /*#__PURE__*/new Proxy({}, { get: (_, key) => process.getBuiltinModule(${JSON.stringify(module)})[key] });`
      )
      return { contents, loader }
    })
  }
}

// For the snapshot's entry: one script, nothing loaded on demand.
const common = {
  bundle: true,
  platform: "node",
  target: "node22",
  conditions: ["source"],
  minify: true,
  legalComments: "none",
  metafile: true,
  plugins: [lazySegmenter, lazyNodeHttp, lazyBuiltins],
  logLevel: "warning"
}

await rm("dist", { recursive: true, force: true })
const result = await build(binBundle({ name: "exa-webhooks", plugins: [lazySegmenter, lazyNodeHttp, lazyBuiltins] }))
// Which chunk holds which modules: test/LazyLoading.test.ts checks what a command loads against it.
await writeFile("dist/meta.json", JSON.stringify(result.metafile))
await chmod(outfile, 0o755)
// Every command's --help, rendered by the bundle now, for the bin's guard to print without loading it.
const pages = await writeHelpPages({ bundle: outfile })
// The entry of the V8 startup snapshot (see src/snapshot.ts and snapshot.mjs): a plain script.
await build({ ...common, entryPoints: ["src/snapshot.ts"], outfile: snapshotEntry, format: "iife" })

console.log(summary(result.metafile, outfile, pages))
