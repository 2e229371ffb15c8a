// The router of HttpApiBuilder keeps Exa's exact paths: no trailing or doubled slash, HEAD is not GET, an id of any
// length is an id, a path segment that does not decode is no id.
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { MockServer } from "../src/index.ts"
import { call } from "./support.ts"

layer(MockServer.layer())("routing", (it) => {
  it.effect("paths are exact, and unrouted requests are 404 or 405 as the definition says", () =>
    Effect.gen(function*() {
      const { url } = yield* MockServer.MockServer
      const status = (method: string, path: string) => Effect.map(call(url, method, path), (r) => r.status)
      expect(yield* status("GET", "/websets/v0/webhooks/")).toBe(404)
      expect(yield* status("GET", "/websets/v0//webhooks")).toBe(404)
      expect(yield* status("GET", "/websets/v0/webhooks/%ZZ")).toBe(404)
      expect(yield* status("HEAD", "/websets/v0/webhooks")).toBe(405)
      const long = yield* call(url, "GET", `/websets/v0/webhooks/${"x".repeat(300)}`)
      expect(long.body.error.code).toBe("webhook_not_found")
      const slash = yield* call(url, "GET", "/websets/v0/webhooks/")
      expect(slash.body.error).toMatchObject({ code: "route_not_found", requestId: slash.headers.get("x-request-id") })
    }))
})
