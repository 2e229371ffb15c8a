/**
 * Each event processed once, without Effect: an inbox that remembers the ids of the events it processed, in memory or
 * in Redis, for the `Web` form. Exa retries a delivery that was not answered 2xx in time, `exa-webhooks replay`
 * re-sends deliveries, and a captured delivery can be replayed as is within the signature's tolerance: all of them
 * carry the id of an event already seen. Like `Web`, this module imports no package.
 *
 * Semantics (the same as the Effect form's `Inbox`):
 * - an event id is claimed before its handler runs (one atomic step, so two replicas never both run it) and marked
 *   done once the handler returns; it is remembered `ttlSeconds` (default a day, never less than the 300 s
 *   signature tolerance);
 * - a delivery of an event that is done is a `Duplicate` (answer 200: the sender stops retrying); one whose event is
 *   being handled right now is `InProgress` (answer 409: the sender retries later);
 * - a handler that throws releases the claim and the error propagates (answer 5xx): the retry processes the event;
 *   a process that dies while handling loses its claim after `leaseSeconds`;
 * - a store that cannot be reached rejects before the handler runs (answer 5xx); one that fails after the handler
 *   ran is reported with `console.warn` and the event counts as processed.
 *
 * @example
 * ```ts
 * import { memoryInbox } from "@exa-webhooks/receiver/WebInbox"
 *
 * const inbox = memoryInbox()
 * const outcome = await inbox.process(event.id, () => handle(event))
 * return inbox.reply(outcome)
 * ```
 * @since 0.3.0
 */
import * as Protocol from "./internal/inbox.ts"

export type {
  /**
   * An HTTP answer as plain parts: `status`, `headers` and the JSON `body` (`undefined` for none).
   *
   * @category models
   * @since 0.3.0
   */
  Answer,
  /**
   * What an inbox did with a delivery: `Processed` (with the handler's value), `Duplicate` or `InProgress` (with
   * the event's id).
   *
   * @category models
   * @since 0.3.0
   */
  Outcome
} from "./internal/inbox.ts"

/**
 * Processes each event once: see {@link memoryInbox} and {@link redisInbox}.
 *
 * @category models
 * @since 0.3.0
 */
export interface Inbox {
  /**
   * Runs `handler` unless the event was processed already (`Duplicate`) or is being processed by another delivery
   * (`InProgress`). When `handler` throws, the event is released, so a retry processes it, and the error is
   * rethrown; a store that cannot be reached rejects without running `handler`.
   */
  readonly process: <A>(eventId: string, handler: () => A | Promise<A>) => Promise<Protocol.Outcome<A>>
  /**
   * The answer to an outcome as a Fetch `Response`: 204 once processed, 200 `{"duplicate": true, "id"}` for an event
   * processed already (the sender stops retrying), 409 with `Retry-After` while another delivery of it is processed.
   */
  readonly reply: (outcome: Protocol.Outcome<unknown>) => Response
  /** The same answer as plain parts, for Node's `http`, Express and the like: `status`, `headers`, `body` (or none). */
  readonly answer: (outcome: Protocol.Outcome<unknown>) => Protocol.Answer
}

/**
 * @category models
 * @since 0.3.0
 */
export interface InboxOptions {
  /** How long an event id is remembered, in seconds: at least 300 (the signature tolerance); default 86,400. */
  readonly ttlSeconds?: number | undefined
  /** How long a claim lasts while a handler runs, in seconds (default 60): a crashed process holds it no longer. */
  readonly leaseSeconds?: number | undefined
}

interface Store {
  readonly claim: (key: string, value: string, leaseMillis: number) => unknown
  readonly complete: (key: string, ttlMillis: number) => unknown
  readonly release: (key: string, value: string) => unknown
}

const inboxOf = (store: Store, options: InboxOptions, prefix = ""): Inbox => {
  const { ttl, lease } = Protocol.windows(options.ttlSeconds, options.leaseSeconds)
  return {
    process: async (eventId, handler) => {
      const key = prefix + eventId
      const claim = Protocol.processing(Protocol.token())
      const found = Protocol.claimed(await store.claim(key, claim, lease))
      if (found !== "claimed") return { _tag: found, eventId }
      let value
      try {
        value = await handler()
      } catch (error) {
        // Released so that a retry processes the event; should the store fail here too, the claim ends with its
        // lease. The handler's error is the one that matters.
        await Promise.resolve(store.release(key, claim)).catch(() => {})
        throw error
      }
      try {
        await store.complete(key, ttl)
      } catch (error) {
        // Processed, not recorded: answering with a failure would make the sender retry, and the retry (once the
        // claim's lease is over) process the event again.
        console.warn(`exa-webhooks receiver: event ${eventId} was processed but the inbox could not record it:`, error)
      }
      return { _tag: "Processed", value }
    },
    reply: (outcome) => {
      const { body, headers, status } = Protocol.answer(outcome, lease)
      return new Response(body ?? null, { status, headers })
    },
    answer: (outcome) => Protocol.answer(outcome, lease)
  }
}

/**
 * An inbox in this process's memory: one process (one Worker isolate) sees each event once. Expired ids are dropped
 * as new ones arrive.
 *
 * @category constructors
 * @since 0.3.0
 */
export const memoryInbox = (options: InboxOptions & { readonly now?: (() => number) | undefined } = {}): Inbox => {
  const store = Protocol.memory()
  const now = options.now ?? Date.now
  return inboxOf({
    claim: (key, value, lease) => store.claim(key, value, lease, now()),
    complete: (key, ttl) => store.complete(key, ttl, now()),
    release: store.release
  }, options)
}

/**
 * An inbox in Redis, shared by every process and replica that uses the same Redis and prefix. `send` runs one
 * command with the client you already have: `(command) => client.sendCommand(command)` (node-redis),
 * `([name, ...args]) => redis.call(name, ...args)` (ioredis), or an HTTP Redis's command endpoint.
 *
 * @category constructors
 * @since 0.3.0
 */
export const redisInbox = (
  options: InboxOptions & {
    readonly send: (command: Array<string>) => Promise<unknown>
    /** Prefix of the keys (default `"exa-webhooks:inbox:"`). */
    readonly prefix?: string | undefined
  }
): Inbox =>
  inboxOf({
    claim: (key, value, lease) => options.send(Protocol.redis.claim(key, value, lease)),
    complete: (key, ttl) => options.send(Protocol.redis.complete(key, ttl)),
    release: (key, value) => options.send(Protocol.redis.release(key, value))
  }, options, options.prefix ?? Protocol.DEFAULT_PREFIX)
