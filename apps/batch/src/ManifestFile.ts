/**
 * Reading a manifest file: every problem at once, each located as `file:line:column: message`, before anything is
 * sent.
 *
 * Valid files are the common case, so they take the fast path: effect's own YAML parser (no positions, a fraction of
 * the time and memory of a full document model), `${VAR}` substitution, then the manifest's schema. Only when
 * something is wrong is the text parsed again with the `yaml` package, whose document keeps positions, to say where
 * each problem is (and to report YAML syntax errors, which it describes best).
 *
 * @since 0.1.0
 */
import { Ownership, RequestBody, Validation, Webhook } from "@exa-webhooks/schema"
import { Effect, FileSystem, Result, Schema } from "effect"
import type { PlatformError } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as FileErrors from "@exa-webhooks/cli-kit/FileProblem"
import * as YamlReader from "./internal/yamlReader.ts"
import * as Manifest from "./Manifest.ts"

/**
 * Largest manifest read, in bytes (64 MiB: a 100,000-webhook manifest is about 11 MB).
 *
 * @since 0.1.0
 */
export const MAX_BYTES = 64 * 1024 * 1024

/**
 * One problem, located in the manifest's text (`file:line:column: message`). Not the schema's `Validation.Problem`
 * (a field path and a message, the shape the API and the client share): the path is turned into a place in the file,
 * where a person edits it, and the message already names the field.
 *
 * @since 0.1.0
 */
export interface Problem {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly message: string
}

/**
 * The manifest cannot be used; `problems` lists every reason. Exit code 2: nothing was sent.
 *
 * @since 0.1.0
 */
export class ManifestError extends Schema.TaggedError<ManifestError>()("ManifestError", {
  file: Schema.String,
  problems: Schema.Array(Schema.Struct({
    file: Schema.String,
    line: Schema.Number,
    column: Schema.Number,
    message: Schema.String
  })),
  /** Entries with problems beyond the {@link MAX_PROBLEMS} listed: counted, not listed. */
  unlisted: Schema.Number,
  message: Schema.String
}) {}

/**
 * `file:line:column: message`, the form editors and CI annotate.
 *
 * @since 0.1.0
 */
export const formatProblem = (problem: Problem): string =>
  `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`

const failWith = (file: string, problems: ReadonlyArray<Problem>, unlisted = 0) =>
  new ManifestError({
    file,
    problems,
    unlisted,
    message: problems.length === 1 && unlisted === 0
      ? formatProblem(problems[0]!)
      : `${file}: ${problems.length} problems${unlistedNote(unlisted)}:\n${problems.map(formatProblem).join("\n")}`
  })

/**
 * What a report adds when entries with problems were not listed.
 *
 * @since 0.4.0
 */
export const unlistedNote = (unlisted: number): string =>
  unlisted === 0
    ? ""
    : ` (and ${unlisted >= MAX_UNLISTED ? `over ${MAX_UNLISTED.toLocaleString("en")}` : unlisted} more broken ${
      unlisted === 1 ? "entry" : "entries"
    }, not listed: fix these first)`

/**
 * A manifest that passed every check, with its webhooks merged and tagged.
 *
 * @since 0.1.0
 */
export interface Loaded {
  readonly file: string
  readonly manifest: Manifest.Manifest
  /** The manifest's name: its `name`, or its path in its git repository (see {@link nameFromPath}). */
  readonly name: string
  readonly webhooks: ReadonlyArray<Manifest.Desired>
}

type Path = ReadonlyArray<string | number>

interface Unlocated {
  readonly path: Path
  readonly message: string
  /** Point at the key of the last path segment rather than its value (unknown fields). */
  readonly atKey?: boolean
}

