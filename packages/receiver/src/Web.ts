/**
 * The verifier with no dependency: promises, Web Crypto and the Fetch API's `Request` / `Response`, for any runtime
 * (Node, Bun, Deno, Cloudflare Workers, Vercel Edge, Next.js route handlers). Its import graph holds no `effect` and
 * no other package, so `@exa-webhooks/receiver/Web` can be installed and bundled without `effect` (at most 5 KB
 * minified, which test/Size.test.ts checks). It runs the same checks as the Effect API, with the same error tags, reasons and messages: both run one
 * implementation.
 *
 * @example
 * ```ts
 * import { isVerifyError, parseSecrets, rejection, verifyRequest } from "@exa-webhooks/receiver/Web"
 *
 * const event = await verifyRequest(request, { secrets: parseSecrets(env.EXA_WEBHOOK_SECRET) })
 * ```
 * @since 0.1.0
 */
import * as Scheme from "./internal/scheme.ts"

export {
  /**
   * The header that carries the signature.
   *
   * @category constants
   * @since 0.3.0
   */
  HEADER
} from "./internal/scheme.ts"

export type {
  /**
   * What arrived: the raw body (`string`, `Uint8Array` or `ArrayBuffer`, exactly the bytes received) and the
   * `Exa-Signature` header's value (`undefined` or `null` when absent; a repeated header as an array).
   *
   * @category models
   * @since 0.3.0
   */
  Input,
  /**
   * Why a delivery was refused, as data: `_tag`, `status`, `message` and the fields of that failure (`reason`,
   * `direction`, ...), the same as the Effect form's tagged errors carry.
   *
   * @category errors
   * @since 0.3.0
   */
  Failure,
  /**
   * A verified event: the JSON object of the envelope (`id`, `object`, `type`, `data`, `createdAt`).
   *
   * @category models
   * @since 0.3.0
   */
  WebhookEvent
} from "./internal/scheme.ts"

/**
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The webhook's secret, or several (during a rotation): a delivery signed with any of them is accepted. */
  readonly secrets: string | ReadonlyArray<string>
  /** How far `t` may be from now, either way, in seconds (default 300). */
  readonly toleranceSeconds?: number | undefined
  /** The current time in milliseconds since the epoch (default `Date.now`); for tests. */
  readonly now?: (() => number) | undefined
}

/**
 * A refused delivery: an `Error` whose `_tag` names the check that failed and whose fields are those of its
 * {@link Failure}.
 *
 * @category errors
 * @since 0.3.0
 */
export class VerifyError extends Error {
  /** Which check failed. */
  declare readonly _tag: Scheme.Failure["_tag"]
  /** 400 or 401. */
  declare readonly status: 400 | 401
  constructor(failure: Scheme.Failure) {
    super(failure.message)
    Object.assign(this, failure)
    this.name = failure._tag
  }
}

/**
 * Whether `u` is a refused delivery (of this form or the Effect form), e.g. in a `catch`. Narrow on `_tag` for the
 * fields of each failure.
 *
 * @category errors
 * @since 0.1.0
 */
export const isVerifyError: (u: unknown) => u is Scheme.Failure = Scheme.isFailure

/**
 * The JSON body a receiver answers a refused delivery with: `{"error": {"type", "message"}}`. It says which check
 * failed, and nothing a sender could use to forge a signature.
 *
 * @category errors
 * @since 0.3.0
 */
export const toJson: (error: Scheme.Failure) => { readonly error: { readonly type: string; readonly message: string } } =
  Scheme.toJson

/**
 * The secrets in a setting such as `EXA_WEBHOOK_SECRET`: one, or several separated by whitespace while you rotate.
 *
 * @category configuration
 * @since 0.3.0
 */
export const parseSecrets: (text: string | undefined) => Array<string> = Scheme.splitSecrets

/**
 * Verifies one delivery. Resolves with the event; rejects with a {@link VerifyError}, or a `TypeError` when no
 * secret is given, one is empty or the tolerance is negative (a configuration mistake, not a bad delivery).
 *
 * @category verification
 * @since 0.1.0
 */
export const verify = async (input: Scheme.Input, options: Options): Promise<Scheme.WebhookEvent> => {
  const subtle = crypto.subtle
  const tolerance = Scheme.checkTolerance((options.toleranceSeconds ?? Scheme.DEFAULT_TOLERANCE_SECONDS) * 1000)
  const keys = await Scheme.importKeys(subtle, [options.secrets].flat())
  const checked = await Scheme.check(subtle, keys, tolerance, input, (options.now ?? Date.now)())
  if ("_tag" in checked) throw new VerifyError(checked)
  return checked.event
}

/**
 * Verifies a Fetch API `Request`: reads its raw body once and its `Exa-Signature` header.
 *
 * @category verification
 * @since 0.1.0
 */
export const verifyRequest = async (request: Request, options: Options): Promise<Scheme.WebhookEvent> =>
  verify({ body: new Uint8Array(await request.arrayBuffer()), signature: request.headers.get(Scheme.HEADER) }, options)

/**
 * The answer to a refused delivery: its status (400 or 401) and `{"error": {"type", "message"}}`.
 *
 * @category handlers
 * @since 0.1.0
 */
export const rejection = (error: Scheme.Failure): Response => Response.json(toJson(error), { status: error.status })

