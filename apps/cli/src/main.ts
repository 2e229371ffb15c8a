/**
 * Entry point of `exa-webhooks`: the kit's `Bin.run` runs the program (see `Program.ts`).
 *
 * @since 0.1.0
 */
import * as Bin from "@exa-webhooks/cli-kit/Bin"
import * as Program from "./Program.ts"

Bin.run(Program.definition)
