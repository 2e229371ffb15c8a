/**
 * `--rate-limit-store URL` (or `EXA_RATE_LIMIT_STORE`): the Redis that holds the rate budget shared by every process
 * using the same API key and store (the client's `RateLimitStore`). Checked by the schema's `RedisUrl` rule before
 * anything is sent; a bad address is a `UsageError` naming the flag or the variable, never quoting the password.
 *
 * @since 0.3.0
 */
import { ClientOptions, RedisUrl } from "@exa-webhooks/client"
import { Config, Effect, Option, Redacted } from "effect"
import { Flag } from "effect/cli"
import { UsageError } from "./UsageError.ts"

// Its name, variable and description: the client's settings table.
const setting = ClientOptions.settings.rateLimitStore

/**
 * The flag (a `Redacted` value: the address may hold a password).
 *
 * @since 0.3.0
 */
export const flag = Flag.Redacted(setting.flag.name).pipe(
  Flag.withDescription(`${setting.description} (or ${setting.env}); e.g. redis://127.0.0.1:6379/0`),
  Flag.withMetavar(setting.flag.metavar),
  Flag.optional
)

const fromEnv = Config.option(Config.String(setting.env))

const check = Effect.fn("RateLimitStoreFlag.check")(function*(value: string, origin: string) {
  const problem = RedisUrl.problem(value)
  // The rule never quotes a password.
  if (problem !== undefined) return yield* new UsageError({ message: `${origin}: ${problem}` })
  return RedisUrl.parse(value)!
})

/**
 * The store: the flag's, else the variable's (an empty one counts as unset), else `None` (the budget stays in the
 * process).
 *
 * @since 0.3.0
 */
export const resolve = Effect.fn("RateLimitStoreFlag.resolve")(function*(given: Option.Option<Redacted.Redacted<string>>) {
  if (Option.isSome(given)) return Option.some(yield* check(Redacted.value(given.value).trim(), `--${setting.flag.name}`))
  const variable = Option.filter(
    yield* fromEnv.pipe(Effect.orElseSucceed(() => Option.none<string>())),
    (value) => value.trim() !== ""
  )
  return Option.isSome(variable) ? Option.some(yield* check(variable.value.trim(), setting.env)) : Option.none()
})
