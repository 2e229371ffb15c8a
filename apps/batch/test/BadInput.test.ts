import { assert, describe, it } from "@effect/vitest"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { MockServer } from "@exa-webhooks/mock-server"
import { Effect, Result } from "effect"
import { execFileSync } from "node:child_process"
import { chmodSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as ManifestFile from "../src/ManifestFile.ts"
import * as ErrorReport from "../src/ErrorReport.ts"
import { envFor, mockLayer, run, stats, tempDir, writeManifest } from "./fixtures/batch.ts"

const head = "version: 1\nnamespace: team\n"
const hook = (extra = "", key = "a") => `  - key: ${key}\n    url: https://example.com/hooks/${key}\n${extra}`
const events20 = ["webset.created", "webset.deleted", "webset.paused", "webset.idle", "webset.search.created",
  "webset.search.canceled", "webset.search.completed", "webset.search.updated", "import.created", "import.completed",
  "webset.item.created", "webset.item.enriched", "monitor.created", "monitor.updated", "monitor.deleted",
  "monitor.run.created", "monitor.run.completed", "webset.export.created", "webset.export.completed"]

/** `levels` anchors, each a list of nine aliases to the one before ("billion laughs"), from line 3 on. */
const billionLaughs = (levels: number) => {
  const lines = ["l0: &l0 [lol]"]
  for (let i = 1; i <= levels; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: 9 }, () => `*l${i - 1}`).join(", ")}]`)
  return `${lines.join("\n")}\n`
}

/** `levels` anchors, each a list holding the one before: little text, deep once expanded. */
const nestedAliases = (levels: number) => {
  const lines = ["n0: &n0 [x]"]
  for (let i = 1; i <= levels; i++) lines.push(`n${i}: &n${i} [*n${i - 1}]`)
  return `${lines.join("\n")}\n`
}

/** A broken manifest: its text, a piece of the message, and the line that message must point at. */
interface Case {
  readonly name: string
  readonly text: string
  readonly says: string
  readonly line: number
}

const cases: ReadonlyArray<Case> = [
  { name: "unclosed flow sequence", text: `${head}webhooks:\n${hook("    events: [webset.created\n")}`, says: "YAML", line: 6 },
  { name: "bad indentation", text: `${head}webhooks:\n  - key: a\n     url: https://example.com\n`, says: "indented more than the key above", line: 5 },
  { name: "tab indentation", text: `${head}webhooks:\n\t- key: a\n`, says: "YAML", line: 4 },
  { name: "unterminated quote", text: `${head}webhooks:\n  - key: "a\n`, says: "YAML", line: 5 },
  { name: "mapping key twice", text: `version: 1\nnamespace: a\nnamespace: b\nwebhooks: []\n`, says: "YAML", line: 3 },
  { name: "empty file", text: "", says: "the manifest is empty", line: 1 },
  { name: "only comments", text: "# nothing here\n# at all\n", says: "the manifest is empty", line: 1 },
  { name: "a list at the top", text: "- a\n- b\n", says: "expected a mapping", line: 1 },
  { name: "a scalar at the top", text: "hello\n", says: "expected a mapping", line: 1 },
  { name: "missing version", text: "namespace: team\nwebhooks: []\n", says: "version: required", line: 1 },
  { name: "version 2", text: "version: 2\nnamespace: team\nwebhooks: []\n", says: "version: must be 1", line: 1 },
  { name: "version as text", text: "version: \"1\"\nnamespace: team\nwebhooks: []\n", says: "version: must be 1", line: 1 },
  { name: "missing namespace", text: "version: 1\nwebhooks: []\n", says: "namespace: required", line: 1 },
  { name: "namespace with a space", text: "version: 1\nnamespace: growth team\nwebhooks: []\n", says: "may hold only", line: 2 },
  { name: "empty namespace", text: "version: 1\nnamespace: \"\"\nwebhooks: []\n", says: "must not be empty", line: 2 },
  { name: "missing webhooks", text: head, says: "webhooks: required", line: 1 },
  { name: "webhooks as a mapping", text: `${head}webhooks:\n  a: 1\n`, says: "webhooks:", line: 4 },
  { name: "a webhook that is a scalar", text: `${head}webhooks:\n  - just-a-string\n`, says: "webhooks[0]", line: 4 },
  { name: "unknown top-level field", text: `${head}colour: red\nwebhooks: []\n`, says: "unknown field \"colour\"", line: 3 },
  { name: "misspelled webhook field", text: `${head}webhooks:\n${hook("    metdata: { a: b }\n")}`, says: "unknown field \"metdata\"", line: 6 },
  { name: "unknown defaults field", text: `${head}defaults: { event: [webset.created] }\nwebhooks: []\n`, says: "unknown field \"event\"", line: 3 },
  { name: "missing key", text: `${head}webhooks:\n  - url: https://example.com/x\n    events: [webset.created]\n`, says: "key: required", line: 4 },
  { name: "key with a space", text: `${head}webhooks:\n  - key: crm sync\n    url: https://example.com/x\n    events: [webset.created]\n`, says: "may hold only", line: 4 },
  { name: "missing url", text: `${head}webhooks:\n  - key: a\n    events: [webset.created]\n`, says: "url: required", line: 4 },
  { name: "ftp url", text: `${head}webhooks:\n  - key: a\n    url: ftp://example.com/x\n    events: [webset.created]\n`, says: "scheme \"ftp:\"", line: 5 },
  { name: "relative url", text: `${head}webhooks:\n  - key: a\n    url: /hooks/exa\n    events: [webset.created]\n`, says: "absolute http(s) URL", line: 5 },
  { name: "url as a number", text: `${head}webhooks:\n  - key: a\n    url: 42\n    events: [webset.created]\n`, says: "url", line: 5 },
  { name: "unknown event", text: `${head}webhooks:\n${hook("    events: [webset.created, webset.item.enrich]\n")}`, says: "did you mean \"webset.item.enriched\"", line: 6 },
  { name: "events as a string", text: `${head}webhooks:\n${hook("    events: webset.created\n")}`, says: "events", line: 6 },
  { name: "more than 19 events", text: `${head}webhooks:\n${hook(`    events: [${events20.join(", ")}, webset.idle]\n`)}`, says: "at most 19 events", line: 6 },
  { name: "an event listed twice", text: `${head}webhooks:\n${hook("    events: [webset.idle, webset.idle]\n")}`, says: "listed more than once", line: 6 },
  { name: "an empty event list and no defaults", text: `${head}webhooks:\n${hook("    events: []\n")}`, says: "at least one event is required", line: 6 },
  { name: "no events at all", text: `${head}webhooks:\n${hook()}`, says: "at least one event is required", line: 4 },
  { name: "duplicate keys", text: `${head}defaults: { events: [webset.created] }\nwebhooks:\n${hook()}${hook("", "b")}${hook()}`, says: "is already the key of webhooks[0]", line: 9 },
  { name: "metadata value too long", text: `${head}webhooks:\n${hook(`    events: [webset.created]\n    metadata: { note: ${"x".repeat(1001)} }\n`)}`, says: "at most 1000 characters", line: 7 },
  { name: "metadata value as a number", text: `${head}webhooks:\n${hook("    events: [webset.created]\n    metadata: { count: 3 }\n")}`, says: "metadata.count", line: 7 },
  { name: "reserved metadata key", text: `${head}webhooks:\n${hook("    events: [webset.created]\n    metadata: { \"exa-webhooks.key\": x }\n")}`, says: "reserved", line: 7 },
  { name: "key longer than a metadata value", text: `${head}webhooks:\n  - key: ${"k".repeat(1001)}\n    url: https://example.com/x\n    events: [webset.created]\n`, says: "stored as the metadata value exa-webhooks.key", line: 4 },
  { name: "unset variable", text: `${head}webhooks:\n  - key: a\n    url: \${EXA_BATCH_TEST_UNSET}/x\n    events: [webset.created]\n`, says: "EXA_BATCH_TEST_UNSET is not set", line: 5 },
  { name: "malformed variable", text: `${head}webhooks:\n  - key: a\n    url: https://example.com/\${1BAD}\n    events: [webset.created]\n`, says: "not a variable reference", line: 5 },
  { name: "unknown event in the defaults", text: `${head}defaults: { events: [webset.completed] }\nwebhooks: []\n`, says: "did you mean \"webset.idle\"", line: 3 },
  // Issue 20 item 10: a URL needs a host as written (URL parsers turn https:///a into https://a/).
  { name: "url without a host", text: `${head}webhooks:\n  - key: a\n    url: https:///a\n    events: [webset.created]\n`, says: "a webhook URL needs a host", line: 5 },
  { name: "url of slashes only", text: `${head}webhooks:\n  - key: a\n    url: "http:////"\n    events: [webset.created]\n`, says: "url", line: 5 },
  { name: "url with a password and a space (never echoed)", text: `${head}webhooks:\n  - key: a\n    url: "https://u:hunter2@e.com/a b"\n    events: [webset.created]\n`, says: "u:****@e.com", line: 5 },
  // Aliases and anchors: each was an "internal error" (exit 1) or a silent misreading.
  { name: "a recursive alias", text: `${head}webhooks: &x [*x]\n`, says: "inside the node it refers to", line: 3 },
  { name: "a recursive alias in a block list", text: `${head}webhooks: &x\n  - *x\n`, says: "inside the node it refers to", line: 4 },
  { name: "an alias redefined around itself", text: `${head}a: &o {x: 1}\nwebhooks: &o\n  - *o\n`, says: "inside the node it refers to", line: 5 },
  { name: "an unresolved alias", text: `${head}webhooks: [*nope]\n`, says: "refers to no anchor", line: 3 },
  { name: "an alias used before its anchor", text: `${head}webhooks: [*later]\nx: &later {}\n`, says: "refers to no anchor", line: 3 },
  { name: "a merge key whose source is a list", text: `${head}s: &s [1, 2]\nwebhooks:\n  - <<: *s\n    key: a\n`, says: "<< merges a mapping", line: 5 },
  { name: "a merge key whose source is text", text: `${head}webhooks:\n  - {<<: text, key: a}\n`, says: "<< merges a mapping", line: 4 },
  { name: "a merge key in a list of non-mappings", text: `${head}m: &m {url: https://example.com}\nwebhooks:\n  - <<: [*m, 3]\n    key: a\n`, says: "<< merges a mapping", line: 5 },
  { name: "two merge keys", text: `${head}m: &m {a: 1}\nwebhooks:\n  - <<: *m\n    <<: *m\n`, says: "one << at most", line: 6 },
  { name: "an alias with an anchor", text: `${head}m: &m {}\nwebhooks: &n *m\n`, says: "an alias cannot have", line: 4 },
  { name: "an alias as a key", text: `${head}k: &k key\nwebhooks:\n  - *k : a\n`, says: "an alias cannot be a key", line: 5 },
  { name: "an anchor before a key", text: `${head}webhooks:\n  - &a key: a\n`, says: "before a key", line: 4 },
  { name: "aliases that expand a billion times", text: `${head}${billionLaughs(9)}webhooks: []\n`, says: "repeats", line: 12 },
  { name: "nesting deeper than 64 levels", text: `${head}webhooks: ${"[".repeat(100)}${"]".repeat(100)}\n`, says: "more than 64 levels", line: 3 },
  { name: "nesting through aliases deeper than 64 levels", text: `${head}${nestedAliases(70)}webhooks: []\n`, says: "with its aliases expanded", line: 67 },
  // YAML a manifest cannot mean: refused at its place instead of misread.
  { name: "an explicit complex key", text: `${head}webhooks:\n  - key: a\n    ? [a, b]\n    : v\n`, says: "explicit keys", line: 5 },
  { name: "a complex key in block style", text: `${head}webhooks:\n  - [a, b]: v\n`, says: "complex key", line: 4 },
  { name: "a complex key in a flow mapping", text: `${head}webhooks: [{[a, b]: v}]\n`, says: "complex key", line: 3 },
  { name: "an explicit key in metadata", text: `${head}webhooks:\n${hook("    events: [webset.created]\n    metadata:\n      ? team\n      : growth\n")}`, says: "explicit keys", line: 8 },
  { name: "a %YAML 9.9 directive", text: `%YAML 9.9\n---\n${head}webhooks: []\n`, says: "is not read", line: 1 },
  { name: "a %YAML 1.1 directive", text: `%YAML 1.1\n---\n${head}webhooks: []\n`, says: "is not read", line: 1 },
  { name: "a %TAG directive", text: `%TAG ! tag:example.com,2000:\n---\n${head}webhooks: []\n`, says: "directive \"%TAG\"", line: 1 },
  { name: "a directive without ---", text: `%YAML 1.2\n${head}webhooks: []\n`, says: "followed by a line with ---", line: 2 },
  { name: "garbage after the document end marker", text: `${head}webhooks: []\n...\ngarbage\n`, says: "single YAML document", line: 5 },
  { name: "a directive after the document end marker", text: `${head}webhooks: []\n...\n%YAML 1.2\n`, says: "single YAML document", line: 5 },
  { name: "a second document", text: `${head}webhooks: []\n---\n${head}webhooks: []\n`, says: "single YAML document", line: 4 },
  { name: "a custom tag", text: `${head}webhooks:\n${hook("    events: [webset.created]\n    metadata: { team: !secret growth }\n")}`, says: "the tag \"!secret\"", line: 7 },
  { name: "a tag on a list", text: `${head}webhooks: !!str []\n`, says: "applies to text", line: 3 },
  { name: "a key read as a number", text: `${head}webhooks:\n${hook("    events: [webset.created]\n    metadata: { 1.0: x }\n")}`, says: "read as a number", line: 7 },
  { name: "a key read as null", text: `${head}webhooks:\n${hook("    events: [webset.created]\n    metadata:\n      null: x\n")}`, says: "read as null", line: 8 },
  { name: "a list on the line of its key", text: `${head}webhooks: - key: a\n`, says: "cannot start on the line of its key", line: 3 },
  { name: "a mapping on the line of its key", text: `${head}webhooks:\n  - key: a\n    url: u: v\n`, says: "cannot start on the line of its key", line: 5 },
  { name: "a line that is not key: value", text: `${head}webhooks: []\njust words\n`, says: "is not a key: value pair", line: 4 },
  { name: "a stray closing bracket", text: `${head}webhooks: []]\n`, says: "after a value on the same line", line: 3 },
  { name: "two commas in a row", text: `${head}webhooks: [{key: a},, {key: b}]\n`, says: "two commas", line: 3 },
  { name: "a key given twice in a flow mapping", text: `${head}webhooks: [{key: a, key: b}]\n`, says: "given twice", line: 3 },
  { name: "key: value inside [ ]", text: `${head}webhooks: [key: a]\n`, says: "inside [ ]", line: 3 },
  { name: "a comment glued to a value", text: `${head}webhooks:\n  - key: "a"# note\n`, says: "a space before its #", line: 4 },
  { name: "a plain value starting with @", text: `${head}webhooks:\n  - key: @team\n`, says: "cannot start with @", line: 4 },
  { name: "text after a block scalar indicator", text: `${head}webhooks:\n${hook("    events: [webset.created]\n    metadata:\n      note: | text\n        more\n")}`, says: "after the block scalar indicator", line: 8 },
  { name: "a bad escape in double quotes", text: `${head}webhooks:\n  - key: "a\\qb"\n`, says: "YAML", line: 4 },
  { name: "a tab after - before an anchor", text: `${head}webhooks:\n  -\t&a {key: a}\n`, says: "a tab indents", line: 4 },
  { name: "10,000 metadata keys (a body no server takes)", text: `${head}webhooks:\n${hook(`    events: [webset.created]\n    metadata: { ${Array.from({ length: 10_000 }, (_, i) => `k${i}: v`).join(", ")} }\n`)}`, says: "bytes of JSON", line: 7 },
  { name: "a metadata value of 1,000 four-byte characters, fifty times", text: `${head}webhooks:\n${hook(`    events: [webset.created]\n    metadata: { ${Array.from({ length: 50 }, (_, i) => `k${i}: "${"😀".repeat(500)}"`).join(", ")} }\n`)}`, says: "bytes of JSON", line: 7 },
  // Two manifests, one namespace: names that read as one, and the reserved prefix in another case.
  { name: "keys that differ only in case", text: `${head}defaults: { events: [webset.created] }\nwebhooks:\n${hook("", "crm-sync")}${hook("", "CRM-Sync")}`, says: "differs from the key of webhooks[0] (\"crm-sync\") only in case", line: 7 },
  { name: "metadata keys that differ only in case", text: `${head}webhooks:\n${hook("    events: [webset.created]\n    metadata: { team: a, Team: b }\n")}`, says: "\"team\" and \"Team\" differ only in case", line: 7 },
  { name: "a metadata key that differs from a default's only in case", text: `${head}defaults: { events: [webset.created], metadata: { team: a } }\nwebhooks:\n${hook("    metadata: { Team: b }\n")}`, says: "(with the defaults' metadata): keys \"team\" and \"Team\" differ only in case", line: 7 },
  { name: "the reserved prefix in another case", text: `${head}webhooks:\n${hook("    events: [webset.created]\n    metadata: { EXA-WEBHOOKS.namespace: other }\n")}`, says: "(in any case) are reserved", line: 7 },
  { name: "the reserved prefix in another case, in the defaults", text: `${head}defaults: { metadata: { Exa-Webhooks.manifest: x } }\nwebhooks: []\n`, says: "(in any case) are reserved", line: 3 },
  { name: "a manifest name with a space", text: `${head}name: my manifest\nwebhooks: []\n`, says: "manifest name \"my manifest\" may hold only", line: 3 },
  { name: "an escape character in the text", text: `${head}webhooks:\n  - key: a\x1b[2J\n`, says: "control character (U+001B)", line: 4 },
  { name: "a C1 control character in the text", text: `${head}webhooks: []\n# \u009b\n`, says: "control character (U+009B)", line: 4 }
]

