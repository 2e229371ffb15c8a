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

  it("tags, of and userPart agree", () => {
    const metadata = { team: "growth", ...Ownership.tags("growth-team", "crm-sync"), [ReservedMetadata.IDEMPOTENCY_KEY]: "k1" }
    assert.deepStrictEqual(Ownership.of(metadata), { namespace: "growth-team", key: "crm-sync" })
    assert.strictEqual(Ownership.of({ team: "growth" }), undefined)
    assert.strictEqual(Ownership.of(null), undefined)
    assert.deepStrictEqual(Ownership.userPart(metadata), { team: "growth" })
  })
})