// `${NAME}` reads the environment; `$${` writes a literal `${`.
const reference = /\$(\$?)\{([^}]*)\}/g
const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Replaces `${VAR}` in every string value of `value`, collecting unset or malformed references. */
const substitute = (
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: Array<string | number>,
  problems: Array<Unlocated>
): unknown => {
  if (typeof value === "string") {
    if (!value.includes("${")) return value
    return value.replace(reference, (match, escape: string, name: string) => {
      if (escape === "$") return match.slice(1)
      if (!variableName.test(name)) {
        problems.push({ path: [...path], message: `${Validation.formatPath(path)}: "${match}" is not a variable reference; write \${NAME} (letters, digits, _) or $\${ for a literal \${` })
        return match
      }
      const found = env[name]
      if (found === undefined) {
        problems.push({ path: [...path], message: `${Validation.formatPath(path)}: the environment variable ${name} is not set; export it or remove \${${name}}` })
        return match
      }
      return found
    })
  }
  // Containers are copied only when something inside them changed: a manifest without variables stays as parsed.
  if (Array.isArray(value)) {
    let out: Array<unknown> | undefined
    for (let i = 0; i < value.length; i++) {
      path.push(i)
      const item = substitute(value[i], env, path, problems)
      path.pop()
      if (item !== value[i]) (out ??= [...value])[i] = item
    }
    return out ?? value
  }
  if (value !== null && typeof value === "object") {
    let out: Record<string, unknown> | undefined
    for (const key in value) {
      const before = (value as Record<string, unknown>)[key]
      path.push(key)
      const item = substitute(before, env, path, problems)
      path.pop()
      if (item !== before) (out ??= { ...value })[key] = item
    }
    return out ?? value
  }
  return value
}

