import { isVerifyError, parseSecrets, rejection, verifyRequest } from "@exa-webhooks/receiver/Web"
import { memoryInbox } from "@exa-webhooks/receiver/WebInbox"
import { Hono } from "hono"

// Hono on Cloudflare Workers: the secret is a binding (c.env), several separated by spaces while you rotate.
type Env = { Bindings: { EXA_WEBHOOK_SECRET: string } }

const inbox = memoryInbox() // each event once per isolate; redisInbox shares one record between all of them

const app = new Hono<Env>()

app.post("/hooks/exa", async (c) => {
  // c.req.raw is the Request as it arrived: its body has not been parsed.
  const event = await verifyRequest(c.req.raw, { secrets: parseSecrets(c.env.EXA_WEBHOOK_SECRET) })
  return inbox.reply(await inbox.process(event.id, () => console.log(`verified ${event.type} ${event.id}`)))
})

// A refused delivery gets 400/401 with the reason; anything else stays a 500.
app.onError((error, c) => (isVerifyError(error) ? rejection(error) : c.text("Internal Server Error", 500)))

export default app
