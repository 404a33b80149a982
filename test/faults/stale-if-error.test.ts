import { describe, expect, it } from 'vitest'
import { ContactAbortError, ContactQueryError, ContactRepository, ContactTimeoutError } from '../../src/index.js'
import { seed } from '../helpers/backends.js'
import { eventually, expectQuiet, rejection, useFaultRigs } from '../helpers/fault-rig.js'

const openRig = useFaultRigs()

describe('G-STALE-IF-ERROR: stale-if-error', () => {
  it('serves expired rows within the maximum staleness, says which and how old, and refuses beyond', async () => {
    const rig = await openRig('stale_if_error')
    await rig.insert([seed(1, 1), seed(1, 2), seed(1, 3)])
    let clock = 1_000_000
    const ttl = 1_000
    const repo = new ContactRepository({
      db: rig.db, table: rig.table, ttl, ttlJitter: 0, notFoundTtl: ttl, staleIfError: 5_000, now: () => clock,
    })
    // Row 1 and 2 found, 9 not found: all three cached at `loadedAt`.
    const loadedAt = clock
    await repo.getMany(1, [1, 2, 9])

    await rig.proxy.down()
    await eventually('the pool to drop its connections', () => rig.dialect.poolStats().connections === 0)

    // Still fresh: no database needed, nothing stale.
    clock = loadedAt + ttl - 1
    expect((await repo.getMany(1, [1, 2])).stale).toEqual([])

    // Expired this very millisecond, with stale-if-error off for the call: nothing stale, even 0 ms old.
    clock = loadedAt + ttl
    expect(await rejection(repo.getMany(1, [1], { staleIfError: 0 }))).toBeInstanceOf(ContactQueryError)

    // Expired 2 s ago, within the 5 s allowed: served, and flagged per row with its age.
    clock = loadedAt + ttl + 2_000
    const stale = await repo.getMany(1, [2, 9, 1])
    expect(stale.rows.map((row) => row.id)).toEqual([2, 1])
    expect(stale.missing).toEqual([9])
    expect(stale.stale).toEqual([
      { id: 2, ageMs: ttl + 2_000 },
      { id: 9, ageMs: ttl + 2_000 },
      { id: 1, ageMs: ttl + 2_000 },
    ])
    expect(repo.stats().staleServed).toBe(3)

    // An ID never cached cannot be served stale: the whole call fails.
    expect(await rejection(repo.getMany(1, [1, 3]))).toBeInstanceOf(ContactQueryError)
    // A call can turn it off for itself.
    expect(await rejection(repo.getMany(1, [1], { staleIfError: 0 }))).toBeInstanceOf(ContactQueryError)

    // Expired exactly 5 s ago: still within the maximum staleness.
    clock = loadedAt + ttl + 5_000
    expect((await repo.getMany(1, [1])).stale).toEqual([{ id: 1, ageMs: ttl + 5_000 }])

    // Expired 5 s + 1 ms ago: beyond the maximum staleness, refused.
    clock = loadedAt + ttl + 5_001
    expect(await rejection(repo.getMany(1, [1]))).toBeInstanceOf(ContactQueryError)
    // ...unless the call allows more.
    expect((await repo.getMany(1, [1], { staleIfError: 60_000 })).stale).toEqual([{ id: 1, ageMs: ttl + 5_001 }])

    // Recovery: fresh rows, nothing stale, the stale entries replaced.
    await rig.proxy.up()
    const fresh = await repo.getMany(1, [1, 2])
    expect(fresh.stale).toEqual([])
    expect(fresh.rows.map((row) => row.id)).toEqual([1, 2])
    await expectQuiet(rig, repo)
  })

  it('is off by default, and applies to deadlines too when a call asks for it', async () => {
    const rig = await openRig('stale_default_off', { queryTimeout: 10_000 })
    await rig.insert([seed(1, 1)])
    let clock = 0
    const repo = new ContactRepository({ db: rig.db, table: rig.table, ttl: 1_000, ttlJitter: 0, queryTimeout: 300, now: () => clock })
    await repo.getMany(1, [1])
    clock = 1_500

    rig.proxy.latency(1_000)
    expect(await rejection(repo.getMany(1, [1]))).toBeInstanceOf(ContactTimeoutError)
    const served = await repo.getMany(1, [1], { staleIfError: 1_000 })
    expect(served.rows.map((row) => row.id)).toEqual([1])
    expect(served.stale).toEqual([{ id: 1, ageMs: 1_500 }])
    // An aborted call rejects as aborted: stale rows do not stand in for a caller who left.
    const controller = new AbortController()
    const aborted = repo.getMany(1, [1], { staleIfError: 1_000, signal: controller.signal })
    controller.abort()
    expect(await rejection(aborted)).toBeInstanceOf(ContactAbortError)
    rig.proxy.latency(0)
    await eventually('the late queries to finish', () => repo.stats().activeQueries === 0)
    await expectQuiet(rig, repo)
  })
})
