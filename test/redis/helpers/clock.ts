/**
 * Milliseconds on a clock every process on this machine shares (wall-clock origin plus the
 * monotonic offset), with sub-millisecond resolution: what the staleness checker compares
 * across processes.
 */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now()
}

/** Resolves after `ms` on a timer (so that I/O and timers get their turn). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Polls `condition` until it holds; rejects with `what` after `limitMs`. The limit is a
 * liveness bound (the suite fails instead of hanging), never a timing assertion.
 */
export async function eventually(
  what: string,
  condition: () => boolean | Promise<boolean>,
  limitMs = 15_000,
  everyMs = 10,
): Promise<void> {
  const start = Date.now()
  for (;;) {
    if (await condition()) return
    if (Date.now() - start > limitMs) throw new Error(`Not within ${limitMs} ms: ${what}`)
    await delay(everyMs)
  }
}
