/**
 * A webhook id as a caller passes it to `get`, `update`, `delete` and `attempts`. It becomes one path segment, so an id
 * that URL normalisation would move elsewhere (`.` and `..` are left unchanged by percent-encoding and then resolved:
 * `DELETE /websets/v0/webhooks/..` would become `DELETE /websets/v0/`) is refused before anything is sent, with empty
 * and blank ids and ids carrying control characters.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(WebhookId.WebhookId)("webhook_01j...") // ok
 * Schema.decodeUnknownSync(WebhookId.WebhookId)("..")             // throws: not a webhook id
 * ```
 * @since 0.2.0
 */
import * as ResourceId from "./internal/resourceId.ts"

const kind: ResourceId.Kind = { article: "a", noun: "webhook id", example: "webhook_01j..." }

/**
 * Why `id` is not a usable webhook id, or `undefined` when it is.
 *
 * @category validation
 * @since 0.2.0
 */
export const problem: (id: string) => string | undefined = ResourceId.problem(kind)

/**
 * The rule: not empty or blank, not `.` or `..`, no control characters.
 *
 * @category schemas
 * @since 0.2.0
 */
export const WebhookId = ResourceId.schema(kind)

/**
 * A webhook id as a person types it (the CLI's `ID` argument): blanks around it are dropped (a pasted id often
 * carries them), then {@link WebhookId} applies. An id of blanks only is reported as such.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(WebhookId.Typed)(" webhook_01j ") // "webhook_01j"
 * ```
 * @category schemas
 * @since 0.2.0
 */
export const Typed = ResourceId.typed(WebhookId)
