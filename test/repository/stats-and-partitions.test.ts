// Proves G-OBSERVABLE (stats report numbers tests can check) and G-BOUNDS through the
// repository (the global bound and per-tenant caps with real rows).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { PARTITION_OVERHEAD_BYTES } from '../../src/cache/tenant-partitioned-cache.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'

describe.each(BACKENDS)('stats and partitions, on %s', (name) => {
  let backend: TestBackend

  beforeAll(async () => {
    backend = await openBackend(name, 'stats')
    const rows = []
    // Tenants 1..300 own IDs t*10+1 .. t*10+5.
    for (let tenant = 1; tenant <= 300; tenant++) for (let k = 1; k <= 5; k++) rows.push(seed(tenant, tenant * 10 + k))
    await backend.insert(rows)
  })
  afterAll(async () => {
    await backend.close()
  })

  it('G-OBSERVABLE: counts hits, misses, negative hits, joins, queries, rows, entries, bytes and tenants', async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table })
    await Promise.all([contacts.getMany(1, [11, 12, 99]), contacts.getMany(1, [12, 13])])
    await contacts.getMany(1, [13, 12, 11, 99, 99])
    await contacts.getMany(2, [21, 11])
    const stats = contacts.stats()
    expect(stats).toMatchObject({
      hits: 4, // 13, 12, 11, 99 (duplicates are not counted twice)
      negativeHits: 1, // 99
      misses: 7, // 11, 12, 99, 12 (joined), 13, then 21 and 11 for tenant 2
      inflightJoins: 1,
      queries: 2,
      rowsFetched: 4, // 11, 12, 13 for tenant 1; 21 for tenant 2
      entries: 6, // 11, 12, 13, 99 of tenant 1; 21, 11 of tenant 2
      tenants: 2,
      evictions: 0,
      invalidations: 0,
      errors: 0,
      inflight: 0,
      activeQueries: 0,
      queuedQueries: 0,
      trusted: true,
    })
    expect(stats.bytes).toBeGreaterThan(2 * PARTITION_OVERHEAD_BYTES)
    expect(stats.batchSize).toMatchObject({ count: 2, max: 4 })
    expect(stats.batchDurationMs.count).toBe(2)
    await contacts.invalidate(1, [11])
    await contacts.invalidateTenant(2)
    expect(contacts.stats()).toMatchObject({ entries: 3, tenants: 1, invalidations: 2 })
  })

  it('G-BOUNDS: keeps the global entry bound across many tenants and counts evictions', async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table, maxEntries: 100, maxEntriesPerTenant: 5 })
    for (let tenant = 1; tenant <= 300; tenant += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, k) => contacts.getMany(tenant + k, [(tenant + k) * 10 + 1, (tenant + k) * 10 + 2])))
      expect(contacts.stats().entries).toBeLessThanOrEqual(100)
    }
    const stats = contacts.stats()
    expect(stats.entries).toBe(100)
    expect(stats.evictions).toBe(600 - 100)
    // Which tenants keep their entries is the policy's choice (W-TinyLFU); each holds 1 or 2.
    expect(stats.tenants).toBeGreaterThanOrEqual(50)
    expect(stats.tenants).toBeLessThanOrEqual(100)
  })

  it('G-BOUNDS: caps one tenant so that it cannot push the others out', async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table, maxEntries: 20, maxEntriesPerTenant: 5 })
    for (let tenant = 2; tenant <= 4; tenant++) await contacts.getMany(tenant, [tenant * 10 + 1, tenant * 10 + 2, tenant * 10 + 3])
    // Tenant 1 asks for 1,000 IDs (mostly not found): it keeps at most 5 entries.
    await contacts.getMany(1, Array.from({ length: 1000 }, (_, i) => 100_000 + i))
    expect(contacts.stats().entries).toBe(9 + 5)
    const queries = contacts.stats().queries
    for (let tenant = 2; tenant <= 4; tenant++) await contacts.getMany(tenant, [tenant * 10 + 1, tenant * 10 + 2, tenant * 10 + 3])
    expect(contacts.stats().queries).toBe(queries)
  })
})
