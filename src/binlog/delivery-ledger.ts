import type { BinlogPosition } from './binlog-position.js'

/** One position of the stream and the deliveries it still waits for. */
export interface LedgerEntry {
  readonly position: BinlogPosition
  /** Deliveries not settled yet (`hold` adds one, `settle` takes one). */
  outstanding: number
}

// The ledger's own link between entries, kept off the type its callers hold.
interface QueuedEntry extends LedgerEntry {
  next: QueuedEntry | undefined
}

/**
 * Which position of the stream is *delivered*: every invalidation of every transaction up to it
 * was published or queued by the target, its visibility re-invalidation included. Positions
 * are recorded in stream order; one becomes delivered once it and all before it have no
 * delivery outstanding. Only a delivered position may be saved as the checkpoint.
 *
 * The undelivered positions form a queue linked from oldest to newest: delivering unlinks from
 * the front in constant time, and a delivered entry is referenced by nothing the ledger keeps,
 * however long the stream runs.
 */
export class DeliveryLedger {
  #head: QueuedEntry | undefined
  #tail: QueuedEntry | undefined
  #pending = 0
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
    return this.#pending
  }

  /**
   * Records `position`, the next one in stream order, with `outstanding` deliveries to wait for
   * (`hold` adds more). With none outstanding and nothing recorded before it pending, it is
   * delivered at once.
   */
  record(position: BinlogPosition, outstanding: number): LedgerEntry {
    const entry: QueuedEntry = { position, outstanding, next: undefined }
    if (this.#tail === undefined) this.#head = entry
    else this.#tail.next = entry
    this.#tail = entry
    this.#pending++
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
    let head = this.#head
    while (head !== undefined && head.outstanding <= 0) {
      this.#delivered = head.position
      this.#pending--
      head = head.next
    }
    this.#head = head
    if (head === undefined) this.#tail = undefined
  }
}
