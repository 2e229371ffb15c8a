/**
 * Reads the YAML of a manifest into plain values in one streaming pass over the tokens of the `yaml` package's lexer,
 * and finds where given paths (`webhooks[3].url`) sit in the text.
 *
 * Why not effect's `Yaml.parse` or the `yaml` package's documents: effect's parser reads a subset of YAML and
 * silently misreads the rest (a complex key `? [a, b]` became the key `"? [a, b]"`, tags and `%YAML 9.9` were ignored),
 * slows down quadratically on flow collections that span many lines (a JSON manifest of 10,000 entries with one
 * comment took a minute), and keeps no positions; the `yaml` package's documents keep positions but take about 80 MB
 * per MiB of text, so locating one problem in a large manifest ran out of memory. Here the lexer (the `yaml` package's
 * own, linear) does the scanning; this module builds values, keeps no node objects, and refuses with a location
 * everything a manifest cannot mean:
 *
 * - one document (`---` may open it, `...` may close it; anything after is refused), `%YAML 1.2` the only directive;
 * - block and flow mappings and sequences, plain, quoted and block scalars (YAML 1.2 core schema: `1` is a number,
 *   `"1"` a string), comments, anchors and aliases, merge keys (`<<`);
 * - refused: explicit and complex keys (`? `, `[a, b]: v`), tags (`!foo`; `!!str` is allowed), keys that are aliases
 *   or carry anchors, a key given twice, tabs as indentation, nesting deeper than {@link MAX_DEPTH}, and aliases that
 *   repeat more than {@link MAX_ALIAS_NODES} nodes or as many as the document writes, whichever is more (a "billion
 *   laughs" file is refused at its largest alias instead of expanding).
 *
 * @since 0.4.0
 */
import { Validation } from "@exa-webhooks/schema"
import { CST, Lexer } from "yaml"

/**
 * Deepest nesting of collections (after aliases are expanded). A manifest needs five levels.
 *
 * @since 0.4.0
 */
export const MAX_DEPTH = 64

/**
 * Most nodes (scalars, lists, mappings, aliases) a document may write: twice what 64 MiB of ordinary webhooks hold, so
 * that a file of tiny values (`[{}, {}, ...]`) is refused while reading instead of filling memory.
 *
 * @since 0.4.0
 */
export const MAX_NODES = 8_000_000

/**
 * Aliases may repeat at most this many nodes in all, or as many as the document itself writes out if that is more.
 *
 * @since 0.4.0
 */
export const MAX_ALIAS_NODES = 100_000

/**
 * A segment of a path into the document: a mapping key or a sequence index.
 *
 * @since 0.4.0
 */
export type Segment = string | number

/**
 * The text cannot be read as a manifest's YAML: `offset` is where, in the text given to {@link read}.
 *
 * @since 0.4.0
 */
export interface Failure {
  readonly offset: number
  readonly message: string
}

/**
 * Where the places of some paths are recorded while reading: a tree of path segments.
 *
 * @since 0.4.0
 */
export class Places {
  keyOffset: number | undefined = undefined
  valueOffset: number | undefined = undefined
  readonly children = new Map<Segment, Places>()

  /** Adds `path` to the tree. */
  add(path: ReadonlyArray<Segment>): void {
    let children = this.children
    for (const segment of path) {
      let child = children.get(segment)
      if (child === undefined) {
        child = new Places()
        children.set(segment, child)
      }
      children = child.children
    }
  }

  /**
   * The offset of `path`, or of its deepest part that was found (a key set by a merge, say, is located at its
   * mapping): the key itself when `atKey` and the key was found. `root` is the offset when nothing was found.
   */
  offsetOf(path: ReadonlyArray<Segment>, atKey: boolean, root = this.valueOffset ?? 0): number {
    let offset = root
    let children = this.children
    for (const [i, segment] of path.entries()) {
      const node = children.get(segment)
      if (node === undefined) break
      if (atKey && i === path.length - 1 && node.keyOffset !== undefined) return node.keyOffset
      offset = node.valueOffset ?? node.keyOffset ?? offset
      children = node.children
    }
    return offset
  }
}

/**
 * Where the items of a sequence start (in the text read), and where the sequence ends.
 *
 * @since 0.4.0
 */
export interface ItemOffsets {
  readonly starts: ReadonlyArray<number>
  readonly end: number
}

// Sequences with at least this many items keep their item offsets: a problem in one of them is located by reading
// that item again, not the document.
const LARGE_SEQUENCE = 64

// Token kinds. The lexer yields strings; control characters mark a document start, a flow collection cut short by
// indentation, and "a scalar follows".
const K = {
  End: 0,
  Doc: 1,
  FlowEnd: 2,
  Space: 3,
  Newline: 4,
  Comment: 5,
  Seq: 6,
  Explicit: 7,
  Colon: 8,
  FlowOpen: 9,
  FlowClose: 10,
  Comma: 11,
  Anchor: 12,
  Alias: 13,
  Tag: 14,
  Directive: 15,
  DocStart: 16,
  DocEnd: 17,
  BlockHeader: 18,
  Quoted: 19,
  Plain: 20,
  BlockBody: 21,
  Other: 22,
} as const
type K = (typeof K)[keyof typeof K]

