/**
 * The exit codes of `exa-webhooks` (0 / 1 / 2 / 130 / 143, from the kit's `ExitCode`, with its teardown), and how its
 * `--help` describes them:
 * - 0: the command did what was asked.
 * - 1: the API or the network failed (the request was sent, or sending it failed).
 * - 2: invalid usage or input, a missing or unreadable key, or a declined confirmation: nothing was sent.
 * - 130: interrupted (Ctrl-C); 143: stopped by SIGTERM.
 *
 * @since 0.1.0
 */
export * from "@exa-webhooks/cli-kit/ExitCode"

/**
 * The exit-code table as it appears at the end of every `--help`.
 *
 * @since 0.1.0
 */
export const helpSection = [
  "EXIT CODES",
  "  0    success",
  "  1    the API or the network failed; the message names the error, HTTP status and request id",
  "  2    invalid usage or input, missing or unreadable API key, or confirmation declined: nothing was sent",
  "  130  interrupted (Ctrl-C)",
  "  143  stopped by SIGTERM"
].join("\n")
