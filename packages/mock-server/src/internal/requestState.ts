/**
 * What the request pipeline knows about one API request and hands down to the API-key middleware and the handlers:
 * its id (echoed in every error body), the fate drawn for it, and whether its connection is to be dropped.
 *
 * @since 0.2.0
 */
import { Context } from "effect"
import type * as FaultInjection from "./faultInjection.ts"

/**
 * @category models
 * @since 0.2.0
 */
export interface State {
  readonly requestId: string
  readonly fate: FaultInjection.Fate
  /** Set when an ambiguous fault closes the connection after the change was committed. */
  dropped: boolean
}

/**
 * The state of the request being answered.
 *
 * @category services
 * @since 0.2.0
 */
export class RequestState extends Context.Service<RequestState, State>()(
  "@exa-webhooks/mock-server/internal/RequestState"
) {}
