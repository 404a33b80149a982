// ContactRepository's own rules that the guarantee suites reach only in passing, on MariaDB:
// a closed repository refuses calls and leaves its bus; a 'no-fill' call that joins another
// 'no-fill' call's load does not make it fill the cache; a key that keeps missing earns its
// place in a full cache while a one-off key does not (the misses of a normal call feed the
// policy's frequency sketch).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository, ContactRepositoryClosedError } from '../../src/index.js'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ManualBus } from '../helpers/manual-bus.js'

let backend: TestBackend

beforeAll(async () => {
  backend = await openBackend('mariadb', 'repository_rules')
  await backend.insert(Array.from({ length: 600 }, (_, i) => seed(1, i + 1)))
})
afterAll(async () => {
  await backend.close()
})

describe('ContactRepository, rule by rule', () => {
  it('after close(): refuses every call without a query, and no longer hears its bus', async () => {
    const bus = new ManualBus()
    const writer = new ContactRepository({ db: backend.db, table: backend.table, bus })
    const reader = new ContactRepository({ db: backend.db, table: backend.table, bus })
    await reader.getMany(1, [1, 2])
    await writer.invalidate(1, [1]) // heard while open
    expect(reader.stats()).toMatchObject({ entries: 1, invalidations: 1 })

    await reader.close()
    await reader.close() // twice is fine
    const queries = await backend.selectCount()
    await expect(reader.getMany(1, [3])).rejects.toThrow(ContactRepositoryClosedError)
    await expect(reader.getMany(1, [3])).rejects.toMatchObject({ code: 'ERR_CONTACTS_CLOSED' })
    expect(await backend.selectCount()).toBe(queries)
    await writer.invalidate(1, [2]) // not heard once closed
    expect(reader.stats()).toMatchObject({ entries: 1, invalidations: 1 })
    await writer.close()
  })

  it("G-NO-FILL: a 'no-fill' call joining another 'no-fill' call's load leaves nothing cached", async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table })
    const [first, second] = await Promise.all([
      contacts.getMany(1, [10, 11], { cache: 'no-fill' }),
      contacts.getMany(1, [11, 12], { cache: 'no-fill' }),
    ])
    expect(first.rows.map((r) => r.id)).toEqual([10, 11])
    expect(second.rows.map((r) => r.id)).toEqual([11, 12])
    expect(contacts.stats()).toMatchObject({ inflightJoins: 1, queries: 1, entries: 0 })
  })

  it('a key that keeps missing earns its place in a full cache; keys asked once do not push the others out', async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table, maxEntries: 20, maxEntriesPerTenant: 20 })
    const one = async (id: number): Promise<void> => { await contacts.getMany(1, [id]) }
    for (let id = 1; id <= 20; id++) await one(id) // full
    for (let id = 100; id < 140; id++) await one(id) // a one-off scan
    // 500 is asked for again and again, each time after a one-off key.
    for (let k = 0; k < 6; k++) {
      await one(500)
      await one(200 + k)
    }
    const hits = contacts.stats().hits
    await one(500)
    expect(contacts.stats().hits, 'the repeated key is cached').toBe(hits + 1)
    const { rows } = await contacts.getMany(1, Array.from({ length: 20 }, (_, i) => i + 1))
    expect(rows).toHaveLength(20)
    expect(contacts.stats().hits - hits - 1, 'most of the first keys stayed through the scan').toBeGreaterThanOrEqual(15)
  })
})
