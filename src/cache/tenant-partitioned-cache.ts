import { LRUCache } from 'lru-cache'
import type { Contact } from '../contacts/contact.js'
import { IndexedMinHeap, type HeapItem } from './partition-heap.js'

/** What the cache holds for one (tenant, id): a row, or `null` for "known not to exist". */
export interface CacheEntry {
  /** The frozen row, or `null` when the ID does not exist for this tenant (a negative entry). */
  readonly row: Contact | null
  /** Clock time (see `now`) after which the entry is expired; kept for stale-if-error. */
  readonly expiresAt: number
  /** Clock time at which the entry was read from the database. */
  readonly fetchedAt: number
  /** Estimated heap bytes, counted against `maxBytes`/`maxBytesPerTenant`. */
  readonly bytes: number
  /**
   * The `getMany` pass that last saw this entry. Lets one pass drop duplicate IDs without
   * building a Set, which would cost more than the lookups themselves on the hit path.
   */
  stamp: number
  /** The contact ID, so that eviction can find the key of an entry it looks at. */
  id: number
  /** The cache's clock when the entry last moved to its partition's most recent end. */
  movedAt: number
  /** The cache's clock at the last `getMany` that used the entry (0 if none since it was stored). */
  usedAt: number
}

/** Why an entry left the cache, as reported to `onEvict`. */
export type EvictionReason = 'tenant-cap' | 'global-cap'

/** Limits of a {@link TenantPartitionedCache}; validated by the repository's constructor. */
export interface TenantPartitionedCacheLimits {
  readonly maxEntries: number
  readonly maxBytes: number
  readonly maxEntriesPerTenant: number
  readonly maxBytesPerTenant: number
}

/**
 * Heap cost of one partition before it holds anything: an `LRUCache` instance has some 70
 * fields plus a `Map` and growable arrays, and the partition its own index `Map`. It is counted against `maxBytes` so that 100,000
 * small tenants cannot grow the heap past the bound. Measured by the memory benchmark.
 */
export const PARTITION_OVERHEAD_BYTES = 2900

/** Fixed part of an entry's estimated size (entry, row object, LRU slot, map entry); measured. */
const ENTRY_OVERHEAD_BYTES = 360

/** One tenant's entries, in the order they last moved to the most recent end. */
export class Partition implements HeapItem {
  readonly tenantId: number
  readonly entries: LRUCache<number, CacheEntry>
  /** The same entries by ID, for the hit path: a `Map` lookup costs half of lru-cache's `peek`. */
  readonly index = new Map<number, CacheEntry>()
  /** A lower bound of `movedAt` of the partition's least recent entry. */
  heapKey = 0
  heapIndex = -1

  constructor(tenantId: number, entries: LRUCache<number, CacheEntry>) {
    this.tenantId = tenantId
    this.entries = entries
  }
}

/**
 * A bounded cache partitioned by tenant: one lru-cache instance per tenant, dropped in O(1) by
 * `deleteTenant`, whose order is the order in which entries last moved to its recent end.
 *
 * A hit does not move the entry there (lru-cache's `get` costs twice its `peek`, and the hit
 * path is the product); it only records the clock in `usedAt`. Eviction looks at the least
 * recent entry: if it was used since it last moved, it gets a second chance (it moves to the
 * recent end) and the next one is looked at; otherwise it goes. This is the CLOCK
 * approximation of LRU, on lru-cache's list. A tenant over its own bound evicts its own
 * entries; when the whole cache is over a bound, a heap of partitions ordered by their least
 * recent entry picks the tenant, so a big busy tenant's cold rows go before a small tenant's
 * fresh ones.
 *
 * Keys never mix tenant and ID into one value, so two (tenant, id) pairs cannot collide.
 * Partitions are created without lru-cache's `max`, which would preallocate arrays for `max`
 * entries in every partition; `maxSize` bounds them instead and their arrays grow on demand.
 */
