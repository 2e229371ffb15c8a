/**
 * What the bins `exa-webhooks` and `exa-webhooks-batch` share: how a bin runs (`Bin`), what it prints where and how
 * (`Output`, `Text`, `Help`), the exit codes, the reports of failures, the API key and the session's settings (read off
 * the client's settings table), confirmation prompts, files that must stay private, and what `-` means for a path.
 * What is printed goes through `Output`, which masks URL credentials and escapes control characters with the schema
 * package's `UrlCredentials` and `Printable`. A private workspace package: each bin's esbuild bundle inlines it, so it
 * is never installed on its own. Test fixtures are under `@exa-webhooks/cli-kit/testing`.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as ApiKey from "./ApiKey.ts"

/**
 * @since 0.5.0
 */
export * as Bin from "./Bin.ts"

/**
 * @since 0.1.0
 */
export * as Confirm from "./Confirm.ts"

/**
 * @since 0.1.0
 */
export * as ErrorReport from "./ErrorReport.ts"

/**
 * @since 0.1.0
 */
export * as ExitCode from "./ExitCode.ts"

/**
 * @since 0.5.0
 */
export * as Help from "./Help.ts"

/**
 * @since 0.1.0
 */
export * as Output from "./Output.ts"

/**
 * @since 0.3.0
 */
export * as RateLimitStoreFlag from "./RateLimitStoreFlag.ts"

/**
 * @since 0.1.0
 */
export * as Session from "./Session.ts"

/**
 * @since 0.5.0
 */
export * as Text from "./Text.ts"

/**
 * @since 0.1.0
 */
export * as UsageError from "./UsageError.ts"
