/**
 * A journal that can live in git: `--secrets-recipient` encrypts every secret with age before it is written (no
 * plaintext secret on disk), `secret --identity` decrypts one; a journal that mixes encrypted and plain entries, or a
 * wrong identity, is exit 2. Interoperability with the reference `age` command (Debian's package, which `make setup`
 * installs): what we encrypt, `age -d` decrypts, and what `age` encrypts, we decrypt.
 */
import { assert, describe, it } from "@effect/vitest"
import { MockServer } from "@exa-webhooks/mock-server"
import { generateIdentity, identityToRecipient } from "age-encryption"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { availability } from "../../../packages/client/test/fixtures/systemTool.ts"
import { envFor, journal, journalOf, json, manifestOf, mockLayer, run, tempDir, writeManifest } from "./fixtures/batch.ts"

const ageAvailable = availability("age", "age interoperability tests")

const keyPair = Effect.promise(async () => {
  const identity = await generateIdentity()
  return { identity, recipient: await identityToRecipient(identity) }
})

describe("an age-encrypted journal", () => {
  it.live("--secrets-recipient: no plaintext secret on disk; secret --identity (file or variable) decrypts; the journal may be 0644; mixing and wrong identities are exit 2", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("sealed", 2), dir)
      const [team, ops, stranger] = [yield* keyPair, yield* keyPair, yield* keyPair]
      const identityFile = join(dir, "key.txt")
      writeFileSync(identityFile, `# created: by age-keygen\n# public key: ${team.recipient}\n${team.identity}\n`, { mode: 0o600 })

      const applied = yield* run(["apply", manifest, "--secrets-recipient", team.recipient, "--secrets-recipient", ops.recipient], { env })
      assert.strictEqual(applied.code, 0, applied.stderr)
      assert.notInclude(applied.stderr, "git work tree")
      const text = readFileSync(journalOf(manifest), "utf8")
      assert.notInclude(text, "whsec_", "no plaintext secret in the journal")
      const entries = journal(journalOf(manifest)) as unknown as Array<{ key: string; sealed: string }>
      assert.strictEqual(entries.length, 2)
      for (const entry of entries) assert.match(entry.sealed, /^-----BEGIN AGE ENCRYPTED FILE-----\n/)

      const read = yield* run(["secret", manifest, "hook-0", "--identity", identityFile], { env: {} })
      assert.strictEqual(read.code, 0, read.stderr)
      assert.match(read.stdout, /^whsec_[0-9a-f]+\n$/)
      // The other recipient's key, as a CI secret holds it (the variable, the key itself).
      const byOps = yield* run(["secret", manifest, "--all", "--format", "env"], { env: { EXA_WEBHOOKS_AGE_IDENTITY: ops.identity } })
      assert.strictEqual(byOps.code, 0, byOps.stderr)
      assert.include(byOps.stdout, `EXA_WEBHOOK_SECRET_HOOK_0=${read.stdout.trim()}`)

      // Committed and checked out again: 0644 is fine for an encrypted journal; new entries stay encrypted (the
      // variable gives the recipients).
      chmodSync(journalOf(manifest), 0o644)
      writeManifest(manifestOf("sealed", 3), dir)
      const more = yield* run(["apply", manifest], { env: { ...env, EXA_WEBHOOKS_SECRETS_RECIPIENTS: `${team.recipient}, ${ops.recipient}` } })
      assert.strictEqual(more.code, 0, more.stderr)
      assert.notInclude(readFileSync(journalOf(manifest), "utf8"), "whsec_")

      const wrong = yield* run(["secret", manifest, "hook-0", "--identity", stranger.identity], { env: {} })
      assert.strictEqual(wrong.code, 2, wrong.stderr)
      assert.include(wrong.stderr, "was not encrypted to the identity of --identity")

      const missing = yield* run(["secret", manifest, "hook-0"], { env: {} })
      assert.strictEqual(missing.code, 2, missing.stderr)
      assert.include(missing.stderr, "pass --identity FILE")

      // Without recipients, apply would write plaintext next to encrypted secrets: refused before anything is sent.
      writeManifest(manifestOf("sealed", 4), dir)
      const plain = yield* run(["apply", manifest], { env })
      assert.strictEqual(plain.code, 2, plain.stderr)
      assert.include(plain.stderr, "holds encrypted secrets; pass --secrets-recipient")

      // A journal that mixes both (edited by hand) is refused by every command that reads it.
      appendFileSync(journalOf(manifest), `${JSON.stringify({ namespace: "sealed", key: "hook-9", id: "webhook_x", url: "https://example.com", secret: "whsec_plain", createdAt: "2026-01-01T00:00:00.000Z" })}\n`)
      for (const args of [["secret", manifest, "hook-0", "--identity", identityFile], ["plan", manifest]]) {
        const mixed = yield* run(args, { env })
        assert.strictEqual(mixed.code, 2, mixed.stderr)
        assert.include(mixed.stderr, "mixes encrypted secrets")
      }

      const bad = yield* run(["apply", manifest, "--secrets-recipient", "age1notarecipient"], { env })
      assert.strictEqual(bad.code, 2, bad.stderr)
      assert.include(bad.stderr, "--secrets-recipient")
    }).pipe(Effect.provide(mockLayer())))

  it.live("a plain journal stays plain: --secrets-recipient on it is refused (exit 2), nothing sent", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const env = envFor(mock)
      const manifest = writeManifest(manifestOf("plain-first", 1))
      assert.strictEqual((yield* run(["apply", manifest], { env })).code, 0)
      const { recipient } = yield* keyPair
      writeManifest(manifestOf("plain-first", 2), manifest.slice(0, manifest.lastIndexOf("/")))
      const refused = yield* run(["apply", manifest, "--secrets-recipient", recipient, "--json"], { env })
      assert.strictEqual(refused.code, 2, refused.stderr)
      assert.include(refused.stderr, "holds plain secrets")
    }).pipe(Effect.provide(mockLayer())))
})

