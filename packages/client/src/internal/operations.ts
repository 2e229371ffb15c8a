/**
 * The operations of the service, over one executor: each checks its arguments (`input.ts`), builds its call from the
 * endpoint's route (`route.ts`) and runs it in a span named after it (`WebhooksClient.create`, ...). A listing pages
 * through `paginate.ts` and decodes each page's items with the item schema; `create` is the duplicate-safe create
 * (`duplicateSafeCreate.ts`).
 */
import { IdempotencyKey, Page, ReservedMetadata, Webhook, WebhookAttempt, WebhookId } from "@exa-webhooks/schema"
import { Effect, Redacted, Schema, Stream } from "effect"
import type { OnRecovered } from "../ClientOptions.ts"
import type {
  AttemptsOptions,
  CreateInput,
  CreateOptions,
  ListOptions,
  Service,
  UpdateInput,
  UpdateOptions
} from "../WebhooksClient.ts"
import type { WebhooksError } from "../WebhooksError.ts"
import * as DuplicateSafeCreate from "./duplicateSafeCreate.ts"
import * as Errors from "./errors.ts"
import type { Call, Executor } from "./executor.ts"
import { decoderOf } from "./executor.ts"
import { defined, queryOf, validate, validated, validateObject, validateOptions } from "./input.ts"
import * as Paginate from "./paginate.ts"
import { redactor } from "./redact.ts"
import * as Route from "./route.ts"
import * as TokenLookup from "./tokenLookup.ts"

/** Metadata key under which `create` stores its idempotency key. */
export const IDEMPOTENCY_METADATA_KEY = ReservedMetadata.IDEMPOTENCY_KEY

const OnRecoveredSchema = Schema.Literals(["recreate", "return"])

const isEffectFunction = Schema.declare(
  (u: unknown): u is (replaced: Webhook.Webhook) => Effect.Effect<void> => typeof u === "function",
  { expected: "a function" }
)

const CreateOptionsSchema = Schema.Struct({
  idempotencyKey: Schema.optional(IdempotencyKey.IdempotencyKey),
  lookupFirst: Schema.optional(Schema.Boolean),
  onRecovered: Schema.optional(OnRecoveredSchema),
  onExisting: Schema.optional(OnRecoveredSchema),
  onReplaced: Schema.optional(isEffectFunction),
  raceCheck: Schema.optional(Schema.Boolean)
})

// The create's payload was checked by the same schema a moment before (and its idempotency key by its own): its
// encoding applies the schema's transformations without running every check a second time.
const encodeCreate = Schema.encodeSync(Route.create.payload, { disableChecks: true })

const UpdateOptionsSchema = Schema.Struct({ keepReserved: Schema.optional(Schema.Boolean) })

// The items of a page of each listing, decoded by the item schema.
const Webhooks = Schema.Array(Webhook.Webhook)
const Attempts = Schema.Array(WebhookAttempt.WebhookAttempt)

/** The validated query of one page of `GET /webhooks`, or the `InvalidInputError` for `options`. */
const listCall = (options: ListOptions): Effect.Effect<Call, WebhooksError> => {
  const path = Route.list.path()
  return Effect.map(
    validated({ method: Route.list.method, path }, [validateObject(options), queryOf(Route.list.query, options)]),
    ([, urlParams]) => ({ method: Route.list.method, path, urlParams })
  )
}

/** The validated call of one page of `GET /webhooks/{id}/attempts`. */
const attemptsCall = (id: string, options: AttemptsOptions): Effect.Effect<Call, WebhooksError> => {
  const path = Route.attempts.path(id)
  return Effect.map(
    validated({ method: Route.attempts.method, path }, [
      validate(WebhookId.WebhookId, id, "id"),
      validateObject(options),
      queryOf(Route.attempts.query, options)
    ]),
    ([, , urlParams]) => ({ method: Route.attempts.method, path, urlParams })
  )
}

/** What the operations are built on. */
export interface Dependencies {
  readonly executor: Executor
  readonly context: Errors.Context
  readonly apiKey: Redacted.Redacted<string>
  readonly onRecovered: OnRecovered
}

/**
 * `body` run in a span named `name`, as `Effect.fn(name)` would, without capturing the caller's stack trace on each
 * call: like the spans of effect's own `HttpClient`, the span says what ran and when, and the capture was the
 * costliest part of it.
 */
const traced = <Args extends ReadonlyArray<any>, A, E>(
  name: string,
  body: (...args: Args) => Effect.Effect<A, E>
): (...args: Args) => Effect.Effect<A, E> => {
  const span = Effect.withSpan(name, undefined, { captureStackTrace: false })
  return (...args) => span(body(...args))
}

