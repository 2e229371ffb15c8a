/**
 * Verify Exa's webhook signatures in any runtime: an Effect API, a ready handler for `effect/http` servers, an inbox
 * that processes each event once, and (in `@exa-webhooks/receiver/Web` and `/WebInbox`, which import no package) the
 * same for promises and the Fetch API.
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
 * @since 0.3.0
 */
export * as Inbox from "./Inbox.ts"

/**
 * @since 0.1.0
 */
export * as Web from "./Web.ts"

/**
 * @since 0.3.0
 */
export * as WebInbox from "./WebInbox.ts"

/**
 * The schema of a delivered event (`Event.Event`, what {@link Verifier.verify} returns) and its event types, from
 * `@exa-webhooks/schema`: re-exported so that code depending on this package alone can name the types it receives
 * (a consumer compiling with `declaration: true` needs a path to every type it exports).
 *
 * @since 0.2.0
 */
export { Event, EventType } from "@exa-webhooks/schema"