const pick = (name: string) => cases.find((c) => c.name === name)!

describe("bad input", () => {
  it("the corpus has at least 80 broken manifests, each with its own message at its own line", () => {
    assert.isAtLeast(cases.length, 80)
    for (const c of cases) {
      const result = ManifestFile.parse("m.yaml", c.text, {})
      assert.isTrue(Result.isFailure(result), `${c.name}: accepted`)
      if (Result.isSuccess(result)) continue
      const problem = result.failure.problems.find((p) => p.message.includes(c.says))
      assert.isDefined(problem, `${c.name}: no problem says ${JSON.stringify(c.says)} in ${result.failure.message}`)
      assert.strictEqual(problem!.line, c.line, `${c.name}: ${ManifestFile.formatProblem(problem!)}`)
      assert.isAtLeast(problem!.column, 1)
    }
  })

  it("a file with a thousand broken entries lists the first 100 problems, located, and counts the other entries", () => {
    const text = `${head}webhooks:\n${Array.from({ length: 1000 }, (_, i) => `  - key: k${i}\n    url: ftp://example.com/${i}\n`).join("")}`
    const result = ManifestFile.parse("m.yaml", text, {})
    assert.isTrue(Result.isFailure(result))
    if (Result.isSuccess(result)) return
    assert.strictEqual(result.failure.problems.length, ManifestFile.MAX_PROBLEMS)
    assert.strictEqual(result.failure.unlisted, 900)
    assert.deepStrictEqual(result.failure.problems.slice(0, 2).map((p) => p.line), [5, 7])
    assert.include(ErrorReport.of(result.failure)!.message, "100 problems in m.yaml (and 900 more broken entries, not listed: fix these first); nothing was sent")
    const more = ManifestFile.parse("m.yaml", `${text}${Array.from({ length: 1500 }, (_, i) => `  - key: j${i}\n`).join("")}`, {})
    assert.isTrue(Result.isFailure(more))
    if (Result.isSuccess(more)) return
    assert.strictEqual(more.failure.unlisted, ManifestFile.MAX_UNLISTED, "counting stops")
    assert.include(ErrorReport.of(more.failure)!.message, "(and over 1,000 more broken entries, not listed")
  })

  it("every problem of a file is reported at once", () => {
    const text = `version: 2\nnamespace: a b\nwebhooks:\n  - key: a\n    url: ftp://x\n    events: [nope]\n  - key: a\n    url: https://example.com\n    events: [webset.created]\n`
    const result = ManifestFile.parse("m.yaml", text, {})
    assert.isTrue(Result.isFailure(result))
    if (Result.isSuccess(result)) return
    assert.deepStrictEqual(result.failure.problems.map((p) => p.line), [1, 2, 5, 6, 7])
  })

  it("a variable that is set is substituted, and $${ stays literal", () => {
    const text = `${head}webhooks:\n  - key: a\n    url: \${BASE}/x\n    events: [webset.created]\n    metadata: { note: "$\${KEEP}" }\n`
    const result = ManifestFile.parse("m.yaml", text, { BASE: "https://example.com" })
    assert.isTrue(Result.isSuccess(result))
    if (Result.isFailure(result)) return
    assert.strictEqual(result.success.webhooks[0]!.url, "https://example.com/x")
    assert.strictEqual(result.success.webhooks[0]!.metadata["note"], "${KEEP}")
  })

  it("a pretty-printed JSON manifest reads as the same manifest, spaces and escapes inside strings intact", () => {
    const note = "a \\\"quoted\\\" note,\t with  spaces"
    const json = JSON.stringify({
      version: 1,
      namespace: "team",
      defaults: { events: ["webset.created"] },
      webhooks: [
        { key: "a", url: "https://example.com/hooks/a", metadata: { note } },
        { key: "b", url: "https://example.com/hooks/b", events: ["webset.idle"] }
      ]
    }, null, 2)
    const result = ManifestFile.parse("m.json", json, {})
    assert.isTrue(Result.isSuccess(result))
    if (Result.isFailure(result)) return
    assert.deepStrictEqual(result.success.webhooks.map((w) => [w.key, w.url, w.events]), [
      ["a", "https://example.com/hooks/a", ["webset.created"]],
      ["b", "https://example.com/hooks/b", ["webset.created", "webset.idle"]]
    ])
    assert.strictEqual(result.success.webhooks[0]!.metadata["note"], note)
  })

  it("a JSON manifest with a key given twice is refused at that key's line", () => {
    const json = `{\n  "version": 1,\n  "namespace": "team",\n  "namespace": "other",\n  "webhooks": []\n}\n`
    const result = ManifestFile.parse("m.json", json, {})
    assert.isTrue(Result.isFailure(result))
    if (Result.isSuccess(result)) return
    assert.deepStrictEqual(result.failure.problems.map((p) => p.line), [4])
  })

  it.effect("files that cannot be read as a manifest are located problems too, and every manifest problem maps to exit 2", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const binary = join(dir, "binary.yaml")
      writeFileSync(binary, Buffer.from([0x76, 0x65, 0x72, 0x0a, 0x00, 0x01, 0x02]))
      const latin1 = join(dir, "latin1.yaml")
      writeFileSync(latin1, Buffer.from("version: 1\nnamespace: caf\xe9\n", "latin1"))
      const folder = join(dir, "folder.yaml")
      mkdirSync(folder)
      const huge = join(dir, "huge.yaml")
      writeFileSync(huge, "")
      truncateSync(huge, ManifestFile.MAX_BYTES + 1)
      const fifo = join(dir, "fifo.yaml")
      execFileSync("mkfifo", [fifo])
      const loop = join(dir, "loop.yaml")
      symlinkSync(join(dir, "loop2.yaml"), loop)
      symlinkSync(loop, join(dir, "loop2.yaml"))
      const files = [
        { path: binary, says: "not a text file", line: 2 },
        { path: join(binary, "x.yaml"), says: "is not a folder", line: 1 },
        { path: loop, says: "a symbolic link loops", line: 1 },
        { path: fifo, says: "not a regular file (FIFO)", line: 1 },
        { path: "/dev/zero", says: "not a regular file (CharacterDevice)", line: 1 },
        { path: "", says: "the manifest's path is empty", line: 1 },
        { path: latin1, says: "not UTF-8", line: 1 },
        { path: folder, says: "is a directory", line: 1 },
        { path: join(dir, "missing.yaml"), says: "no such file", line: 1 },
        { path: huge, says: "at most 64 MiB", line: 1 }
      ]
      if (process.getuid?.() !== 0) {
        // Root reads any file, so only a non-root run can see "permission denied".
        const unreadable = join(dir, "unreadable.yaml")
        writeFileSync(unreadable, head)
        chmodSync(unreadable, 0o000)
        files.push({ path: unreadable, says: "permission denied", line: 1 })
      }
      for (const file of files) {
        const error = yield* Effect.flip(ManifestFile.load(file.path, {}))
        assert.strictEqual(error.problems[0]?.file, file.path)
        assert.strictEqual(error.problems[0]?.line, file.line, error.message)
        assert.include(error.message, file.says)
        assert.strictEqual(ErrorReport.of(error)!.exitCode, 2)
      }
      for (const c of cases) {
        const error = yield* Effect.flip(ManifestFile.load(writeManifest(c.text, dir, "case.yaml"), {}))
        assert.strictEqual(ErrorReport.of(error)!.exitCode, 2, c.name)
        assert.include(ErrorReport.of(error)!.message, "nothing was sent")
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.live("the bin exits 2 with located messages and sends nothing (one of each kind: syntax, schema, variable, binary, folder)", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      // The last three were "internal error ... (this is a bug)" with exit 1.
      const files = [
        "unclosed flow sequence",
        "unknown event",
        "unset variable",
        "duplicate keys",
        "a recursive alias",
        "an unresolved alias",
        "a merge key whose source is a list"
      ].map((name, i) => ({
        name,
        path: writeManifest(pick(name).text, dir, `case-${i}.yaml`),
        says: pick(name).says
      }))
      const binary = join(dir, "binary.yaml")
      writeFileSync(binary, Buffer.from([0x00, 0x01, 0x02]))
      const folder = join(dir, "folder.yaml")
      mkdirSync(folder)
      files.push({ name: "binary", path: binary, says: "not a text file" }, { name: "folder", path: folder, says: "is a directory" })
      yield* Effect.forEach(files, (file) =>
        Effect.gen(function*() {
          const result = yield* run(["apply", file.path, "--prune", "--yes"], { env })
          assert.strictEqual(result.code, 2, `${file.name}: ${result.stderr}`)
          assert.strictEqual(result.stdout, "", file.name)
          const located = result.stderr.split("\n").find((line) => line.startsWith(`${file.path}:`))
          assert.isDefined(located, `${file.name}: ${result.stderr}`)
          assert.match(located!, /^[^:]+:\d+:\d+: /, file.name)
          assert.include(result.stderr, file.says, file.name)
          assert.include(result.stderr, "nothing was sent", file.name)
        }), { concurrency: 3, discard: true })

      const asJson = yield* run(["--json", "validate", files[0]!.path], { env })
      assert.strictEqual(asJson.code, 2)
      const error = JSON.parse(asJson.stderr).error
      assert.strictEqual(error.type, "ManifestError")
      assert.isAtLeast(error.problems.length, 1)
      assert.strictEqual(error.problems[0].file, files[0]!.path)

      assert.strictEqual((yield* stats).requests, 0, "no request reached the mock")
    }).pipe(Effect.provide(mockLayer())))

  it.live("bad shared flags and variables are exit 2 naming the flag or variable, nothing sent (the schema's rules)", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const manifest = writeManifest(`${head}webhooks: []\n`, tempDir())
      const flagCases: ReadonlyArray<readonly [ReadonlyArray<string>, Record<string, string>, ReadonlyArray<string>]> = [
        [["--rate-limit", "fast", "plan", manifest], {}, ["--rate-limit", "positive number of requests per second", '"fast"']],
        [["plan", manifest], { EXA_RATE_LIMIT: "0" }, ["EXA_RATE_LIMIT", "--rate-limit"]],
        [["--timeout", "soon", "plan", manifest], {}, ["--timeout", '"soon"']],
        [["--base-url", "https://user:pw@api.exa.ai", "plan", manifest], {}, ["--base-url", "user name or password"]],
        [["apply", manifest, "--concurrency", "0"], {}, ["--concurrency", "1 to 64"]],
        [["import", "--namespace", "growth team"], {}, ["--namespace", "may hold only"]],
        [["secret", manifest, "crm sync"], {}, ["KEY", "may hold only"]],
        // Issue 20 item 13: a mistyped store address is never echoed, in text, --json or --log-level all.
        [["--rate-limit-store", "redis://user:hunter2", "plan", manifest], {}, ["--rate-limit-store", "not a port number", "not shown"]],
        [["plan", manifest, "--json"], { EXA_RATE_LIMIT_STORE: "hunter2" }, ["EXA_RATE_LIMIT_STORE", "does not start with redis://"]],
        [["plan", manifest, "--log-level", "all"], { EXA_RATE_LIMIT_STORE: "redis//hunter2" }, ["EXA_RATE_LIMIT_STORE", "does not start with redis://"]],
        [["apply", manifest, "--log-level", "all", "--json", "--rate-limit-store", "redis://user:hunter2/0"], {}, ["--rate-limit-store"]],
        [["validate", ""], {}, ["MANIFEST", "the manifest's path is empty"]]
      ]
      for (const [args, env, says] of flagCases) {
        const result = yield* run(args, { env: { ...envFor(mock), ...env } })
        assert.strictEqual(result.code, 2, `${args.join(" ")}: ${result.stderr}`)
        assert.strictEqual(result.stdout, "")
        for (const text of says) assert.include(result.stderr, text, args.join(" "))
        assert.notInclude(result.stderr, "RangeError")
        assert.notInclude(result.stderr, "hunter2", "a password is never echoed")
      }
      assert.strictEqual((yield* stats).requests, 0, "no request reached the mock")
    }).pipe(Effect.provide(mockLayer())))
})
