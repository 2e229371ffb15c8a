/**
 * What the bins `exa-webhooks` and `exa-webhooks-batch` share: how a run starts and ends, what it prints where, the
 * exit codes, the API key, confirmation prompts. What is printed goes through `Output`, which masks URL credentials and
 * escapes control characters with the schema package's `UrlCredentials` and `Printable`. A private workspace package: each bin's
 * esbuild bundle inlines it, so it is never installed on its own. Test fixtures are under `@exa-webhooks/cli-kit/testing`.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as ApiKey from "./ApiKey.ts"

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
 * @since 0.1.0
 */
export * as Main from "./Main.ts"

/**
 * @since 0.1.0
 */
export * as Output from "./Output.ts"

/**
 * @since 0.1.0
 */
export * as UsageError from "./UsageError.ts"

/**
 * @since 0.3.0
 */
export * as RateLimitStoreFlag from "./RateLimitStoreFlag.ts"
