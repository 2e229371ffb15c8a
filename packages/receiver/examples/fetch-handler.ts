import { isVerifyError, parseSecrets, rejection, verifyRequest } from "@exa-webhooks/receiver/Web"
import { memoryInbox } from "@exa-webhooks/receiver/WebInbox"

// The bindings of a Cloudflare Worker (`wrangler secret put EXA_WEBHOOK_SECRET`): the webhook's secret, several
// separated by spaces while you rotate it. A Worker has no process environment: its settings arrive as `env`.
interface Env {
  readonly EXA_WEBHOOK_SECRET: string
}

// Each event once (a Worker's isolate remembers its own; redisInbox shares one record between all of them).
const inbox = memoryInbox()

// A Fetch handler, `fetch(request, env)`: Cloudflare Workers as is; Bun.serve, Deno.serve and others with an env.
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      const event = await verifyRequest(request, { secrets: parseSecrets(env.EXA_WEBHOOK_SECRET) })
      const outcome = await inbox.process(event.id, () => console.log(`verified ${event.type} ${event.id}`))
      return inbox.reply(outcome) // 204, or 200 for an event already processed
    } catch (error) {
      if (isVerifyError(error)) return rejection(error) // 400/401 with the reason
      throw error
    }
  }
}
