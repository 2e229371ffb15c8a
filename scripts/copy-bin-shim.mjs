// Run by the build of every package with a bin (from its folder): copies the one Node guard, scripts/bin-shim.cjs,
// to each bin/<name>.cjs its package.json names. The copies are build output (git-ignored), so the original is the
// only file to edit; make pack-test checks that each packed bin is still a byte-for-byte copy.
import { chmodSync, copyFileSync, mkdirSync, readFileSync } from "node:fs"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"

const shim = fileURLToPath(new URL("bin-shim.cjs", import.meta.url))
const manifest = JSON.parse(readFileSync("package.json", "utf8"))
for (const [name, target] of Object.entries(manifest.bin ?? {})) {
  if (target !== `./bin/${name}.cjs`) throw new Error(`bin ${name} must be ./bin/${name}.cjs (the Node guard), not ${target}`)
  mkdirSync(dirname(target), { recursive: true })
  copyFileSync(shim, target)
  chmodSync(target, 0o755)
}
