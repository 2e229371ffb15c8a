/**
 * The dependency-free entries stay dependency-free and small: `Web` and `WebInbox` import no package, neither their
 * values nor their types (so their declarations need no `effect` either), and an esbuild `--minify` bundle of `Web`
 * is at most 5 KB. The bundles are built for the `neutral` platform: a Node built-in would fail them too.
 */
import { assert, describe, it } from "@effect/vitest"
import * as esbuild from "esbuild"
import { readFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { gzipSync } from "node:zlib"
import { packageDir } from "./fixtures/support.ts"

const LIMIT = 5 * 1024

const bundle = async (entry: string) => {
  const result = await esbuild.build({
    entryPoints: [join(packageDir, entry)],
    absWorkingDir: packageDir,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    write: false,
    metafile: true,
    logLevel: "silent"
  })
  const bytes = result.outputFiles[0]!.contents
  return { minified: bytes.length, gzipped: gzipSync(bytes).length, inputs: Object.keys(result.metafile.inputs).toSorted() }
}

// Every module an entry reaches through `import`, `import type`, `export ... from` or `import()`, from the sources:
// `import type` leaves no trace in a bundle but does in the declarations a TypeScript user compiles against.
const imports = (entry: string): { readonly files: Array<string>; readonly packages: Array<string> } => {
  const files: Array<string> = []
  const packages: Array<string> = []
  const visit = (file: string) => {
    if (files.includes(file)) return
    files.push(file)
    // Comments hold examples of imports; they are not imports.
    const source = readFileSync(join(packageDir, file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")
    const specifiers = [...source.matchAll(/\bfrom\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']/gm)]
      .map((m) => m[1] ?? m[2] ?? m[3]!)
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) visit(relative(packageDir, join(packageDir, dirname(file), specifier)))
      else packages.push(specifier)
    }
  }
  visit(entry)
  return { files: files.toSorted(), packages }
}

describe("the dependency-free entries", () => {
  it("Web imports no package and bundles to at most 5 KB minified", async () => {
    assert.deepStrictEqual(imports("src/Web.ts"), { files: ["src/Web.ts", "src/internal/scheme.ts"], packages: [] })
    const { gzipped, inputs, minified } = await bundle("src/Web.ts")
    assert.deepStrictEqual(inputs, ["src/Web.ts", "src/internal/scheme.ts"])
    process.stderr.write(`@exa-webhooks/receiver/Web: ${minified} bytes minified, ${gzipped} gzipped (limit ${LIMIT})\n`)
    assert.isAtMost(minified, LIMIT)
  })

  it("WebInbox imports no package and bundles to at most 5 KB minified", async () => {
    assert.deepStrictEqual(imports("src/WebInbox.ts"), { files: ["src/WebInbox.ts", "src/internal/inbox.ts"], packages: [] })
    const { gzipped, inputs, minified } = await bundle("src/WebInbox.ts")
    assert.deepStrictEqual(inputs, ["src/WebInbox.ts", "src/internal/inbox.ts"])
    process.stderr.write(`@exa-webhooks/receiver/WebInbox: ${minified} bytes minified, ${gzipped} gzipped\n`)
    assert.isAtMost(minified, LIMIT)
  })

  it("the check is able to see a package: the Effect API imports effect", () => {
    assert.include(imports("src/Verifier.ts").packages, "effect")
  })
})