const classify = (token: string): K => {
  switch (token[0]) {
    case " ":
    case "\t":
      return K.Space
    case "\n":
    case "\r":
      return K.Newline
    case "#":
      return K.Comment
    case "-":
      return token === "-" ? K.Seq : token === "---" ? K.DocStart : K.Other
    case ".":
      return token === "..." ? K.DocEnd : K.Other
    case "?":
      return token === "?" ? K.Explicit : K.Other
    case ":":
      return token === ":" ? K.Colon : K.Other
    case "[":
    case "{":
      return K.FlowOpen
    case "]":
    case "}":
      return K.FlowClose
    case ",":
      return K.Comma
    case "&":
      return K.Anchor
    case "*":
      return K.Alias
    case "!":
      return K.Tag
    case "%":
      return K.Directive
    case "|":
    case ">":
      return K.BlockHeader
    case "\"":
    case "'":
      return K.Quoted
    case "\x02":
      return K.Doc
    case "\x18":
      return K.FlowEnd
    case "\uFEFF":
      return K.Space
    default:
      return K.Other
  }
}

class ReadError {
  readonly offset: number
  readonly message: string
  constructor(offset: number, message: string) {
    this.offset = offset
    this.message = message
  }
}

const describe = (kind: K, token: string): string => {
  switch (kind) {
    case K.End:
      return "the end of the file"
    case K.Seq:
      return "a list item (-)"
    case K.Colon:
      return "\":\""
    case K.Comma:
      return "\",\""
    case K.FlowOpen:
    case K.FlowClose:
      return `"${token}"`
    default:
      return Validation.quote(token)
  }
}

// YAML 1.2's core schema, as the `yaml` package applies it to plain scalars.
const NULL = /^(?:~|[Nn]ull|NULL)?$/
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/
const INT = /^[-+]?[0-9]+$/
const OCT = /^0o[0-7]+$/
const HEX = /^0x[0-9a-fA-F]+$/
const INF_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/
const EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/

const core = (text: string): unknown => {
  const c = text.charCodeAt(0)
  // Most values (names, URLs, event types) start with a letter that no null, boolean or number starts with.
  const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90)
  if (letter && c !== 110 && c !== 78 && c !== 116 && c !== 84 && c !== 102 && c !== 70) return text
  if (NULL.test(text)) return null
  if (BOOL.test(text)) return text[0] === "t" || text[0] === "T"
  if (INT.test(text)) return Number.parseInt(text, 10)
  if (OCT.test(text)) return Number.parseInt(text.slice(2), 8)
  if (HEX.test(text)) return Number.parseInt(text.slice(2), 16)
  if (INF_NAN.test(text)) {
    return text.endsWith("nan") || text.endsWith("NaN") || text.endsWith("NAN")
      ? Number.NaN
      : text[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
  }
  if (EXP.test(text) || FLOAT.test(text)) return Number.parseFloat(text)
  return text
}

// What is refused, said once for block and flow collections alike.
const Says = {
  explicitKey: "YAML: explicit keys (\"? \") are not supported in a manifest; write key: value",
  missingKey: "YAML: a key is missing before \":\"",
  aliasProps: "YAML: an alias cannot have an anchor or tag",
  aliasKey: "YAML: an alias cannot be a key; write the key out",
  complexKey: "YAML: a list or mapping cannot be a key (a complex key); a manifest's keys are names",
  propsBeforeKey: "YAML: an anchor or tag before a key is not supported; put it after the colon, or on the line above the mapping",
  oneMerge: "YAML: a mapping has one << at most; list several sources in it: << [*a, *b]",
  mergeNotMapping: "YAML: << merges a mapping (or a list of mappings) into this one; its value is not a mapping",
  duplicateKey: (name: string) => `YAML: the key ${JSON.stringify(name)} is given twice in this mapping; keep one`
} as const

const SEPARATOR = new Set([" ", "\t", "\n"])
const AFTER_PROPERTY = new Set([" ", "\t", "\n", ",", "]", "}"])

const setKey = (map: Record<string, unknown>, key: string, value: unknown) => {
  if (key === "__proto__") Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true })
  else map[key] = value
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

interface Anchored {
  readonly value: unknown
  readonly size: number
  readonly depth: number
}

interface Props {
  anchor: string | undefined
  tag: string | undefined
  offset: number
}

// Where a block node may start: the document's root, after `key:` (no block collection on the key's own line), or
// after `- ` (a compact mapping or sequence may follow on the same line).
const Context = { Root: 0, MapValue: 1, SeqItem: 2 } as const
type Context = (typeof Context)[keyof typeof Context]

class Reader {
  private readonly tokens: Generator<string, void>
  private token = ""
  private current: K = K.End
  /** Offset of the current token. */
  private offset = 0
  /** Offset just after the current token. */
  private next = 0
  /** Offset of the start of the line the current token starts on. */
  private lineStart = 0
  private expectBody = false

  private readonly anchors = new Map<string, Anchored>()
  /** Anchors whose node is being read: an alias to one of them would contain itself. */
  private readonly pending = new Set<string>()
  /** Nodes written in the text, and nodes repeated through aliases (with the largest alias). */
  private written = 0
  private repeated = 0
  private largestAlias = { offset: 0, name: "", size: 0 }
  /** Size (nodes, aliases expanded) and depth of the node read last. */
  private size = 0
  private depth = 0
  private level = 0
  private places: Places | undefined
  /** Reading one item cut out of a document (to locate a problem in it): see {@link readItem}. */
  private readonly item: boolean
  /** Offsets of the items of the sequences being read, a stack shared by nested sequences. */
  private readonly itemStack: Array<number> = []
  /** Where the items of each large sequence start, and where the sequence ends. */
  readonly itemOffsets = new Map<ReadonlyArray<unknown>, ItemOffsets>()

