/**
 * The address of a shared rate-limit store (the client's `rateLimitStore`, `EXA_RATE_LIMIT_STORE`, the bins'
 * `--rate-limit-store`): `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. The port defaults to
 * 6379 and the database to 0. Refused: any other scheme, a missing host, a path that is not a database number, a
 * query or fragment. No message repeats the value or any part of it (a mistyped address may be nothing but its
 * password), and {@link display} (what every message about the store shows) leaves out the user name and password.
 *
 * @example
 * ```ts
 * RedisUrl.problem("redis://127.0.0.1:6379/0")   // undefined
 * RedisUrl.parse("redis://:s3cret@cache:6380/2")  // { host: "cache", port: 6380, db: 2, password: <redacted>, ... }
 * RedisUrl.display(RedisUrl.parse("redis://:s3cret@cache:6380/2")!) // "redis://cache:6380/2"
 * ```
 * @since 0.3.0
 */
import { Redacted, Schema } from "effect"
import { Validation } from "@exa-webhooks/schema"

/**
 * Redis's own default port.
 *
 * @since 0.3.0
 */
export const DEFAULT_PORT = 6379

/**
 * A parsed store address. The password stays `Redacted` until the connection is made.
 *
 * @since 0.3.0
 */
export interface RedisUrl {
  /** `rediss://`: connect over TLS. */
  readonly tls: boolean
  readonly host: string
  readonly port: number
  readonly db: number
  readonly username: string | undefined
  readonly password: Redacted.Redacted<string> | undefined
}

// Worded so that no URL in it looks as if it carried credentials (every message is masked before it is shown).
const FORM = "redis://host[:port][/db] or rediss:// (TLS), with user:password@ before the host when the store needs one"

// The address holds the store's password, and a mistyped one may be nothing but the password (`redis://user:PW`
// without its `@host`, a bare password, `redis//PW`): no message repeats any part of it, only says what is wrong.
const NOT_SHOWN = "(the value is not shown: it may hold a password)"

type Parsed = { readonly _tag: "Ok"; readonly url: RedisUrl } | { readonly _tag: "Problem"; readonly problem: string }

const bad = (problem: string): Parsed => ({ _tag: "Problem", problem })

const decode = (component: string): string | undefined => {
  try {
    return decodeURIComponent(component)
  } catch {
    return undefined
  }
}

// What is wrong with a value that does not parse as a URL at all, in words that quote nothing of it.
const unparsable = (value: string): string => {
  if (!/^rediss?:\/\//i.test(value)) return `does not start with redis:// or rediss:// ${NOT_SHOWN}; expected ${FORM}`
  const authority = /^rediss?:\/\/([^/?#]*)/i.exec(value)![1]!
  if (!authority.includes("@") && /:[^:]*\D[^:]*$/.test(authority)) {
    return `what follows the host's ":" is not a port number (a password goes before the host, followed by @) ` +
      `${NOT_SHOWN}; expected ${FORM}`
  }
  return `is not a store address ${NOT_SHOWN}; expected ${FORM}`
}

const check = (value: string): Parsed => {
  if (Validation.hasControlCharacter(value) || /\s/.test(value)) {
    return bad(`has spaces or control characters ${NOT_SHOWN}; expected ${FORM}`)
  }
  // Named only when it is one, `scheme://`: in `hunter2:x` the part before the colon may be the password.
  const scheme = /^([a-z][a-z\d+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase()
  if (scheme !== undefined && scheme !== "redis" && scheme !== "rediss") {
    return bad(`only redis:// and rediss:// stores are supported, got ${scheme}:// (expected ${FORM})`)
  }
  const url = /^rediss?:\/\/[^/?#]/i.test(value) ? URL.parse(value) : null
  if (url === null) return bad(unparsable(value))
  if (url.hostname === "") return bad(`names no host; expected ${FORM} ${NOT_SHOWN}`)
  if (url.search !== "" || url.hash !== "" || /[?#]/.test(value)) {
    return bad(`must not have a query or fragment; expected ${FORM} ${NOT_SHOWN}`)
  }
  const db = url.pathname === "" || url.pathname === "/" ? "0" : url.pathname.slice(1)
  if (!/^\d{1,9}$/.test(db)) return bad(`the path must be a database number such as /0; expected ${FORM} ${NOT_SHOWN}`)
  const port = url.port === "" ? DEFAULT_PORT : Number(url.port)
  if (!(port >= 1 && port <= 65535)) return bad(`the port must be 1 to 65535 ${NOT_SHOWN}`)
  const username = decode(url.username)
  const password = decode(url.password)
  if (username === undefined || password === undefined) {
    return bad(`the user name or password is not valid percent-encoding ${NOT_SHOWN}`)
  }
  return {
    _tag: "Ok",
    url: {
      tls: scheme === "rediss",
      // Kept as written: `[::1]` stays bracketed for display; the connection strips the brackets.
      host: url.hostname,
      port,
      db: Number(db),
      username: username === "" ? undefined : username,
      password: password === "" ? undefined : Redacted.make(password)
    }
  }
}

/**
 * Why `value` is not a usable store address, or `undefined` when it is. Never quotes any part of `value`.
 *
 * @since 0.3.0
 */
export const problem = (value: string): string | undefined => {
  const parsed = check(value)
  return parsed._tag === "Problem" ? parsed.problem : undefined
}

/**
 * The parsed address, or `undefined` when {@link problem} has something to say.
 *
 * @since 0.3.0
 */
export const parse = (value: string): RedisUrl | undefined => {
  const parsed = check(value)
  return parsed._tag === "Ok" ? parsed.url : undefined
}

/**
 * `redis://host:port/db`: how the store is named in every message. Never the user name or password.
 *
 * @since 0.3.0
 */
export const display = (url: RedisUrl): string => `${url.tls ? "rediss" : "redis"}://${url.host}:${url.port}/${url.db}`

/**
 * The rule, on the address as written.
 *
 * @since 0.3.0
 */
export const RedisUrlString = Schema.String.check(
  Schema.makeFilter((value: string) => problem(value) ?? true, { expected: "a redis:// URL" })
)
