import { isVerifyError, parseSecrets, toJson, verify } from "@exa-webhooks/receiver/Web"
import { memoryInbox } from "@exa-webhooks/receiver/WebInbox"
import express from "express"
import type { AddressInfo } from "node:net"

const secrets = parseSecrets(process.env["EXA_WEBHOOK_SECRET"]) // several, separated by spaces, while you rotate
const inbox = memoryInbox() // each event once in this process

const app = express()

// express.raw() keeps the body as the bytes that arrived; express.json() would leave nothing to verify.
app.post("/hooks/exa", express.raw({ type: () => true }), async (request, response) => {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
  try {
    const event = await verify({ body, signature: request.get("exa-signature") }, { secrets })
    const outcome = await inbox.process(event.id, () => console.log(`verified ${event.type} ${event.id}`))
    const answer = inbox.answer(outcome) // 204, or 200 for an event already processed
    response.status(answer.status).set(answer.headers).end(answer.body)
  } catch (error) {
    if (!isVerifyError(error)) throw error // Express 5 hands it to the error handler: 500
    response.status(error.status).json(toJson(error)) // 400/401 with the reason
  }
})

const server = app.listen(Number(process.env["PORT"] ?? 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
