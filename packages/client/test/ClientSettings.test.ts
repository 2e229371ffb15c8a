import { assert, describe, it } from "@effect/vitest"
import { Duration, Schema } from "effect"
import { ClientOptions, ClientSettings } from "../src/index.ts"

const failure = <S extends Schema.Decoder<unknown>>(schema: S, input: unknown): string | undefined => {
  const exit = Schema.decodeUnknownExit(schema)(input)
  return exit._tag === "Success" ? undefined : String(exit.cause)
}

describe("ClientSettings", () => {
  it("a rate limit is a positive, finite number of requests per second", () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) assert.isDefined(ClientSettings.rateLimitProblem(bad))
    assert.isUndefined(ClientSettings.rateLimitProblem(0.5))
    assert.strictEqual(Schema.decodeUnknownSync(ClientSettings.RateLimitFromString)("2.5"), 2.5)
    for (const bad of ["fast", "0", "-3", "1e3", "0x10", ""]) {
      assert.include(failure(ClientSettings.RateLimitFromString, bad) ?? "", "positive number of requests per second", bad)
    }
  })

  it("a timeout is a positive, finite duration; a delay may be zero", () => {
    assert.isTrue(Duration.equals(Schema.decodeUnknownSync(ClientSettings.TimeoutFromString)("10 seconds"), Duration.seconds(10)))
    for (const bad of ["soon", "0 seconds", "Infinity"]) assert.isDefined(failure(ClientSettings.TimeoutFromString, bad), bad)
    assert.isDefined(ClientSettings.timeoutProblem(Duration.zero))
    assert.isUndefined(ClientSettings.delayProblem(Duration.zero))
    assert.isDefined(ClientSettings.delayProblem(Duration.infinity))
  })

  it("retries are a whole number, 0 or more", () => {
    assert.strictEqual(Schema.decodeUnknownSync(ClientSettings.MaxRetriesFromString)("0"), 0)
    for (const bad of ["-1", "1.5", "many"]) assert.isDefined(failure(ClientSettings.MaxRetriesFromString, bad), bad)
    assert.isDefined(ClientSettings.maxRetriesProblem(2.5))
  })
})

describe("the settings table", () => {
  it("states each setting once: its variable is what fromEnv reads, its default reads back as itself", () => {
    const envs = Object.values(ClientOptions.settings).map((setting) => setting.env)
    assert.strictEqual(new Set(envs).size, envs.length, "no variable twice")
    assert.deepStrictEqual(
      [ClientOptions.env.apiKey, ClientOptions.env.rateLimit, ClientOptions.env.timeout, ClientOptions.env.retry.maxRetries],
      [ClientOptions.settings.apiKey.env, ClientOptions.settings.rateLimit.env, ClientOptions.settings.timeout.env, ClientOptions.settings.maxRetries.env]
    )
    for (const setting of Object.values(ClientOptions.settings)) {
      const text = ClientOptions.defaultText(setting as ClientOptions.Setting<unknown, unknown>)
      if (setting.default === undefined) {
        assert.isUndefined(text, setting.env)
        continue
      }
      const decoded = Schema.decodeUnknownSync(setting.schema as Schema.Codec<unknown, string>)(text)
      assert.isTrue(
        Duration.isDuration(decoded) ? Duration.equals(decoded, setting.default as Duration.Duration) : decoded === setting.default,
        `${setting.env}: ${text}`
      )
    }
    assert.strictEqual(ClientOptions.defaultText(ClientOptions.settings.timeout), "30 seconds")
    assert.strictEqual(ClientOptions.defaultText(ClientOptions.settings.retryMaxElapsed), "1 minute")
  })
})
