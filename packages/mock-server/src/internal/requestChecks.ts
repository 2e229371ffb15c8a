/**
 * The checks of a request's query and JSON body that come before (and around) schema decoding. For the webhook API,
 * `HttpApiBuilder` decodes with the schemas of `WebhooksApi` (strict: unknown fields fail); these checks add what it
 * does not do in Exa's way, and run first, in the gate middleware (see `apiGate`). Every rejection names the field
 * and the rule, and tells the caller what to send instead.
 *
 * Rules beyond the schemas:
 * - a body needs `Content-Type: application/json` (the content type the endpoints declare), else 415;
 * - a body is at most {@link MAX_BODY_BYTES}, else 413 (checked on `Content-Length` before reading, and while reading);
 * - fields and query parameters the spec does not define are refused (400), so a typo such as `event` or `limt` is
 *   reported instead of silently ignored; a query parameter given twice is refused too.
 *
 * @since 0.1.0
 */
import { RequestBody, Validation } from "@exa-webhooks/schema"
import { ByteSize, Effect, Predicate } from "effect"
import { HttpIncomingMessage, type HttpServerRequest } from "effect/http"
import { InvalidRequest, PayloadTooLarge, UnsupportedMediaType } from "./failures.ts"

/**
 * Largest request body accepted, in bytes: the schema's `RequestBody.MAX_BYTES` (64 KiB), the bound the batch tool
 * checks manifests against, so what validates is accepted here.
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_BODY_BYTES = RequestBody.MAX_BYTES

/**
 * One problem per key of `input` that `fields` does not define: a typo such as `event` or `limt` is named, with the
 * keys that are allowed.
 *
 * @category validation
 * @since 0.2.0
 */
export const unknownKeys = (
  fields: Readonly<Record<string, unknown>>,
  input: unknown,
  what: "field" | "query parameter"
): ReadonlyArray<Validation.Problem> =>
  Predicate.isObject(input) && !Array.isArray(input)
    ? Object.keys(input)
      .filter((key) => !Object.hasOwn(fields, key))
      .map((key) => ({
        path: Validation.formatPath([key]),
        message: `unknown ${what}; the allowed ones are ${Object.keys(fields).join(", ")}`
      }))
    : []

/**
 * The 400 for `problems` found in the `where` of a request ("query", "request body").
 *
 * @category validation
 * @since 0.2.0
 */
export const invalid = (where: string, problems: ReadonlyArray<Validation.Problem>): InvalidRequest =>
  new InvalidRequest({
    code: "validation_error",
    message: `Invalid ${where}: ` +
      problems.map((p) => (p.path === "" ? p.message : `${p.path}: ${p.message}`)).join("; "),
    problems
  })

/**
 * What is wrong with a query before its values are looked at: parameters given more than once (unless `fields` says
 * the parameter is a list, `true`: `types=a&types=b`), and parameters `fields` does not define.
 *
 * @category validation
 * @since 0.2.0
 */
export const queryProblems = (
  fields: Readonly<Record<string, boolean>>,
  params: URLSearchParams
): ReadonlyArray<Validation.Problem> => {
  const repeated: Array<Validation.Problem> = []
  const record: Record<string, string> = {}
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key)
    if (values.length > 1 && fields[key] !== true) {
      repeated.push({ path: key, message: `given ${values.length} times; give it once` })
    }
    record[key] = values[0]!
  }
  return [...repeated, ...unknownKeys(fields, record, "query parameter")]
}

/**
 * The media type of a `Content-Type` value, lower case, without parameters (`application/json; charset=utf-8` is
 * `application/json`).
 *
 * @category validation
 * @since 0.2.0
 */
export const mediaType = (contentType: string): string => contentType.split(";")[0]!.trim().toLowerCase()

/**
 * Reads the body of `request` as JSON: 415 without a content type `accepts` (those the endpoint declares), 413 beyond {@link MAX_BODY_BYTES}, 400 when
 * empty (showing `example`) or not JSON. The body is read once: `request.text` keeps it, so a schema decoder that
 * reads it afterwards gets the same text without reading the socket again.
 *
 * @category validation
 * @since 0.2.0
 */
export const readJson = (
  request: HttpServerRequest.HttpServerRequest,
  example: string,
  accepts: (mediaType: string) => boolean
): Effect.Effect<unknown, InvalidRequest | PayloadTooLarge | UnsupportedMediaType> =>
  Effect.gen(function*() {
    const contentType = request.headers["content-type"]
    if (contentType === undefined || !accepts(mediaType(contentType))) {
      return yield* new UnsupportedMediaType({
        message: (contentType === undefined
          ? "The request has no Content-Type header"
          : `The request's Content-Type is ${JSON.stringify(contentType)}`) +
          "; send the body as JSON with Content-Type: application/json"
      })
    }
    const tooLarge = new PayloadTooLarge({
      limitBytes: MAX_BODY_BYTES,
      message: `The request body is larger than ${MAX_BODY_BYTES} bytes, this server's limit; send a smaller body`
    })
    const declared = Number(request.headers["content-length"] ?? "0")
    if (declared > MAX_BODY_BYTES) return yield* tooLarge
    const text = yield* request.text.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(MAX_BODY_BYTES)),
      Effect.mapError((error) =>
        error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"
          ? tooLarge
          : new InvalidRequest({
            code: "invalid_json",
            message: `The request body could not be read (${error.message}); send it again`,
            problems: []
          })
      )
    )
    if (text.trim() === "") {
      return yield* new InvalidRequest({
        code: "missing_body",
        message: `The request body is empty; send a JSON object such as ${example}`,
        problems: []
      })
    }
    const json = yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (error) =>
        new InvalidRequest({
          code: "invalid_json",
          message: `The request body is not valid JSON (${
            error instanceof Error ? error.message : String(error)
          }); send a JSON object such as ${example}`,
          problems: []
        })
    })
    return json
  })
