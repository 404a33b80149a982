import type { Random } from './random.js'

/**
 * Draws ranks 0..n-1 with P(rank k) proportional to 1 / (k + 1)^s: rank 0 is the most
 * popular item. Exact inversion over a precomputed cumulative table (8 bytes per item):
 * a binary search per draw is fast enough for millions of draws and, unlike the usual
 * approximations, leaves nothing to argue about when the hit rates are compared.
 */
export class ZipfSampler {
  readonly n: number
  readonly s: number
  readonly #cumulative: Float64Array
  readonly #random: Random

  constructor(n: number, s: number, random: Random) {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer; got ${n}`)
    if (!(s >= 0)) throw new RangeError(`s must be 0 or more; got ${s}`)
    this.n = n
    this.s = s
    this.#random = random
    const cumulative = new Float64Array(n)
    let sum = 0
    for (let k = 0; k < n; k++) {
      sum += 1 / Math.pow(k + 1, s)
      cumulative[k] = sum
    }
    this.#cumulative = cumulative
  }

  /** The probability of drawing `rank`. */
  probability(rank: number): number {
    const total = this.#cumulative[this.n - 1] as number
    return 1 / Math.pow(rank + 1, this.s) / total
  }

  /** One rank in [0, n). */
  next(): number {
    const cumulative = this.#cumulative
    const u = this.#random() * (cumulative[this.n - 1] as number)
    let low = 0
    let high = this.n - 1
    while (low < high) {
      const mid = (low + high) >>> 1
      if ((cumulative[mid] as number) <= u) low = mid + 1
      else high = mid
    }
    return low
  }
}