export class TenantPartitionedCache {
  readonly #limits: TenantPartitionedCacheLimits
  readonly #onEvict: (reason: EvictionReason, count: number) => void
  readonly #tenants = new Map<number, Partition>()
  readonly #byLeastRecent = new IndexedMinHeap<Partition>()
  #clock = 0
  #entries = 0
  #bytes = 0
  #evicted = 0

  // One dispose/onInsert pair shared by every partition keeps the global counters exact
  // for every way an entry can come and go (set, replace, evict, delete).
  #inserted(partition: Partition, entry: CacheEntry, id: number, reason: string): void {
    if (reason === 'update') return
    partition.index.set(id, entry)
    this.#entries++
    this.#bytes += entry.bytes
  }

  #disposed(partition: Partition, entry: CacheEntry, id: number, reason: string): void {
    // On a replace lru-cache disposes of the old entry before inserting the new one.
    if (partition.index.get(id) === entry) partition.index.delete(id)
    this.#entries--
    this.#bytes -= entry.bytes
    if (reason === 'evict') this.#evicted++
  }

  constructor(
    limits: TenantPartitionedCacheLimits,
    onEvict: (reason: EvictionReason, count: number) => void = () => undefined,
  ) {
    this.#limits = limits
    this.#onEvict = onEvict
  }

  /** Number of entries, rows and negative entries, over all tenants. */
  get entries(): number {
    return this.#entries
  }

  /** Estimated heap bytes of all entries and partitions. */
  get bytes(): number {
    return this.#bytes + this.#tenants.size * PARTITION_OVERHEAD_BYTES
  }

  /** Number of tenants holding at least one entry. */
  get tenants(): number {
    return this.#tenants.size
  }

  /** The tenant's partition, or `undefined` if it holds nothing. */
  partition(tenantId: number): Partition | undefined {
    return this.#tenants.get(tenantId)
  }

  /** Advances the clock; a caller marks the entries it uses with the value (`usedAt`). */
  tick(): number {
    return ++this.#clock
  }

  /**
   * Stores entries for one tenant, then enforces the per-tenant and global bounds.
   * Batched so that one query's rows cost one bounds check, not one per row.
   */
  setMany(tenantId: number, ids: readonly number[], entries: readonly CacheEntry[]): void {
    if (ids.length === 0) return
    let partition = this.#tenants.get(tenantId)
    if (partition === undefined) {
      partition = this.#createPartition(tenantId)
    }
    const { entries: lru } = partition
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number
      const entry = entries[i] as CacheEntry
      entry.id = id
      entry.movedAt = ++this.#clock
      entry.usedAt = 0
      lru.set(id, entry)
    }
    const evictedBefore = this.#evicted
    const { maxEntriesPerTenant, maxBytesPerTenant } = this.#limits
    while (lru.size > maxEntriesPerTenant || lru.calculatedSize > maxBytesPerTenant) {
      this.#evictLeastRecent(partition)
    }
    if (this.#evicted > evictedBefore) this.#onEvict('tenant-cap', this.#evicted - evictedBefore)
    this.#rekey(partition)
    this.#enforceGlobalBounds()
  }

  /** Removes one tenant's entries for `ids`. */
  deleteMany(tenantId: number, ids: readonly number[]): void {
    const partition = this.#tenants.get(tenantId)
    if (partition === undefined) return
    for (const id of ids) partition.entries.delete(id)
    // The heap key may now be too low; that is allowed (see #enforceGlobalBounds).
    if (partition.entries.size === 0) this.#drop(partition)
  }

  /** Drops a tenant's whole partition: O(log tenants), whatever its size. */
  deleteTenant(tenantId: number): void {
    const partition = this.#tenants.get(tenantId)
    if (partition === undefined) return
    this.#entries -= partition.entries.size
    this.#bytes -= partition.entries.calculatedSize
    this.#drop(partition)
  }

  /** Drops every partition. */
  clear(): void {
    this.#tenants.clear()
    this.#byLeastRecent.clear()
    this.#entries = 0
    this.#bytes = 0
  }

  #createPartition(tenantId: number): Partition {
    // The partition's callbacks keep its index and the global counters exact for every way an
    // entry comes and goes (set, replace, evict, delete).
    const partition: Partition = new Partition(
      tenantId,
      new LRUCache<number, CacheEntry>({
        // The bound is enforced here (with second chances), not by lru-cache's own eviction.
        maxSize: Number.MAX_SAFE_INTEGER,
        maxEntrySize: this.#limits.maxBytesPerTenant,
        sizeCalculation: (entry) => entry.bytes,
        onInsert: (entry, id, reason) => { this.#inserted(partition, entry, id, reason) },
        dispose: (entry, id, reason) => { this.#disposed(partition, entry, id, reason) },
      }),
    )
    this.#tenants.set(tenantId, partition)
    this.#byLeastRecent.push(partition)
    return partition
  }

  #drop(partition: Partition): void {
    this.#tenants.delete(partition.tenantId)
    this.#byLeastRecent.remove(partition)
  }

  // Evicts the partition's least recent entry that was not used since it last moved; those
  // that were get a second chance on the way. Ends: a moved entry is not "used since" anymore.
  #evictLeastRecent(partition: Partition): void {
    const lru = partition.entries
    for (;;) {
      const entry = leastRecent(partition)
      /* v8 ignore next -- callers only evict from partitions over a bound */
      if (entry === undefined) return
      if (entry.usedAt > entry.movedAt) {
        lru.get(entry.id)
        entry.movedAt = ++this.#clock
        continue
      }
      lru.pop()
      return
    }
  }

  // Re-keys a partition after its least recent entry may have changed.
  #rekey(partition: Partition): void {
    const entry = leastRecent(partition)
    if (entry === undefined) {
      this.#drop(partition)
      return
    }
    partition.heapKey = entry.movedAt
    this.#byLeastRecent.update(partition)
  }

  #enforceGlobalBounds(): void {
    const evictedBefore = this.#evicted
    while (this.#entries > this.#limits.maxEntries || this.bytes > this.#limits.maxBytes) {
      const partition = this.#byLeastRecent.peek()
      /* v8 ignore next -- entries > 0 implies a partition exists */
      if (partition === undefined) break
      const entry = leastRecent(partition) as CacheEntry
      if (entry.usedAt > entry.movedAt) {
        // Used since it last moved: a second chance, as within a partition.
        partition.entries.get(entry.id)
        entry.movedAt = ++this.#clock
        this.#rekey(partition)
        continue
      }
      // Keys only ever lag behind (second chances and deletes make a partition's least recent
      // entry younger), so a key that is still right at the top is the true minimum.
      if (entry.movedAt !== partition.heapKey) {
        this.#rekey(partition)
        continue
      }
      partition.entries.pop()
      this.#rekey(partition)
    }
    if (this.#evicted > evictedBefore) this.#onEvict('global-cap', this.#evicted - evictedBefore)
  }
}

function leastRecent(partition: Partition): CacheEntry | undefined {
  const { entries } = partition
  const key = entries.rkeys().next()
  return key.done === true ? undefined : entries.peek(key.value)
}

/**
 * Estimated heap bytes of one entry: fixed overhead plus the strings it holds, one byte per
 * character. V8 keeps a string two bytes per character when it holds one above U+00FF; those
 * are counted as one, which the measured overhead absorbs for typical rows (checking each
 * string would cost more than the rest of filling the cache).
 */
export function estimateEntryBytes(row: Contact | null): number {
  if (row === null) return ENTRY_OVERHEAD_BYTES / 2
  return (
    ENTRY_OVERHEAD_BYTES +
    stringBytes(row.firstName) +
    stringBytes(row.lastName) +
    stringBytes(row.companyName) +
    stringBytes(row.email) +
    stringBytes(row.phone) +
    stringBytes(row.type) +
    stringBytes(row.createdAt) +
    stringBytes(row.updatedAt)
  )
}

function stringBytes(value: string | null): number {
  return value === null ? 0 : 16 + value.length
}
