import { isVerifyError, parseSecrets, toJson, verify } from "@exa-webhooks/receiver/Web"
import { memoryInbox } from "@exa-webhooks/receiver/WebInbox"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

const secrets = parseSecrets(process.env["EXA_WEBHOOK_SECRET"]) // several, separated by spaces, while you rotate
const inbox = memoryInbox() // each event once in this process

const server = createServer(async (request, response) => {
  const chunks: Array<Buffer> = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  try {
    // The raw bytes as they arrived: never JSON.parse and re-stringify a body before verifying it.
    const event = await verify({ body: Buffer.concat(chunks), signature: request.headers["exa-signature"] }, { secrets })
    const outcome = await inbox.process(event.id, () => console.log(`verified ${event.type} ${event.id}`))
    const { body, headers, status } = inbox.answer(outcome) // 204, or 200 for an event already processed
    response.writeHead(status, headers).end(body)
  } catch (error) {
    const status = isVerifyError(error) ? error.status : 500 // 400/401 with the reason
    const body = isVerifyError(error) ? toJson(error) : { error: { type: "InternalError" } }
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
  }
})

server.listen(Number(process.env["PORT"] ?? 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
