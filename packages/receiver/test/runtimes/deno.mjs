// Deno.serve with the Fetch handler; the env is Deno's (--allow-env=EXA_WEBHOOK_SECRET).
import worker from "../../examples/fetch-handler.ts"

const env = { EXA_WEBHOOK_SECRET: Deno.env.get("EXA_WEBHOOK_SECRET") ?? "" }
Deno.serve(
  { port: 0, hostname: "127.0.0.1", onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`) },
  (request) => worker.fetch(request, env)
)
