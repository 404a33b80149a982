/** Percentiles of the most recent values of a series. */
export interface Summary {
  /** Values recorded since the start (not only the recent ones). */
  readonly count: number
  readonly mean: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

/**
 * Keeps the last `capacity` values in a ring and summarises them on demand: recording is
 * O(1) on the batch path, the sort happens only when someone reads `stats()`.
 */
export class RollingSummary {
  readonly #values: Float64Array
  #count = 0

  constructor(capacity = 1024) {
    this.#values = new Float64Array(capacity)
  }

  add(value: number): void {
    this.#values[this.#count % this.#values.length] = value
    this.#count++
  }

  summary(): Summary {
    const recent = this.#values.slice(0, Math.min(this.#count, this.#values.length)).sort()
    const n = recent.length
    if (n === 0) return { count: 0, mean: 0, p50: 0, p99: 0, max: 0 }
    let sum = 0
    for (const value of recent) sum += value
    // Nearest rank: the value at rank ceil(q * n), which q <= 1 keeps within the n values.
    const at = (q: number): number => recent[Math.ceil(q * n) - 1] ?? 0
    return { count: this.#count, mean: sum / n, p50: at(0.5), p99: at(0.99), max: recent[n - 1] ?? 0 }
  }
}
