// Proves G-FRESH-AFTER-INVALIDATE: a getMany that starts after invalidate() returned never sees data read from
// the database before it, even when a load of those IDs was in flight. Interleavings are
// forced with a ResultGate (rows read, delivery held), never with sleeps.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ResultGate } from '../helpers/result-gate.js'

describe.each(BACKENDS)('G-FRESH-AFTER-INVALIDATE: invalidation, on %s', (name) => {
  let backend: TestBackend
  let gate: ResultGate
  let contacts: ContactRepository
  let nextId = 1
  // Each test works on IDs nobody else touched.
  let ids: number[] = []
  const names = async (tenantId: number, wanted: readonly number[]): Promise<(string | null)[]> =>
    (await contacts.getMany(tenantId, wanted)).rows.map((row) => row.firstName)

  beforeAll(async () => {
    backend = await openBackend(name, 'invalidation')
  })
  afterAll(async () => {
    await backend.close()
  })
  beforeEach(async () => {
    ids = [nextId, nextId + 1, nextId + 2]
    nextId += 3
    await backend.insert(ids.map((id) => seed(1, id, { first_name: 'old' })))
    gate = new ResultGate()
    contacts = new ContactRepository({ db: backend.db.withPlugin(gate), table: backend.table })
  })

  it('drops a cached row at once', async () => {
    const [a] = ids as [number]
    expect(await names(1, [a])).toEqual(['old'])
    await backend.update(a, { first_name: 'new' })
    expect(await names(1, [a])).toEqual(['old']) // cached, as it should be until invalidated
    await contacts.invalidate(1, [a])
    expect(await names(1, [a])).toEqual(['new'])
  })

  it('never caches, nor lets a later call join, a load in flight when invalidate() ran', async () => {
    const [a, b] = ids as [number, number]
    gate.closed = true
    const before = contacts.getMany(1, [a, b])
    await gate.whenHeld(1) // the old rows are read; delivery is held
    await backend.update(a, { first_name: 'new' })
    await contacts.invalidate(1, [a])
    const queriesBefore = await backend.selectCount()

    const after = contacts.getMany(1, [a, b])
    expect(contacts.stats().inflightJoins).toBe(1) // b joined; a did not
    gate.open()

    // The call that started before the invalidation may see the old row...
    expect((await before).rows.map((r) => r.firstName)).toEqual(['old', 'old'])
    // ...the one that started after it may not, and neither may any call after that.
    expect((await after).rows.map((r) => r.firstName)).toEqual(['new', 'old'])
    expect(await backend.selectCount()).toBe(queriesBefore + 1)
    expect(await names(1, [a, b])).toEqual(['new', 'old'])
    // b's row from the first load was cached; a's was refused and then reloaded.
    expect(contacts.stats()).toMatchObject({ queries: 2, inflight: 0 })
  })

  it('does the same for invalidateTenant()', async () => {
    const [a, b] = ids as [number, number]
    gate.closed = true
    const before = contacts.getMany(1, [a, b])
    await gate.whenHeld(1)
    await backend.update(a, { first_name: 'new' })
    await backend.update(b, { first_name: 'new' })
    await contacts.invalidateTenant(1)
    const after = contacts.getMany(1, [b, a])
    expect(contacts.stats().inflightJoins).toBe(0)
    gate.open()
    expect((await before).rows.map((r) => r.firstName)).toEqual(['old', 'old'])
    expect((await after).rows.map((r) => r.firstName)).toEqual(['new', 'new'])
    expect(await names(1, [a, b])).toEqual(['new', 'new'])
  })

  it('does the same for invalidateAll()', async () => {
    const [a] = ids as [number]
    gate.closed = true
    const before = contacts.getMany(1, [a])
    await gate.whenHeld(1)
    await backend.update(a, { first_name: 'new' })
    await contacts.invalidateAll()
    const after = contacts.getMany(1, [a])
    gate.open()
    await before
    expect((await after).rows.map((r) => r.firstName)).toEqual(['new'])
    expect(await names(1, [a])).toEqual(['new'])
  })

  it('keeps a load that was not sent yet joinable: its read happens after the invalidation', async () => {
    const [a] = ids as [number]
    await backend.update(a, { first_name: 'new' })
    const queriesBefore = await backend.selectCount()
    // Same tick: the batch is still queued when invalidate() runs.
    const first = contacts.getMany(1, [a])
    void contacts.invalidate(1, [a])
    const second = contacts.getMany(1, [a])
    expect((await first).rows[0]?.firstName).toBe('new')
    expect((await second).rows[0]?.firstName).toBe('new')
    expect(await backend.selectCount()).toBe(queriesBefore + 1)
    expect(contacts.stats()).toMatchObject({ inflightJoins: 1, entries: 1 })
  })

  it('G-TENANT-ISOLATION: invalidating one tenant leaves another tenant\'s entries and loads alone', async () => {
    const [a] = ids as [number]
    await names(1, [a])
    await contacts.getMany(2, [a]) // cached as "not found" for tenant 2
    await contacts.invalidateTenant(2)
    const queriesBefore = await backend.selectCount()
    expect(await names(1, [a])).toEqual(['old'])
    expect(await backend.selectCount()).toBe(queriesBefore)
  })

  it('clears a cached "not found" so a contact created afterwards is seen', async () => {
    const id = nextId++
    expect((await contacts.getMany(1, [id])).missing).toEqual([id])
    await backend.insert([seed(1, id, { first_name: 'created' })])
    expect((await contacts.getMany(1, [id])).missing).toEqual([id]) // negative entry, until...
    await contacts.invalidate(1, [id])
    expect(await names(1, [id])).toEqual(['created'])
  })

  it('sees a contact moved to another tenant once both tenants are invalidated', async () => {
    const [a] = ids as [number]
    expect(await names(1, [a])).toEqual(['old'])
    expect((await contacts.getMany(2, [a])).missing).toEqual([a])
    await backend.update(a, { tenant_id: 2 })
    await contacts.invalidate(1, [a])
    await contacts.invalidate(2, [a])
    expect((await contacts.getMany(1, [a])).missing).toEqual([a])
    expect(await names(2, [a])).toEqual(['old'])
  })
})
