/**
 * Verify Exa's webhook signatures in any runtime: an Effect API, a plain promise form on Web Crypto, and a ready
 * handler for `effect/http` servers.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as Signature from "./Signature.ts"

/**
 * @since 0.1.0
 */
export * as Verifier from "./Verifier.ts"

/**
 * @since 0.1.0
 */
export * as VerifyError from "./VerifyError.ts"

/**
 * @since 0.1.0
 */
export * as HttpVerifier from "./HttpVerifier.ts"

/**
 * @since 0.1.0
 */
export * as Web from "./Web.ts"
