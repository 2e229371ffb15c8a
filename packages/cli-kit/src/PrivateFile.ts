/**
 * Files that hold a secret (an API key, signing secrets, the secrets journal) must be readable by their owner alone:
 * one rule, one sentence, for every such file both bins read or write.
 *
 * @since 0.5.0
 */
import { Effect, FileSystem, Option } from "effect"

/**
 * Whether a file of `mode` can be read or written by users other than its owner.
 *
 * @category predicates
 * @since 0.5.0
 */
export const isShared = (mode: number): boolean => (mode & 0o077) !== 0

/**
 * The sentence for a file others can read: `SUBJECT can be read by other users (mode 644); restrict it with: chmod
 * 600 PATH`. `subject` names the file as the message needs it (`the secrets journal PATH`); by default its path.
 *
 * @example
 * ```ts
 * PrivateFile.readableByOthers("key.txt", 0o644) // "key.txt can be read by other users (mode 644); restrict it with: chmod 600 key.txt"
 * ```
 * @category messages
 * @since 0.5.0
 */
export const readableByOthers = (path: string, mode: number, subject: string = path): string =>
  `${subject} can be read by other users (mode ${(mode & 0o777).toString(8)}); restrict it with: chmod 600 ${path}`

/**
 * {@link readableByOthers} for `path` when other users can read it, else `undefined` (also when it cannot be
 * examined: the read that follows reports that).
 *
 * @category checks
 * @since 0.5.0
 */
export const check = Effect.fn("PrivateFile.check")(function*(path: string, subject?: string) {
  const fs = yield* FileSystem.FileSystem
  const info = yield* Effect.option(fs.stat(path))
  return Option.isSome(info) && isShared(info.value.mode) ? readableByOthers(path, info.value.mode, subject) : undefined
})
