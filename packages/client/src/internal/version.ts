/**
 * The package version, sent in the `User-Agent`. Kept in step with `package.json` by a test (`Version.test.ts`), so
 * the build needs no JSON import outside `src`.
 */
export const VERSION = "0.1.0"

/** `User-Agent` of every request: names the package and version so Exa can tell this client's traffic apart. */
export const USER_AGENT = `exa-webhooks-client/${VERSION}`
