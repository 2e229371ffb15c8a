/**
 * `-` where a path is taken: standard input for a file that is read (`--api-key-file -`, `verify --secret-file -`,
 * `verify -`), standard output for one that is written (`import --output -`), and refused with a message where
 * neither makes sense (a journal that is appended to and locked, the secret file of `create`). Never a file named
 * `-`: a bin calls {@link isDash} (or {@link read}, {@link refuse}) before it touches the path.
 *
 * @since 0.5.0
 */
import { Effect, FileSystem, Stdio, Stream } from "effect"
import type { PlatformError } from "effect"
import * as FileProblem from "./FileProblem.ts"
import { UsageError } from "./UsageError.ts"

/**
 * Whether `path` is `-` (surrounding blanks ignored: `" - "` is not a file anyone meant either).
 *
 * @category predicates
 * @since 0.5.0
 */
export const isDash = (path: string): boolean => path.trim() === "-"

/**
 * The refusal of `-` for `flag`, saying why the path must be a file.
 *
 * @example
 * ```ts
 * Dash.refuse("--secrets-file", "the secrets journal is appended to, locked and synced")
 * ```
 * @category errors
 * @since 0.5.0
 */
export const refuse = (flag: string, why: string): UsageError =>
  new UsageError({ message: `${flag} -: ${why}, so it cannot be standard input or output; pass a file path` })

/**
 * What a text read through {@link read} came from, for messages: the path, or `stdin`.
 *
 * @category models
 * @since 0.5.0
 */
export interface Read {
  readonly text: string
  /** `undefined` for standard input. */
  readonly path: string | undefined
}

/**
 * Reads `path`, or standard input for `-`, as UTF-8 text of at most `maxBytes` (a larger input is refused, not
 * held). A file that cannot be read is a `UsageError` naming `flag` and saying why, then `hint`.
 *
 * @category reading
 * @since 0.5.0
 */
export const read = Effect.fn("Dash.read")(function*(
  path: string,
  options: { readonly flag: string; readonly hint: string; readonly maxBytes: number }
) {
  const { flag, hint, maxBytes } = options
  const source = isDash(path) ? "standard input" : path
  const stream: Stream.Stream<Uint8Array, PlatformError.PlatformError, FileSystem.FileSystem | Stdio.Stdio> = isDash(path)
    ? Stream.unwrap(Stdio.Stdio.use((stdio) => Effect.succeed(stdio.stdin)))
    : Stream.unwrap(FileSystem.FileSystem.use((fs) => Effect.succeed(fs.stream(path))))
  const bytes = yield* collect(stream, maxBytes).pipe(
    Effect.mapError((error) =>
      new UsageError({ message: `${flag}: cannot read ${source} (${isDash(path) ? error.message : FileProblem.of(error, path)}); ${hint}` })
    )
  )
  if (bytes === undefined) {
    return yield* new UsageError({ message: `${flag}: ${source} holds more than ${maxBytes} bytes; ${hint}` })
  }
  const result: Read = { text: new TextDecoder().decode(bytes), path: isDash(path) ? undefined : path }
  return result
})

/**
 * The bytes of `stream`, or `undefined` once they pass `maxBytes`: reading stops there, and no more than the limit
 * (and one chunk) is ever held.
 *
 * @category reading
 * @since 0.5.0
 */
export const collect = <E, R>(
  stream: Stream.Stream<Uint8Array, E, R>,
  maxBytes: number
): Effect.Effect<Uint8Array | undefined, E, R> =>
  Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    return Stream.runForEachWhile(stream, (chunk) =>
      Effect.sync(() => {
        size += chunk.length
        if (size > maxBytes) return false
        chunks.push(chunk)
        return true
      })).pipe(
        Effect.map(() => {
          if (size > maxBytes) return undefined
          const bytes = new Uint8Array(size)
          let at = 0
          for (const chunk of chunks) {
            bytes.set(chunk, at)
            at += chunk.length
          }
          return bytes
        })
      )
  })
