/**
 * Credentials inside URLs (`https://user:password@host`), masked wherever a URL is shown, never where it is sent.
 *
 * A webhook's URL may carry a user and password (Exa delivers to it with them), and so may any URL a message or a
 * value quotes. Whatever the tools print (stdout and stderr, text and JSON, prompts and log lines) shows it as
 * `https://user:****@host`: the user stays (it helps to tell accounts apart), the password never appears. A userinfo
 * without a password (`https://token@host`, often a token itself) is shown as `https://****@host`, and a value that
 * looks like `scheme://user:password` with its `@host` forgotten as `scheme://user:****`. A `${NAME}` reference (what
 * `exa-webhooks-batch import` writes in place of a password) names where the secret is and is shown as it is.
 *
 * @example
 * ```ts
 * UrlCredentials.mask("could not reach http://user:s3cret@127.0.0.1:9/v0") // "could not reach http://user:****@127.0.0.1:9/v0"
 * ```
 * @since 0.4.0
 */

/**
 * What replaces a password (or a userinfo without one).
 *
 * @category constants
 * @since 0.4.0
 */
export const MASK = "****"

// A character that ends a URL's authority (RFC 3986: `/`, `?`, `#`; WHATWG also `\`), or the URL itself in running
// text or JSON (whitespace, quotes, angle brackets).
const END = String.raw`\s/\\?#"'\x60<>`
// `scheme://` and the authority up to its last `@`: a userinfo cannot hold an unescaped `@`, but a mistyped one may,
// and the host never does, so everything before the last `@` is treated as the userinfo.
const WITH_USERINFO = new RegExp(String.raw`\b([a-z][a-z\d+.-]*:\/\/)([^${END}]*)@`, "gi")
// `scheme://name:rest` with no `@`: a `user:password` whose `@host` was forgotten, unless `rest` is a port number
// (followed, in running text, by punctuation such as `)` or `,`).
const WITHOUT_HOST = new RegExp(String.raw`\b([a-z][a-z\d+.-]*:\/\/)([^${END}@:[\]]+):([^${END}@[\]]+)(?=[${END}]|$)`, "gi")
const PORT = /^\d*[)\].,;:!]*$/

const REFERENCE = /^\$\{[A-Za-z_][A-Za-z\d_]*\}$/

/**
 * The parts of a URL's userinfo: `user` as written, `password` after the first `:` (`undefined` when there is none).
 *
 * @category models
 * @since 0.4.0
 */
export interface Userinfo {
  readonly user: string
  readonly password: string | undefined
}

const split = (userinfo: string): Userinfo => {
  const colon = userinfo.indexOf(":")
  return colon === -1 ? { user: userinfo, password: undefined } : { user: userinfo.slice(0, colon), password: userinfo.slice(colon + 1) }
}

/**
 * `text` with the userinfo of every URL in it (and every `scheme://user:password` that forgot its `@host`) replaced by
 * what `f` makes of it. The one rule of where a URL's credentials are, for {@link mask} and for tools that put
 * something else in their place (a `${NAME}` reference).
 *
 * @category rewriting
 * @since 0.4.0
 */
export const rewrite = (text: string, f: (userinfo: Userinfo) => string): string =>
  text
    .replace(WITH_USERINFO, (_, scheme: string, userinfo: string) => `${scheme}${f(split(userinfo))}@`)
    .replace(WITHOUT_HOST, (match, scheme: string, user: string, password: string) =>
      PORT.test(password) ? match : `${scheme}${f({ user, password })}`
    )

const masked = ({ password, user }: Userinfo): string => {
  if (password === undefined) return REFERENCE.test(user) ? user : MASK
  return `${user}:${REFERENCE.test(password) ? password : MASK}`
}

/**
 * `text` with the credentials of every URL in it masked (`https://user:****@host`). Text without them comes back
 * unchanged; masking twice changes nothing.
 *
 * @example
 * ```ts
 * UrlCredentials.mask("https://token@api.example.com") // "https://****@api.example.com"
 * UrlCredentials.mask("https://a:b@x.io?q=1 and https://api.exa.ai/v0?email=a@b.c") // "https://a:****@x.io?q=1 and https://api.exa.ai/v0?email=a@b.c"
 * ```
 * @category masking
 * @since 0.4.0
 */
export const mask = (text: string): string => rewrite(text, masked)

/**
 * A value as it was typed where a URL was expected (which may not even parse as one), for a message: {@link mask}ed,
 * and when that finds no URL with credentials but the value holds an `@`, everything from after its scheme up to its
 * last `@` is masked (`user:pw@host`, `http://user:pa/ss@host`), since nothing can tell where its userinfo would
 * have ended.
 *
 * @example
 * ```ts
 * UrlCredentials.maskValue("user:pw@host") // "****@host"
 * ```
 * @category masking
 * @since 0.4.0
 */
export const maskValue = (value: string): string => {
  const url = value.replace(WITH_USERINFO, (_, scheme: string, userinfo: string) => `${scheme}${masked(split(userinfo))}@`)
  if (url !== value) return url
  return value.includes("@")
    ? value.replace(/^([a-z][a-z\d+.-]*:\/\/)?[^]*@/i, (_, scheme: string | undefined) => `${scheme ?? ""}${MASK}@`)
    : mask(value)
}
