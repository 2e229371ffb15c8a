import { VerifyError, Web } from "@exa-webhooks/receiver"

// The webhook's secret (several, separated by spaces, while you rotate it).
const secrets = (process.env["EXA_WEBHOOK_SECRET"] ?? "").split(/\s+/).filter((s) => s !== "")

// A Fetch-style handler: Bun.serve, Deno.serve, Cloudflare Workers, Next.js route handlers, Hono.
export async function handle(request: Request): Promise<Response> {
  try {
    const event = await Web.verifyRequest(request, { secrets })
    console.log(`verified ${event.type} ${event.id}`)
    return new Response(null, { status: 204 })
  } catch (error) {
    if (VerifyError.isVerifyError(error)) return Web.rejection(error) // 400/401 with the reason
    throw error
  }
}