// Validation.formatPath's output back into segments: `webhooks[3].metadata["a b"]` -> ["webhooks", 3, "metadata", "a b"].
const parsePath = (text: string): Path => {
  const segments: Array<string | number> = []
  const token = /(?:^|\.)([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy
  let match: RegExpExecArray | null
  while ((match = token.exec(text)) !== null) {
    segments.push(match[1] ?? (match[2] === undefined ? String(JSON.parse(match[3]!)) : Number(match[2])))
    if (token.lastIndex >= text.length) break
  }
  return segments
}

// The top level with the webhooks left raw: each entry is decoded on its own, so one broken entry does not hide the
// problems of the others (or the duplicate keys among them).
const Top = Schema.Struct({ ...Manifest.Manifest.fields, webhooks: Schema.Array(Schema.Unknown) })
const decodeTop = Schema.decodeUnknownResult(Top)
const decodeEntry = Schema.decodeUnknownResult(Manifest.Entry)
const decodeCreate = Schema.decodeUnknownResult(Webhook.CreateWebhookParameters)
// Most entries are valid: they are checked stopping at the first problem, and only a failing one is checked again
// for all of its problems (measured: a third less time on 100,000 entries).
const firstProblem = { onExcessProperty: "error" } as const

const schemaProblems = (issue: Parameters<typeof Validation.problems>[0], prefix: Path, problems: Array<Unlocated>) => {
  for (const problem of Validation.problems(issue)) {
    const path = [...prefix, ...parsePath(problem.path)]
    const name = Validation.formatPath(path)
    const unexpected = /excess property|^Unexpected key/i.test(problem.message)
    const message = unexpected
      ? `unknown field "${String(path.at(-1))}"${expectedFields(path)}`
      : name === "version" && !problem.message.startsWith("required")
      ? `must be ${Manifest.VERSION}, the only version of the format`
      : problem.message
    problems.push({ path, atKey: unexpected, message: name === "" ? message : `${name}: ${message}` })
  }
}

/** The merged webhook of a valid entry, checked as the create it becomes (ownership tags included: limits count them). */
const checkMerged = (
  manifest: Manifest.Manifest,
  name: string,
  entry: Manifest.Entry,
  index: number,
  problems: Array<Unlocated>
): Manifest.Desired | undefined => {
  const webhook = Manifest.desired(manifest, entry, index)
  const body = Manifest.createBody(manifest.namespace, name, webhook)
  // Every field can be right and the request still too large to send (thousands of metadata keys).
  const tooLarge = () => {
    const clash = entry.metadata === undefined ? undefined : Ownership.caseClash(Object.keys(webhook.metadata))
    if (clash !== undefined) {
      problems.push({
        path: ["webhooks", index, "metadata"],
        message: `webhooks[${index}].metadata (with the defaults' metadata): keys ${clash}`
      })
      return undefined
    }
    const problem = RequestBody.problem(Manifest.sentBody(manifest.namespace, name, webhook))
    if (problem === undefined) return webhook
    problems.push({
      path: entry.metadata === undefined ? ["webhooks", index] : ["webhooks", index, "metadata"],
      message: `webhooks[${index}]: creating this webhook: ${problem} (its metadata, with the defaults' and the ownership tags, ` +
        `has ${Object.keys(body.metadata ?? {}).length} keys)`
    })
    return undefined
  }
  if (Result.isSuccess(decodeCreate(body))) return tooLarge()
  const checked = decodeCreate(body, Validation.parseOptions)
  if (Result.isSuccess(checked)) return tooLarge()
  for (const problem of Validation.problems(checked.failure.issue)) {
    const field = parsePath(problem.path)[0]
    const own = field === "events" ? entry.events : field === "metadata" ? entry.metadata : undefined
    problems.push({
      path: own === undefined ? ["webhooks", index] : ["webhooks", index, field as string],
      message: `webhooks[${index}].${
        field === "events"
          ? "events (with the defaults' events)"
          : field === "metadata"
          ? "metadata (with the defaults' metadata and the ownership tags)"
          : problem.path
      }: ${problem.message}`
    })
  }
  return undefined
}

/** Every problem of a parsed document, unlocated; the manifest and its webhooks when there is none. */
const check = (
  parsed: unknown,
  env: Readonly<Record<string, string | undefined>>,
  pathName: string
): { readonly problems: ReadonlyArray<Unlocated>; readonly unlisted?: number; readonly loaded?: Omit<Loaded, "file"> } => {
  if (parsed === null || parsed === undefined) {
    return {
      problems: [{ path: [], message: "the manifest is empty; it needs version: 1, a namespace and a list of webhooks (see examples/webhooks.yaml)" }]
    }
  }
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    return {
      problems: [{ path: [], message: `expected a mapping with version, namespace and webhooks, got ${Array.isArray(parsed) ? "a list" : `the ${typeof parsed} ${JSON.stringify(parsed)}`}` }]
    }
  }
  const variableProblems: Array<Unlocated> = []
  const value = substitute(parsed, env, [], variableProblems) as Record<string, unknown>
  const problems: Array<Unlocated> = []
  const top = decodeTop(value, Manifest.parseOptions)
  if (Result.isFailure(top)) schemaProblems(top.failure.issue, [], problems)
  const rawEntries = Array.isArray(value["webhooks"]) ? value["webhooks"] : []
  const firstIndex = new Map<string, number>()
  const entries: Array<readonly [Manifest.Entry, number]> = []
  let unlisted = 0
  for (const [index, raw] of rawEntries.entries()) {
    if (unlisted >= MAX_UNLISTED) break
    const key = (raw as { key?: unknown } | null)?.key
    if (typeof key === "string") {
      // Keys that differ only in case are one key to a person (and to case-insensitive tools): refused too.
      const earlier = firstIndex.get(key.toLowerCase())
      if (earlier !== undefined) {
        const same = (rawEntries[earlier] as { key: string }).key === key
        problems.push({
          path: ["webhooks", index, "key"],
          message: same
            ? `webhooks[${index}].key: "${key}" is already the key of webhooks[${earlier}]; keys must be unique within the namespace`
            : `webhooks[${index}].key: "${key}" differs from the key of webhooks[${earlier}] ("${
              (rawEntries[earlier] as { key: string }).key
            }") only in case; keys must differ in more than case`
        })
        continue
      }
      firstIndex.set(key.toLowerCase(), index)
    }
    const quick = decodeEntry(raw, firstProblem)
    if (Result.isSuccess(quick)) {
      entries.push([quick.success, index])
      continue
    }
    // Past the problems that are listed, broken entries are only counted (up to a point).
    if (problems.length >= MAX_PROBLEMS) {
      unlisted++
      continue
    }
    const entry = decodeEntry(raw, Manifest.parseOptions)
    if (Result.isFailure(entry)) schemaProblems(entry.failure.issue, ["webhooks", index], problems)
    else entries.push([entry.success, index])
  }
  // A value with an unset variable fails its own check too; the variable is the problem to report.
  const unset = new Set(variableProblems.map((problem) => Validation.formatPath(problem.path)))
  const all = [...variableProblems, ...problems.filter((problem) => !unset.has(Validation.formatPath(problem.path)))]
  if (Result.isFailure(top)) return { problems: all, unlisted }
  const manifest: Manifest.Manifest = { ...top.success, webhooks: entries.map(([entry]) => entry) }
  const name = manifest.name ?? pathName
  const webhooks: Array<Manifest.Desired> = []
  for (const [entry, index] of entries) {
    const webhook = checkMerged(manifest, name, entry, index, all)
    if (webhook !== undefined) webhooks.push(webhook)
  }
  return { problems: all, unlisted, loaded: { manifest, name, webhooks } }
}

const fieldsAt = (path: Path): ReadonlyArray<string> =>
  path.length === 1
    ? Object.keys(Manifest.Manifest.fields)
    : path[0] === "defaults"
    ? Object.keys(Manifest.Defaults.fields)
    : path[0] === "webhooks"
    ? Object.keys(Manifest.Entry.fields)
    : []

const expectedFields = (path: Path) => {
  const fields = fieldsAt(path)
  return fields.length === 0 ? "" : `; expected one of ${fields.join(", ")}`
}

// Characters YAML does not allow in its text (C0 and C1 controls other than tab and line breaks, DEL): a raw escape
// would otherwise reach a terminal through a message, and nothing a manifest means needs one unescaped.
// oxlint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/

/** `offset` in `text` as a 1-based line and column. */
const lineColumn = (text: string, offset: number) => {
  let line = 1
  let start = 0
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++
    start = i + 1
  }
  return { line, column: offset - start + 1 }
}

