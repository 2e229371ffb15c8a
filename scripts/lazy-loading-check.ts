/**
 * What a bin's run loads, for the tests that a command loads only the code it uses (the bundle's chunks:
 * scripts/bundle-options.mjs). A run is traced by a preload that records every file module loaded into a log; the
 * build's metafile (dist/meta.json) says which output file holds which sources.
 */
import { existsSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const HOOK = `data:text/javascript,${
  encodeURIComponent(`
import { registerHooks } from "node:module"
import { appendFileSync } from "node:fs"
registerHooks({
  load(url, context, next) {
    if (url.startsWith("file:")) appendFileSync(process.env.EXA_WEBHOOKS_LOAD_LOG, url + "\\n")
    return next(url, context)
  }
})`)
}`

/** The command and environment of `name args` started as npm starts it (its guard), traced into `log`. */
export const traced = (packageDir: string, name: string, args: ReadonlyArray<string>, log: string) => ({
  command: [process.execPath, "--import", HOOK, join(packageDir, "bin", `${name}.cjs`), ...args],
  env: { EXA_WEBHOOKS_LOAD_LOG: log }
})

/** The files of `packageDir/dist` a traced run loaded, relative to the package (`dist/...`). */
export const loaded = (packageDir: string, log: string): ReadonlySet<string> =>
  new Set(
    (existsSync(log) ? readFileSync(log, "utf8") : "").split("\n").filter((url) => url !== "")
      .map((url) => relative(packageDir, fileURLToPath(url)))
      .filter((file) => file.startsWith("dist/"))
  )

/** The output files of the build holding any source whose path matches `source`. */
export const holding = (packageDir: string, source: RegExp): ReadonlySet<string> => {
  const meta = JSON.parse(readFileSync(join(packageDir, "dist", "meta.json"), "utf8")) as {
    readonly outputs: Record<string, { readonly inputs: Record<string, unknown> }>
  }
  return new Set(
    Object.entries(meta.outputs).filter(([, output]) => Object.keys(output.inputs).some((input) => source.test(input)))
      .map(([file]) => file)
  )
}

/** The Redis client's sources (node-redis and its @redis/* packages). */
export const REDIS = /node_modules[\\/](\.pnpm[\\/][^\\/]+[\\/]node_modules[\\/])?(redis|@redis)[\\/]/
