import { LRUCache } from 'lru-cache'
import type { Contact } from './contact.js'

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
}

/** One tenant's entries, in that tenant's LRU order. */
export type Partition = LRUCache<number, CacheEntry>

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
 * fields plus a `Map` and growable arrays. It is counted against `maxBytes` so that 100,000
 * small tenants cannot grow the heap past the bound. Measured by `bench/memory.bench.ts`.
 */
export const PARTITION_OVERHEAD_BYTES = 2048

/** Fixed part of an entry's estimated size: entry, row object, LRU slot and map entry. */
const ENTRY_OVERHEAD_BYTES = 240

/**
 * A bounded LRU cache partitioned by tenant: one lru-cache instance per tenant (its own LRU
 * order and cap, dropped in O(1) by `deleteTenant`) inside an lru-cache of tenants whose
 * recency decides which tenant gives up entries when a global bound is reached.
 *
 * Keys never mix tenant and ID into one value, so two (tenant, id) pairs cannot collide.
 * Partitions are created without lru-cache's `max`, which would preallocate arrays for `max`
 * entries in every partition; `maxSize` bounds them instead and their arrays grow on demand.
 */
export class TenantPartitionedCache {
  readonly #limits: TenantPartitionedCacheLimits
  readonly #onEvict: (reason: EvictionReason, count: number) => void
  // lru-cache requires a bound; the number of partitions never exceeds the number of
  // entries (empty partitions are dropped), so this one never evicts on its own.
  readonly #tenants: LRUCache<number, Partition>
  #entries = 0
  #bytes = 0
  #evicted = 0

  // One dispose/onInsert pair shared by every partition keeps the global counters exact
  // for every way an entry can come and go (set, replace, evict, delete).
  readonly #onInsert = (entry: CacheEntry, _id: number, reason: string): void => {
    if (reason === 'update') return
    this.#entries++
    this.#bytes += entry.bytes
  }

  readonly #dispose = (entry: CacheEntry, _id: number, reason: string): void => {
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
    this.#tenants = new LRUCache<number, Partition>({
      maxSize: limits.maxEntries + 1,
      sizeCalculation: () => 1,
    })
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

  /** The tenant's partition, marking the tenant as recently used; `undefined` if it has none. */
  partition(tenantId: number): Partition | undefined {
    return this.#tenants.get(tenantId)
  }

  /** The tenant's partition without touching recency (for reads that must not shape the cache). */
  peekPartition(tenantId: number): Partition | undefined {
    return this.#tenants.peek(tenantId)
  }

  /**
   * Stores entries for one tenant, then enforces the per-tenant and global bounds.
   * Batched so that one query's rows cost one bounds check, not one per row.
   */
  setMany(tenantId: number, ids: readonly number[], entries: readonly CacheEntry[]): void {
    if (ids.length === 0) return
    let partition = this.#tenants.get(tenantId)
    if (partition === undefined) {
      partition = new LRUCache<number, CacheEntry>({
        maxSize: this.#limits.maxBytesPerTenant,
        sizeCalculation: (entry) => entry.bytes,
        onInsert: this.#onInsert,
        dispose: this.#dispose,
      })
      this.#tenants.set(tenantId, partition)
    }
    const evictedBefore = this.#evicted
    for (let i = 0; i < ids.length; i++) {
      partition.set(ids[i] as number, entries[i])
    }
    // lru-cache has already evicted to stay under maxBytesPerTenant; the entry cap is ours.
    while (partition.size > this.#limits.maxEntriesPerTenant) partition.pop()
    if (this.#evicted > evictedBefore) this.#onEvict('tenant-cap', this.#evicted - evictedBefore)
    this.#enforceGlobalBounds()
  }

  /** Removes one tenant's entries for `ids`. */
  deleteMany(tenantId: number, ids: readonly number[]): void {
    const partition = this.#tenants.peek(tenantId)
    if (partition === undefined) return
    for (const id of ids) partition.delete(id)
    if (partition.size === 0) this.#tenants.delete(tenantId)
  }

  /** Drops a tenant's whole partition: O(1), whatever its size. */
  deleteTenant(tenantId: number): void {
    const partition = this.#tenants.peek(tenantId)
    if (partition === undefined) return
    this.#entries -= partition.size
    this.#bytes -= partition.calculatedSize
    this.#tenants.delete(tenantId)
  }

  /** Drops every partition. */
  clear(): void {
    this.#tenants.clear()
    this.#entries = 0
    this.#bytes = 0
  }

  #enforceGlobalBounds(): void {
    const evictedBefore = this.#evicted
    while (this.#entries > this.#limits.maxEntries || this.bytes > this.#limits.maxBytes) {
      // The least recently used tenant gives up its least recently used entry.
      const victim = this.#tenants.rkeys().next()
      /* v8 ignore next -- entries > 0 implies a partition exists */
      if (victim.done === true) break
      const partition = this.#tenants.peek(victim.value) as Partition
      partition.pop()
      if (partition.size === 0) this.#tenants.delete(victim.value)
    }
    if (this.#evicted > evictedBefore) this.#onEvict('global-cap', this.#evicted - evictedBefore)
  }
}

/** Estimated heap bytes of one entry: fixed overhead plus the strings it holds. */
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

// V8 stores a string in one byte per character unless it holds a character above U+00FF.
const TWO_BYTE = /[\u0100-\uffff]/

function stringBytes(value: string | null): number {
  if (value === null) return 0
  return 16 + (TWO_BYTE.test(value) ? value.length * 2 : value.length)
}
