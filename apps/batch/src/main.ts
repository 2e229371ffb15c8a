/**
 * Entry point of `exa-webhooks-batch`: runs the command through the kit's `Main.run` (failures on stderr as one line,
 * or one JSON object with `--json`; the exit codes of `ExitCode`).
 *
 * @since 0.1.0
 */
import * as Main from "@exa-webhooks/cli-kit/Main"
import { setFlagsFromString } from "node:v8"
import * as Commands from "./Commands.ts"
import * as ErrorReport from "./ErrorReport.ts"
import * as ExitCode from "./ExitCode.ts"
import * as Program from "./Program.ts"

// V8 lets the young generation grow to tens of MB while a large manifest is parsed (every node of the parse is
// short-lived); keeping it at its starting size cut the peak RSS of a bare parse of a 100,000-webhook manifest from
// 312 MB to 182 MB, and its time by a third (measured with effect/encoding/Yaml, see bench/run.mjs). A short-lived
// CLI process owns its heap, so it may set this.
setFlagsFromString("--semi-space-growth-factor=1")

Main.run({
  program: Program.NAME,
  version: Program.VERSION,
  command: Commands.command,
  reporter: ErrorReport.reporter,
  helpSections: [
    Main.environmentSection({ apiKey: "; validate and secret need none" }),
    ExitCode.helpSection
  ],
  interrupted:
    "interrupted; nothing more was sent; secrets of the webhooks created so far are in the journal (run apply again to finish)"
})
