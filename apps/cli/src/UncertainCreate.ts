/**
 * A create whose outcome nobody knows: the request went out, and a 5xx, a timeout or a dropped connection came back
 * (after the client's retries). Exa may have created the webhook. The way out is the idempotency key the CLI sent
 * with the create: running the same command again with `--idempotency-key KEY --replace` finds that webhook instead
 * of creating a second one, and replaces it, so the new run gets a secret (no one ever saw the first one).
 *
 * @since 0.1.0
 */
import type { WebhooksError } from "@exa-webhooks/client"
import { Schema } from "effect"

/**
 * Wraps the client's error with the key to retry under.
 *
 * @since 0.1.0
 */
export class UncertainCreate extends Schema.TaggedError<UncertainCreate>()("UncertainCreate", {
  idempotencyKey: Schema.String,
  error: Schema.Any,
  message: Schema.String
}) {}

/**
 * `error` as an {@link UncertainCreate} when the client says the create may have been applied (it then carries the
 * idempotency key), otherwise unchanged.
 *
 * @since 0.1.0
 */
export const classify = (
  error: WebhooksError.WebhooksError,
  idempotencyKey: string
): WebhooksError.WebhooksError | UncertainCreate =>
  error.mayHaveBeenApplied && "idempotencyKey" in error && error.idempotencyKey === idempotencyKey
    ? new UncertainCreate({
      idempotencyKey,
      error,
      // The client's advice (call `create` with `idempotencyKey` and `lookupFirst: true`) is for library callers, and a
      // field: a CLI user gets the flag instead.
      message: `${error._tag}: ${error.message} The webhook may have been created, and no one has its ` +
        `secret: to finish the create without a duplicate, run the same command again with --idempotency-key ` +
        `${idempotencyKey} --replace`
    })
    : error

