import type { BinlogPosition } from './binlog-position.js'

/** One position of the stream and the deliveries it still waits for. */
export interface LedgerEntry {
  readonly position: BinlogPosition
  outstanding: number
}

/**
 * Which position of the stream is *delivered*: every invalidation of every transaction up to it
 * was published or queued by the target, its visibility re-invalidation included. Positions
 * are recorded in stream order; one becomes delivered once it and all before it have no
 * delivery outstanding. Only a delivered position may be saved as the checkpoint.
 */
export class DeliveryLedger {
  readonly #entries: LedgerEntry[] = []
  #head = 0
  #delivered: BinlogPosition | undefined

  constructor(start: BinlogPosition | undefined) {
    this.#delivered = start
  }

  /** The latest delivered position. */
  get delivered(): BinlogPosition | undefined {
    return this.#delivered
  }

  /** Positions recorded and not delivered yet. */
  get pending(): number {
    return this.#entries.length - this.#head
  }

  /** Records `position` with `outstanding` deliveries to wait for (add more with `hold`). */
  record(position: BinlogPosition, outstanding: number): LedgerEntry | undefined {
    if (outstanding === 0 && this.pending === 0) {
      this.#delivered = position
      return undefined
    }
    const entry = { position, outstanding }
    this.#entries.push(entry)
    this.#advance()
    return entry
  }

  /** One more delivery for `entry`. */
  hold(entry: LedgerEntry): void {
    entry.outstanding++
  }

  /** One delivery of `entry` settled. */
  settle(entry: LedgerEntry): void {
    entry.outstanding--
    this.#advance()
  }

  #advance(): void {
    while (this.#head < this.#entries.length && (this.#entries[this.#head] as LedgerEntry).outstanding <= 0) {
      this.#delivered = (this.#entries[this.#head] as LedgerEntry).position
      this.#head++
    }
    // Compact once the delivered prefix dominates, so the array does not grow for ever.
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries.splice(0, this.#head)
      this.#head = 0
    }
  }
}
