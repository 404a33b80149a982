import type { Random } from './random.js'

/**
 * A background job reading a range of IDs once each, page by page: an export, a re-index,
 * a nightly sync. With a generator the pages come in random order (still each ID once per
 * pass), which defeats any read-ahead luck; without one, in ID order. After the last page
 * the next pass starts.
 */
export class UniformScan {
  readonly #firstId: number
  readonly #count: number
  readonly #pageSize: number
  readonly #order: Int32Array | undefined
  #position = 0
  #passes = 0

  constructor(firstId: number, count: number, pageSize: number, shuffle?: Random) {
    if (!(Number.isSafeInteger(count) && count >= 1)) throw new RangeError('count must be a positive integer')
    if (!(Number.isSafeInteger(pageSize) && pageSize >= 1)) throw new RangeError('pageSize must be a positive integer')
    this.#firstId = firstId
    this.#count = count
    this.#pageSize = pageSize
    if (shuffle !== undefined) {
      const order = new Int32Array(count)
      for (let i = 0; i < count; i++) order[i] = i
      // Fisher-Yates.
      for (let i = count - 1; i > 0; i--) {
        const j = Math.floor(shuffle() * (i + 1))
        const tmp = order[i] as number
        order[i] = order[j] as number
        order[j] = tmp
      }
      this.#order = order
    }
  }

  /** Completed passes over the whole range. */
  get passes(): number {
    return this.#passes
  }

  /** The next page: `pageSize` IDs, fewer at the end of a pass. */
  nextPage(): number[] {
    const end = Math.min(this.#position + this.#pageSize, this.#count)
    const page: number[] = []
    for (let i = this.#position; i < end; i++) {
      page.push(this.#firstId + (this.#order === undefined ? i : (this.#order[i] as number)))
    }
    this.#position = end
    if (end === this.#count) {
      this.#position = 0
      this.#passes++
    }
    return page
  }
}
