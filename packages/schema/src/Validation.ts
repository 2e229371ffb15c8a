/**
 * Turns schema failures into messages a person can act on: which field, what was wrong, what is allowed.
 *
 * @since 0.1.0
 */
import { Schema, SchemaIssue } from "effect"
import { escapeJson } from "./Printable.ts"

/**
 * One problem with an input: `path` names the field as a person writes it (`events[2]`, `metadata.team`, `limit`,
 * or `""` for the value itself), `message` says what was wrong and what is allowed. The one definition: the client's
 * `InvalidInputError`, the mock's 400 `validation_error` detail ({@link ApiError.ValidationDetail}) and the CLI's
 * messages all carry this shape.
 *
 * @category problems
 * @since 0.1.0
 */
export const Problem = Schema.Struct({ path: Schema.String, message: Schema.String })

/**
 * @category problems
 * @since 0.1.0
 */
export type Problem = typeof Problem.Type

/**
 * Parse options for decoding input a person wrote: report every broken rule (not only the first) and keep the
 * rejected value, so a message says what was given ("Expected string, got 42").
 *
 * @example
 * ```ts
 * Schema.decodeUnknownEffect(Webhook.CreateWebhookParameters)(input, Validation.parseOptions)
 * ```
 * @category parsing
 * @since 0.1.0
 */
export const parseOptions = { errors: "all", reportInput: true } as const

// Effect's default for an absent field is "Missing key"; a person reads "required" faster.
const standard = SchemaIssue.makeFormatterStandardSchemaV1({
  leafHook: (issue) => issue._tag === "MissingKey" ? "required, but missing" : SchemaIssue.defaultLeafHook(issue)
})

/**
 * Renders a path such as `["metadata", "team"]` as `metadata.team` and `["events", 2]` as `events[2]`.
 *
 * @category problems
 * @since 0.1.0
 */
export const formatPath = (path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>): string =>
  path
    .map((segment) => (typeof segment === "object" ? segment.key : segment))
    .reduce<string>((acc, key) =>
      typeof key === "number"
        ? `${acc}[${key}]`
        : /^[A-Za-z_$][\w$-]*$/.test(String(key))
        ? acc === "" ? String(key) : `${acc}.${String(key)}`
        : `${acc}[${JSON.stringify(String(key))}]`, "")

/**
 * The problems in a schema issue, one per failing field.
 *
 * @category problems
 * @since 0.1.0
 */
export const problems = (issue: SchemaIssue.Issue): ReadonlyArray<Problem> => {
  // One entry per field: several broken rules of the same field read as one sentence.
  const byPath = new Map<string, Array<string>>()
  for (const i of standard(issue).issues) {
    const path = formatPath(i.path ?? [])
    const messages = byPath.get(path) ?? []
    if (!messages.includes(i.message)) messages.push(i.message)
    byPath.set(path, messages)
  }
  return [...byPath].map(([path, messages]) => ({ path, message: messages.join("; ") }))
}

/**
 * The problems of a `SchemaError` (or an issue) as one line per field: `events[0]: unknown event type ...`.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownExit(Webhook.CreateWebhookParameters)(input) // on failure:
 * Validation.format(error) // "url: expected an absolute http(s) URL ..."
 * ```
 * @category problems
 * @since 0.1.0
 */
export const format = (error: Schema.SchemaError | SchemaIssue.Issue): string =>
  problems(Schema.isSchemaError(error) ? error.issue : error)
    .map((p) => (p.path === "" ? p.message : `${p.path}: ${p.message}`))
    .join("\n")

/**
 * Longest piece of a person's input that a message quotes; the rest is summarised by its length, so a 70 KB value
 * never becomes a 70 KB error line.
 *
 * @category messages
 * @since 0.2.0
 */
export const QUOTE_LIMIT = 80

/**
 * `value` as a JSON string for a message, cut to {@link QUOTE_LIMIT} characters (control and invisible format
 * characters escaped, see `Printable`: a quoted value never acts on the terminal). The one way every message of the
 * schema, the client and the bins quotes what a person gave, with the one limit.
 *
 * @example
 * ```ts
 * Validation.quote("x".repeat(70_000)) // "\"xxxx…\" (70000 characters)"
 * ```
 * @category messages
 * @since 0.2.0
 */
export const quote = (value: string): string =>
  value.length <= QUOTE_LIMIT
    ? escapeJson(JSON.stringify(value))
    : `${escapeJson(JSON.stringify(`${value.slice(0, QUOTE_LIMIT)}…`))} (${value.length} characters)`

/**
 * Whether `value` holds a control character (C0, DEL or C1: line breaks, tabs, NUL, escape, ...).
 *
 * @category messages
 * @since 0.2.0
 */
export const hasControlCharacter = (value: string): boolean =>
  // oxlint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f]/.test(value)