/**
 * Most problems reported for one file; the rest are counted. A file with a thousand broken entries has one mistake
 * made a thousand times, and locating each would take longer than fixing the first.
 *
 * @since 0.4.0
 */
export const MAX_PROBLEMS = 100

/**
 * Broken entries counted beyond those listed; past this many the count stops ("over 1,000"): checking each costs
 * time, and the number tells nothing the first hundred did not.
 *
 * @since 0.4.0
 */
export const MAX_UNLISTED = 1_000

/** Problems at their places: found again in the text, item by item (see `YamlReader.locate`). */
const locate = (file: string, text: string, document: YamlReader.Read, problems: ReadonlyArray<Unlocated>): Array<Problem> => {
  const offsets = YamlReader.locate(text, document, problems.map((problem) => ({ path: problem.path, atKey: problem.atKey === true })))
  // One walk over the text for every offset, in order.
  const order = offsets.map((offset, i) => [offset, i] as const).toSorted((a, b) => a[0] - b[0])
  const positions = Array.from({ length: offsets.length }, () => ({ line: 1, column: 1 }))
  let line = 1
  let start = 0
  let at = 0
  for (const [offset, i] of order) {
    for (let n = text.indexOf("\n", at); n !== -1 && n < offset; n = text.indexOf("\n", n + 1)) {
      line++
      start = n + 1
      at = n + 1
    }
    positions[i] = { line, column: Math.min(offset, text.length) - start + 1 }
  }
  return problems
    .map((problem, i) => ({ file, line: positions[i]!.line, column: positions[i]!.column, message: problem.message }))
    .toSorted((a, b) => a.line - b.line || a.column - b.column)
}

/**
 * Validates the text of a manifest: the manifest and its merged webhooks, or a {@link ManifestError} with every
 * problem located (at most {@link MAX_PROBLEMS}; the others are counted).
 *
 * @since 0.1.0
 */
export const parse = (
  file: string,
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  pathName: string = Path.basename(file)
): Result.Result<Loaded, ManifestError> => {
  const source = text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text
  const control = CONTROL.exec(source)
  if (control !== null) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")
    return Result.fail(failWith(file, [{
      file,
      ...lineColumn(source, control.index),
      message: `YAML: a control character (U+${code}) is not allowed in YAML text; remove it, or write it as an escape ` +
        `inside double quotes (e.g. "\\u${code}")`
    }]))
  }
  const read = YamlReader.read(source)
  if (!("value" in read)) return Result.fail(failWith(file, [{ file, ...lineColumn(source, read.offset), message: read.message }]))
  const result = check(read.value, env, pathName)
  if (result.problems.length === 0) return Result.succeed({ file, ...result.loaded! })
  const listed = result.problems.slice(0, MAX_PROBLEMS)
  const unlisted = (result.unlisted ?? 0) + new Set(result.problems.slice(MAX_PROBLEMS).map((p) => String(p.path[1]))).size
  return Result.fail(failWith(file, locate(file, source, read, listed), unlisted))
}

