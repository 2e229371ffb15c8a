/**
 * Plain-text tables for terminal output: a header row and left-aligned columns separated by two spaces. No colours
 * and no box drawing, so the output stays readable when piped into `less`, `grep` or a CI log.
 *
 * @since 0.1.0
 */

/**
 * Renders `rows` under `headers`. The last column is not padded (no trailing spaces).
 *
 * @example
 * ```ts
 * Table.render(["ID", "STATUS"], [["wh_1", "active"]])
 * // "ID    STATUS\nwh_1  active"
 * ```
 * @since 0.1.0
 */
export const render = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")
  return [line(headers), ...rows.map(line)].join("\n")
}
