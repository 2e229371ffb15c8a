/**
 * Values a shell completes for a flag (`--completions bash|zsh|fish`): effect/cli completes the keys of a choice, so
 * a flag whose value is one of known words (an event type) is declared with them here, while its value is still
 * parsed as text and checked by its own rule (`Flag.withSchema`): a comma-separated list stays one value, and a near
 * miss gets the rule's "did you mean", not the parser's list of choices.
 *
 * @since 0.5.0
 */
import { Param, Primitive } from "effect/cli"
import type { Flag } from "effect/cli"

/**
 * A text flag named `name` whose value the shells complete from `values`.
 *
 * @example
 * ```ts
 * Completion.flag("event", EventType.values).pipe(Flag.withSchema(EventType.EventList))
 * ```
 * @category constructors
 * @since 0.5.0
 */
export const flag = (name: string, values: ReadonlyArray<string>): Flag.Flag<string> => {
  // The choice's keys (what the completion scripts list) with the parse of plain text.
  const choice = Primitive.Choice(values.map((value) => [value, value] as const))
  const primitiveType: Primitive.Primitive<string> = Object.assign(Object.create(Object.getPrototypeOf(choice)), choice, {
    parse: Primitive.String.parse
  })
  return Param.makeSingle({ kind: Param.flagKind, name, primitiveType })
}
