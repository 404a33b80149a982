// Semantics 3 at the level of the cache itself (pure logic, no database): partitions are
// real, the global bounds hold with 100,000 tenants, one tenant cannot take the cache, and
// dropping a tenant costs nothing per entry of other tenants.
import { LRUCache } from 'lru-cache'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Contact } from '../../src/index.js'
import {
  PARTITION_OVERHEAD_BYTES,
  TenantPartitionedCache,
  estimateEntryBytes,
  type CacheEntry,
  type TenantPartitionedCacheLimits,
} from '../../src/cache/tenant-partitioned-cache.js'

const contact = (id: number): Contact =>
  Object.freeze({
    id, firstName: `F${id}`, lastName: null, companyName: null, email: null, phone: null, type: 'person',
    createdAt: '2026-03-01T12:00:00.000Z', updatedAt: '2026-03-01T12:00:00.000Z',
  })

const entry = (id: number): CacheEntry => {
  const row = contact(id)
  return { row, expiresAt: Number.POSITIVE_INFINITY, fetchedAt: 0, bytes: estimateEntryBytes(row), stamp: 0, id: 0, movedAt: 0, usedAt: 0 }
}

const limits = (overrides: Partial<TenantPartitionedCacheLimits> = {}): TenantPartitionedCacheLimits => ({
  maxEntries: 1_000_000, maxBytes: 2 ** 40, maxEntriesPerTenant: 1_000_000, maxBytesPerTenant: 2 ** 40, ...overrides,
})

