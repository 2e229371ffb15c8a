/**
 * The client's transport on Node: effect's `NodeHttpClient` with keep-alive connections and the proxy taken from the
 * environment (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, as curl reads them, lower case first). Both bins send
 * through it, and it is the layer the README gives library users.
 *
 * Not exported from the package's index: it imports `@effect/platform-node` (an optional peer, Node 22.19 or later).
 * Import it from its own path, `@exa-webhooks/client/Transport`.
 *
 * Without a proxy, requests go over `node:http` / `node:https` (`NodeHttpClient.makeNodeHttp`, keep-alive agents).
 * With one, they go through undici's `EnvHttpProxyAgent` as the client's `Dispatcher` (`NodeHttpClient.makeUndici`),
 * and undici is loaded only then: importing it is a good part of a command's start-up, while `node:http` is part of
 * Node. Through the proxy, an `http:` request is forwarded by the proxy, an `https:` one tunnelled through it
 * (`CONNECT`); a host that `NO_PROXY` lists (`127.0.0.1`, `.example.com`, `*`) is reached directly. The variables are
 * read through `Config` (here, not by undici from `process.env`), so a `ConfigProvider` decides them like every other
 * setting, and a malformed one fails the layer with a `ConfigError` naming the variable, never showing its value (a
 * proxy URL often holds a password). A request that cannot get through the proxy fails with a `TransportError` whose
 * `reason` is `"proxy"` and whose message names the proxy, its credentials masked.
 *
 * @example
 * ```ts
 * import * as Transport from "@exa-webhooks/client/Transport"
 *
 * const Webhooks = WebhooksClient.layerConfig().pipe(Layer.provide(Transport.layerConfig()))
 * ```
 * @since 0.3.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Config, Effect, Layer, Option, Schema } from "effect"
import { HttpClient, HttpClientError } from "effect/http"
import { isIP } from "node:net"
import { masked, ProxyError } from "./internal/proxy.ts"

/**
 * Where the requests go through: a proxy URL per scheme, and the hosts reached directly. Unset fields mean no proxy
 * (and nothing is read from `process.env` behind the caller's back: {@link fromEnv} is how the environment is read).
 *
 * @category models
 * @since 0.3.0
 */
export interface ProxyOptions {
  /** The proxy for `http:` URLs, e.g. `http://proxy.example:3128`; may carry `user:password@`. */
  readonly httpProxy?: string | undefined
  /** The proxy for `https:` URLs; unset, `httpProxy` serves them too (as curl and undici do). */
  readonly httpsProxy?: string | undefined
  /** Hosts reached directly: a comma- or space-separated list of names, `.suffix`es, `host:port`s or `*`. */
  readonly noProxy?: string | undefined
}

/**
 * The environment variables of each proxy setting, lower case first (the form curl reads; undici and most tools
 * read both).
 *
 * @category models
 * @since 0.3.0
 */
export const env = {
  httpProxy: ["http_proxy", "HTTP_PROXY"],
  httpsProxy: ["https_proxy", "HTTPS_PROXY"],
  noProxy: ["no_proxy", "NO_PROXY"]
} as const

const proxyUrlProblem = (value: string): string | undefined => {
  if (!URL.canParse(value)) return "expected a proxy URL such as http://proxy.example:3128"
  const { protocol } = new URL(value)
  return protocol === "http:" || protocol === "https:"
    ? undefined
    : `expected an http:// or https:// proxy URL, got a ${protocol} URL`
}

// The rule of a proxy URL. Its message never repeats the value, which may hold a password.
const ProxyUrl = Schema.String.check(Schema.makeFilter((value: string) => proxyUrlProblem(value) ?? true))

// The first of `names` that is set; an empty value counts as unset (`HTTPS_PROXY=` turns the proxy off).
const firstSet = <A>(names: ReadonlyArray<string>, read: (name: string) => Config.Config<A>) =>
  Config.all(names.map((name) => Config.option(read(name)))).pipe(
    Config.map((values) => {
      const set = values.find((value) => Option.isSome(value) && value.value !== "")
      return set === undefined ? undefined : Option.getOrUndefined(set)
    })
  )

/**
 * The proxy settings read from the environment ({@link env}), for {@link layerConfig}.
 *
 * @category configuration
 * @since 0.3.0
 */
export const fromEnv: { readonly [K in keyof ProxyOptions]-?: Config.Config<ProxyOptions[K]> } = {
  httpProxy: firstSet(env.httpProxy, (name) => Config.schema(ProxyUrl, name)),
  httpsProxy: firstSet(env.httpsProxy, (name) => Config.schema(ProxyUrl, name)),
  noProxy: firstSet(env.noProxy, (name) => Config.String(name))
}

