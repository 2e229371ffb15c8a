/**
 * Text a bin prints, with the styles it may carry (a plan's `+ create` in green, a warning's label in yellow), kept
 * apart from the characters of the text itself. `Output` turns it into what reaches the terminal: every plain piece
 * escaped (`Printable`) and its URL passwords masked (`UrlCredentials`), the styles written as SGR sequences only
 * when colour is on. A value from outside can therefore never carry an escape sequence to the terminal, while the
 * bin's own colours can; and with colour off (a pipe, `NO_COLOR`, `--color never`) not one escape is printed.
 *
 * @example
 * ```ts
 * Text.render(["  ", Text.green("+ create"), " crm-sync"], { color: false }) // "  + create crm-sync"
 * ```
 * @since 0.5.0
 */
import { Printable, UrlCredentials } from "@exa-webhooks/schema"

/**
 * The styles a bin uses: few, and each with one meaning (red: gone or failed; green: added or fine; yellow: changed
 * or a warning; cyan: a command to type; bold and dim: headings and asides).
 *
 * @category models
 * @since 0.5.0
 */
export type Style = "bold" | "dim" | "red" | "green" | "yellow" | "magenta" | "cyan"

/**
 * A piece of text in a style.
 *
 * @category models
 * @since 0.5.0
 */
export interface Styled {
  readonly _tag: "Styled"
  readonly style: Style
  readonly text: Text
}

/**
 * Plain text, a styled piece, or a sequence of both.
 *
 * @category models
 * @since 0.5.0
 */
export type Text = string | Styled | ReadonlyArray<Text>

// SGR on and off for each style: off sequences that undo only their own attribute, so styles nest.
const SGR: Readonly<Record<Style, readonly [string, string]>> = {
  bold: ["1", "22"],
  dim: ["2", "22"],
  red: ["31", "39"],
  green: ["32", "39"],
  yellow: ["33", "39"],
  magenta: ["35", "39"],
  cyan: ["36", "39"]
}

const styled = (style: Style) => (text: Text): Styled => ({ _tag: "Styled", style, text })

/**
 * @category constructors
 * @since 0.5.0
 */
export const bold = styled("bold")
/**
 * @category constructors
 * @since 0.5.0
 */
export const dim = styled("dim")
/**
 * @category constructors
 * @since 0.5.0
 */
export const red = styled("red")
/**
 * @category constructors
 * @since 0.5.0
 */
export const green = styled("green")
/**
 * @category constructors
 * @since 0.5.0
 */
export const yellow = styled("yellow")
/**
 * @category constructors
 * @since 0.5.0
 */
export const magenta = styled("magenta")
/**
 * @category constructors
 * @since 0.5.0
 */
export const cyan = styled("cyan")

/**
 * `text` in `style`.
 *
 * @category constructors
 * @since 0.5.0
 */
export const style = (name: Style, text: Text): Styled => styled(name)(text)

/**
 * The characters of `text` without its styles (what a reader of a pipe gets), unescaped: to measure widths.
 *
 * @category getters
 * @since 0.5.0
 */
export const plain = (text: Text): string =>
  typeof text === "string" ? text : "_tag" in text ? plain((text as Styled).text) : (text as ReadonlyArray<Text>).map(plain).join("")

/**
 * How many columns `text` takes (its plain characters; one per character, which holds for what bins print).
 *
 * @category getters
 * @since 0.5.0
 */
export const width = (text: Text): number => [...plain(text)].length

/**
 * `text` padded with spaces to `columns`.
 *
 * @category combinators
 * @since 0.5.0
 */
export const padEnd = (text: Text, columns: number): Text => {
  const missing = columns - width(text)
  return missing > 0 ? [text, " ".repeat(missing)] : text
}

/**
 * Joins `parts` with `separator` between them.
 *
 * @category combinators
 * @since 0.5.0
 */
export const join = (parts: ReadonlyArray<Text>, separator: Text): Text =>
  parts.flatMap((part, i) => (i === 0 ? [part] : [separator, part]))

/**
 * Lays out rows as columns two spaces apart. A row's last non-empty cell is not padded, so no line ends in spaces.
 *
 * @category combinators
 * @since 0.5.0
 */
export const columns = (rows: ReadonlyArray<ReadonlyArray<Text>>): ReadonlyArray<Text> => {
  const widths: Array<number> = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))))
  return rows.map((row) => {
    const cells = row.slice(0, row.findLastIndex((cell) => width(cell) > 0) + 1)
    return join(cells.map((cell, i) => (i === cells.length - 1 ? cell : padEnd(cell, widths[i]!))), "  ")
  })
}

/**
 * Options of {@link render}.
 *
 * @category models
 * @since 0.5.0
 */
export interface RenderOptions {
  /** Write the styles as SGR sequences. */
  readonly color: boolean
  /** Keep line breaks in the plain pieces (text laid out on several lines); otherwise they are escaped too. */
  readonly lines?: boolean | undefined
}

/**
 * What reaches the terminal: each plain piece escaped (control and invisible characters as `\u....`, line breaks
 * kept only with `lines`) with its URL passwords masked, each style as SGR sequences with `color`, else nothing.
 *
 * @category rendering
 * @since 0.5.0
 */
export const render = (text: Text, options: RenderOptions): string => {
  const escape = options.lines === true ? Printable.escapeLines : Printable.escape
  const go = (piece: Text): string => {
    if (typeof piece === "string") return UrlCredentials.mask(escape(piece))
    if (!("_tag" in piece)) return (piece as ReadonlyArray<Text>).map(go).join("")
    const { style: name, text: inner } = piece as Styled
    const [on, off] = SGR[name]
    return options.color ? `\u001b[${on}m${go(inner)}\u001b[${off}m` : go(inner)
  }
  return go(text)
}