  private readonly text: string

  private readonly maxNodes: number

  constructor(text: string, places: Places | undefined, item: boolean, maxNodes = MAX_NODES) {
    this.text = text
    this.maxNodes = maxNodes
    this.tokens = new Lexer().lex(text)
    this.places = places
    this.item = item
    this.advance()
  }

  private fail(message: string, offset = this.offset): never {
    throw new ReadError(offset, message)
  }

  private advance(): void {
    const previous = this.token
    if (previous.length > 0 && this.kind() !== K.Doc && this.kind() !== K.FlowEnd) {
      const newline = previous.lastIndexOf("\n")
      if (newline !== -1) this.lineStart = this.offset + newline + 1
    }
    const step = this.tokens.next()
    if (step.done === true) {
      this.token = ""
      this.current = K.End
      this.offset = this.next
      return
    }
    let token = step.value
    let kind: K
    if (token === "\x1f") {
      const scalar = this.tokens.next()
      token = scalar.done === true ? "" : scalar.value
      kind = this.expectBody ? K.BlockBody : K.Plain
      this.expectBody = false
    } else {
      kind = classify(token)
      if (kind === K.BlockHeader) this.expectBody = true
    }
    this.token = token
    this.current = kind
    this.offset = this.next
    if (kind !== K.Doc && kind !== K.FlowEnd) this.next += token.length
    if (kind === K.Comment && this.offset > 0 && !SEPARATOR.has(this.text[this.offset - 1]!)) {
      this.fail("YAML: a comment needs a space before its #")
    }
    if ((kind === K.Anchor || kind === K.Tag) && !AFTER_PROPERTY.has(this.text[this.next] ?? "\n")) {
      this.fail(`YAML: ${kind === K.Anchor ? "an anchor" : "a tag"} needs a space after it`)
    }
  }

  /** The kind of the current token (a method, so that checks after an advance are not narrowed away). */
  private kind(): K {
    return this.current
  }

  private get column(): number {
    return this.offset - this.lineStart
  }

  /** Skips spaces and a comment on the current line. */
  private skipSpace(): void {
    while (this.kind() === K.Space || this.kind() === K.Comment) this.advance()
  }

  /** Skips spaces, comments and line breaks. */
  private skipLines(): void {
    while (this.kind() === K.Space || this.kind() === K.Comment || this.kind() === K.Newline) this.advance()
  }

  /** Tabs may separate, but never indent: refuses one before the current token on its line. */
  private noTabIndent(upTo = this.offset): void {
    for (let i = this.lineStart; i < upTo; i++) {
      if (this.text.charCodeAt(i) === 9) this.fail("YAML: a tab indents this line; indent with spaces only", i)
    }
  }

  read(): unknown {
    this.skipLines()
    let directives = false
    while (this.kind() === K.Directive) {
      const directive = this.token.trim()
      if (!/^%YAML\s+1\.2$/.test(directive)) {
        this.fail(
          /^%YAML\b/.test(directive)
            ? `YAML: ${JSON.stringify(directive)} is not read: a manifest is YAML 1.2 (write %YAML 1.2, or no directive)`
            : `YAML: the directive ${JSON.stringify(directive.split(/\s/)[0])} is not supported in a manifest; remove it`
        )
      }
      directives = true
      this.advance()
      this.skipLines()
    }
    if (this.kind() === K.End) return null
    if (this.kind() !== K.Doc) this.fail(`YAML: unexpected ${describe(this.kind(), this.token)}`)
    this.advance()
    if (this.kind() === K.DocStart) {
      this.advance()
    } else if (directives) {
      this.fail("YAML: a directive must be followed by a line with ---")
    }
    const value = this.node(-1, Context.Root)
    // An item cut out of a document ends where the next one starts: what follows is not its concern.
    if (this.item) return value
    this.skipLines()
    if (this.kind() === K.DocEnd) {
      this.advance()
      this.skipLines()
    }
    if (this.kind() !== K.End) {
      this.fail(
        this.kind() === K.Doc || this.kind() === K.DocStart || this.kind() === K.Directive
          ? "YAML: a manifest is a single YAML document; remove this second one (or merge it into the first)"
          : `YAML: unexpected ${describe(this.kind(), this.token)} after the end of the document`
      )
    }
    if (this.repeated > Math.max(MAX_ALIAS_NODES, this.written)) {
      const alias = this.largestAlias
      this.fail(
        `YAML: the alias *${alias.name} repeats ${alias.size.toLocaleString("en")} nodes, and the aliases of this file ` +
          `${this.repeated.toLocaleString("en")} in all; at most ${Math.max(MAX_ALIAS_NODES, this.written).toLocaleString("en")} ` +
          "may be repeated (as many as the file writes out, or 100,000): write the values out, or use defaults",
        alias.offset
      )
    }
    return value
  }

