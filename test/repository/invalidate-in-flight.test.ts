// Proves G-FRESH-AFTER-INVALIDATE for a load in flight with no other caller: when an
// invalidation reaches a load whose query already read the old row, the load still answers
// its own caller but is not cached, so nothing (no concurrent reload) has to overwrite it.
// Local only, no bus. The held result comes from a ResultGate (rows read, delivery held).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ResultGate } from '../helpers/result-gate.js'

const TENANT = 1

const INVALIDATIONS = [
  ['invalidate()', (contacts: ContactRepository, id: number) => contacts.invalidate(TENANT, [id])],
  ['invalidateTenant()', (contacts: ContactRepository) => contacts.invalidateTenant(TENANT)],
  ['invalidateAll()', (contacts: ContactRepository) => contacts.invalidateAll()],
] as const

describe.each(BACKENDS)('an invalidation during a lone in-flight load, on %s', (name) => {
  let backend: TestBackend
  let nextId = 1

  beforeAll(async () => {
    backend = await openBackend(name, 'invalidate_in_flight')
  })
  afterAll(async () => {
    await backend.close()
  })

  it.each(INVALIDATIONS)('G-FRESH-AFTER-INVALIDATE: %s during a load with no other caller leaves nothing cached (entries === 0)', async (_, invalidate) => {
    const id = nextId++
    await backend.insert([seed(TENANT, id, { first_name: 'old' })])
    const gate = new ResultGate()
    const contacts = new ContactRepository({ db: backend.db.withPlugin(gate), table: backend.table })
    gate.closed = true
    const loading = contacts.getMany(TENANT, [id])
    await gate.whenHeld(1) // the old row is read; its delivery is held
    await backend.update(id, { first_name: 'new' })
    await invalidate(contacts, id)
    gate.open()

    // The call that started before the invalidation may see the old row...
    expect((await loading).rows.map((row) => row.firstName)).toEqual(['old'])
    // ...but it was not cached, although no other call reloaded the contact meanwhile.
    expect(contacts.stats()).toMatchObject({ entries: 0, inflight: 0, queries: 1 })
    const queries = await backend.selectCount()
    expect((await contacts.getMany(TENANT, [id])).rows.map((row) => row.firstName)).toEqual(['new'])
    expect(await backend.selectCount()).toBe(queries + 1)
    await contacts.close()
  })
})
