/**
 * The failures that only `exa-webhooks` raises, reduced to what is reported (one line, plus fields for `--json`) and
 * the exit code: a secret file that could not be written, a create of unknown outcome, a delivery that is not
 * genuine, a replay or trigger that did not complete, a checkpoint that could not be written. Every other failure
 * (usage, client errors, a lost stdout, bugs) is reported by the kit.
 *
 * @since 0.1.0
 */
import * as KitErrorReport from "@exa-webhooks/cli-kit/ErrorReport"
import * as ExitCode from "@exa-webhooks/cli-kit/ExitCode"
import type { Report } from "@exa-webhooks/cli-kit/Output"
import { VerifyError } from "@exa-webhooks/receiver"
import { CheckpointWriteError } from "./CheckpointFile.ts"
import { TriggerFailed } from "./EventCommands.ts"
import { ReplayIncomplete } from "./Replay.ts"
import { SecretFileError } from "./SecretFile.ts"
import { UncertainCreate } from "./UncertainCreate.ts"

/**
 * The report of one of this bin's own failures, `undefined` for the rest.
 *
 * @since 0.1.0
 */
export const of = (error: unknown): Report | undefined => {
  if (error instanceof ReplayIncomplete || error instanceof TriggerFailed) {
    return { type: error._tag, message: error.message, exitCode: ExitCode.ApiFailure }
  }
  if (error instanceof CheckpointWriteError) {
    return { type: error._tag, message: error.message, exitCode: ExitCode.ApiFailure, details: { path: error.path } }
  }
  if (error instanceof SecretFileError) {
    return { type: "SecretFileError", message: error.message, exitCode: ExitCode.ApiFailure, details: { path: error.path } }
  }
  if (error instanceof UncertainCreate) {
    return {
      type: error.error._tag,
      message: error.message,
      exitCode: ExitCode.ApiFailure,
      details: { ...KitErrorReport.apiDetails(error.error), idempotencyKey: error.idempotencyKey }
    }
  }
  // `verify`: the delivery is not genuine (exit 1), the message names the check that failed.
  if (VerifyError.isVerifyError(error)) {
    return {
      type: error._tag,
      message: `not a genuine delivery: ${error.message}`,
      exitCode: ExitCode.ApiFailure,
      details: { status: error.status, ...("reason" in error ? { reason: error.reason } : {}) }
    }
  }
  return undefined
}
