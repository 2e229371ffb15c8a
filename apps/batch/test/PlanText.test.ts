import { assert, describe, it } from "@effect/vitest"
import * as Text from "@exa-webhooks/cli-kit/Text"
import { Ownership } from "@exa-webhooks/schema"
import * as Plan from "../src/Plan.ts"
import * as Render from "../src/Render.ts"
import { desired, remote } from "./fixtures/plan.ts"

// Ids of two lengths, so that the id column has to be laid out.
let n = 0
const ours = (key: string, url: string) =>
  remote(Ownership.tags("team", key, "webhooks.yaml"), url, `webhook_${String(++n).padStart(n % 2 === 0 ? 3 : 12, "0")}`)

const plan = () => {
  const manifest = "webhooks.yaml"
  const remotes = [
    ours("a", "https://example.com/old-a"),
    ours("a-much-longer-key", "https://example.com/same"),
    ours("gone", "https://example.com/gone")
  ]
  const computed = Plan.make(
    "team",
    manifest,
    [desired("a", "https://example.com/new-a"), desired("a-much-longer-key", "https://example.com/same"), desired("new", "https://example.com/n")],
    remotes,
    { adopt: false, claim: false, journaled: new Set(remotes.map((webhook) => webhook.id)) }
  )
  return { computed, summary: Plan.summary(computed) }
}

describe("plan's text", () => {
  it("lines up its columns: what, key, id, details; no line ends in spaces", () => {
    const { computed, summary } = plan()
    const lines = Text.render(Render.planText(computed, summary, true), { color: false, lines: true }).split("\n").slice(1)
    assert.strictEqual(lines.length, 4, lines.join("\n"))
    const keyAt = lines.map((line) => line.search(/ (a|a-much-longer-key|new|gone)\b/) + 1)
    assert.strictEqual(new Set(keyAt).size, 1, `keys start in one column:\n${lines.join("\n")}`)
    const detailAt = lines.filter((line) => /example\.com|url:/.test(line)).map((line) => line.search(/https:|url:/))
    assert.strictEqual(new Set(detailAt).size, 1, `details start in one column:\n${lines.join("\n")}`)
    for (const line of lines) assert.notMatch(line, / $/)
    assert.match(lines.join("\n"), /^= unchanged {2,}a-much-longer-key {2}\(webhook_\d+\)$/m)
  })

  it("colours what each line does, only when colour is on", () => {
    const { computed, summary } = plan()
    const coloured = Text.render(Render.planText(computed, summary), { color: true, lines: true })
    assert.include(coloured, "\u001b[32m+ create\u001b[39m")
    assert.include(coloured, "\u001b[33m~ update\u001b[39m")
    assert.include(coloured, "\u001b[31m- orphaned\u001b[39m")
    assert.notInclude(Text.render(Render.planText(computed, summary), { color: false, lines: true }), "\u001b")
  })
})
