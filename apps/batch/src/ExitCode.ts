/**
 * The exit codes of `exa-webhooks-batch`: the same meanings as `exa-webhooks` (0 / 1 / 2 / 130, from the kit's
 * `ExitCode`, with its teardown), plus one that CI asks for explicitly:
 * - 0: the command did what was asked (for `plan`: the plan was printed).
 * - 1: the API or the network failed, or some items of an apply failed.
 * - 2: invalid usage or input (a manifest problem, a missing key, an unsafe secrets journal): nothing was sent.
 * - 3: `plan --detailed-exit-code` only: the plan has changes pending, or a webhook's secret is missing.
 * - 130: interrupted (Ctrl-C); 143: stopped by SIGTERM.
 *
 * @since 0.1.0
 */
export * from "@exa-webhooks/cli-kit/ExitCode"

/**
 * `plan --detailed-exit-code` with changes pending.
 *
 * @since 0.1.0
 */
export const ChangesPending = 3

/**
 * The exit-code table as it appears at the end of every `--help`.
 *
 * @since 0.1.0
 */
export const helpSection = [
  "EXIT CODES",
  "  0    success",
  "  1    the API or the network failed, or some webhooks of an apply failed (each is listed)",
  "  2    invalid usage or input (manifest problems, missing API key, unsafe secrets journal, the apply lock held): nothing was sent",
  "  3    plan --detailed-exit-code: changes are pending, or a webhook's secret is missing",
  "  130  interrupted (Ctrl-C); secrets of webhooks created so far are in the journal",
  "  143  stopped by SIGTERM; the same"
].join("\n")
