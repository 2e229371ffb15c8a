/**
 * Progress of an apply on stderr: a bar redrawn in place when stderr is a terminal, one plain line per finished item
 * otherwise (CI logs), nothing with `--json` (stderr then carries only JSON).
 *
 * @since 0.1.0
 */
import { Printable, UrlCredentials } from "@exa-webhooks/schema"
import { Effect } from "effect"

/**
 * @since 0.1.0
 */
export interface Progress {
  /** One item finished; `line` describes it ("created crm-sync (wh_...)"). */
  readonly tick: (line: string) => Effect.Effect<void>
  /** Clears the bar. */
  readonly done: Effect.Effect<void>
}

/**
 * A progress display for `total` items.
 *
 * @since 0.1.0
 */
export const make = (total: number, mode: "bar" | "lines" | "silent"): Progress => {
  let finished = 0
  let lastDraw = 0
  const draw = (force: boolean) => {
    const now = Date.now()
    if (!force && now - lastDraw < 100) return
    lastDraw = now
    const width = Math.max(10, Math.min(40, (process.stderr.columns ?? 80) - 30))
    const filled = total === 0 ? width : Math.round((finished / total) * width)
    process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${finished}/${total}`)
  }
  return {
    tick: (line) =>
      Effect.sync(() => {
        finished++
        // An item's line may quote Exa's message or a URL: shown as everything else a bin prints (see Output).
        if (mode === "lines") process.stderr.write(`${UrlCredentials.mask(Printable.escape(line))}\n`)
        else if (mode === "bar") draw(finished === total)
      }),
    done: Effect.sync(() => {
      if (mode === "bar" && total > 0) process.stderr.write("\r\u001b[K")
    })
  }
}
