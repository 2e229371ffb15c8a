/**
 * The README's examples, shown verbatim and run: the Fetch (Workers), Hono and Next.js handlers and the effect/http
 * route in-process, with deliveries signed by the mock's own signing module; the Express and Node servers as their
 * own processes, fed by the mock. Each verifies a genuine delivery, answers the same delivery replayed as a duplicate
 * without processing it again, and refuses a forged one with the reason.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { readFileSync } from "node:fs"
import { eventBody, exercise, mockSign, serve } from "./fixtures/support.ts"

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const example = (name: string) => readFileSync(new URL(`../examples/${name}`, import.meta.url), "utf8")
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])

const SECRET = "whsec_readme_test_0b9e3f"

const request = (body: string, signature?: string) =>
  new Request("http://127.0.0.1/hooks/exa", {
    method: "POST",
    body,
    headers: signature === undefined ? {} : { "Exa-Signature": signature }
  })

/** What a Fetch-style handler answered. */
const answer = async (response: Response) => ({
  status: response.status,
  type: response.headers.get("content-type"),
  text: await response.text()
})

/**
 * A Fetch-style handler on deliveries signed with `secret` by the mock's signing module: 204 for a genuine one, 200
 * `duplicate` for the same delivery again, 401 for a forged one, 400 for an unsigned one.
 */
const checkFetchHandler = (handle: (request: Request) => Promise<Response>, secret: string) =>
  Effect.promise(async () => {
    const { body, id } = eventBody()
    const signature = mockSign(secret, body)
    const first = await answer(await handle(request(body, signature)))
    assert.deepStrictEqual([first.status, first.text], [204, ""])
    const replayed = await answer(await handle(request(body, signature)))
    assert.strictEqual(replayed.status, 200)
    assert.match(replayed.type ?? "", /^application\/json(;|$)/)
    assert.deepStrictEqual(JSON.parse(replayed.text), { duplicate: true, id })
    const forged = await answer(await handle(request(body, mockSign("not-the-secret", body))))
    assert.strictEqual(forged.status, 401)
    assert.strictEqual(JSON.parse(forged.text).error.type, "NoMatchingSignature")
    const unsigned = await answer(await handle(request(body)))
    assert.strictEqual(unsigned.status, 400)
    assert.strictEqual(JSON.parse(unsigned.text).error.type, "MissingSignature")
  })

describe("README", () => {
  for (const file of ["fetch-handler.ts", "hono.ts", "next-route.ts", "express.ts", "node-http.ts", "effect-http.ts"]) {
    it(`shows examples/${file} verbatim`, () => {
      assert.include(blocks, example(file))
    })
  }

  it.live("the Workers-style Fetch handler reads its secret from env, never process.env", () =>
    Effect.gen(function*() {
      assert.notInclude(example("fetch-handler.ts"), "process.env")
      const saved = process.env["EXA_WEBHOOK_SECRET"]
      delete process.env["EXA_WEBHOOK_SECRET"]
      yield* Effect.addFinalizer(() => Effect.sync(() => {
        if (saved !== undefined) process.env["EXA_WEBHOOK_SECRET"] = saved
      }))
      const { default: worker } = yield* Effect.promise(() => import("../examples/fetch-handler.ts"))
      yield* checkFetchHandler((r) => worker.fetch(r, { EXA_WEBHOOK_SECRET: `old-secret ${SECRET}` }), SECRET)
    }))

  it.live("Hono: the app with its Workers bindings", () =>
    Effect.gen(function*() {
      const { default: app } = yield* Effect.promise(() => import("../examples/hono.ts"))
      yield* checkFetchHandler(async (r) => app.fetch(r, { EXA_WEBHOOK_SECRET: SECRET }), SECRET)
    }))

  it.live("the Next.js route handler (POST) reads EXA_WEBHOOK_SECRET", () =>
    Effect.gen(function*() {
      process.env["EXA_WEBHOOK_SECRET"] = SECRET
      const { POST } = yield* Effect.promise(() => import("../examples/next-route.ts"))
      yield* checkFetchHandler(POST, SECRET)
    }))

  it.live("Express 5: a delivery from the mock is processed once, a replay of it is a duplicate, a forged one refused", () =>
    exercise((secret) => serve(process.execPath, ["--conditions=source", "examples/express.ts"], { EXA_WEBHOOK_SECRET: secret, PORT: "0" })), 120_000)

  it.live("the Node http server: a delivery from the mock is processed once, a replay of it is a duplicate, a forged one refused", () =>
    exercise((secret) => serve(process.execPath, ["--conditions=source", "examples/node-http.ts"], { EXA_WEBHOOK_SECRET: secret, PORT: "0" })), 120_000)

  it.live("effect/http: the route verifies, processes each event once and refuses with the reason", () =>
    Effect.gen(function*() {
      process.env["EXA_WEBHOOK_SECRET"] = SECRET
      const { ExaWebhookRoute } = yield* Effect.promise(() => import("../examples/effect-http.ts"))
      const { dispose, handler } = HttpRouter.toWebHandler(ExaWebhookRoute.pipe(Layer.provide(HttpServer.layerServices)))
      yield* Effect.addFinalizer(() => Effect.promise(() => dispose()))
      yield* checkFetchHandler(handler, SECRET)
    }))
})
