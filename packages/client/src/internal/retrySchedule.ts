/**
 * When a failed request is sent again, and how long the client waits first: a `Schedule` over the failed attempts of
 * one call, run by `Effect.retry` (see `executor.ts`).
 *
 * An attempt is retried while its error says so (`isRetryable`: connection errors, timeouts, 408, 429, 500, 502,
 * 503, 504), with exponential backoff and full jitter: the n-th wait is a random duration between 0 and
 * `min(maxDelay, baseDelay * 2^(n-1))`. A `Retry-After` (the error's `retryAfter`) replaces the backoff. Every retry
 * is bounded twice: by count (`maxRetries`) and by time (`maxElapsed`). The time a call has used is the schedule's own
 * state: each failed attempt reports the time it spent (sending, and a create's recovery requests, but not time
 * queued behind the rate limit), and the schedule adds the waits it chooses. A wait that would end past `maxElapsed`,
 * or a `Retry-After` longer than `retryAfterCap`, ends the retries with the last error; the schedule's output is the
 * time left, which a create's recovery reads (`Schedule.CurrentMetadata`) so that no attempt starts past the budget.
 *
 * Why not `HttpClient.retryTransient`: it cannot know whether a failed create was applied (a create must look before
 * it sends again, between two attempts), it counts time queued behind the limiter as elapsed, it waits out any
 * `Retry-After` however long, and it works on raw responses, before the errors that say how many attempts were made.
 * Its notion of transient is ours: the errors' `isRetryable` reads `HttpClient.isTransientResponse`.
 */
import { Cause, Duration, Effect, Random, Schedule } from "effect"
import type { WebhooksError } from "../WebhooksError.ts"
import { retryAfterOf } from "../WebhooksError.ts"

/** Resolved knobs of `RetryOptions` (`ClientOptions.ts`), checked by the caller. */
export interface Policy {
  readonly maxRetries: number
  readonly baseDelayMillis: number
  readonly maxDelayMillis: number
  readonly maxElapsedMillis: number
  readonly retryAfterCapMillis: number
}

/**
 * One failed attempt, as the schedule sees it: the error, which attempt it was (1 for the first), and the time it
 * used against `maxElapsed`. `final` ends the retries whatever the error says (a store that failed, a create whose
 * recovery could not tell whether it had been applied).
 */
export class Failed {
  readonly error: WebhooksError
  readonly attempt: number
  readonly spentMillis: number
  readonly final: boolean
  constructor(error: WebhooksError, attempt: number, spentMillis: number, final = false) {
    this.error = error
    this.attempt = attempt
    this.spentMillis = spentMillis
    this.final = final
  }
  /** Whether sending again can help: the error says so, and nothing ended the call. */
  get isRetryable(): boolean {
    return !this.final && this.error.isRetryable
  }
}

/** What the schedule tells the next attempt: the time left of `maxElapsed`, the chosen wait already taken off. */
export interface Left {
  readonly millis: number
}

const retryAfterMillis = (error: WebhooksError): number | undefined => {
  const retryAfter = retryAfterOf(error)
  return retryAfter === undefined ? undefined : Duration.toMillis(retryAfter)
}

/**
 * The schedule of one call over its failed attempts, retrying those whose error is retryable. With a `Retry-After`
 * on a 429 the schedule waits 0: the limiter's pause (see `pacing.ts`) already holds the retry, in its place in the
 * queue, until the server's time has passed; the wait still counts against `maxElapsed`.
 */
export const make = (
  policy: Policy,
  onRetry: (failed: Failed, delayMillis: number) => Effect.Effect<void> = () => Effect.void
): Schedule.Schedule<Left, Failed> =>
  Schedule.fromStep(Effect.sync(() => {
    // The time this call has used against maxElapsed: attempts and recoveries as they report it, and the waits.
    let usedMillis = 0
    return (_now: number, failed: Failed) => {
      usedMillis += failed.spentMillis
      if (failed.attempt > policy.maxRetries) return Cause.done({ millis: policy.maxElapsedMillis - usedMillis })
      const retryAfter = retryAfterMillis(failed.error)
      if (retryAfter !== undefined && retryAfter > policy.retryAfterCapMillis) {
        return Cause.done({ millis: policy.maxElapsedMillis - usedMillis })
      }
      return Effect.flatMap(Random.next, (random) => {
        const ceiling = Math.min(policy.maxDelayMillis, policy.baseDelayMillis * 2 ** (failed.attempt - 1))
        // Full jitter under the capped ceiling, unless the server said how long.
        const delayMillis = retryAfter ?? Math.floor(random * ceiling)
        if (usedMillis + delayMillis > policy.maxElapsedMillis) {
          return Cause.done({ millis: policy.maxElapsedMillis - usedMillis })
        }
        usedMillis += delayMillis
        const held = failed.error._tag === "RateLimitError" && retryAfter !== undefined
        return Effect.as(
          onRetry(failed, delayMillis),
          [{ millis: policy.maxElapsedMillis - usedMillis }, Duration.millis(held ? 0 : delayMillis)] as [Left, Duration.Duration]
        )
      })
    }
  })).pipe(Schedule.while(({ input }) => input.isRetryable))

/**
 * How long a 429 pauses every request: the server's `Retry-After` (at most `retryAfterCap`), or the first backoff
 * ceiling when it gave none.
 */
export const pauseMillis = (policy: Policy, error: WebhooksError): number =>
  Math.min(retryAfterMillis(error) ?? policy.baseDelayMillis, policy.retryAfterCapMillis)
