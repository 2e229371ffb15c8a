import { createRequire } from "node:module"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"

// The esbuild options a bin's bundle shares (apps/cli/build.mjs, apps/batch/build.mjs): dist/<name>.mjs, with the
// code a command reaches only through a dynamic import (node-redis for --rate-limit-store, undici for the first
// request) in chunks of its own under dist/chunks/, loaded when that command needs it, so start-up reads and compiles
// the rest only. Workspace packages are bundled from their TypeScript sources (the "source" condition).

// effect/http-api offers API documentation pages (Scalar, Swagger UI: 5 MB of HTML and scripts) through dynamic
// imports; with code splitting they would become chunks in every tarball, though no bin serves API docs.
const noApiDocs = {
  name: "no-api-docs",
  setup(esbuild) {
    esbuild.onResolve({ filter: /[\\/]internal[\\/]httpApi(Scalar|Swagger)\.js$/ }, (args) => ({
      path: args.path,
      namespace: "no-api-docs"
    }))
    esbuild.onLoad({ filter: /.*/, namespace: "no-api-docs" }, () => ({
      contents: 'throw new Error("API documentation pages are not part of this bundle")',
      loader: "js"
    }))
  }
}

// A CommonJS package imported dynamically (undici through @effect/platform-node/Undici's `export * from "undici"`,
// node-redis through `import("redis")`) lands in a chunk whose exports must be known statically: without help its
// names are lost (`EnvHttpProxyAgent is not a constructor`, `createClient is not a function`). The names are listed
// here, read from the installed package at build time.
const DYNAMIC_COMMONJS = /^redis$/
const exportsOf = (file) =>
  Object.keys(createRequire(file)(file)).filter((name) => name !== "default" && /^[A-Za-z_$][\w$]*$/.test(name))
const reExport = (file) => ({
  loader: "js",
  resolveDir: dirname(file),
  contents: `const m = require(${JSON.stringify(file)});\nexport const { ${exportsOf(file).join(", ")} } = m;\nexport default m;\n`
})
// undici's index loads all of undici (fetch, WebSocket, caches, mocks: about 40 ms of CPU at each start, with the
// compile cache) where the bins' transport needs its EnvHttpProxyAgent only. So @effect/platform-node/Undici becomes
// a module whose every name loads on first use, from its own file where `OWN_FILE` knows it (checked here: the same
// value as the index's, else the index), from the index otherwise; EnvHttpProxyAgent, wanted at once, is loaded as
// the module is. Functions and classes stand in as proxies (calls, `new`, `instanceof`, statics), objects likewise.
const OWN_FILE = {
  EnvHttpProxyAgent: ["lib/dispatcher/env-http-proxy-agent.js"],
  Agent: ["lib/dispatcher/agent.js"],
  getGlobalDispatcher: ["lib/global.js", "getGlobalDispatcher"],
  setGlobalDispatcher: ["lib/global.js", "setGlobalDispatcher"],
  FormData: ["lib/web/fetch/formdata.js", "FormData"]
}
const EAGER = new Set(["EnvHttpProxyAgent"])
const undiciOnDemand = (index) => {
  const require = createRequire(index)
  const all = require(index)
  const source = (name) => {
    const [file, key] = OWN_FILE[name] ?? []
    if (file === undefined) return { file: index }
    const path = join(dirname(index), file)
    const value = existsSync(path) ? require(path) : undefined
    return (key === undefined ? value : value?.[key]) === all[name] ? { file: path, key } : { file: index, key: name }
  }
  const lines = [
    "const onDemand = (load, callable) => {",
    "  let value",
    "  const get = () => (value ??= load())",
    "  const proxy = new Proxy(callable ? function () {} : {}, {",
    "    apply: (_, self, args) => Reflect.apply(get(), self, args),",
    "    construct: (_, args, newTarget) => Reflect.construct(get(), args, newTarget === proxy ? get() : newTarget),",
    "    get: (_, key) => Reflect.get(get(), key),",
    "    set: (_, key, v) => Reflect.set(get(), key, v),",
    "    has: (_, key) => Reflect.has(get(), key),",
    "    getPrototypeOf: () => Reflect.getPrototypeOf(get())",
    "  })",
    "  return proxy",
    "}"
  ]
  // What the index does besides exporting (it gives every dispatcher its request/stream/... methods:
  // `Object.assign(Dispatcher.prototype, api)`), done here as it loads; anything else it does, or a form not
  // recognised, and the index is loaded whole, as before.
  const text = readFileSync(index, "utf8")
  const requires = new Map([...text.matchAll(/^const (\w+) = require\('(\.\/lib\/[\w/.-]+)'\)$/gm)].map((m) => [m[1], m[2]]))
  const effects = [...text.matchAll(/^Object\.assign\((\w+)\.prototype, (\w+)\)$/gm)]
  const known = effects.length === 1 && effects.every((m) => requires.has(m[1]) && requires.has(m[2])) &&
    !/^(?!function |  |\}|const |module\.exports|Object\.assign|'use strict'|\/\/|$)/m.test(text)
  if (!known) return reExport(index)
  for (const [, target, mixin] of effects) {
    lines.push(`Object.assign(require(${JSON.stringify(join(dirname(index), requires.get(target)))}).prototype, require(${
      JSON.stringify(join(dirname(index), requires.get(mixin)))
    }));`)
  }
  const names = Object.keys(all).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name))
  for (const name of names) {
    const { file, key } = source(name)
    const load = `require(${JSON.stringify(file)})${key === undefined ? "" : `[${JSON.stringify(key)}]`}`
    lines.push(EAGER.has(name) ? `export const ${name} = ${load};` : `export const ${name} = onDemand(() => ${load}, ${typeof all[name] === "function"});`)
  }
  lines.push(`export default onDemand(() => require(${JSON.stringify(index)}), false);`)
  return { loader: "js", resolveDir: dirname(index), contents: lines.join("\n") }
}

