/**
 * The bin `exa-webhooks` as the kit runs it: its name and version, its commands, and the reports of the failures that
 * are its own (everything else is reported by the kit, see `@exa-webhooks/cli-kit/Bin`).
 *
 * @since 0.1.0
 */
import * as Bin from "@exa-webhooks/cli-kit/Bin"
import packageJson from "../package.json" with { type: "json" }
import * as Commands from "./Commands.ts"
import * as ErrorReport from "./ErrorReport.ts"

/**
 * @since 0.1.0
 */
export const NAME: string = Commands.command.name

/**
 * @since 0.1.0
 */
export const VERSION: string = packageJson.version

/**
 * What `main.ts` runs, and what the tests run in-process.
 *
 * @since 0.5.0
 */
export const definition = Bin.make({ name: NAME, version: VERSION, command: Commands.command, errors: ErrorReport.of })
