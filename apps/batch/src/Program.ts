/**
 * The name and version of this bin, as `--version`, every line on stderr and every error report show them.
 *
 * @since 0.1.0
 */
import packageJson from "../package.json" with { type: "json" }

/**
 * @since 0.1.0
 */
export const NAME = "exa-webhooks-batch"

/**
 * @since 0.1.0
 */
export const VERSION: string = packageJson.version
