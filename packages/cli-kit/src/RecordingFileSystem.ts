/**
 * A `FileSystem` for tests that does the real work (Node's) and records, in order, every step that decides whether
 * data is safe on disk: `open`, `write` (with the bytes written), `sync`, `truncate`, `link`, `rename`, `remove`. A
 * test adds its own steps to the same log (`mark`: "acknowledged", "sink exited 0") and then asserts the order, e.g.
 * that a create is acknowledged only after its journal entry was written and synced. `before` runs an effect just
 * before a step (a file appearing at a path while a create is slow, say).
 *
 * @since 0.4.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, FileSystem, Layer } from "effect"

/**
 * One recorded step.
 *
 * @since 0.4.0
 */
export interface Step {
  readonly op: "open" | "write" | "sync" | "truncate" | "link" | "rename" | "remove" | "mark"
  readonly path: string
  /** `write`: the text written; `mark`: the test's label; `link`/`rename`: the target. */
  readonly detail?: string | undefined
}

/**
 * The log and its layer.
 *
 * @since 0.4.0
 */
export interface Recorder {
  readonly steps: Array<Step>
  readonly layer: Layer.Layer<FileSystem.FileSystem>
  /** Adds a step of the test's own. */
  readonly mark: (label: string, path?: string) => Effect.Effect<void>
  /** Runs `effect` once, just before the first step that `when` selects. */
  readonly before: (when: (step: Step) => boolean, effect: Effect.Effect<void>) => void
}

const decoder = new TextDecoder()

const own = (value: unknown) => ({ value, enumerable: true })

/**
 * A new recorder over Node's file system.
 *
 * @since 0.4.0
 */
export const make = (): Recorder => {
  const steps: Array<Step> = []
  const hooks: Array<{ readonly when: (step: Step) => boolean; readonly effect: Effect.Effect<void>; done: boolean }> = []
  const record = (step: Step) =>
    Effect.suspend(() => {
      const hook = hooks.find((h) => !h.done && h.when(step))
      if (hook !== undefined) hook.done = true
      return Effect.andThen(hook?.effect ?? Effect.void, Effect.sync(() => void steps.push(step)))
    })
  const wrapFile = (path: string, file: FileSystem.File): FileSystem.File => {
    // The file's own methods, through its prototype; the ones that matter recorded first (getters on the real file,
    // hence defined rather than assigned).
    const wrapped: FileSystem.File = Object.create(file)
    return Object.defineProperties(wrapped, {
      writeAll: own((buffer: Uint8Array) =>
        Effect.andThen(record({ op: "write", path, detail: decoder.decode(buffer) }), file.writeAll(buffer))
      ),
      write: own((buffer: Uint8Array) => Effect.andThen(record({ op: "write", path, detail: decoder.decode(buffer) }), file.write(buffer))),
      sync: own(Effect.andThen(record({ op: "sync", path }), file.sync)),
      truncate: own((length?: number) => Effect.andThen(record({ op: "truncate", path, detail: String(length) }), file.truncate(length)))
    })
  }
  const layer = Layer.effect(
    FileSystem.FileSystem,
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const recorded: FileSystem.FileSystem = {
      ...fs,
      open: (path, options) =>
        Effect.andThen(record({ op: "open", path, detail: options?.flag }), Effect.map(fs.open(path, options), (file) => wrapFile(path, file))),
      link: (from, to) => Effect.andThen(record({ op: "link", path: from, detail: to }), fs.link(from, to)),
      rename: (from, to) => Effect.andThen(record({ op: "rename", path: from, detail: to }), fs.rename(from, to)),
      remove: (path, options) => Effect.andThen(record({ op: "remove", path }), fs.remove(path, options))
      }
      return recorded
    })
  ).pipe(Layer.provide(NodeFileSystem.layer))
  return {
    steps,
    layer,
    mark: (label, path = "") => Effect.sync(() => void steps.push({ op: "mark", path, detail: label })),
    before: (when, effect) => void hooks.push({ when, effect, done: false })
  }
}

/**
 * The index of the first step at or after `from` that `matches`, or -1.
 *
 * @since 0.4.0
 */
export const indexOf = (steps: ReadonlyArray<Step>, matches: (step: Step) => boolean, from = 0): number => {
  for (let i = from; i < steps.length; i++) if (matches(steps[i]!)) return i
  return -1
}