  /** Counts a node written in the text, at `offset`. */
  private count(offset = this.offset): void {
    if (++this.written > this.maxNodes) {
      this.fail(
        `YAML: the document holds more than ${this.maxNodes.toLocaleString("en")} values (a manifest of 64 MiB of ordinary ` +
          "webhooks holds about 4 million); split it, or write fewer, longer values",
        offset
      )
    }
  }

  /** Records the current token as the place of the node being read, when its place is wanted. */
  private recordPlace(offset = this.offset): void {
    if (this.places !== undefined && this.places.valueOffset === undefined) this.places.valueOffset = offset
  }

  private readProps(): Props | undefined {
    let props: Props | undefined
    while (this.kind() === K.Anchor || this.kind() === K.Tag) {
      props ??= { anchor: undefined, tag: undefined, offset: this.offset }
      if (this.kind() === K.Anchor) {
        if (props.anchor !== undefined) this.fail("YAML: a node has one anchor at most")
        props.anchor = this.token.slice(1)
        if (props.anchor === "") this.fail("YAML: an anchor needs a name, as in &defaults")
      } else {
        if (props.tag !== undefined) this.fail("YAML: a node has one tag at most")
        props.tag = this.token
        if (this.token !== "!!str" && this.token !== "!") {
          this.fail(
            `YAML: the tag ${JSON.stringify(this.token)} is not supported in a manifest; remove it (values are read by ` +
              `their form: 1 is a number, "1" a string; !!str is allowed)`
          )
        }
      }
      this.advance()
      this.skipSpace()
    }
    if (props?.anchor !== undefined) this.pending.add(props.anchor)
    return props
  }

  /** Applies `props` to the value just read (whose size and depth are in `size` and `depth`). */
  private applyProps(props: Props | undefined, value: unknown, wasScalar: boolean, source: string | undefined): unknown {
    if (props === undefined) return value
    let result = value
    if (props.tag !== undefined) {
      if (!wasScalar) this.fail(`YAML: the tag ${props.tag} applies to text, not to a list or mapping`, props.offset)
      // `!!str 1` and `! 1` are the text "1": the scalar as written.
      if (typeof value !== "string") result = source ?? ""
    }
    if (props.anchor !== undefined) {
      this.pending.delete(props.anchor)
      this.anchors.set(props.anchor, { value: result, size: this.size, depth: this.depth })
    }
    return result
  }

  private enter(offset: number): void {
    this.level++
    if (this.level > MAX_DEPTH) this.fail(`YAML: nested more than ${MAX_DEPTH} levels deep; a manifest needs five`, offset)
  }

  private leave(depth: number, offset: number): void {
    this.level--
    if (depth > MAX_DEPTH) {
      this.fail(`YAML: with its aliases expanded, this is nested more than ${MAX_DEPTH} levels deep; a manifest needs five`, offset)
    }
  }

  /**
   * A block node, starting at the current token (on the line of its parent's indicator, or at the start of a line).
   * Returns with the current token at the first token after the node that is not a space, comment or line break.
   */
  private node(parentIndent: number, context: Context): unknown {
    this.skipSpace()
    // After "- ", a tab may separate a value but not an anchor or tag (it would indent what follows).
    if (context === Context.SeqItem && (this.kind() === K.Anchor || this.kind() === K.Tag)) this.noTabIndent()
    const props = this.readProps()
    let sameLine = true
    if (this.kind() === K.Newline) {
      this.skipLines()
      sameLine = false
      const atEnd = this.kind() === K.End || this.kind() === K.DocEnd || this.kind() === K.DocStart || this.kind() === K.Doc
      const deeper = !atEnd && this.column > parentIndent
      const indentless = !atEnd && context === Context.MapValue && this.column === parentIndent && this.kind() === K.Seq
      if (!deeper && !indentless) {
        // Nothing: the value is empty (null).
        this.size = 1
        this.depth = 0
        this.count()
        return this.applyProps(props, null, true, "")
      }
      this.noTabIndent()
      if (this.kind() === K.Anchor || this.kind() === K.Tag) {
        if (props !== undefined) this.fail("YAML: a node's anchor and tag go on one line, before it")
        return this.node(parentIndent, context)
      }
    } else if (this.kind() === K.End || this.kind() === K.Comment || this.kind() === K.DocEnd) {
      this.size = 1
      this.depth = 0
      this.count()
      const value = this.applyProps(props, null, true, "")
      this.skipLines()
      return value
    }
    const start = this.offset
    this.recordPlace()
    switch (this.kind()) {
      case K.Seq: {
        if (sameLine && context === Context.MapValue) {
          this.fail("YAML: a list cannot start on the line of its key; put each - item on a line of its own, below the key")
        }
        if (props !== undefined && sameLine && context !== Context.Root) {
          this.fail("YAML: an anchor or tag before a list goes on the line above it", props.offset)
        }
        this.noTabIndent()
        const value = this.blockSeq(this.column)
        return this.applyProps(props, value, false, undefined)
      }
      case K.Explicit:
        return this.fail(Says.explicitKey)
      case K.Colon:
        return this.fail(Says.missingKey)
      case K.BlockHeader: {
        const value = this.blockScalar(parentIndent)
        return this.applyProps(props, value, true, value as string)
      }
      case K.Plain:
      case K.Quoted:
      case K.Alias:
      case K.FlowOpen: {
        if (this.kind() === K.Alias && props !== undefined) this.fail(Says.aliasProps, props.offset)
        const column = this.column
        const tokenKind = this.kind()
        const keyToken = this.token
        const value = this.flowNode(true)
        const scalarSource = tokenKind === K.Plain ? keyToken : undefined
        const wasScalar = tokenKind === K.Plain || tokenKind === K.Quoted
        this.skipSpace()
        if (this.kind() === K.Colon) {
          // `value` was a key: a mapping starts here.
          if (tokenKind === K.Alias) this.fail(Says.aliasKey, start)
          if (tokenKind === K.FlowOpen) {
            this.fail(Says.complexKey, start)
          }
          if (tokenKind === K.Plain && keyToken.includes("\n")) {
            // A plain value continued on a deeper line that holds a key: that line is indented too far.
            const last = start + keyToken.lastIndexOf("\n") + 1
            this.fail(
              "YAML: this line is indented more than the key above it; align it with that key, or nest it under a key " +
                "that ends with \":\"",
              last + (/^ */.exec(keyToken.slice(last - start))?.[0].length ?? 0)
            )
          }
          if (sameLine && context === Context.MapValue) {
            this.fail(
              "YAML: a mapping cannot start on the line of its key (key: other: value); put it on the next line, indented",
              start
            )
          }
          if (props !== undefined && sameLine) {
            this.fail(Says.propsBeforeKey, props.offset)
          }
          this.noTabIndent(start)
          return this.applyProps(props, this.blockMap(column, { offset: start, token: keyToken, kind: tokenKind }), false, undefined)
        }
        if (this.kind() !== K.Newline && this.kind() !== K.End && this.kind() !== K.Comment) {
          this.fail(`YAML: unexpected ${describe(this.kind(), this.token)} after a value on the same line`)
        }
        const result = this.applyProps(props, value, wasScalar, scalarSource)
        this.skipLines()
        return result
      }
      case K.FlowClose:
        return this.fail(`YAML: "${this.token}" closes nothing here`)
      case K.Comma:
        return this.fail("YAML: unexpected \",\" outside [ ] or { }")
      default:
        return this.fail(`YAML: unexpected ${describe(this.kind(), this.token)}`)
    }
  }

