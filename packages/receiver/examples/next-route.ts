// app/hooks/exa/route.ts of a Next.js app (App Router), on the Node.js or the Edge runtime.
import { isVerifyError, parseSecrets, rejection, verifyRequest } from "@exa-webhooks/receiver/Web"
import { memoryInbox } from "@exa-webhooks/receiver/WebInbox"

const inbox = memoryInbox() // each event once per instance; redisInbox shares one record between all of them

export async function POST(request: Request): Promise<Response> {
  try {
    const event = await verifyRequest(request, { secrets: parseSecrets(process.env["EXA_WEBHOOK_SECRET"]) })
    return inbox.reply(await inbox.process(event.id, () => console.log(`verified ${event.type} ${event.id}`)))
  } catch (error) {
    if (isVerifyError(error)) return rejection(error) // 400/401 with the reason
    throw error
  }
}