interface Route {
  readonly url: URL
  readonly variable: string
}

const routeOf = (value: string | undefined, variable: string): Route | undefined =>
  value === undefined || value === "" ? undefined : { url: new URL(value), variable }

/**
 * Marks a transport failure that happened between this process and the proxy: the endpoint the connection failed
 * at is the proxy's (its host did not resolve, or its port refused), or the proxy refused the tunnel. A request that
 * `NO_PROXY` sends directly fails at Exa's endpoint and is left as it is.
 */
const throughProxy = (route: Route | undefined, cause: unknown): boolean => {
  if (route === undefined || typeof cause !== "object" || cause === null) return false
  const c = cause as { readonly hostname?: unknown; readonly port?: unknown; readonly address?: unknown; readonly message?: unknown }
  const host = route.url.hostname.replace(/^\[(.*)\]$/, "$1")
  const port = Number(route.url.port || (route.url.protocol === "https:" ? 443 : 80))
  if (typeof c.hostname === "string") return c.hostname === host
  if (typeof c.port === "number" && c.port === port) return isIP(host) === 0 || c.address === host
  return typeof c.message === "string" && c.message.startsWith("Proxy response")
}

/**
 * The transport with `options`: without a proxy, keep-alive `node:http` and `node:https` agents; with one, undici's
 * `EnvHttpProxyAgent` as the `Dispatcher` (keep-alive pools, one per origin). Either is destroyed with the layer's
 * scope.
 *
 * @category constructors
 * @since 0.3.0
 */
export const make = Effect.fnUntraced(function*(options: ProxyOptions) {
  const http = routeOf(options.httpProxy, "HTTP_PROXY")
  const https = routeOf(options.httpsProxy, "HTTPS_PROXY") ?? http
  if (http === undefined && https === undefined) {
    // No proxy: effect's node:http client over keep-alive agents. undici is loaded only to go through a proxy: its
    // import is a good part of a command's start-up, and node:http is part of Node.
    const agent = yield* NodeHttpClient.makeAgent({ keepAlive: true })
    return yield* Effect.provideService(NodeHttpClient.makeNodeHttp, NodeHttpClient.HttpAgent, agent)
  }
  const undici = yield* Effect.promise(() => import("@effect/platform-node/Undici"))
  const dispatcher = yield* Effect.acquireRelease(
    // "" rather than undefined: undici would read `process.env` for a setting left undefined.
    Effect.sync(() =>
      new undici.EnvHttpProxyAgent({
        httpProxy: options.httpProxy ?? "",
        httpsProxy: options.httpsProxy ?? "",
        noProxy: options.noProxy ?? ""
      })
    ),
    (agent) => Effect.promise(() => agent.destroy())
  )
  const client = yield* Effect.provideService(NodeHttpClient.makeUndici, NodeHttpClient.Dispatcher, dispatcher)
  return HttpClient.transform(client, (effect, request) =>
    Effect.mapError(effect, (error) => {
      if (error.reason._tag !== "TransportError") return error
      const via = request.url.startsWith("https:") ? https : http
      if (!throughProxy(via, error.reason.cause)) return error
      return new HttpClientError.HttpClientError({
        reason: new HttpClientError.TransportError({
          request,
          description: `through the proxy ${masked(via!.url)}`,
          cause: new ProxyError({ proxy: masked(via!.url), variable: via!.variable }, error.reason.cause)
        })
      })
    }))
})

/**
 * The transport with explicit proxy settings (none by default: every request goes directly).
 *
 * @example
 * ```ts
 * Transport.layer({ httpsProxy: "http://proxy.example:3128", noProxy: "localhost,.internal" })
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layer = (options: ProxyOptions = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(HttpClient.HttpClient, make(options))

/**
 * The transport with its proxy settings from configuration: by default {@link fromEnv}, the environment variables
 * every proxy-aware tool reads. A malformed proxy URL fails the layer with a `ConfigError` naming the variable.
 *
 * @example
 * ```ts
 * WebhooksClient.layerConfig().pipe(Layer.provide(Transport.layerConfig()))
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layerConfig = (
  options: Config.Wrap<ProxyOptions> = fromEnv
): Layer.Layer<HttpClient.HttpClient, Config.ConfigError> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.gen(function*() {
      return yield* make(yield* Config.unwrap(options))
    })
  )
