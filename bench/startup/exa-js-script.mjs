// What a user would write instead of the CLI: a script that loads the official SDK and makes the same call.
// Usage: node exa-js-script.mjs help | create-dry-run | list   (EXA_API_KEY, EXA_BASE_URL from the environment)
import { Exa } from "exa-js"

const [command] = process.argv.slice(2)
if (command === "help") {
  console.log("usage: webhooks.mjs create|list|get|delete ...  (EXA_API_KEY, EXA_BASE_URL)")
} else if (command === "create-dry-run") {
  const exa = new Exa(process.env.EXA_API_KEY, process.env.EXA_BASE_URL)
  const body = { url: "http://127.0.0.1:9/hook", events: ["webset.created"] }
  console.log(`POST ${exa.baseURL}/websets/v0/webhooks\n${JSON.stringify(body, null, 2)}`)
} else if (command === "list") {
  const exa = new Exa(process.env.EXA_API_KEY, process.env.EXA_BASE_URL)
  const page = await exa.websets.webhooks.list()
  for (const webhook of page.data) console.log(`${webhook.id}  ${webhook.status}  ${webhook.url}`)
} else {
  console.error(`unknown command ${command}`)
  process.exit(2)
}