  /** Keeps the item offsets of a large sequence (pushed from `base` on), so a problem in one item is located by
   * reading that item alone. */
  private keepItemOffsets(items: ReadonlyArray<unknown>, base: number): void {
    if (items.length >= LARGE_SEQUENCE) {
      this.itemOffsets.set(items, { starts: this.itemStack.slice(base), end: this.offset })
    }
    this.itemStack.length = base
  }

  private blockSeq(indent: number): Array<unknown> {
    const start = this.offset
    this.enter(start)
    const items: Array<unknown> = []
    let size = 1
    let depth = 0
    const places = this.places
    const base = this.itemStack.length
    while (true) {
      this.noTabIndent()
      const item = this.offset
      this.itemStack.push(item)
      this.advance()
      this.places = places?.children.get(items.length)
      const value = this.node(indent, Context.SeqItem)
      // An empty item is located at its "-".
      if (this.places !== undefined) this.places.valueOffset ??= item
      this.places = places
      items.push(value)
      size += this.size
      depth = Math.max(depth, this.depth)
      if (this.kind() === K.End || this.kind() === K.DocEnd || this.kind() === K.Doc || this.kind() === K.DocStart) break
      if (this.column < indent) break
      if (this.column === indent) {
        if (this.kind() === K.Seq) continue
        break
      }
      this.fail(`YAML: this line is indented more than the list item above it (column ${indent + 1}); align it or nest it under a key`)
    }
    this.keepItemOffsets(items, base)
    this.count(start)
    this.size = size
    this.depth = depth + 1
    this.leave(this.depth, start)
    return items
  }

  private blockMap(indent: number, first: { readonly offset: number; readonly token: string; readonly kind: K }): Record<string, unknown> {
    this.enter(first.offset)
    const map: Record<string, unknown> = {}
    let merges: { readonly sources: ReadonlyArray<unknown>; readonly offset: number } | undefined
    let size = 1
    let depth = 0
    const places = this.places
    let key: { offset: number; token: string; kind: K } = first
    while (true) {
      // The current token is the ":" after `key`.
      const name = this.keyText(key)
      const isMerge = key.kind === K.Plain && key.token === "<<"
      this.advance()
      this.places = isMerge ? undefined : places?.children.get(name)
      if (this.places !== undefined) this.places.keyOffset ??= key.offset
      const value = this.node(indent, Context.MapValue)
      this.places = places
      size += this.size
      depth = Math.max(depth, this.depth)
      if (isMerge) {
        if (merges !== undefined) this.fail(Says.oneMerge, key.offset)
        merges = { sources: Array.isArray(value) ? value : [value], offset: key.offset }
      } else {
        if (Object.hasOwn(map, name)) {
          this.fail(Says.duplicateKey(name), key.offset)
        }
        setKey(map, name, value)
      }
      if (this.kind() === K.End || this.kind() === K.DocEnd || this.kind() === K.Doc || this.kind() === K.DocStart) break
      if (this.column < indent) break
      if (this.column > indent) {
        this.fail(`YAML: this line is indented more than the key above it (column ${indent + 1}); align it or nest it under a key`)
      }
      key = this.nextKey(indent)
    }
    if (merges !== undefined) this.merge(map, merges)
    this.count(first.offset)
    this.size = size
    this.depth = depth + 1
    this.leave(this.depth, first.offset)
    return map
  }

