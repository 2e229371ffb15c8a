import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { Ownership, ReservedMetadata, Validation, Webhook } from "../src/index.ts"

const decode = <S extends Schema.Top>(schema: S, value: unknown) =>
  Schema.decodeUnknownResult(schema as never)(value, Validation.parseOptions) as Result.Result<unknown, Schema.SchemaError>

const message = (result: Result.Result<unknown, Schema.SchemaError>) =>
  Result.isFailure(result) ? Validation.format(result.failure) : ""

describe("Ownership", () => {
  it("names: non-empty, printable, at most a metadata value long", () => {
    assert.isTrue(Result.isSuccess(decode(Ownership.Namespace, "growth-team")))
    assert.isTrue(Result.isSuccess(decode(Ownership.Key, "crm/sync.v2")))
    assert.include(message(decode(Ownership.Key, "")), "must not be empty")
    assert.include(message(decode(Ownership.Namespace, "growth team")), "may hold only")
    assert.include(
      message(decode(Ownership.Key, "k".repeat(Webhook.MAX_METADATA_VALUE_LENGTH + 1))),
      `stored as the metadata value ${ReservedMetadata.MANIFEST_KEY}`
    )
  })

  it("user metadata may not claim reserved keys; the value limit still applies", () => {
    assert.isTrue(Result.isSuccess(decode(Ownership.UserMetadata, { team: "growth" })))
    assert.include(message(decode(Ownership.UserMetadata, { [ReservedMetadata.NAMESPACE]: "x" })), "reserved")
    assert.include(message(decode(Ownership.UserMetadata, { note: "x".repeat(1001) })), "at most 1000 characters")
  })

  it("the reserved prefix in another case is reserved too, and keys differing only in case are refused", () => {
    for (const key of ["EXA-WEBHOOKS.namespace", "Exa-Webhooks.key", "exa-webhooks.MANIFEST"]) {
      assert.isTrue(ReservedMetadata.isReserved(key), key)
      assert.include(message(decode(Ownership.UserMetadata, { [key]: "x" })), "(in any case) are reserved", key)
      assert.include(ReservedMetadata.problem({ [key]: "x" }), "is reserved", key)
    }
    assert.isFalse(ReservedMetadata.isReserved("exa-webhooks"))
    assert.isFalse(ReservedMetadata.isReserved("exa_webhooks.namespace"))
    assert.include(message(decode(Ownership.UserMetadata, { team: "a", Team: "b" })), "\"team\" and \"Team\" differ only in case")
    assert.isUndefined(Ownership.caseClash(["a", "b", "A-"]))
  })

  it("tags, of and userPart agree", () => {
    const metadata = { team: "growth", ...Ownership.tags("growth-team", "crm-sync"), [ReservedMetadata.IDEMPOTENCY_KEY]: "k1" }
    assert.deepStrictEqual(Ownership.of(metadata), { namespace: "growth-team", key: "crm-sync", manifest: undefined })
    assert.deepStrictEqual(Ownership.of({ ...metadata, ...Ownership.tags("growth-team", "crm-sync", "infra/w.yaml") }), {
      namespace: "growth-team",
      key: "crm-sync",
      manifest: "infra/w.yaml"
    })
    assert.strictEqual(Ownership.of({ team: "growth" }), undefined)
    assert.strictEqual(Ownership.of(null), undefined)
    assert.deepStrictEqual(Ownership.userPart(metadata), { team: "growth" })
  })
})
