/**
 * Progress of an apply on stderr. On a terminal: one status line redrawn in place, `[#####.....] 120/500  24.0/s
 * ETA 16s  2 failed` (done of total, the rate so far, the time left at that rate, the failures), with each failure
 * printed above it as it happens. Anywhere else (a CI log, a pipe): one plain line per finished item, `[12/500]
 * created crm-sync (wh_...)`. With `--json`: nothing (stderr then carries only JSON).
 *
 * @since 0.1.0
 */
import { Output } from "@exa-webhooks/cli-kit/Output"
import * as Text from "@exa-webhooks/cli-kit/Text"
import { Clock, Effect } from "effect"

/**
 * @since 0.1.0
 */
export interface Progress {
  /** One item finished; `line` describes it ("created crm-sync (wh_...)"), `failed` says whether it failed. */
  readonly tick: (line: string, failed?: boolean) => Effect.Effect<void>
  /** Clears the status line. */
  readonly done: Effect.Effect<void>
}

// How often the status line is redrawn at most: often enough to look alive, rarely enough to cost nothing.
const REDRAW_MILLIS = 100

/**
 * `seconds` as a person reads a time left: `45s`, `3m 20s`, `1h 05m`.
 *
 * @since 0.5.0
 */
export const formatEta = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
}

/**
 * The status line after `done` of `total` items in `elapsedMillis`, `failed` of them failed, in `width` columns.
 *
 * @example
 * ```ts
 * Progress.statusLine({ done: 120, total: 500, failed: 2, elapsedMillis: 5_000, width: 20 })
 * // [#####...............] 120/500  24.0/s  ETA 16s  2 failed
 * ```
 * @since 0.5.0
 */
export const statusLine = (options: {
  readonly done: number
  readonly total: number
  readonly failed: number
  readonly elapsedMillis: number
  readonly width: number
}): Text.Text => {
  const { done, elapsedMillis, failed, total, width } = options
  const filled = total === 0 ? width : Math.round((done / total) * width)
  const rate = elapsedMillis > 0 ? done / (elapsedMillis / 1000) : 0
  const eta = rate > 0 && done < total ? `  ETA ${formatEta((total - done) / rate)}` : ""
  return [
    `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}  ${rate.toFixed(1)}/s${eta}`,
    failed > 0 ? ["  ", Text.red(`${failed} failed`)] : ""
  ]
}

/**
 * A progress display for `total` items, as the run's `Output` allows (see the module's description).
 *
 * @since 0.1.0
 */
export const make = Effect.fn("Progress.make")(function*(total: number) {
  const output = yield* Output
  const started = yield* Clock.currentTimeMillis
  let done = 0
  let failed = 0
  let drawnAt = Number.NEGATIVE_INFINITY
  const draw = (force: boolean) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      if (!force && now - drawnAt < REDRAW_MILLIS) return
      drawnAt = now
      yield* output.status(statusLine({ done, total, failed, elapsedMillis: now - started, width: 20 }))
    })
  const progress: Progress = {
    tick: (line, itemFailed = false) =>
      Effect.suspend(() => {
        done++
        if (itemFailed) failed++
        if (output.json) return Effect.void
        // An item's line may quote Exa's message or a URL: shown as everything else a bin prints (see Output).
        if (!output.interactive) return output.line(null, () => `[${done}/${total}] ${line}`, "stderr")
        return Effect.andThen(
          itemFailed ? output.line(null, () => Text.red(line), "stderr") : Effect.void,
          draw(itemFailed || done === total)
        )
      }),
    done: Effect.suspend(() => (output.interactive && total > 0 ? output.status(undefined) : Effect.void))
  }
  return progress
})
