/**
 * The error bodies Exa answers with. Two forms are in use:
 * - nested: `{ "error": { "type", "code", "message", "detail", "requestId" } }`
 * - flat: `{ "error", "message", "tag", "requestId" }`
 *
 * {@link ApiErrorBody} decodes either; {@link summarize} reduces both to the fields a person needs.
 *
 * @since 0.1.0
 */
import { Option, Schema } from "effect"
import * as Validation from "./Validation.ts"

/**
 * The nested form.
 *
 * @category schemas
 * @since 0.1.0
 */
export const NestedErrorBody = Schema.Struct({
  error: Schema.Struct({
    type: Schema.String,
    code: Schema.optionalKey(Schema.String),
    message: Schema.String,
    detail: Schema.optionalKey(Schema.Unknown),
    requestId: Schema.optionalKey(Schema.String)
  })
})

/**
 * @category schemas
 * @since 0.1.0
 */
export type NestedErrorBody = typeof NestedErrorBody.Type

/**
 * The flat form.
 *
 * @category schemas
 * @since 0.1.0
 */
export const FlatErrorBody = Schema.Struct({
  error: Schema.String,
  message: Schema.optionalKey(Schema.String),
  tag: Schema.optionalKey(Schema.String),
  requestId: Schema.optionalKey(Schema.String)
})

/**
 * @category schemas
 * @since 0.1.0
 */
export type FlatErrorBody = typeof FlatErrorBody.Type

/**
 * Either form of an Exa error body.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ApiErrorBody = Schema.Union([NestedErrorBody, FlatErrorBody])

/**
 * @category schemas
 * @since 0.1.0
 */
export type ApiErrorBody = typeof ApiErrorBody.Type

/**
 * What an error body says, whichever form it came in.
 *
 * @category summaries
 * @since 0.1.0
 */
export interface ErrorSummary {
  readonly message: string
  readonly code: string | undefined
  readonly requestId: string | undefined
  readonly detail: unknown
}

/**
 * Reduces either form to an {@link ErrorSummary}.
 *
 * @category summaries
 * @since 0.1.0
 */
export const summarize = (body: ApiErrorBody): ErrorSummary =>
  typeof body.error === "string"
    ? {
      message: (body as FlatErrorBody).message ?? body.error,
      code: (body as FlatErrorBody).tag,
      requestId: (body as FlatErrorBody).requestId,
      detail: undefined
    }
    : {
      message: body.error.message,
      code: body.error.code ?? body.error.type,
      requestId: body.error.requestId,
      detail: body.error.detail
    }

const decodeBody = Schema.decodeUnknownOption(ApiErrorBody)

/**
 * Summarizes an arbitrary parsed JSON body when it is one of Exa's error forms.
 *
 * @category summaries
 * @since 0.1.0
 */
export const summarizeUnknown = (body: unknown): Option.Option<ErrorSummary> =>
  Option.map(decodeBody(body), summarize)

/**
 * The `detail` of a 400 `validation_error` (and `invalid_cursor`): one `Validation.Problem` per field (the same
 * shape the client's `InvalidInputError` carries, so a problem found locally and one the server found read alike).
 *
 * @category validation
 * @since 0.2.0
 */
export const ValidationDetail = Schema.Struct({ problems: Schema.Array(Validation.Problem) })

/**
 * @category validation
 * @since 0.2.0
 */
export type ValidationDetail = typeof ValidationDetail.Type
