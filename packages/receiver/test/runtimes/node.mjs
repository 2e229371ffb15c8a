// Node has no Fetch server of its own: node:http, with each request handed to the Fetch handler as a `Request`.
import { createServer } from "node:http"
import worker from "../../examples/fetch-handler.ts"

const env = { EXA_WEBHOOK_SECRET: process.env.EXA_WEBHOOK_SECRET ?? "" }
const server = createServer(async (incoming, outgoing) => {
  const chunks = []
  for await (const chunk of incoming) chunks.push(chunk)
  const headers = Object.entries(incoming.headers).flatMap(([name, value]) => [value].flat().map((v) => [name, v]))
  const request = new Request(`http://127.0.0.1${incoming.url}`, { method: incoming.method, headers, body: Buffer.concat(chunks) })
  const response = await worker.fetch(request, env)
  outgoing.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()))
})
server.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`))
