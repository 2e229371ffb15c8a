import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as YAML from "yaml"
import * as YamlReader from "../src/internal/yamlReader.ts"
import * as ManifestFile from "../src/ManifestFile.ts"

// Documents using every construct the reader supports; mutated below to reach its edges.
const seeds = [
  "version: 1\nnamespace: team\ndefaults: { events: [webset.created], metadata: { team: growth } }\nwebhooks:\n  - key: a\n    url: https://example.com/a\n    events: [webset.item.created, webset.item.enriched]\n    metadata: { owner: sales }\n  - key: b\n    url: \"https://example.com/b\"\n    metadata:\n      note: 'it''s'\n      multi: >-\n        folded\n        text\n",
  "# comment\nversion: 1\nnamespace: t\nx-common: &common\n  events: [a, b]\nwebhooks:\n- <<: *common\n  key: a\n  url: https://x/a\n- <<: [*common]\n  key: b # trailing\n  url: https://x/b\n  events:\n    - c\n    - d\n",
  "{\n  \"version\": 1,\n  # a comment\n  \"namespace\": \"t\",\n  \"webhooks\": [\n    {\"key\": \"a\", \"url\": \"https://x/a\", \"events\": [\"a\"]},\n    {\"key\": \"b\", \"url\": \"https://x/b\", \"metadata\": {\"k\": \"v\"}}\n  ]\n}\n",
  "---\nversion: 1\nnamespace: t\nwebhooks: [\n  {key: a, url: https://x/a},\n  {key: b, url: https://x/b, events: [x, y]}\n]\n...\n",
  "a: |\n  literal\n    more\n\n  end\nb: |-\n  x\nc: >+\n  y\n\nd: \"dq \\u0041 \\\"q\\\"\n  cont\"\ne: 'sq\n  cont'\nf: plain\n  multi\n\n  line\n",
  "- a\n- - b\n  - c\n-\n  d: 1\n  e: [1, {f: g}]\n- &x {h: i}\n- *x\n",
  "base: &b {x: 1, y: [a, b]}\nother: &o\n  z: 2\nm1: {<<: *b, w: 3}\nm2:\n  <<: [*b, *o]\n  x: override\nlist:\n- *b\n- {<<: *o}\nempty:\nnull1: ~\nq: \"\"\n",
  "k1: |2\n    indented\n   less\nk2: >1\n  x\nk3:\n  - |\n    in seq\n  - >-\n    folded in seq\n  -   spaced\nk4: [\n  \"multi\n   line\", 'x\n   y',\n  plain\n   flow]\n",
  "top:\n  mid:\n    deep:\n      - a: 1\n        b: 2\n      - c: 3\n  mid2: x\ntop2: y # c\n# end\nnums: [0x1F, 0o17, 012, 1.5e3, .inf, -.Inf, .nan, ~, null, true, False, '1']\n"
]

// Numbers JSON cannot show, and key order, out of the comparison.
const normal = (value: unknown): unknown => {
  if (typeof value === "number") {
    return Number.isNaN(value) ? "NaN" : Object.is(value, -0) ? "-0" : Number.isFinite(value) ? value : String(value)
  }
  if (Array.isArray(value)) return value.map(normal)
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).toSorted().map((key) => [key, normal((value as Record<string, unknown>)[key])]))
  }
  return value
}

const byYaml = (text: string): { readonly value: unknown } | undefined => {
  try {
    const document = YAML.parseDocument(text, { merge: true, uniqueKeys: true, strict: true })
    if (document.errors.length > 0) return undefined
    const value = document.toJS({ maxAliasCount: -1 })
    JSON.stringify(value) // a recursive alias makes a cycle
    return { value }
  } catch {
    return undefined
  }
}

