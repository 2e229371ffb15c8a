// Writes manifest.schema.json from the manifest's Effect Schema (`pnpm run schema:json`); a test fails when the
// committed file is stale.
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Manifest from "../src/Manifest.ts"

const file = fileURLToPath(new URL("../manifest.schema.json", import.meta.url))
writeFileSync(file, `${JSON.stringify(Manifest.jsonSchema(), null, 2)}\n`)
console.log(`wrote ${file}`)
