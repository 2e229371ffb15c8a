/**
 * The failures of `exa-webhooks-batch` (manifest problems, the secrets journal, a partly failed apply, client
 * errors) reduced to what is reported (a line, plus fields for `--json`) and the exit code; the kit's `ErrorReport`
 * reports the failures both bins share (usage, a declined confirmation, a lost stdout, parse errors, bugs).
 *
 * @since 0.1.0
 */
import { WebhooksError } from "@exa-webhooks/client"
import * as KitErrorReport from "@exa-webhooks/cli-kit/ErrorReport"
import type { Report } from "@exa-webhooks/cli-kit/Output"
import * as Apply from "./Apply.ts"
import { ApplyFailed } from "./Commands.ts"
import * as ExitCode from "./ExitCode.ts"
import { JournalError } from "./Journal.ts"
import { ManifestError } from "./ManifestFile.ts"
import * as ManifestFile from "./ManifestFile.ts"
import * as Program from "./Program.ts"

const specific = (error: unknown): Report | undefined => {
  if (error instanceof ManifestError) {
    return {
      type: "ManifestError",
      message: `${error.problems.length} problem${error.problems.length === 1 ? "" : "s"} in ${error.file}${
        ManifestFile.unlistedNote(error.unlisted)
      }; nothing was sent`,
      exitCode: ExitCode.Usage,
      lines: error.problems.map(ManifestFile.formatProblem),
      details: { file: error.file, problems: error.problems, unlisted: error.unlisted }
    }
  }
  if (error instanceof JournalError) {
    return {
      type: "JournalError",
      message: error.beforeSending ? `${error.message} (nothing was sent)` : error.message,
      exitCode: error.beforeSending ? ExitCode.Usage : ExitCode.ApiFailure,
      details: { path: error.path }
    }
  }
  if (error instanceof ApplyFailed) return { type: "ApplyFailed", message: error.message, exitCode: ExitCode.ApiFailure }
  if (WebhooksError.isWebhooksError(error)) {
    return {
      type: error._tag,
      message: KitErrorReport.describe(error, Apply.settingNames),
      exitCode: error._tag === "InvalidInputError" ? ExitCode.Usage : ExitCode.ApiFailure,
      details: KitErrorReport.apiDetails(error)
    }
  }
  return undefined
}

/**
 * How `exa-webhooks-batch` reports failures.
 *
 * @since 0.1.0
 */
export const reporter: KitErrorReport.Reporter = KitErrorReport.make({ program: Program.NAME, specific })

/**
 * The report for a failure of a command.
 *
 * @since 0.1.0
 */
export const of = reporter.of