  /**
   * Applies a mapping's `<<`: each source's keys that the mapping does not set itself, earlier sources first (YAML 1.1
   * merge keys, as the `yaml` package reads them).
   */
  private merge(map: Record<string, unknown>, merges: { readonly sources: ReadonlyArray<unknown>; readonly offset: number }): void {
    for (const source of merges.sources) {
      if (!isMapping(source)) {
        // An item read alone cannot see the anchors outside it.
        if (this.item) continue
        this.fail(Says.mergeNotMapping, merges.offset)
      }
      for (const key of Object.keys(source)) if (!Object.hasOwn(map, key)) setKey(map, key, source[key])
    }
  }

  /** The key of the next entry of a block mapping at `indent`, up to its ":". */
  private nextKey(indent: number): { offset: number; token: string; kind: K } {
    this.noTabIndent()
    const offset = this.offset
    const kind = this.kind()
    const token = this.token
    switch (kind) {
      case K.Plain:
      case K.Quoted:
        break
      case K.Seq:
        return this.fail("YAML: a list item (-) where a key of the mapping above was expected; indent the list under its key")
      case K.Anchor:
      case K.Tag:
        return this.fail(Says.propsBeforeKey)
      case K.Alias:
        return this.fail(Says.aliasKey)
      case K.Explicit:
        return this.fail(Says.explicitKey)
      case K.FlowOpen:
        return this.fail(Says.complexKey)
      case K.Colon:
        return this.fail(Says.missingKey)
      default:
        return this.fail(`YAML: expected the next key of the mapping at column ${indent + 1}, found ${describe(kind, token)}`)
    }
    this.advance()
    this.skipSpace()
    if (this.kind() !== K.Colon) {
      this.fail(
        `YAML: ${describe(kind, token)} is not a key: value pair; a mapping's entries are key: value (a space after the colon)`,
        offset
      )
    }
    return { offset, token, kind }
  }

  private keyText(key: { readonly offset: number; readonly token: string; readonly kind: K }): string {
    if (key.token.includes("\n")) this.fail("YAML: a key must fit on one line", key.offset)
    if (key.token.length > 1024) this.fail("YAML: a key is at most 1024 characters", key.offset)
    if (key.kind === K.Plain) {
      this.checkPlain(key.token, key.offset)
      const value = key.token === "<<" ? key.token : core(key.token)
      if (typeof value !== "string") {
        this.fail(
          `YAML: the key ${key.token} is read as ${value === null ? "null" : typeof value === "boolean" ? "a boolean" : "a number"}, ` +
            `not as text; quote it ("${key.token}") to mean the text`,
          key.offset
        )
      }
      return key.token
    }
    return this.quoted(key.token, key.offset)
  }

  private checkPlain(token: string, offset: number): void {
    const first = token[0]
    if (first === "@" || first === "`" || first === "%" || first === "|" || first === ">" || first === ",") {
      this.fail(`YAML: a value cannot start with ${first} unless it is quoted; write ${Validation.quote(token)}`, offset)
    }
  }

  private quoted(token: string, offset: number): string {
    const quote = token[0]
    if (token.length >= 2 && token[token.length - 1] === quote && !token.includes("\n")) {
      if (quote === "'") return token.slice(1, -1).replaceAll("''", "'")
      if (!token.includes("\\")) return token.slice(1, -1)
    }
    return this.resolve({ type: quote === "'" ? "single-quoted-scalar" : "double-quoted-scalar", offset, indent: 0, source: token }) as string
  }

  private resolve(token: CST.FlowScalar | CST.BlockScalar): string {
    let problem: { offset: number; message: string } | undefined
    const resolved = CST.resolveAsScalar(token, true, (offset, _code, message) => {
      problem ??= { offset, message }
    })
    if (problem !== undefined) {
      this.fail(`YAML: ${problem.message[0]!.toLowerCase()}${problem.message.slice(1).replace(/\.$/, "")}`, problem.offset)
    }
    return resolved?.value ?? ""
  }

  /** A scalar, alias or flow collection at the current token; `block` when its parent is a block collection. */
  private flowNode(block: boolean): unknown {
    const offset = this.offset
    switch (this.kind()) {
      case K.Plain: {
        const token = this.token
        this.checkPlain(token, offset)
        this.advance()
        this.size = 1
        this.depth = 0
        this.count(offset)
        return token.includes("\n") ? this.resolve({ type: "scalar", offset, indent: 0, source: token }) : core(token)
      }
      case K.Quoted: {
        const token = this.token
        this.advance()
        this.size = 1
        this.depth = 0
        this.count(offset)
        return this.quoted(token, offset)
      }
      case K.Alias: {
        const name = this.token.slice(1)
        // An alias refers to the nearest anchor of its name before it: one still being read contains the alias.
        if (this.pending.has(name)) this.fail(`YAML: the alias *${name} is inside the node it refers to; a value cannot contain itself`)
        const anchored = this.anchors.get(name) ?? (this.item ? { value: null, size: 1, depth: 0 } : undefined)
        if (anchored === undefined) this.fail(`YAML: the alias *${name} refers to no anchor; define &${name} before it`)
        this.advance()
        this.count(offset)
        this.repeated += anchored.size
        if (anchored.size > this.largestAlias.size) this.largestAlias = { offset, name, size: anchored.size }
        this.size = anchored.size
        this.depth = anchored.depth
        return anchored.value
      }
      case K.FlowOpen:
        return this.flowCollection()
      default:
        return this.fail(`YAML: expected a value${block ? "" : " in [ ] or { }"}, found ${describe(this.kind(), this.token)}`)
    }
  }

