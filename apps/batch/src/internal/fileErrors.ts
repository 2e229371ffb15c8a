/**
 * What a file system error code means, in a person's terms: one sentence per code, for the manifest and the journal
 * alike.
 *
 * @since 0.4.0
 */
import * as Path from "node:path"

/**
 * Why an operation on `path` failed with the system's `code` (`ENOENT`, `EACCES`, ...); `fallback` when the code is
 * not one a person can act on by name.
 *
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
