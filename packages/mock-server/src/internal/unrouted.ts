/**
 * The answer to a request for a path of the API that no endpoint of `WebhooksApi` has: a 405 listing the
 * methods of the endpoints whose path fits, a 404 when none fits. The router only says "not found", so the two are
 * told apart here, from the same definition.
 *
 * @since 0.2.0
 */
import { WebhooksApi } from "@exa-webhooks/schema"
import * as Failures from "./failures.ts"

const endpoints = Object.values(WebhooksApi.WebhooksApi.groups).flatMap((group) => Object.values(group.endpoints))

const decodes = (segment: string) => {
  try {
    return decodeURIComponent(segment) !== ""
  } catch {
    return false
  }
}

// Whether `path` fits an endpoint's path pattern: same segments, a parameter being any text that decodes.
const fits = (pattern: string, path: string) => {
  const want = pattern.split("/")
  const got = path.split("/")
  return want.length === got.length && want.every((part, i) => part.startsWith(":") ? decodes(got[i]!) : part === got[i])
}

/**
 * The 404 or 405 for `method` and `pathname`, in the definition's order of methods.
 *
 * @category routing
 * @since 0.2.0
 */
export const routeFailure = (method: string, pathname: string): Failures.NotFound | Failures.MethodNotAllowed => {
  const allow = endpoints.filter((e) => fits(e.path, pathname)).map((e) => e.method)
  if (allow.length > 0) {
    return new Failures.MethodNotAllowed({
      allow,
      message: `${method} is not supported on ${pathname}; use ${allow.join(" or ")}`
    })
  }
  const base = WebhooksApi.BASE_PATH
  return new Failures.NotFound({
    code: "route_not_found",
    message: `There is no route ${method} ${pathname}. The webhook API lives under ${base}/webhooks (create, list), ` +
      `${base}/webhooks/{id} (get, update, delete) and ${base}/webhooks/{id}/attempts, the Events API under ` +
      `${base}/events (list) and ${base}/events/{id} (get); the mock's controls under /_mock/`
  })
}
