import { VerifyError, Web } from "@exa-webhooks/receiver"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

const secrets = (process.env["EXA_WEBHOOK_SECRET"] ?? "").split(/\s+/).filter((s) => s !== "")

const server = createServer((request, response) => {
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("end", () => {
    // The raw bytes as they arrived: never JSON.parse and re-stringify a body before verifying it.
    Web.verify({ body: Buffer.concat(chunks), signature: request.headers["exa-signature"] }, { secrets }).then(
      (event) => {
        console.log(`verified ${event.type} ${event.id}`)
        response.writeHead(204).end()
      },
      (error: unknown) => {
        const status = VerifyError.isVerifyError(error) ? error.status : 500
        const body = VerifyError.isVerifyError(error) ? VerifyError.toJson(error) : { error: { type: "InternalError" } }
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
      }
    )
  })
})

server.listen(Number(process.env["PORT"] ?? 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
