/**
 * Entry point of `exa-webhooks-batch`: the kit's `Bin.run` runs the program (see `Program.ts`).
 *
 * @since 0.1.0
 */
import * as Bin from "@exa-webhooks/cli-kit/Bin"
import { setFlagsFromString } from "node:v8"
import * as Program from "./Program.ts"

// V8 lets the young generation grow to tens of MB while a large manifest is parsed (every node of the parse is
// short-lived); keeping it at its starting size cut the peak RSS of a bare parse of a 100,000-webhook manifest from
// 312 MB to 182 MB, and its time by a third (measured with effect/encoding/Yaml, see bench/run.mjs). A short-lived
// CLI process owns its heap, so it may set this.
setFlagsFromString("--semi-space-growth-factor=1")

Bin.run(Program.definition)