const put = (cache: TenantPartitionedCache, tenantId: number, ids: number[]): void => {
  cache.setMany(tenantId, ids, ids.map(entry))
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('TenantPartitionedCache', () => {
  it('keeps (tenant, id) pairs apart that a concatenated key would merge', () => {
    const cache = new TenantPartitionedCache(limits())
    // "1" + ":" + "23" style keys are not used, but "1"+"23" and "12"+"3" are the classic trap.
    put(cache, 1, [23])
    put(cache, 12, [3])
    expect(cache.partition(1)?.entries.get(23)?.row?.id).toBe(23)
    expect(cache.partition(1)?.entries.get(3)).toBeUndefined()
    expect(cache.partition(12)?.entries.get(3)?.row?.id).toBe(3)
    expect(cache.partition(12)?.entries.get(23)).toBeUndefined()
    expect(cache.entries).toBe(2)
  })

  it('holds its entry and byte bounds with 100,000 tenants', () => {
    const maxBytes = 32 * 1024 * 1024
    const evictions: number[] = []
    const cache = new TenantPartitionedCache(limits({ maxEntries: 50_000, maxBytes }), (_reason, count) => {
      evictions.push(count)
    })
    for (let tenant = 1; tenant <= 100_000; tenant++) {
      put(cache, tenant, [1, 2, 3])
      if (tenant % 10_000 === 0) {
        expect(cache.entries).toBeLessThanOrEqual(50_000)
        expect(cache.bytes).toBeLessThanOrEqual(maxBytes)
      }
    }
    // Bytes bind first here: each tenant costs its partition overhead besides its entries.
    expect(cache.bytes).toBeLessThanOrEqual(maxBytes)
    expect(cache.bytes).toBeGreaterThan(maxBytes * 0.9)
    expect(cache.tenants * PARTITION_OVERHEAD_BYTES).toBeLessThan(cache.bytes)
    expect(evictions.reduce((a, b) => a + b, 0)).toBe(300_000 - cache.entries)
    // The least recently used tenants gave way; the newest are whole.
    expect(cache.partition(100_000)?.entries.size).toBe(3)
    expect(cache.partition(1)).toBeUndefined()
  })

  const use = (cache: TenantPartitionedCache, tenantId: number, ids: number[]): void => {
    const usedAt = cache.tick()
    for (const id of ids) cache.partition(tenantId)!.entries.peek(id)!.usedAt = usedAt
  }

  it('evicts the entry that went longest without use, whichever tenant holds it', () => {
    const cache = new TenantPartitionedCache(limits({ maxEntries: 6 }))
    put(cache, 1, [1, 2])
    put(cache, 2, [1, 2])
    put(cache, 3, [1, 2])
    use(cache, 1, [1, 2]) // tenant 1's entries are used again: tenant 2 now holds the oldest
    put(cache, 4, [1])
    expect([...cache.partition(2)!.entries.keys()]).toEqual([2])
    put(cache, 4, [2, 3])
    expect(cache.partition(2)).toBeUndefined()
    expect(cache.partition(3)?.entries.size).toBe(1)
    expect(cache.partition(1)?.entries.size).toBe(2)
    expect(cache.entries).toBe(6)
  })

  it("gives a big, busy tenant's cold entries up before a small tenant's fresh ones", () => {
    // Recency of tenants alone would get this wrong: the big tenant is always the most recent.
    const cache = new TenantPartitionedCache(limits({ maxEntries: 100 }))
    put(cache, 1, Array.from({ length: 90 }, (_, i) => i + 1))
    put(cache, 2, [1, 2, 3, 4, 5])
    use(cache, 1, [1, 2, 3])
    put(cache, 1, Array.from({ length: 10 }, (_, i) => 1000 + i))
    expect(cache.partition(2)?.entries.size).toBe(5)
    const big = cache.partition(1)!.entries
    expect([1, 2, 3].map((id) => big.has(id))).toEqual([true, true, true])
    expect([4, 5, 6, 7, 8, 9].map((id) => big.has(id))).toEqual([false, false, false, false, false, true])
    expect(cache.entries).toBe(100)
  })

  it('gives an entry used since it last moved a second chance, once', () => {
    const cache = new TenantPartitionedCache(limits({ maxEntriesPerTenant: 8 }))
    put(cache, 1, [1, 2, 3, 4, 5, 6, 7, 8])
    use(cache, 1, [1, 3])
    put(cache, 1, [9, 10])
    expect([...cache.partition(1)!.entries.rkeys()]).toEqual([5, 6, 7, 8, 9, 10, 1, 3])
    // Their chance is spent: unused since they moved, they go first next time.
    put(cache, 1, [11, 12, 13, 14, 15])
    expect([...cache.partition(1)!.entries.rkeys()]).toEqual([10, 1, 3, 11, 12, 13, 14, 15])
  })

  it('caps one tenant at maxEntriesPerTenant and maxBytesPerTenant, evicting its own LRU entries', () => {
    const cache = new TenantPartitionedCache(limits({ maxEntries: 100, maxEntriesPerTenant: 10 }))
    put(cache, 2, [1, 2, 3])
    put(cache, 1, Array.from({ length: 50 }, (_, i) => i + 1))
    expect(cache.partition(1)?.entries.size).toBe(10)
    expect([...(cache.partition(1)?.entries.keys() ?? [])].sort((a, b) => a - b)).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49, 50])
    expect(cache.partition(2)?.entries.size).toBe(3)

    const oneEntry = entry(1).bytes
    const bytesCapped = new TenantPartitionedCache(limits({ maxBytesPerTenant: oneEntry * 4 }))
    put(bytesCapped, 1, [1, 2, 3, 4, 5, 6])
    expect(bytesCapped.partition(1)?.entries.size).toBe(4)
    expect(bytesCapped.entries).toBe(4)
  })

  it('drops a tenant without touching any entry, its own or another tenant\'s', () => {
    const cache = new TenantPartitionedCache(limits())
    for (let tenant = 1; tenant <= 100; tenant++) put(cache, tenant, [1, 2, 3, 4, 5])
    const perEntry = ['delete', 'pop', 'forEach', 'keys', 'entries', 'values', 'clear', 'rkeys', 'purgeStale'] as const
    const partitions = new Set<unknown>()
    for (let tenant = 1; tenant <= 100; tenant++) partitions.add(cache.partition(tenant)?.entries)
    const spies = perEntry.map((method) => vi.spyOn(LRUCache.prototype, method))
    cache.deleteTenant(50)
    // No partition is touched: the tenant's is dropped whole, the others are left alone.
    for (const spy of spies) expect(spy).not.toHaveBeenCalled()
    expect(partitions.size).toBe(100)
    // ...yet the counters are exact.
    expect(cache.entries).toBe(495)
    expect(cache.tenants).toBe(99)
    expect(cache.partition(50)).toBeUndefined()
  })

  it('keeps entries and bytes exact through replace, delete, evict and clear', () => {
    const cache = new TenantPartitionedCache(limits({ maxEntries: 5 }))
    put(cache, 1, [1, 2, 3])
    put(cache, 1, [2, 3]) // replacements
    expect(cache.entries).toBe(3)
    put(cache, 2, [1, 2, 3, 4]) // evicts 2 of tenant 1
    expect(cache.entries).toBe(5)
    cache.deleteMany(1, [3, 99])
    expect(cache.entries).toBe(4)
    const expected = 4 * entry(1).bytes + cache.tenants * PARTITION_OVERHEAD_BYTES
    expect(cache.bytes).toBe(expected)
    cache.clear()
    expect([cache.entries, cache.bytes, cache.tenants]).toEqual([0, 0, 0])
  })

  it('estimates an entry from its strings, a negative entry below any row', () => {
    const short = { ...contact(1), firstName: 'Al' }
    const long = { ...contact(1), firstName: 'Alexandra-Maria' }
    expect(estimateEntryBytes(long) - estimateEntryBytes(short)).toBe(long.firstName.length - short.firstName.length)
    expect(estimateEntryBytes(null)).toBeLessThan(estimateEntryBytes(contact(1)))
  })
})
