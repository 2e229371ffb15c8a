/**
 * Where the API key comes from, and how it may be shown.
 *
 * The key is read from `--api-key-file PATH` (`-`: standard input) or the `EXA_API_KEY` variable, never from a flag value: a key typed on
 * a command line ends up in shell history and in every process listing on the machine. It is held as a `Redacted`
 * from the moment it is read, so it cannot reach a log, an error or `--dry-run` output by accident; {@link mask} is the
 * only way it is ever displayed.
 *
 * @since 0.1.0
 */
import { ClientOptions } from "@exa-webhooks/client"
import { Config, Effect, Option, Redacted } from "effect"
import * as Dash from "./Dash.ts"
import * as PrivateFile from "./PrivateFile.ts"
import { UsageError } from "./UsageError.ts"

/**
 * The environment variable that holds the key.
 *
 * @since 0.1.0
 */
export const ENV = ClientOptions.settings.apiKey.env

/**
 * Where a key was found, for messages (never the key itself).
 *
 * @since 0.1.0
 */
export type Source =
  | { readonly _tag: "File"; readonly path: string }
  | { readonly _tag: "Stdin" }
  | { readonly _tag: "Env" }

/**
 * A key and where it came from.
 *
 * @since 0.1.0
 */
export interface ApiKey {
  readonly value: Redacted.Redacted<string>
  readonly source: Source
}

const keyConfig = Config.option(Config.Redacted(ENV))

// A key is one token: whitespace or control characters inside it mean the file or variable holds something else
// (two keys, a config file), and sending it would fail later with a confusing 401.
const isPlausible = (key: string) =>
  key.length > 0 && ![...key].some((char) => /\s/u.test(char) || char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)

// A key file holds one line; anything much larger is another file.
const MAX_KEY_FILE_BYTES = 64 * 1024

const fromFile = Effect.fn("ApiKey.fromFile")(function*(path: string) {
  const flag = `--${ClientOptions.settings.apiKey.flag.name}`
  const { path: file, text } = yield* Dash.read(path, {
    flag,
    hint: "pass the path of a file that holds only your Exa API key, or - to read it from standard input",
    maxBytes: MAX_KEY_FILE_BYTES
  })
  const source = file ?? "standard input"
  const key = text.trim()
  if (key.length === 0) {
    return yield* new UsageError({ message: `${flag}: ${source} is empty; it must hold your Exa API key` })
  }
  if (!isPlausible(key)) {
    return yield* new UsageError({
      message: `${flag}: ${source} holds more than one line or word; it must hold only your Exa API key`
    })
  }
  // Warn (not fail) on a key file others can read: ssh's rule, but a CI runner's files are often 0644 by design.
  const loose = file === undefined ? undefined : yield* PrivateFile.check(file)
  return { value: Redacted.make(key), source: file === undefined ? { _tag: "Stdin" } as const : { _tag: "File", path: file } as const, loose }
})

/**
 * Resolves the key: `--api-key-file` when given (an explicit flag wins), else `EXA_API_KEY`. Fails with a
 * {@link UsageError} naming the flag or variable when there is no usable key. `loose` is the warning to give when the
 * key file can be read by other users. `--api-key-file -` reads the key from standard input.
 *
 * @since 0.1.0
 */
export const resolve = Effect.fn("ApiKey.resolve")(function*(file: Option.Option<string>) {
  if (Option.isSome(file)) return yield* fromFile(file.value)
  const fromEnv = yield* keyConfig.pipe(Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>()))
  if (Option.isNone(fromEnv) || Redacted.value(fromEnv.value).trim().length === 0) {
    return yield* new UsageError({
      message: `no API key: set ${ENV} or pass --api-key-file PATH (a file holding only the key); ` +
        "there is deliberately no --api-key flag, because command lines leak into shell history and process lists"
    })
  }
  const key = Redacted.value(fromEnv.value).trim()
  if (!isPlausible(key)) {
    return yield* new UsageError({ message: `${ENV} holds whitespace or control characters; it must hold only the key` })
  }
  return { value: Redacted.make(key), source: { _tag: "Env" } as const, loose: undefined }
})

/**
 * The key as `--dry-run` shows it: its last four characters, when the key is long enough that they give nothing
 * away, behind a fixed mask (the mask does not reveal the length).
 *
 * @example
 * ```ts
 * ApiKey.mask(Redacted.make("exa_0123456789abcdef")) // "****...cdef"
 * ```
 * @since 0.1.0
 */
export const mask = (key: Redacted.Redacted<string>): string => {
  const value = Redacted.value(key)
  return value.length >= 16 ? `****...${value.slice(-4)}` : "****"
}
