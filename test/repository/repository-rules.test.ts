// ContactRepository's own rules that the guarantee suites reach only in passing, on MariaDB:
// a closed repository refuses calls and leaves its bus; a 'no-fill' call that joins another
// 'no-fill' call's load does not make it fill the cache; a key that keeps missing earns its
// place in a full cache while a one-off key does not (the misses of a normal call feed the
// policy's frequency sketch), and only a normal call's hits count towards the sketch's aging.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getEventListeners } from 'node:events'
import {
  CHANNELS,
  ContactQueryError,
  ContactRepository,
  ContactRepositoryClosedError,
  type ContactValidationError,
  type InvalidationBus,
  type InvalidationSubscriber,
} from '../../src/index.js'
import { TenantPartitionedCache } from '../../src/cache/tenant-partitioned-cache.js'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ManualBus } from '../helpers/manual-bus.js'
import { recordChannel } from '../redis/helpers/record-channel.js'

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

  it('refuses bad per-call options as data, word for word', async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table })
    const issues = async (options: object): Promise<unknown> =>
      ((await contacts.getMany(1, [1], options as never).then(() => undefined, (e: unknown) => e)) as ContactValidationError).issues
    expect(await issues({ cache: 'sometimes' })).toEqual([{ code: 'invalid', path: ['options', 'cache'], message: 'Must be one of normal, no-fill, bypass' }])
    expect(await issues({ signal: {} })).toEqual([{ code: 'invalid_type', path: ['options', 'signal'], message: 'Must be an AbortSignal' }])
    expect(await issues({ staleIfError: 1.5 })).toEqual([{ code: 'invalid', path: ['options', 'staleIfError'], message: 'Must be an integer of milliseconds, 0 or more' }])
  })

  it("counts a 'bypass' call's loads as misses, and says so on the getMany channel", async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table })
    const events: unknown[] = []
    const recording = recordChannel(CHANNELS.getMany, events)
    try {
      await contacts.getMany(1, [20, 21, 20], { cache: 'bypass' })
    } finally {
      recording.stop()
    }
    expect(contacts.stats()).toMatchObject({ misses: 2, hits: 0, entries: 0 })
    expect(events).toEqual([{ tenantId: 1, requested: 3, hits: 0, misses: 2, mode: 'bypass' }])
  })

  it('flushes the cache when the bus loses trust, once per change, and says so', async () => {
    let subscriber: InvalidationSubscriber | undefined
    const bus: InvalidationBus = {
      publish: () => Promise.resolve(),
      subscribe: (s) => {
        subscriber = s
        s.onTrustChange(true)
        return () => undefined
      },
    }
    const contacts = new ContactRepository({ db: backend.db, table: backend.table, bus })
    const events: unknown[] = []
    const recording = recordChannel(CHANNELS.trust, events)
    try {
      await contacts.getMany(1, [30, 31])
      subscriber?.onTrustChange(false)
      expect(contacts.stats()).toMatchObject({ trusted: false, entries: 0 })
      await contacts.getMany(1, [32]) // cached for untrustedTtl
      subscriber?.onTrustChange(false) // told again: nothing changed, nothing flushed
      expect(contacts.stats()).toMatchObject({ trusted: false, entries: 1 })
      subscriber?.onTrustChange(true)
      subscriber?.onTrustChange(true)
    } finally {
      recording.stop()
    }
    expect(events).toEqual([{ trusted: false }, { trusted: true }])
  })

  it('takes its abort listener off the caller\'s signal once a call settles, whether it succeeded or failed', async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table })
    const broken = new ContactRepository({ db: backend.db, table: 'no_such_table_here' })
    const { signal } = new AbortController()
    await contacts.getMany(1, [40, 41], { signal })
    await contacts.getMany(1, [42], { signal })
    await expect(broken.getMany(1, [1], { signal })).rejects.toThrow(ContactQueryError)
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
  })

  it("counts a normal call's hits towards the sketch's aging period, and not a 'no-fill' call's (a background job leaves no trace)", async () => {
    // What the cache does with the count is its own suite's (tenant-partitioned-cache.test.ts,
    // "halves the hits kept in entries when the sketch ages"); here, which calls hand it over.
    const contacts = new ContactRepository({ db: backend.db, table: backend.table })
    await contacts.getMany(1, [50, 51, 52])
    const recordHits = vi.spyOn(TenantPartitionedCache.prototype, 'recordHits')
    try {
      await contacts.getMany(1, [50, 51, 52, 53]) // three hits, one miss
      await contacts.getMany(1, [50, 51], { cache: 'no-fill' }) // two hits, not counted
      expect(recordHits.mock.calls).toEqual([[3]])
    } finally {
      recordHits.mockRestore()
    }
  })
})
