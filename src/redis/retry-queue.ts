import type { InvalidationMessage } from '../invalidation/invalidation-bus.js'

/**
 * Invalidations that could not be published yet, merged and bounded.
 *
 * Invalidations only delete, so their order does not matter and merging them is safe: the
 * queue keeps, per tenant, a set of IDs or "the whole tenant", or one "everything". Its size
 * counts one per queued ID, one per tenant-wide entry, one for "everything". When an addition
 * makes it exceed `maxSize`, it widens instead of dropping: the tenant holding the most IDs
 * becomes tenant-wide, and if only tenant-wide entries and single IDs are left, everything
 * becomes one full invalidation. Nothing is ever lost, only made coarser.
 */
export class RetryQueue {
  readonly #maxSize: number
  // `null`: the whole tenant.
  readonly #tenants = new Map<number, Set<number> | null>()
  #all = false
  #size = 0
  #collapses = 0

  constructor(maxSize: number) {
    this.#maxSize = maxSize
  }

  /** Entries queued now (IDs, tenant-wide entries, or 1 for "everything"). */
  get size(): number {
    return this.#size
  }

  /** How many times an overflow widened entries since construction. */
  get collapses(): number {
    return this.#collapses
  }

  add(message: InvalidationMessage): void {
    if (this.#all) return
    switch (message.kind) {
      case 'all':
        this.#collapseToAll()
        return
      case 'tenant': {
        const queued = this.#tenants.get(message.tenantId)
        if (queued === null) return
        this.#size += 1 - (queued?.size ?? 0)
        this.#tenants.set(message.tenantId, null)
        break
      }
      case 'ids': {
        let queued = this.#tenants.get(message.tenantId)
        if (queued === null) return
        if (queued === undefined) {
          queued = new Set()
          this.#tenants.set(message.tenantId, queued)
        }
        for (const id of message.ids) {
          if (!queued.has(id)) {
            queued.add(id)
            this.#size++
          }
        }
        break
      }
    }
    if (this.#size > this.#maxSize) this.#shrink()
  }

  /** Empties the queue into messages that together cover everything it held. */
  drain(): InvalidationMessage[] {
    const messages: InvalidationMessage[] = []
    if (this.#all) {
      messages.push({ kind: 'all' })
    } else {
      for (const [tenantId, ids] of this.#tenants) {
        messages.push(ids === null ? { kind: 'tenant', tenantId } : { kind: 'ids', tenantId, ids: [...ids] })
      }
    }
    this.#tenants.clear()
    this.#all = false
    this.#size = 0
    return messages
  }

  #shrink(): void {
    this.#collapses++
    while (this.#size > this.#maxSize) {
      let widest: number | undefined
      let widestSize = 1
      for (const [tenantId, ids] of this.#tenants) {
        if (ids !== null && ids.size > widestSize) {
          widest = tenantId
          widestSize = ids.size
        }
      }
      if (widest === undefined) {
        this.#collapseToAll()
        return
      }
      this.#tenants.set(widest, null)
      this.#size -= widestSize - 1
    }
  }

  #collapseToAll(): void {
    this.#tenants.clear()
    this.#all = true
    this.#size = 1
  }
}