const reason = (file: string, error: PlatformError.PlatformError) => FileErrors.of(error, file)

const at = (file: string, message: string): ManifestError => failWith(file, [{ file, line: 1, column: 1, message }])

/**
 * Reads and validates a manifest file. A file that cannot be read, is not a file, is binary, is not UTF-8 or is
 * larger than {@link MAX_BYTES} is a {@link ManifestError} too.
 *
 * @since 0.1.0
 */
export const load = Effect.fn("ManifestFile.load")(function*(
  file: string,
  env: Readonly<Record<string, string | undefined>>
) {
  const fs = yield* FileSystem.FileSystem
  if (file.trim() === "") return yield* at(file, "the manifest's path is empty; pass the manifest file (e.g. webhooks.yaml)")
  const info = yield* fs.stat(file).pipe(
    Effect.mapError((error) => at(file, `cannot read the manifest (${reason(file, error)})`))
  )
  if (info.type === "Directory") return yield* at(file, "is a directory; pass the manifest file (e.g. webhooks.yaml)")
  if (info.type !== "File") return yield* at(file, `is not a regular file (${info.type})`)
  if (Number(info.size) > MAX_BYTES) {
    return yield* at(file, `the manifest is ${Math.ceil(Number(info.size) / 1024 / 1024)} MiB; at most ${MAX_BYTES / 1024 / 1024} MiB is read`)
  }
  const bytes = yield* fs.readFile(file).pipe(
    Effect.mapError((error) => at(file, `cannot read the manifest (${reason(file, error)})`))
  )
  return yield* fromBytes(file, bytes, env, nameFromPath(file))
})

/**
 * Validates the bytes of a manifest read from elsewhere (standard input): a binary or non-UTF-8 text is a
 * {@link ManifestError} too. `pathName` is the name the manifest goes by when it sets none.
 *
 * @since 0.5.0
 */
export const fromBytes = Effect.fn("ManifestFile.fromBytes")(function*(
  file: string,
  bytes: Uint8Array,
  env: Readonly<Record<string, string | undefined>>,
  pathName: string
) {
  const nul = bytes.indexOf(0)
  if (nul !== -1) {
    const line = bytes.subarray(0, nul).reduce((n, byte) => (byte === 10 ? n + 1 : n), 1)
    return yield* failWith(file, [{ file, line, column: 1, message: "not a text file (it holds a NUL byte); a manifest is UTF-8 YAML" }])
  }
  const text = yield* Effect.try({
    try: () => new TextDecoder("utf-8", { fatal: true }).decode(bytes),
    catch: () => at(file, "not UTF-8 text; save the manifest as UTF-8")
  })
  return yield* Effect.fromResult(parse(file, text.replace(/^\uFEFF/, ""), env, pathName))
})

/**
 * The name a manifest goes by when it sets none: its path relative to the root of its git work tree (`infra/webhooks.yaml`,
 * the same on every clone and CI checkout), or its file name outside a work tree. Characters a name may not hold
 * become "-".
 *
 * @since 0.4.0
 */
export const nameFromPath = (file: string): string => {
  let real: string
  try {
    real = Fs.realpathSync(file)
  } catch {
    real = Path.resolve(file)
  }
  let relative = Path.basename(real)
  for (let dir = Path.dirname(real); ; dir = Path.dirname(dir)) {
    if (Fs.existsSync(Path.join(dir, ".git"))) {
      relative = Path.relative(dir, real).split(Path.sep).join("/")
      break
    }
    if (Path.dirname(dir) === dir) break
  }
  const cleaned = relative.replace(/[^A-Za-z0-9._:/-]/g, "-").replace(/^[^A-Za-z0-9]+/, "")
  return (cleaned === "" ? "manifest" : cleaned).slice(0, Webhook.MAX_METADATA_VALUE_LENGTH)
}
