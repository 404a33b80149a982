// Proves G-ONE-QUERY (one query for the misses) and G-SHARED-LOADS (concurrent callers share
// work), counted as statements the database received.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository, type ContactRepositoryOptions } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ResultGate } from '../helpers/result-gate.js'

describe.each(BACKENDS)('queries sent, on %s', (name) => {
  let backend: TestBackend
  const repository = (options: Partial<ContactRepositoryOptions> = {}): ContactRepository =>
    new ContactRepository({ db: backend.db, table: backend.table, ...options })
  // Statements received since the mark.
  let mark = 0
  const sinceMark = async (): Promise<number> => (await backend.selectCount()) - mark
  const setMark = async (): Promise<void> => {
    mark = await backend.selectCount()
  }

  beforeAll(async () => {
    backend = await openBackend(name, 'queries')
    const rows = []
    for (let id = 1; id <= 3000; id++) rows.push(seed(id <= 2500 ? 1 : 2, id))
    await backend.insert(rows)
  })
  afterAll(async () => {
    await backend.close()
  })

  it('G-ONE-QUERY: runs no SQL when every ID is cached, and one statement for the misses', async () => {
    const contacts = repository()
    await setMark()
    await contacts.getMany(1, [1, 2, 3])
    expect(await sinceMark()).toBe(1)
    await setMark()
    await contacts.getMany(1, [3, 2, 1, 2])
    expect(await sinceMark()).toBe(0)
    await contacts.getMany(1, [1, 4, 2, 5])
    expect(await sinceMark()).toBe(1)
    expect(contacts.stats().queries).toBe(2)
  })

  it('G-ONE-QUERY: asks only for the misses, with the tenant, in one IN list', async () => {
    const contacts = repository()
    await contacts.getMany(1, [10, 11])
    const before = backend.reads().length
    await contacts.getMany(1, [10, 12, 11, 13])
    const sent = backend.reads().slice(before)
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatch(
      name === 'mariadb'
        ? / where `tenant_id` = 1 and `id` in \(12, 13\)$/
        : / where "tenant_id" = \? and "id" in \(\?, \?\) -- \[1,12,13\]$/,
    )
  })

  it('G-ONE-QUERY: sends nothing for an empty ID list or a call answered by negative entries', async () => {
    const contacts = repository()
    await setMark()
    expect(await contacts.getMany(1, [])).toEqual({ rows: [], missing: [], stale: [] })
    expect(await sinceMark()).toBe(0)
    await contacts.getMany(1, [999_001, 999_002])
    await setMark()
    const again = await contacts.getMany(1, [999_002, 999_001])
    expect(again.missing).toEqual([999_002, 999_001])
    expect(await sinceMark()).toBe(0)
  })

  it('G-ONE-QUERY: splits misses above maxBatchSize into the fewest queries of at most that size', async () => {
    const contacts = repository({ maxBatchSize: 3 })
    await setMark()
    const ids = [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]
    const result = await contacts.getMany(1, ids)
    expect(result.rows.map((r) => r.id)).toEqual(ids)
    expect(await sinceMark()).toBe(4)
    expect(contacts.stats().batchSize).toMatchObject({ count: 4, max: 3 })
  })

  it('G-ONE-QUERY: serves a background job of 2,500 IDs in ceil(2500 / maxBatchSize) queries', async () => {
    const contacts = repository({ maxBatchSize: 1000 })
    const ids = Array.from({ length: 2500 }, (_, i) => i + 1)
    await setMark()
    const result = await contacts.getMany(1, ids, { cache: 'no-fill' })
    expect(result.rows).toHaveLength(2500)
    expect(await sinceMark()).toBe(3)
  })

  it('G-SHARED-LOADS: sends exactly 1 query for 1,000 identical concurrent calls on a cold cache', async () => {
    const contacts = repository()
    await setMark()
    const results = await Promise.all(Array.from({ length: 1000 }, () => contacts.getMany(1, [101, 102, 103])))
    expect(await sinceMark()).toBe(1)
    for (const result of results) expect(result.rows.map((r) => r.id)).toEqual([101, 102, 103])
    expect(contacts.stats()).toMatchObject({ queries: 1, misses: 3000, inflightJoins: 2997, inflight: 0 })
  })

  it('G-SHARED-LOADS: merges the misses of several calls of one tenant made in the same tick into one query', async () => {
    const contacts = repository()
    await setMark()
    const [a, b, c] = await Promise.all([
      contacts.getMany(1, [201, 202]),
      contacts.getMany(1, [203]),
      contacts.getMany(1, [202, 204, 2999]),
    ])
    expect(await sinceMark()).toBe(1)
    expect(a.rows.map((r) => r.id)).toEqual([201, 202])
    expect(b.rows.map((r) => r.id)).toEqual([203])
    expect(c.rows.map((r) => r.id)).toEqual([202, 204])
    expect(c.missing).toEqual([2999])
  })

  it('G-SHARED-LOADS: sends one query per tenant for calls of different tenants in the same tick', async () => {
    const contacts = repository()
    await setMark()
    const [one, two] = await Promise.all([contacts.getMany(1, [301, 2501]), contacts.getMany(2, [301, 2501])])
    expect(await sinceMark()).toBe(2)
    expect(one.rows.map((r) => r.id)).toEqual([301])
    expect(two.rows.map((r) => r.id)).toEqual([2501])
  })

  it('G-SHARED-LOADS: lets a call join a load already sent instead of asking again', async () => {
    const gate = new ResultGate()
    const contacts = new ContactRepository({ db: backend.db.withPlugin(gate), table: backend.table })
    await setMark()
    gate.closed = true
    const first = contacts.getMany(1, [401, 402, 403])
    await gate.whenHeld(1)
    // The query went out and its rows are read, but not delivered: both IDs are in flight.
    const second = contacts.getMany(1, [403, 401])
    expect(contacts.stats()).toMatchObject({ inflightJoins: 2, inflight: 3 })
    gate.open()
    const [a, b] = await Promise.all([first, second])
    expect(a.rows.map((r) => r.id)).toEqual([401, 402, 403])
    expect(b.rows.map((r) => r.id)).toEqual([403, 401])
    expect(await sinceMark()).toBe(1)
    expect(contacts.stats()).toMatchObject({ inflightJoins: 2, queries: 1, inflight: 0 })
  })
})
