// Semantics 9: background jobs read through without wrecking the cache ('no-fill'), or
// bypass it entirely ('bypass').
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ResultGate } from '../helpers/result-gate.js'

describe.each(BACKENDS)('cache modes, on %s', (name) => {
  let backend: TestBackend
  const all = Array.from({ length: 400 }, (_, i) => i + 1)

  beforeAll(async () => {
    backend = await openBackend(name, 'modes')
    await backend.insert(all.map((id) => seed(1, id)))
  })
  afterAll(async () => {
    await backend.close()
  })

  it("'no-fill' serves hits, loads misses, and caches nothing", async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table })
    await contacts.getMany(1, [1, 2])
    const result = await contacts.getMany(1, [2, 3, 1, 9999], { cache: 'no-fill' })
    expect(result.rows.map((r) => r.id)).toEqual([2, 3, 1])
    expect(result.missing).toEqual([9999])
    expect(contacts.stats()).toMatchObject({ entries: 2, hits: 2, queries: 2 })
  })

  it("'no-fill' leaves the hot set in place while a job scans far more than the cache holds", async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table, maxEntries: 50, maxEntriesPerTenant: 50 })
    const hot = all.slice(0, 20)
    const scan = async (mode: 'normal' | 'no-fill'): Promise<void> => {
      for (let i = 20; i < all.length; i += 40) await contacts.getMany(1, all.slice(i, i + 40), { cache: mode })
    }
    await contacts.getMany(1, hot)
    await scan('no-fill')
    const queries = contacts.stats().queries
    await contacts.getMany(1, hot)
    expect(contacts.stats()).toMatchObject({ queries, evictions: 0, entries: 20 })

    // The same scan in 'normal' mode evicts the hot set: the test above can tell the difference.
    await scan('normal')
    await contacts.getMany(1, hot)
    expect(contacts.stats().queries).toBeGreaterThan(queries + 1)
    expect(contacts.stats().evictions).toBeGreaterThan(0)
  })

  it("'no-fill' hits do not refresh recency: the LRU entry stays first to go", async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table, maxEntries: 3, maxEntriesPerTenant: 3 })
    await contacts.getMany(1, [1])
    await contacts.getMany(1, [2])
    await contacts.getMany(1, [3])
    await contacts.getMany(1, [1], { cache: 'no-fill' }) // a job looks at 1; 1 is still the oldest
    await contacts.getMany(1, [4]) // evicts 1
    const queries = contacts.stats().queries
    await contacts.getMany(1, [2, 3, 4])
    expect(contacts.stats().queries).toBe(queries)
    await contacts.getMany(1, [1])
    expect(contacts.stats().queries).toBe(queries + 1)
  })

  it("'no-fill' still joins loads in flight, and a normal caller joining its load gets it cached", async () => {
    const gate = new ResultGate()
    const contacts = new ContactRepository({ db: backend.db.withPlugin(gate), table: backend.table })
    gate.closed = true
    const job = contacts.getMany(1, [11, 12], { cache: 'no-fill' })
    await gate.whenHeld(1)
    const request = contacts.getMany(1, [12])
    gate.open()
    await Promise.all([job, request])
    expect(contacts.stats()).toMatchObject({ queries: 1, inflightJoins: 1, entries: 1 })
    await contacts.getMany(1, [12])
    expect(contacts.stats().queries).toBe(1)
  })

  it("'bypass' always reads the database, caches nothing and joins nothing", async () => {
    const gate = new ResultGate()
    const contacts = new ContactRepository({ db: backend.db.withPlugin(gate), table: backend.table })
    await contacts.getMany(1, [21])
    const cached = await contacts.getMany(1, [21, 22, 21, 9999], { cache: 'bypass' })
    expect(cached.rows.map((r) => r.id)).toEqual([21, 22])
    expect(cached.missing).toEqual([9999])
    expect(contacts.stats()).toMatchObject({ queries: 2, entries: 1 })

    gate.closed = true
    const normal = contacts.getMany(1, [23])
    await gate.whenHeld(1)
    const bypass = contacts.getMany(1, [23], { cache: 'bypass' })
    expect(contacts.stats().inflightJoins).toBe(0)
    gate.open()
    await Promise.all([normal, bypass])
    expect(contacts.stats()).toMatchObject({ queries: 4, entries: 2 })
  })
})
