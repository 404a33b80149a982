import { describe, expect, it } from 'vitest'
import { ContactQueryError, ContactRepository, ContactTimeoutError } from '../../src/index.js'
import { seed } from '../helpers/backends.js'
import { CLOCK_SLACK_MS, MARGIN_MS, eventually, expectQuiet, rejection, useFaultRigs } from '../helpers/fault-rig.js'

const openRig = useFaultRigs()


describe('G-CLEAN-FAILURE: database down', () => {
  it('refused: calls that need the database fail within the connect deadline, cached calls go on, nothing is cached', async () => {
    const connectTimeout = 1_000
    const rig = await openRig('down_refused', { connectTimeout, acquireTimeout: 1_500 })
    await rig.insert([seed(1, 1), seed(1, 2), seed(1, 3)])
    const repo = new ContactRepository({ db: rig.db, table: rig.table })
    expect((await repo.getMany(1, [1, 2])).rows.map((row) => row.id)).toEqual([1, 2])
    expect(rig.selects()).toBe(1)

    await rig.proxy.down()
    // Once the pool has seen its connections go (a query on one it has not noticed yet
    // fails with PROTOCOL_CONNECTION_LOST instead: see the connection-cut tests).
    await eventually('the pool to drop its connections', () => rig.dialect.poolStats().connections === 0)
    const started = performance.now()
    const error = await rejection(repo.getMany(1, [1, 3]))
    const elapsed = performance.now() - started
    expect(error).toBeInstanceOf(ContactQueryError)
    expect(error).toMatchObject({ code: 'ERR_CONTACTS_QUERY_FAILED', transient: true })
    expect((error as ContactQueryError).cause).toMatchObject({ code: 'ECONNREFUSED' })
    expect(elapsed).toBeLessThan(connectTimeout + MARGIN_MS)

    // Served from the cache: no database needed.
    for (let i = 0; i < 3; i++) {
      expect((await repo.getMany(1, [2, 1])).rows.map((row) => row.id)).toEqual([2, 1])
    }
    // The failed batch left nothing behind: the entries are the two loaded before.
    expect(repo.stats()).toMatchObject({ entries: 2, inflight: 0, errors: 1 })

    await rig.proxy.up()
    const selectsBefore = rig.selects()
    const recovered = await repo.getMany(1, [3])
    expect(recovered.rows.map((row) => row.id)).toEqual([3])
    expect(rig.selects()).toBe(selectsBefore + 1)
    await expectQuiet(rig, repo)
  })

  it('vanished (no answer at all): calls fail with ContactTimeoutError at the connect deadline, not before', async () => {
    const connectTimeout = 800
    const rig = await openRig('down_blackhole', { connectTimeout, acquireTimeout: 3_000 })
    await rig.insert([seed(1, 1), seed(1, 2), seed(2, 3)])
    const repo = new ContactRepository({ db: rig.db, table: rig.table, queryTimeout: 5_000 })
    await repo.getMany(1, [1])

    rig.proxy.blackhole(true)
    rig.proxy.cutAll()
    await eventually('the pool to drop its connections', () => rig.dialect.poolStats().connections === 0)
    const started = performance.now()
    // Two tenants, two batches: each fails on its own, neither waits for the other.
    const errors = await Promise.all([rejection(repo.getMany(1, [1, 2])), rejection(repo.getMany(2, [3]))])
    const elapsed = performance.now() - started
    for (const error of errors) {
      expect(error).toBeInstanceOf(ContactTimeoutError)
      expect(error).toMatchObject({ code: 'ERR_CONTACTS_TIMEOUT', phase: 'acquire', timeoutMs: connectTimeout, transient: true })
      expect((error as Error).cause).toMatchObject({ code: 'ETIMEDOUT' })
    }
    expect(elapsed).toBeGreaterThanOrEqual(connectTimeout - CLOCK_SLACK_MS)
    expect(elapsed).toBeLessThan(connectTimeout + MARGIN_MS)
    expect((await repo.getMany(1, [1])).rows.map((row) => row.id)).toEqual([1])
    expect(repo.stats()).toMatchObject({ entries: 1, timeouts: 2 })

    rig.proxy.blackhole(false)
    const selectsBefore = rig.selects()
    expect((await repo.getMany(1, [1, 2])).rows.map((row) => row.id)).toEqual([1, 2])
    expect(rig.selects()).toBe(selectsBefore + 1)
    await expectQuiet(rig, repo)
  })
})