  private skipFlow(open: number): void {
    while (this.kind() === K.Space || this.kind() === K.Comment || this.kind() === K.Newline) this.advance()
    if (this.kind() === K.FlowEnd || this.kind() === K.End) {
      this.fail("YAML: this [ or { is never closed (or a line inside it is indented less than its key)", open)
    }
  }

  private flowCollection(): unknown {
    const open = this.offset
    const isSeq = this.token === "["
    const close = isSeq ? "]" : "}"
    this.enter(open)
    this.advance()
    const places = this.places
    const seq: Array<unknown> = []
    const map: Record<string, unknown> = {}
    let merges: { readonly sources: ReadonlyArray<unknown>; readonly offset: number } | undefined
    let size = 1
    let depth = 0
    let index = 0
    const base = this.itemStack.length
    this.skipFlow(open)
    while (this.kind() !== K.FlowClose) {
      const entry = this.offset
      if (isSeq) this.itemStack.push(entry)
      if (this.kind() === K.Comma) this.fail(`YAML: an empty entry in ${isSeq ? "[ ]" : "{ }"} (two commas in a row)`)
      if (this.kind() === K.Explicit) this.fail(Says.explicitKey)
      if (isSeq) {
        this.places = places?.children.get(index)
        if (this.places !== undefined) this.places.valueOffset ??= entry
        const props = this.readProps()
        this.skipFlow(open)
        if (this.kind() === K.Alias && props !== undefined) this.fail(Says.aliasProps, props.offset)
        const wasScalar = this.kind() === K.Plain || this.kind() === K.Quoted
        const source = this.kind() === K.Plain ? this.token : undefined
        const value = this.applyProps(props, this.flowNode(false), wasScalar, source)
        this.places = places
        this.skipFlow(open)
        if (this.kind() === K.Colon) {
          this.fail("YAML: key: value inside [ ] is not supported in a manifest; write the pair in { }", entry)
        }
        seq.push(value)
        index++
      } else {
        if (this.kind() === K.Colon) this.fail(Says.missingKey)
        if (this.kind() === K.Anchor || this.kind() === K.Tag) {
          this.fail(Says.propsBeforeKey)
        }
        if (this.kind() === K.Alias) this.fail(Says.aliasKey)
        if (this.kind() === K.FlowOpen) this.fail(Says.complexKey)
        if (this.kind() !== K.Plain && this.kind() !== K.Quoted) {
          this.fail(`YAML: expected a key in { }, found ${describe(this.kind(), this.token)}`)
        }
        const keyToken = { offset: entry, token: this.token, kind: this.kind() }
        this.advance()
        const name = this.keyText(keyToken)
        const isMerge = keyToken.kind === K.Plain && keyToken.token === "<<"
        this.skipFlow(open)
        let value: unknown = null
        this.places = isMerge ? undefined : places?.children.get(name)
        if (this.places !== undefined) this.places.keyOffset ??= entry
        if (this.kind() === K.Colon) {
          this.advance()
          this.skipFlow(open)
          if (this.kind() === K.Comma || this.kind() === K.FlowClose) {
            this.size = 1
            this.depth = 0
            this.count()
          } else {
            this.recordPlace()
            const props = this.readProps()
            this.skipFlow(open)
            if (this.kind() === K.Alias && props !== undefined) this.fail(Says.aliasProps, props.offset)
            const wasScalar = this.kind() === K.Plain || this.kind() === K.Quoted
            const source = this.kind() === K.Plain ? this.token : undefined
            value = this.applyProps(props, this.flowNode(false), wasScalar, source)
          }
        } else {
          this.size = 1
          this.depth = 0
          this.count()
        }
        this.places = places
        if (isMerge) {
          if (merges !== undefined) this.fail(Says.oneMerge, entry)
          merges = { sources: Array.isArray(value) ? value : [value], offset: entry }
        } else {
          if (Object.hasOwn(map, name)) this.fail(Says.duplicateKey(name), entry)
          setKey(map, name, value)
        }
      }
      size += this.size
      depth = Math.max(depth, this.depth)
      this.skipFlow(open)
      if (this.kind() === K.Comma) {
        this.advance()
        this.skipFlow(open)
        continue
      }
      if (this.kind() !== K.FlowClose) {
        this.fail(`YAML: expected "," or "${close}" in ${isSeq ? "[ ]" : "{ }"}, found ${describe(this.kind(), this.token)}`)
      }
    }
    if (this.token !== close) this.fail(`YAML: "${this.token}" closes a ${isSeq ? "[" : "{"} (expected "${close}")`)
    this.advance()
    if (isSeq) this.keepItemOffsets(seq, base)
    else this.itemStack.length = base
    if (merges !== undefined) this.merge(map, merges)
    this.count(open)
    this.size = size
    this.depth = depth + 1
    this.leave(this.depth, open)
    return isSeq ? seq : map
  }

