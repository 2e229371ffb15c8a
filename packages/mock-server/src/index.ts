/**
 * A local, stateful, fault-injecting Exa Websets webhook API for tests and offline development.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as MockServer from "./MockServer.ts"

/**
 * @since 0.1.0
 */
export * as Signature from "./Signature.ts"

/**
 * @since 0.1.0
 */
export * as Control from "./Control.ts"
