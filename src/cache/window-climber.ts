/**
 * Sizes the cache's recency window by hill climbing on the hit rate, as Caffeine does (see the
 * policy at the top of `tenant-partitioned-cache.ts`).
 *
 * Every `sampleSize` accesses it compares the sample's hit rate with the previous one: if it
 * improved, the window keeps moving the same way, otherwise it turns around. Steps start at
 * 6.25% of the capacity, shrink by 2% each sample so the climber settles, and start over at
 * full size when the hit rate moves by 5 points or more (the workload changed). The first step
 * shrinks the window, which starts at 1% of the capacity.
 */
export class WindowClimber {
  readonly #capacity: number
  readonly #sampleSize: number
  #stepSize: number
  #previousHitRate = 0
  #hits = 0
  #misses = 0

  /**
   * @param capacity the cache's capacity in entries.
   * @param sampleSize accesses per sample; Caffeine uses ten per entry of capacity, the aging
   *   period of the frequency sketch.
   */
  constructor(capacity: number, sampleSize: number) {
    this.#capacity = capacity
    this.#sampleSize = sampleSize
    this.#stepSize = -STEP_PERCENT * capacity
  }

  /**
   * Records accesses; at the end of a sample returns by how many entries to grow (positive) or
   * shrink (negative) the window, otherwise 0.
   */
  record(hits: number, misses: number): number {
    this.#hits += hits
    this.#misses += misses
    const requests = this.#hits + this.#misses
    if (requests < this.#sampleSize) return 0
    const hitRate = this.#hits / requests
    const change = hitRate - this.#previousHitRate
    const amount = change >= 0 ? this.#stepSize : -this.#stepSize
    this.#stepSize =
      Math.abs(change) >= RESTART_THRESHOLD ? STEP_PERCENT * this.#capacity * (amount >= 0 ? 1 : -1) : STEP_DECAY * amount
    this.#previousHitRate = hitRate
    this.#hits = 0
    this.#misses = 0
    return Math.trunc(amount)
  }
}

/** The share of the capacity the window starts with. */
export const INITIAL_WINDOW_FRACTION = 0.01
const STEP_PERCENT = 0.0625
const STEP_DECAY = 0.98
const RESTART_THRESHOLD = 0.05
