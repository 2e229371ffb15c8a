/**
 * What the client knows of a proxy: how a proxy's URL is shown (its credentials masked), and the mark that the Node
 * transport (`Transport.ts`) puts on a failure that happened between the client and its proxy, so that the error
 * names the proxy rather than Exa. Here rather than in `Transport.ts`, which imports `@effect/platform-node`: the
 * errors are built by code every client loads.
 */

/** A failure on the way through a proxy. */
export interface ProxyFailure {
  /** The proxy's URL, credentials masked. */
  readonly proxy: string
  /** Where the proxy was set (`HTTPS_PROXY`, the `httpsProxy` option, ...). */
  readonly variable: string
}

const ProxyFailureId: unique symbol = Symbol.for("@exa-webhooks/client/ProxyFailure")

/** Marks `cause` (the transport's own error) as a failure to go through `failure.proxy`. */
export class ProxyError extends Error {
  readonly [ProxyFailureId]: ProxyFailure
  constructor(failure: ProxyFailure, cause: unknown) {
    super(`proxy ${failure.proxy}`, { cause })
    this[ProxyFailureId] = failure
  }
}

/** The proxy failure `u` is marked with, if it is one. */
export const proxyFailureOf = (u: object): ProxyFailure | undefined =>
  ProxyFailureId in u ? (u as ProxyError)[ProxyFailureId] : undefined

/** `url` with any user name and password replaced by `****`: a proxy URL often carries both. */
export const masked = (url: URL): string =>
  url.username === "" && url.password === "" ? url.origin : `${url.protocol}//****@${url.host}`