describe.skipIf(!ageAvailable())("interoperability with the reference age command", () => {
  it.live("what we encrypt, age -d decrypts; what age encrypts, secret decrypts", () =>
    Effect.gen(function*() {
      const mock = yield* MockServer.MockServer
      const dir = tempDir()
      const manifest = writeManifest(manifestOf("interop", 1), dir)
      const keyFile = join(dir, "key.txt")
      execFileSync("age-keygen", ["-o", keyFile], { stdio: "ignore" })
      const recipient = execFileSync("age-keygen", ["-y", keyFile], { encoding: "utf8" }).trim()
      const applied = yield* run(["apply", manifest, "--secrets-recipient", recipient], { env: envFor(mock) })
      assert.strictEqual(applied.code, 0, applied.stderr)
      const [entry] = journal(journalOf(manifest)) as unknown as Array<{ key: string; id: string; url: string; sealed: string }>
      const byAge = execFileSync("age", ["-d", "-i", keyFile], { input: entry!.sealed, encoding: "utf8" })
      const ours = yield* run(["secret", manifest, "hook-0", "--identity", keyFile, "--json"], { env: {} })
      assert.strictEqual(ours.code, 0, ours.stderr)
      assert.strictEqual(byAge, json(ours).secret, "age -d reads our entry")
      assert.match(byAge, /^whsec_/)

      // A secret encrypted by age (armored), recorded as the entry of another webhook.
      const secret = "whsec_encrypted_by_the_age_command"
      const sealed = execFileSync("age", ["-a", "-r", recipient], { input: secret, encoding: "utf8" })
      appendFileSync(journalOf(manifest), `${JSON.stringify({ ...entry, sealed, createdAt: "2026-01-01T00:00:00.000Z" })}\n`)
      const read = yield* run(["secret", manifest, "hook-0", "--identity", keyFile], { env: {} })
      assert.strictEqual(read.code, 0, read.stderr)
      assert.strictEqual(read.stdout, `${secret}\n`)
    }).pipe(Effect.provide(mockLayer())))
})
