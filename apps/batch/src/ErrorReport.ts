/**
 * The failures that only `exa-webhooks-batch` raises (manifest problems, the secrets journal, a partly failed apply)
 * reduced to what is reported (a line, plus fields for `--json`) and the exit code. Every other failure (usage,
 * client errors, a lost stdout, bugs) is reported by the kit.
 *
 * @since 0.1.0
 */
import * as ExitCode from "@exa-webhooks/cli-kit/ExitCode"
import type { Report } from "@exa-webhooks/cli-kit/Output"
import { AgeError } from "./Age.ts"
import { ApplyFailed } from "./Commands.ts"
import { JournalError } from "./Journal.ts"
import { LockError, LockLost } from "./Lock.ts"
import { ManifestError } from "./ManifestFile.ts"
import * as ManifestFile from "./ManifestFile.ts"

/**
 * The report of one of this bin's own failures, `undefined` for the rest.
 *
 * @since 0.1.0
 */
export const of = (error: unknown): Report | undefined => {
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
  if (error instanceof LockError) {
    return {
      type: "LockError",
      message: `${error.message} (nothing was sent)`,
      exitCode: ExitCode.Usage,
      ...(error.holder === undefined ? {} : { details: { holder: error.holder } })
    }
  }
  if (error instanceof LockLost) return { type: "LockLost", message: error.message, exitCode: ExitCode.ApiFailure }
  if (error instanceof AgeError) return { type: "AgeError", message: error.message, exitCode: ExitCode.Usage }
  return undefined
}