const commonJsNames = {
  name: "commonjs-names",
  setup(esbuild) {
    esbuild.onResolve({ filter: DYNAMIC_COMMONJS }, async (args) => {
      if (args.kind !== "dynamic-import") return undefined
      const real = await esbuild.resolve(args.path, { resolveDir: args.resolveDir, kind: "import-statement" })
      return real.errors.length > 0 ? { errors: real.errors } : { path: real.path, namespace: "commonjs-names" }
    })
    esbuild.onLoad({ filter: /.*/, namespace: "commonjs-names" }, (args) => reExport(args.path))
    esbuild.onLoad({ filter: /[\\/]platform-node[\\/]dist[\\/]Undici\.js$/ }, (args) =>
      undiciOnDemand(createRequire(args.path).resolve("undici")))
  }
}

/** Options for the bundle of the bin `name` from `entry`; `plugins` come before the shared ones. */
export const binBundle = ({ name, entry = "src/main.ts", plugins = [] }) => ({
  entryPoints: { [name]: entry },
  outdir: "dist",
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  splitting: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  conditions: ["source"],
  minify: true,
  legalComments: "none",
  metafile: true,
  plugins: [...plugins, noApiDocs, commonJsNames],
  logLevel: "warning",
  // No `module.enableCompileCache()` banner: the guard (scripts/bin-shim.cjs) enables the compile cache before it
  // imports the bundle, which covers the entry and its chunks.
  // `require` for the CommonJS modules bundled in (node-redis, undici, yaml): an ES module has none of its own.
  banner: {
    js: '#!/usr/bin/env node\nimport { createRequire as __createRequire } from "node:module";const require=__createRequire(import.meta.url);'
  }
})

/** The output files `entry` loads when it starts: itself and what it imports statically, transitively. */
export const loadedAtStart = (metafile, entry) => {
  const loaded = new Set()
  const visit = (file) => {
    if (loaded.has(file)) return
    loaded.add(file)
    for (const imported of metafile.outputs[file]?.imports ?? []) {
      if (imported.kind === "import-statement" && metafile.outputs[imported.path]) visit(imported.path)
    }
  }
  visit(entry)
  return loaded
}

/** One line on what was built: what start-up loads, what is loaded on demand, the help pages. */
export const summary = (metafile, outfile, pages) => {
  const atStart = loadedAtStart(metafile, outfile)
  const kib = (files) => Math.round(files.reduce((sum, file) => sum + metafile.outputs[file].bytes, 0) / 1024)
  const files = Object.keys(metafile.outputs)
  return `built ${outfile} (${kib(files.filter((f) => atStart.has(f)))} KiB loaded at start, ${
    kib(files.filter((f) => !atStart.has(f)))
  } KiB in chunks loaded on demand) and ${pages} help pages`
}
