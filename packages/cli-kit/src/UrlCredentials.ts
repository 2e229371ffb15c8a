/**
 * Credentials inside URLs (`https://user:password@host`), masked before anything is printed.
 *
 * A base URL with credentials is refused (see `Session.resolve`), but other URLs, a webhook's own among them, may carry a
 * user and password. Whatever a bin prints on stderr (an error, a warning, a prompt, a log line, in text or JSON)
 * and the refusal of such a base URL show it as `https://user:****@host`: the user stays (it helps to tell accounts
 * apart), the password never appears. Userinfo without a password (`https://token@host`, often a token itself) is
 * shown as `https://****@host`. The same rule applies everywhere, so the same URL always looks the same.
 *
 * @since 0.1.0
 */

/**
 * What replaces a password (or a userinfo without one).
 *
 * @since 0.1.0
 */
export const MASK = "****"

// `scheme://userinfo@`. A userinfo cannot hold `/`, `?`, `#` or `@` (a parsed URL percent-encodes them), nor
// whitespace, quotes or backslashes, so a match never runs past the URL it belongs to (nor out of a JSON string).
const userinfoPattern = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'`<>\\]*)@/gi

const maskUserinfo = (userinfo: string): string => {
  const colon = userinfo.indexOf(":")
  return colon === -1 ? MASK : `${userinfo.slice(0, colon)}:${MASK}`
}

/**
 * `text` with the userinfo of every URL in it masked (`https://user:****@host`). Text without such a URL comes back
 * unchanged; masking twice changes nothing.
 *
 * @example
 * ```ts
 * UrlCredentials.mask("could not reach http://user:s3cret@127.0.0.1:9/v0") // "could not reach http://user:****@127.0.0.1:9/v0"
 * ```
 * @since 0.1.0
 */
export const mask = (text: string): string =>
  text.replace(userinfoPattern, (_, scheme: string, userinfo: string) => `${scheme}${maskUserinfo(userinfo)}@`)

/**
 * A value as it was typed (which may not even parse as a URL), for a message: when it holds an `@`, everything from
 * after the scheme up to its last `@` is masked, since nothing can tell where its userinfo would have ended.
 *
 * @since 0.1.0
 */
export const maskUnparsed = (value: string): string =>
  value.includes("@") ? value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^]*@/i, (_, scheme: string | undefined) => `${scheme ?? ""}${MASK}@`) : value
