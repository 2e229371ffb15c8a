// The exa-webhooks-mock package ships the standalone server that @exa-webhooks/mock-server builds and the repo's tests
// run (packages/mock-server/dist/exa-webhooks-mock.mjs): the same file, copied, so what users install is what was tested.
// turbo builds @exa-webhooks/mock-server first (a workspace dependency of this package).
import { copyFile, mkdir, rm, stat } from "node:fs/promises"

const from = new URL("../../packages/mock-server/dist/exa-webhooks-mock.mjs", import.meta.url)
const to = new URL("dist/exa-webhooks-mock.mjs", import.meta.url)

await stat(from).catch(() => {
  console.error(`${from.pathname} is missing: build @exa-webhooks/mock-server first (make setup does)`)
  process.exit(1)
})
await rm(new URL("dist", import.meta.url), { recursive: true, force: true })
await mkdir(new URL("dist", import.meta.url))
await copyFile(from, to)
console.log(`copied ${from.pathname.replace(/.*\/packages\//, "packages/")} to dist/exa-webhooks-mock.mjs`)
