/**
 * A local, stateful, fault-injecting Exa Websets webhook API for tests and offline development. `MockServer` runs it;
 * `Signature` signs and verifies deliveries. Everything else lives under `src/internal/` and may change.
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