  private blockScalar(parentIndent: number): string {
    const offset = this.offset
    const header = this.token
    this.advance()
    while (this.kind() === K.Space || this.kind() === K.Comment) this.advance()
    if (this.kind() !== K.Newline && this.kind() !== K.BlockBody && this.kind() !== K.End) {
      this.fail(`YAML: unexpected ${describe(this.kind(), this.token)} after the block scalar indicator ${header}; the text starts on the next line`)
    }
    while (this.kind() === K.Newline) this.advance()
    const body = this.kind() === K.BlockBody ? this.token : ""
    const bodyOffset = this.offset
    if (this.kind() === K.BlockBody) this.advance()
    this.size = 1
    this.depth = 0
    this.count(offset)
    const value = this.resolve({
      type: "block-scalar",
      offset,
      indent: Math.max(parentIndent, 0),
      props: [
        { type: "block-scalar-header", offset, indent: Math.max(parentIndent, 0), source: header },
        { type: "newline", offset: bodyOffset - 1, indent: 0, source: "\n" }
      ],
      source: body
    })
    this.skipLines()
    return value
  }
}

/**
 * A document read: its value, and where the items of its large sequences start (see {@link locate}).
 *
 * @since 0.4.0
 */
export interface Read {
  readonly value: unknown
  readonly itemOffsets: ReadonlyMap<ReadonlyArray<unknown>, ItemOffsets>
}

/**
 * Reads `text` (one YAML document) into plain values: objects, arrays, strings, numbers, booleans and `null`.
 * Aliases share the value of their anchor. When `places` is given, the offsets of its paths are recorded in it.
 *
 * @since 0.4.0
 */
export const read = (
  text: string,
  places?: Places,
  options?: { readonly maxNodes?: number | undefined }
): Read | Failure => {
  try {
    const reader = new Reader(text, places, false, options?.maxNodes)
    return { value: reader.read(), itemOffsets: reader.itemOffsets }
  } catch (error) {
    if (error instanceof ReadError) return { offset: error.offset, message: error.message }
    throw error
  }
}

// Reads one item of a sequence, from `start` (its "-" in a block sequence) to `end` of `text`, recording the places
// of `places`; returns what to add to them to make them offsets in `text`. The item keeps its columns: what is
// before it on its line, its "-" included, becomes spaces, so the slice starts at the start of its line.
const readItem = (text: string, start: number, end: number, places: Places): number => {
  const lineStart = text.lastIndexOf("\n", start - 1) + 1
  const dash = text[start] === "-" && (text[start + 1] === " " || text[start + 1] === "\n" || text[start + 1] === "\t")
  const from = dash ? start + 1 : start
  const slice = " ".repeat(from - lineStart) + text.slice(from, end)
  try {
    new Reader(slice, places, true).read()
  } catch (error) {
    // Whatever was recorded before the item stopped making sense alone still stands.
    if (!(error instanceof ReadError)) throw error
  }
  return lineStart
}

/**
 * The offsets of `paths` in `text`, a document that {@link read} read as `document` (paths that are not all in the
 * text, such as a key set by a merge, give the offset of their deepest part that is). A path through an item of a
 * large sequence is found by reading that item alone, so locating a problem in one webhook of a large manifest costs
 * a read of that webhook, not of the file.
 *
 * @since 0.4.0
 */
export const locate = (
  text: string,
  document: Read,
  paths: ReadonlyArray<{ readonly path: ReadonlyArray<Segment>; readonly atKey: boolean }>
): Array<number> => {
  const whole = new Places()
  const byItem = new Map<string, { start: number; end: number; places: Places; shift: number }>()
  const offsets: Array<number> = paths.map(() => 0)
  const through: Array<{ item: string; depth: number } | undefined> = paths.map(({ path }) => {
    // The deepest large sequence on the path whose item the path goes through.
    let node: unknown = document.value
    let found: { item: string; depth: number } | undefined
    for (const [depth, segment] of path.entries()) {
      if (Array.isArray(node) && typeof segment === "number") {
        const items = document.itemOffsets.get(node)
        if (items !== undefined && segment < items.starts.length) {
          const start = items.starts[segment]!
          const end = segment + 1 < items.starts.length ? items.starts[segment + 1]! : items.end
          const item = `${start}:${end}`
          if (!byItem.has(item)) byItem.set(item, { start, end, places: new Places(), shift: 0 })
          found = { item, depth }
        }
      }
      node = node !== null && typeof node === "object" ? (node as Record<string | number, unknown>)[segment] : undefined
      if (node === undefined) break
    }
    return found
  })
  for (const [i, { path }] of paths.entries()) {
    const via = through[i]
    if (via === undefined) whole.add(path)
    else byItem.get(via.item)!.places.add(path.slice(via.depth + 1))
  }
  if (through.some((via) => via === undefined)) read(text, whole)
  for (const item of byItem.values()) item.shift = readItem(text, item.start, item.end, item.places)
  for (const [i, { path, atKey }] of paths.entries()) {
    const via = through[i]
    if (via === undefined) {
      offsets[i] = whole.offsetOf(path, atKey)
      continue
    }
    const item = byItem.get(via.item)!
    // An empty item is at its own start.
    const root = item.places.valueOffset ?? item.start - item.shift
    offsets[i] = item.places.offsetOf(path.slice(via.depth + 1), atKey, root) + item.shift
  }
  return offsets
}