/** The service's operations. */
export const make = Effect.fnUntraced(function*(deps: Dependencies) {
  const { context, executor } = deps

  const get = traced("WebhooksClient.get", (id: string) => {
    const call: Call = { method: Route.get.method, path: Route.get.path(id) }
    return Effect.flatMap(validated(call, [validate(WebhookId.WebhookId, id, "id")]), () => executor.request(call, Route.get.success))
  })

  const list = traced("WebhooksClient.list", (options: ListOptions = {}) =>
    Effect.flatMap(listCall(options), (call) => executor.request(call, Route.list.success)))

  const update = traced("WebhooksClient.update", Effect.fnUntraced(
    function*(id: string, input: UpdateInput, options: UpdateOptions = {}) {
      const call: Call = { method: Route.update.method, path: Route.update.path(id) }
      const [, params, given] = yield* validated(call, [
        validate(WebhookId.WebhookId, id, "id"),
        // The endpoint's payload, and at least one field (an empty PATCH costs a request to learn nothing).
        validate(Webhook.UpdateWebhookChanges, input),
        validateOptions(UpdateOptionsSchema, options)
      ])
      let changes = params
      if (params.metadata !== undefined && given.keepReserved !== false) {
        // PATCH replaces the whole metadata: without this, a `team` update would drop the idempotency key (and a
        // later create with that key would make a second webhook) or the batch app's ownership tags.
        const current = yield* get(id)
        changes = { ...params, metadata: { ...ReservedMetadata.pick(current.metadata), ...params.metadata } }
      }
      // PATCH sets fields to given values, so sending it twice is harmless.
      return yield* executor.request({ ...call, body: Schema.encodeSync(Route.update.payload)(changes) }, Route.update.success)
    }
  ))

  const remove = traced("WebhooksClient.delete", (id: string) => {
    const call: Call = { method: Route.remove.method, path: Route.remove.path(id) }
    // A repeated DELETE of a webhook the first one removed answers 404, which the caller sees as NotFoundError.
    return Effect.flatMap(validated(call, [validate(WebhookId.WebhookId, id, "id")]), () => executor.request(call, Route.remove.success))
  })

  const attempts = traced("WebhooksClient.attempts", (id: string, options: AttemptsOptions = {}) =>
    Effect.flatMap(attemptsCall(id, options), (call) => executor.request(call, Route.attempts.success)))

  // What an item that does not decode shows of itself; the key is never in it, even if a webhook's data echoes it.
  const redact = redactor(Redacted.value(deps.apiKey))

  /**
   * `listAll` / `listAllAttempts`: pages fetched as envelopes, their items decoded with `items` one page behind. With
   * `select`, only the items it keeps are decoded (and emitted).
   */
  const pagesOf = <A extends { readonly id: string }>(
    first: Effect.Effect<Call, WebhooksError>,
    items: Schema.Decoder<ReadonlyArray<A>>,
    select?: (raw: unknown) => boolean
  ): Stream.Stream<A, WebhooksError> =>
    Stream.unwrap(Effect.map(first, (call) =>
      Paginate.make({
        path: call.path,
        page: (cursor) =>
          executor.request(
            cursor === undefined ? call : { ...call, urlParams: { ...call.urlParams, cursor } },
            Paginate.Envelope
          ),
        decode: (all) => {
          const data = select === undefined ? all : all.filter(select)
          const decoded = decoderOf(items)(data)
          return decoded._tag === "Success" ? Effect.succeed(decoded.success) : Effect.fail(Errors.unexpected(call, {
            status: 200,
            body: redact(JSON.stringify(data)),
            problem: Errors.problemOfIssue(decoded.failure.issue)
          }, context))
        },
        broken: (problem, body) => Errors.unexpected(call, { status: 200, body, problem }, context)
      })))

  const listAll = (options: Omit<ListOptions, "cursor"> = {}) =>
    pagesOf(listCall({ limit: Page.PAGE_LIMIT.maximum, ...defined(options) }), Webhooks)

  const listAllAttempts = (id: string, options: Omit<AttemptsOptions, "cursor"> = {}) =>
    pagesOf(attemptsCall(id, { limit: Page.PAGE_LIMIT.maximum, ...defined(options) }), Attempts)

  // Concurrent lookups (ambiguous creates, lookupFirst, race checks) share one listing; see tokenLookup.ts.
  const findByToken = yield* TokenLookup.make(
    (select) => pagesOf(listCall({ limit: Page.PAGE_LIMIT.maximum }), Webhooks, select),
    IDEMPOTENCY_METADATA_KEY
  )

  const create = traced("WebhooksClient.create", Effect.fnUntraced(function*(input: CreateInput, options: CreateOptions = {}) {
    const path = Route.create.path()
    const [params, given] = yield* validated({ method: Route.create.method, path }, [
      validate(Route.create.payload, input),
      validateOptions(CreateOptionsSchema, options)
    ])
    const fromCaller = given.idempotencyKey ?? params.metadata?.[IDEMPOTENCY_METADATA_KEY]
    const token = fromCaller || (yield* Effect.sync(() => globalThis.crypto.randomUUID()))
    const body = encodeCreate({
      ...params,
      metadata: { ...params.metadata, [IDEMPOTENCY_METADATA_KEY]: token }
    })
    yield* Effect.annotateCurrentSpan({ idempotencyKey: token })
    const recovered = given.onRecovered ?? deps.onRecovered
    return yield* DuplicateSafeCreate.run({ executor, findByToken, remove }, {
      body,
      token,
      onRecovered: recovered,
      onExisting: given.onExisting ?? recovered,
      onReplaced: given.onReplaced,
      lookupFirst: given.lookupFirst ?? false,
      raceCheck: given.raceCheck ?? Boolean(fromCaller)
    })
  }))

  const service: Omit<Service, "events"> = { create, get, list, listAll, update, delete: remove, attempts, listAllAttempts }
  return service
})
