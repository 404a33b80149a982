import { describe, expect, it } from 'vitest'
import { ContactQueryError, ContactRepository } from '../../src/index.js'
import { seed } from '../helpers/backends.js'
import { expectQuiet, rejection, useFaultRigs } from '../helpers/fault-rig.js'

const openRig = useFaultRigs()

const LOST = ['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE']

describe('G-CLEAN-FAILURE: connection cut', () => {
  it('in the middle of a result: every waiter fails, nothing from the batch is cached, the pool recovers', async () => {
    const rig = await openRig('cut_mid_result', { connectionLimit: 2 })
    const ids = Array.from({ length: 300 }, (_, i) => i + 1)
    await rig.insert(ids.map((id) => seed(1, id, { first_name: `First name of contact ${id}`.padEnd(120, '.') })))
    const repo = new ContactRepository({ db: rig.db, table: rig.table })
    await repo.getMany(1, [1])
    expect(repo.stats().entries).toBe(1)

    // About 300 rows of 200+ bytes: cutting at 8 KiB lands well inside the rows.
    const cut = rig.proxy.cutNextResult({ afterBytes: 8 * 1024 })
    const calls = [repo.getMany(1, ids), repo.getMany(1, ids.slice(100, 200)), repo.getMany(1, [1, 2])]
    const errors = await Promise.all(calls.map((call) => rejection(call)))
    await cut
    for (const error of errors) {
      expect(error).toBeInstanceOf(ContactQueryError)
      expect(error).toMatchObject({ code: 'ERR_CONTACTS_QUERY_FAILED', transient: true, tenantId: 1, batchSize: 299 })
      expect(LOST).toContain(((error as Error).cause as { code?: string }).code)
    }
    // Only the entry loaded before is there; the rows that did arrive were not cached.
    expect(repo.stats()).toMatchObject({ entries: 1, inflight: 0, errors: 1 })

    const selectsBefore = rig.selects()
    const recovered = await repo.getMany(1, ids)
    expect(recovered.rows).toHaveLength(300)
    expect(recovered.missing).toEqual([])
    expect(rig.selects()).toBe(selectsBefore + 1)
    await expectQuiet(rig, repo)
  })

  it('while idle (a database restart): one batch per dead connection fails, the retry gets a new connection', async () => {
    const rig = await openRig('cut_idle', { connectionLimit: 2 })
    await rig.insert([seed(1, 1), seed(1, 2)])
    const repo = new ContactRepository({ db: rig.db, table: rig.table })
    await repo.getMany(1, [1])
    const acceptedBefore = rig.proxy.accepted

    rig.proxy.cutAll()
    // Sent before the client has read the close: the pool still thinks the connection is fine.
    const error = await rejection(repo.getMany(1, [2]))
    expect(error).toBeInstanceOf(ContactQueryError)
    expect(LOST).toContain(((error as Error).cause as { code?: string }).code)

    expect((await repo.getMany(1, [2])).rows.map((row) => row.id)).toEqual([2])
    expect(rig.proxy.accepted).toBe(acceptedBefore + 1)
    await expectQuiet(rig, repo)
  })
})
