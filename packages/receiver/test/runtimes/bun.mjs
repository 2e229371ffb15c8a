// Bun.serve with the Fetch handler; the env is Bun's.
import worker from "../../examples/fetch-handler.ts"

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: (request) => worker.fetch(request, { EXA_WEBHOOK_SECRET: Bun.env.EXA_WEBHOOK_SECRET ?? "" })
})
console.log(`listening on http://127.0.0.1:${server.port}`)
