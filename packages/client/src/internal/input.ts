/**
 * The check of what a caller passes, before anything is sent: each argument decoded by its schema with every problem
 * reported and unknown fields refused, by one decoder per schema made on first use. All problems of all arguments
 * become one `InvalidInputError`.
 */
import { Effect, Result, Schema } from "effect"
import type { WebhooksError } from "../WebhooksError.ts"
import * as Errors from "./errors.ts"

const inputOptions = { errors: "all", onExcessProperty: "error" } as const

// Each schema's decoder under `inputOptions`, made once.
const checkers = new WeakMap<object, (input: unknown) => Result.Result<unknown, Schema.SchemaError>>()

/** `input` checked by `schema`: every problem, unknown fields refused; paths prefixed with `prefix` when given. */
export const validate = <A>(
  schema: Schema.Decoder<A>,
  input: unknown,
  prefix?: string
): Result.Result<A, ReadonlyArray<Errors.Problem>> => {
  let check = checkers.get(schema)
  if (check === undefined) {
    check = Schema.decodeUnknownResult(schema, inputOptions)
    checkers.set(schema, check)
  }
  return Result.mapError(check(input) as Result.Result<A, Schema.SchemaError>, (error) => Errors.problemsOf(error.issue, prefix))
}

// `list(null)` must fail like any bad input, not throw reading the fields of null.
const OptionsObject = Schema.Record(Schema.String, Schema.Unknown)

/** The options argument: an object (problems named `options`), whose fields `schema` checks (named by field). */
export const validateOptions = <A>(
  schema: Schema.Decoder<A>,
  options: unknown
): Result.Result<A, ReadonlyArray<Errors.Problem>> =>
  typeof options === "object" && options !== null
    ? validate(schema, options)
    // Never a success: anything that is not an object fails the record check.
    : validate(OptionsObject, options, "options") as Result.Result<never, ReadonlyArray<Errors.Problem>>

/** An options argument checked only for being an object (its fields are checked by the query schema). */
export const validateObject = (options: unknown) => validateOptions(OptionsObject, options)

// Options such as `{ cursor: undefined }` mean "not given"; the query schemas use exact optional keys.
export const defined = <A extends object>(options: A): Partial<A> =>
  typeof options === "object" && options !== null
    ? Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<A>
    : options

/** The query of a list call, encoded by the endpoint's query schema; a non-object `options` is reported elsewhere. */
export const queryOf = (
  schema: Schema.Encoder<unknown>,
  options: unknown
): Result.Result<Readonly<Record<string, string>>, ReadonlyArray<Errors.Problem>> =>
  typeof options === "object" && options !== null
    ? Result.mapError(
      Schema.encodeUnknownResult(schema, inputOptions)(defined(options)) as Result.Result<
        Readonly<Record<string, string>>,
        Schema.SchemaError
      >,
      (error) => Errors.problemsOf(error.issue)
    )
    : Result.succeed({})

/** Fails with one `InvalidInputError` listing the problems of every argument, or returns the validated values. */
export const validated = <const T extends ReadonlyArray<Result.Result<unknown, ReadonlyArray<Errors.Problem>>>>(
  operation: Errors.Operation,
  results: T
): Effect.Effect<{ -readonly [K in keyof T]: T[K] extends Result.Result<infer A, unknown> ? A : never }, WebhooksError> => {
  const problems = results.flatMap((result) => (Result.isFailure(result) ? result.failure : []))
  return problems.length > 0
    ? Effect.fail(Errors.invalidInput(operation, problems))
    : Effect.succeed(results.map((result) => (result as Result.Success<unknown, never>).success) as never)
}
