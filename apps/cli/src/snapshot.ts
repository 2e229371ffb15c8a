/**
 * Entry of the CLI's V8 startup snapshot (built by `snapshot.mjs` for the local Node; opt-in with `make snapshot`): it
 * evaluates every module the CLI is made of, so a run from the snapshot starts with them evaluated, and leaves
 * `main.ts` (which reads the arguments and the terminal, then runs the command) to the snapshot's main function.
 * Run as a plain script, it runs `main.ts` at once.
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeStdio from "@effect/platform-node/NodeStdio"
import { startupSnapshot } from "node:v8"
import * as Bin from "@exa-webhooks/cli-kit/Bin"
import * as Confirm from "@exa-webhooks/cli-kit/Confirm"
import * as Output from "@exa-webhooks/cli-kit/Output"
import * as Program from "./Program.ts"

// What main.ts imports, named so that the bundler keeps (and the snapshot holds) their evaluated modules.
const preloaded = [
  Bin,
  Confirm,
  NodeFileSystem,
  NodePath,
  NodeRuntime,
  NodeStdio,
  Output,
  Program
]

const main = () => {
  void import("./main.ts")
}

if (startupSnapshot.isBuildingSnapshot()) {
  startupSnapshot.setDeserializeMainFunction(() => {
    // A run from a snapshot has no script in argv ([node, ...arguments]); main.ts expects [node, script, ...].
    process.argv.splice(1, 0, Program.NAME)
    main()
  }, preloaded)
} else {
  main()
}
