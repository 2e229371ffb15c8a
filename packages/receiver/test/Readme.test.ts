import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect, Layer, Schedule } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Signature } from "../src/index.ts"
import { compact as vector, eventId } from "./fixtures/vectors.ts"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const example = (name: string) => readFileSync(new URL(`../examples/${name}`, import.meta.url), "utf8")
const SECRET = "whsec_readme_test_0b9e3f"

const post = (url: string, body: string, signature: string | undefined) =>
  Effect.promise(async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(signature === undefined ? {} : { "exa-signature": signature }) },
      body
    })
    return { status: response.status, text: await response.text() }
  })

const request = (body: string, signature?: string) =>
  new Request("http://127.0.0.1/hooks/exa", {
    method: "POST",
    body,
    headers: signature === undefined ? {} : { "Exa-Signature": signature }
  })

// Polls (up to 20 s, within the test's timeout): a child's output arrives on its own schedule, not with the HTTP
// answer, and a loaded machine can delay it by seconds.
const eventually = (predicate: () => boolean) =>
  Effect.suspend(() => (predicate() ? Effect.void : Effect.fail("not yet"))).pipe(
    Effect.retry(Schedule.spaced(20).pipe(Schedule.upTo({ times: 1_000 }))),
    Effect.orDie
  )

const now = () => Math.floor(Date.now() / 1000)

/** Runs examples/node-http.ts as its own process (Node strips the types; workspace packages from their sources). */
const nodeExample = (env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly url: string; readonly output: () => string; readonly kill: () => void }>((resume) => {
      const child = spawn(process.execPath, ["--conditions=source", "examples/node-http.ts"], {
        cwd: packageDir,
        env: { PATH: process.env["PATH"] ?? "", PORT: "0", ...env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      let resolved = false
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk
        const url = /listening on (\S+)/.exec(stdout)?.[1]
        if (!resolved && url !== undefined) {
          resolved = true
          resume(Effect.succeed({ url, output: () => stdout + stderr, kill: () => child.kill() }))
        }
      })
      child.on("close", (code) => {
        if (!resolved) resume(Effect.die(new Error(`node-http example exited ${code}: ${stderr}`)))
      })
    }),
    (running) => Effect.sync(running.kill)
  )

describe("README", () => {
  it("shows examples/fetch-handler.ts and examples/node-http.ts verbatim", () => {
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])
    assert.include(blocks, example("fetch-handler.ts"))
    assert.include(blocks, example("node-http.ts"))
  })

  it.live("the Fetch-style handler: 204 for a genuine delivery, 401/400 with the reason otherwise", () =>
    Effect.gen(function*() {
      process.env["EXA_WEBHOOK_SECRET"] = `old-secret ${SECRET}`
      const { handle } = yield* Effect.promise(() => import("../examples/fetch-handler.ts"))
      const genuine = yield* Signature.sign(SECRET, now(), vector.body)
      const ok = yield* Effect.promise(() => handle(request(vector.body, genuine)))
      assert.strictEqual(ok.status, 204)
      const tampered = yield* Effect.promise(() => handle(request(vector.body.replace("event_01", "event_02"), genuine)))
      assert.strictEqual(tampered.status, 401)
      assert.strictEqual(((yield* Effect.promise(() => tampered.json())) as any).error.type, "NoMatchingSignature")
      const unsigned = yield* Effect.promise(() => handle(request(vector.body)))
      assert.strictEqual(unsigned.status, 400)
    }))

  it.live("the Node http server: verifies a delivery from the mock, refuses a tampered one", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const api = (method: string, path: string, body: unknown) =>
        Effect.promise(async () => {
          const response = await fetch(`${mock.url}${path}`, {
            method,
            headers: { "x-api-key": "readme-test", "content-type": "application/json" },
            body: JSON.stringify(body)
          })
          return (await response.json()) as any
        })
      // The secret comes with the create; the server starts with it; then the webhook is pointed at the server.
      const hook = yield* api("POST", "/websets/v0/webhooks", { url: "http://127.0.0.1:9/unused", events: ["webset.created"] })
      const server = yield* nodeExample({ EXA_WEBHOOK_SECRET: hook.secret })
      yield* api("PATCH", `/websets/v0/webhooks/${hook.id}`, { url: `${server.url}/hooks/exa` })
      const published = yield* api("POST", "/_mock/events", { type: "webset.created", data: { id: "webset_1" } })
      assert.isTrue(published.deliveries[0].delivered, JSON.stringify(published.deliveries[0]))
      yield* eventually(() => server.output().includes(`verified webset.created ${published.event.id}`))

      const genuine = yield* Signature.sign(hook.secret, now(), vector.body)
      const ok = yield* post(server.url, vector.body, genuine)
      assert.strictEqual(ok.status, 204)
      yield* eventually(() => server.output().includes(`verified webset.created ${eventId(vector)}`))
      const tampered = yield* post(server.url, `${vector.body} `, genuine)
      assert.strictEqual(tampered.status, 401)
      assert.strictEqual(JSON.parse(tampered.text).error.type, "NoMatchingSignature")
      const stale = yield* post(server.url, vector.body, yield* Signature.sign(hook.secret, now() - 301, vector.body))
      assert.strictEqual(JSON.parse(stale.text).error.type, "TimestampOutOfTolerance")
      assert.notInclude(server.output(), hook.secret)
    }).pipe(Effect.provide(MockServer.layer({ deliveryAttempts: 1 }))), 120_000)
})

describe("README: effect/http", () => {
  it("shows examples/effect-http.ts verbatim", () => {
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])
    assert.include(blocks, example("effect-http.ts"))
  })

  it.live("the route answers 204 for a genuine delivery and 401 with the reason for a forged one", () =>
    Effect.gen(function*() {
      process.env["EXA_WEBHOOK_SECRET"] = SECRET
      const { ExaWebhookRoute } = yield* Effect.promise(() => import("../examples/effect-http.ts"))
      const { dispose, handler } = HttpRouter.toWebHandler(ExaWebhookRoute.pipe(Layer.provide(HttpServer.layerServices)))
      yield* Effect.addFinalizer(() => Effect.promise(() => dispose()))
      const empty = yield* Effect.promise(() => handler(request(vector.body, "")))
      assert.strictEqual(empty.status, 400)
      const ok = yield* Effect.promise(async () =>
        handler(request(vector.body, await Effect.runPromise(Signature.sign(SECRET, now(), vector.body))))
      )
      assert.strictEqual(ok.status, 204)
      const forged = yield* Effect.promise(async () =>
        handler(request(vector.body, await Effect.runPromise(Signature.sign("not-the-secret", now(), vector.body))))
      )
      assert.strictEqual(forged.status, 401)
      assert.strictEqual(((yield* Effect.promise(() => forged.json())) as any).error.type, "NoMatchingSignature")
    }))
})
