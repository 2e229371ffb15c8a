/**
 * What went wrong with a file, in a person's terms: one sentence per system error code, for every file both bins
 * touch (the API key, signing secrets, a delivery's body, a manifest, the secrets journal, the secret file of
 * `create`).
 *
 * @since 0.4.0
 */
import type { PlatformError } from "effect"
import * as Path from "node:path"

/**
 * Why an operation on `path` failed with the system's `code` (`ENOENT`, `EACCES`, ...); `fallback` when the code is
 * not one a person can act on by name.
 *
 * @example
 * ```ts
 * FileProblem.describe("EACCES", "/etc/shadow", "unknown") // "permission denied"
 * ```
 * @category describing
 * @since 0.4.0
 */
export const describe = (code: string | undefined, path: string, fallback: string): string => {
  switch (code) {
    case "ENOENT":
      return `the folder ${Path.dirname(path)} does not exist`
    case "ENOTDIR":
      return `a part of ${path} is not a folder`
    case "EACCES":
    case "EPERM":
      return "permission denied"
    case "EEXIST":
      return "it already exists"
    case "ELOOP":
      return "a symbolic link loops, or is one where none is followed"
    case "EISDIR":
      return "it is a folder"
    case "EROFS":
      return "the file system is read-only"
    case "ENOSPC":
      return "the disk is full"
    case "EDQUOT":
      return "the disk quota is exhausted"
    case "ENAMETOOLONG":
      return "the path is too long"
    case "EMFILE":
    case "ENFILE":
      return "too many files are open"
    case "EIO":
      return "the disk reported an input/output error"
    default:
      return fallback
  }
}

/**
 * Why an operation on `path` failed, from effect's `PlatformError`: when reading, "no such file" for a missing file;
 * when creating (`creating: true`), a missing folder says so; else {@link describe} of the system's code.
 *
 * @example
 * ```ts
 * fs.readFileString(path).pipe(Effect.mapError((error) => new UsageError({ message: `cannot read ${path} (${FileProblem.of(error, path)})` })))
 * ```
 * @category describing
 * @since 0.5.0
 */
export const of = (
  error: PlatformError.PlatformError,
  path: string,
  options: { readonly creating?: boolean | undefined } = {}
): string => {
  const code = (error.reason.cause as { readonly code?: unknown } | undefined)?.code
  const known = typeof code === "string" ? code : undefined
  if (error.reason._tag === "NotFound" && options.creating === true) return describe(known ?? "ENOENT", path, "no such folder")
  if (error.reason._tag === "NotFound" && known !== "ENOTDIR") return "no such file"
  if (error.reason._tag === "PermissionDenied" && known === undefined) return "permission denied"
  if (error.reason._tag === "AlreadyExists" && known === undefined) return "it already exists"
  return describe(known, path, error.reason.message)
}