// A small deterministic generator (mulberry32), so a failure names a case that can be run again.
const random = (seed: number) => () => {
  seed = (seed + 0x6D2B79F5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const pieces = [" ", "\n", "- ", ":", ": ", "#", "[", "]", "{", "}", ",", "\"", "'", "&a ", "*a", "!", "|", ">", "? ", "a", "1", "\t", "<<: ", "  ", "---\n", "...\n", "%YAML 1.2\n", "\\"]

const mutate = (text: string, next: () => number) => {
  const pick = (n: number) => Math.floor(next() * n)
  let out = text
  for (let times = 1 + pick(3); times > 0; times--) {
    const at = pick(out.length + 1)
    const lines = out.split("\n")
    switch (pick(5)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + 1 + pick(3))
        break
      case 1:
      case 2:
        out = out.slice(0, at) + pieces[pick(pieces.length)] + out.slice(at)
        break
      case 3: {
        const line = pick(lines.length)
        lines[line] = pick(2) === 0 ? ` ${lines[line]}` : lines[line]!.replace(/^ /, "")
        out = lines.join("\n")
        break
      }
      default: {
        const [a, b] = [pick(lines.length), pick(lines.length)]
        lines.splice(a, 0, lines[b]!)
        out = lines.join("\n")
      }
    }
  }
  return out
}

describe("the manifest's YAML reader", () => {
  it("reads every seed document as the yaml package does", () => {
    for (const seed of seeds) {
      const read = YamlReader.read(seed)
      assert.isTrue("value" in read, `${JSON.stringify(seed)}: ${JSON.stringify(read)}`)
      assert.deepStrictEqual(normal((read as { value: unknown }).value), normal(byYaml(seed)?.value), seed)
    }
  })

  it("accepts no mutated document that the yaml package refuses, and reads every one it accepts to the same value", () => {
    const next = random(20)
    let accepted = 0
    for (let i = 0; i < 3000; i++) {
      const text = mutate(seeds[i % seeds.length]!, next)
      const read = YamlReader.read(text)
      if (!("value" in read)) continue
      accepted++
      const theirs = byYaml(text)
      assert.isDefined(theirs, `case ${i}: accepted what yaml refuses: ${JSON.stringify(text)}`)
      assert.deepStrictEqual(normal(read.value), normal(theirs!.value), `case ${i}: ${JSON.stringify(text)}`)
    }
    assert.isAtLeast(accepted, 600, "enough mutations are still documents to compare")
  })

  it("never throws: every failure is an offset inside the text and a sentence", () => {
    const next = random(21)
    for (let i = 0; i < 2000; i++) {
      const text = mutate(mutate(seeds[i % seeds.length]!, next), next)
      const read = YamlReader.read(text)
      if ("value" in read) continue
      assert.isAtLeast(read.offset, 0)
      assert.isAtMost(read.offset, text.length, JSON.stringify(text))
      assert.match(read.message, /^YAML: \S/)
    }
  })

  it("stops at the value past its limit, at that value's place", () => {
    const text = `list: [${Array.from({ length: 50 }, (_, i) => `v${i}`).join(", ")}]\n`
    assert.isTrue("value" in YamlReader.read(text, undefined, { maxNodes: 53 }))
    const over = YamlReader.read(text, undefined, { maxNodes: 40 })
    assert.isFalse("value" in over)
    if ("value" in over) return
    assert.match(over.message, /^YAML: the document holds more than 40 values/)
    assert.strictEqual(text.slice(over.offset, over.offset + 4), "v39,", "the 41st value: the key, then v0 to v39")
  })

  it("records the places of the paths it is asked for, falling back to the deepest one found", () => {
    const text = "a: 1\nlist:\n  - x\n  - k: v\n    m: &m {n: 1}\n  -\nmerged: {<<: *m, o: 2}\n"
    const places = new YamlReader.Places()
    const paths = [["list", 1, "k"], ["list", 1, "m", "n"], ["list", 2], ["merged", "n"], ["merged", "o"], ["nope"], []] as const
    for (const path of paths) places.add(path)
    assert.isTrue("value" in YamlReader.read(text, places))
    const at = (path: ReadonlyArray<string | number>, atKey = false) => {
      const offset = places.offsetOf(path, atKey)
      return text.slice(offset, offset + 3)
    }
    assert.strictEqual(at(["list", 1, "k"]), "v\n ")
    assert.strictEqual(at(["list", 1, "k"], true), "k: ")
    assert.strictEqual(at(["list", 1, "m", "n"]), "1}\n")
    assert.strictEqual(at(["list", 2]), "-\nm", "an empty item is at its -")
    assert.strictEqual(at(["merged", "n"]), "{<<", "a merged key is at its mapping")
    assert.strictEqual(at(["merged", "o"]), "2}\n")
    assert.strictEqual(at(["nope"]), "a: ")
  })
})

const item = (i: number) => ({ key: `k${i}`, url: `https://example.com/${i}`, events: ["a", "b"], metadata: { m: `${i}`, n: "x" } })

describe("locating a problem in one item of a large sequence by reading that item alone", () => {  const items = Array.from({ length: 100 }, (_, i) => item(i))
  const styles: Record<string, string> = {
    block: `base: &base {n: x}\nwebhooks:\n${items.map((w, i) =>
      i === 80
        ? `  - <<: *base\n    key: ${w.key}\n    url: ${w.url}\n    events: [a, b]\n    metadata: {m: "80"}\n`
        : i === 65
        ? "  -\n"
        : `  - key: ${w.key}\n    url: ${w.url}\n    events:\n      - a\n      - b\n    metadata:\n      m: "${i}"\n      n: x\n`
    ).join("")}`,
    "indentless, compact": `webhooks:\n${items.map((w) => `- key: ${w.key}\n  url: '${w.url}'\n  events: [a, b]\n  metadata: {m: "${w.metadata.m}", n: x}\n`).join("")}`,
    "pretty json": JSON.stringify({ webhooks: items }, null, 2),
    "one-line json": JSON.stringify({ webhooks: items }),
    "flow with comments": `webhooks: [ # all of them\n${items.map((w) => `  {key: ${w.key}, url: ${w.url}, # the url\n   events: [a, b], metadata: {m: "${w.metadata.m}", n: x}}`).join(",\n")}\n]\n`
  }
  const paths = [
    ["webhooks", 70, "url"],
    ["webhooks", 70, "events", 1],
    ["webhooks", 99, "metadata", "m"],
    ["webhooks", 99, "metadata", "n"],
    ["webhooks", 0],
    ["webhooks", 65],
    ["webhooks", 80, "metadata", "n"],
    ["webhooks", 80, "key"],
    ["webhooks", 64, "nope"],
    ["webhooks"]
  ]

  it("finds the same places as reading the whole document, in every style", () => {
    for (const [style, text] of Object.entries(styles)) {
      const document = YamlReader.read(text)
      assert.isTrue("value" in document, `${style}: ${JSON.stringify(document)}`)
      if (!("value" in document)) continue
      // The webhooks are a large sequence: their item offsets were kept, so a problem in one is found by reading it alone.
      const webhooks = (document.value as { webhooks: ReadonlyArray<unknown> }).webhooks
      assert.strictEqual(document.itemOffsets.get(webhooks)?.starts.length, 100, style)
      for (const atKey of [false, true]) {
        const wanted = paths.map((path) => ({ path, atKey }))
        const whole = new YamlReader.Places()
        for (const path of paths) whole.add(path)
        YamlReader.read(text, whole)
        const expected = paths.map((path) => whole.offsetOf(path, atKey))
        assert.deepStrictEqual(YamlReader.locate(text, document, wanted), expected, `${style}, atKey ${atKey}`)
      }
    }
  })
})

describe("manifests in every style", () => {
  const entries = [
    { key: "a", url: "https://example.com/hooks/a", events: ["webset.created"], metadata: { team: "growth" } },
    { key: "b", url: "https://example.com/hooks/b", events: ["webset.created", "webset.idle"] }
  ]
  const styles: Record<string, string> = {
    block:
      "version: 1\nnamespace: team\nwebhooks:\n  - key: a\n    url: https://example.com/hooks/a\n    events: [webset.created]\n    metadata: { team: growth }\n  - key: b\n    url: https://example.com/hooks/b\n    events:\n      - webset.created\n      - webset.idle\n",
    json: JSON.stringify({ version: 1, namespace: "team", webhooks: entries }, null, 2),
    "json with comments": `# generated\n${JSON.stringify({ version: 1, namespace: "team", webhooks: entries }, null, 2).replace("\"webhooks\": [", "\"webhooks\": [ # two of them")}`,
    "one-line json": JSON.stringify({ version: 1, namespace: "team", webhooks: entries }),
    flow:
      "version: 1\nnamespace: team\nwebhooks: [\n  {key: a, url: https://example.com/hooks/a, events: [webset.created], metadata: {team: growth}},\n  # the second\n  {key: b, url: https://example.com/hooks/b, events: [webset.created, webset.idle]}\n]\n",
    "anchors and merge keys":
      "version: 1\nnamespace: team\nx-base: &base\n  events: [webset.created]\nwebhooks:\n  - <<: *base\n    key: a\n    url: https://example.com/hooks/a\n    metadata: &team { team: growth }\n  - <<: *base\n    key: b\n    url: https://example.com/hooks/b\n    events: [webset.created, webset.idle]\n",
    "documents markers, CRLF":
      "%YAML 1.2\r\n---\r\nversion: 1\r\nnamespace: team\r\nwebhooks:\r\n- {key: a, url: 'https://example.com/hooks/a', events: [webset.created], metadata: {team: growth}}\r\n- key: b\r\n  url: \"https://example.com/hooks/b\"\r\n  events: [webset.created, webset.idle]\r\n...\r\n"
  }

  it("each reads as the same manifest (x-base is refused as an unknown field, and nothing else differs)", () => {
    for (const [style, text] of Object.entries(styles)) {
      const result = ManifestFile.parse("m.yaml", text, {})
      if (style === "anchors and merge keys") {
        assert.isTrue(Result.isFailure(result))
        if (Result.isSuccess(result)) continue
        assert.deepStrictEqual(result.failure.problems.map((p) => p.message), [
          "x-base: unknown field \"x-base\"; expected one of version, namespace, name, defaults, webhooks"
        ])
        continue
      }
      assert.isTrue(Result.isSuccess(result), `${style}: ${Result.isFailure(result) ? result.failure.message : ""}`)
      if (Result.isFailure(result)) continue
      assert.deepStrictEqual(
        result.success.webhooks.map((w): unknown => ({ key: w.key, url: w.url, events: w.events, metadata: w.metadata })),
        [{ ...entries[0]!, metadata: { team: "growth" } }, { ...entries[1]!, metadata: {} }],
        style
      )
    }
  })
})
