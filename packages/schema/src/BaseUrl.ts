/**
 * The API's base URL (the client's `baseUrl`, `EXA_BASE_URL`, the CLI's `--base-url`): `http://` or `https://` and
 * a host, optionally a path prefix; `/websets/v0/...` is appended to it. Refused: credentials (the API key
 * authenticates, and fetch refuses such URLs), a query or fragment (appending a path to them makes nonsense), and
 * the ports that fetch refuses to connect to (`:1`, `:6000`, ...: nothing would ever leave the machine).
 *
 * @example
 * ```ts
 * BaseUrl.problem("https://api.exa.ai")        // undefined
 * BaseUrl.problem("http://127.0.0.1:6000")     // "... port 6000 ..."
 * ```
 * @since 0.2.0
 */
import { Schema } from "effect"
import { maskValue } from "./UrlCredentials.ts"
import { hasControlCharacter, quote } from "./Validation.ts"

/**
 * The ports the Fetch standard blocks ("bad ports"): `fetch` fails on them before connecting.
 *
 * @category constants
 * @since 0.2.0
 */
export const BLOCKED_PORTS: ReadonlySet<number> = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080
])

// Never quote a password (see `UrlCredentials.maskValue`).
const masked = (value: string) => quote(maskValue(value))

/**
 * Why `value` is not a usable base URL, or `undefined` when it is.
 *
 * @category validation
 * @since 0.2.0
 */
export const problem = (value: string): string | undefined => {
  const example = "such as https://api.exa.ai"
  if (hasControlCharacter(value) || /\s/.test(value)) {
    return `expected an absolute http(s) URL ${example}, without spaces or control characters; got ${masked(value)}`
  }
  if (!/^https?:\/\/[^/?#]/i.test(value) || !URL.canParse(value)) {
    return `expected an absolute http(s) URL ${example}, got ${masked(value)}`
  }
  const url = new URL(value)
  if (url.username !== "" || url.password !== "") {
    return `must not contain a user name or password (got ${masked(value)}); the API key authenticates`
  }
  if (url.search !== "" || url.hash !== "" || /[?#]/.test(value)) {
    return `must not have a query or fragment (got ${masked(value)}): the API's paths are appended to it`
  }
  const port = url.port === "" ? undefined : Number(url.port)
  if (port !== undefined && BLOCKED_PORTS.has(port)) {
    return `port ${port} is one that fetch refuses to connect to (got ${masked(value)}); use another port`
  }
  return undefined
}

/**
 * The rule (the value as given; strip a trailing `/` before appending paths).
 *
 * @category schemas
 * @since 0.2.0
 */
export const BaseUrl = Schema.String.check(
  Schema.makeFilter((value: string) => problem(value) ?? true, { expected: "an http(s) base URL" })
)
