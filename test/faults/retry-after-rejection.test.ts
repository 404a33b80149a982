import { describe, expect, it } from 'vitest'
import { ContactOverloadError, ContactQueryError, ContactRepository, ContactTimeoutError } from '../../src/index.js'
import { seed } from '../helpers/backends.js'
import { eventually, expectQuiet, rejection, useFaultRigs } from '../helpers/fault-rig.js'

const openRig = useFaultRigs()

describe('G-CLEAN-FAILURE: a rejected batch followed by a retry', () => {
  it('after a failed query: the retry sends exactly one new query', async () => {
    const rig = await openRig('retry_failed')
    await rig.insert([seed(1, 1), seed(1, 2), seed(1, 3)])
    const repo = new ContactRepository({ db: rig.db, table: rig.table })

    void rig.proxy.cutNextResult({ afterBytes: 10 })
    expect(await rejection(repo.getMany(1, [1, 2, 3]))).toBeInstanceOf(ContactQueryError)
    expect(rig.selects()).toBe(1)

    // Three callers retry at once: they share one query.
    const retries = await Promise.all([repo.getMany(1, [1, 2, 3]), repo.getMany(1, [3, 2]), repo.getMany(1, [1])])
    expect(retries.map((r) => r.rows.length)).toEqual([3, 2, 1])
    expect(rig.selects()).toBe(2)
    // And the retried rows are cached now.
    await repo.getMany(1, [1, 2, 3])
    expect(rig.selects()).toBe(2)
    await expectQuiet(rig, repo)
  })

  it('after a deadline, while the late query is still running: the retry sends exactly one new query', async () => {
    const rig = await openRig('retry_timeout', { queryTimeout: 10_000 })
    await rig.insert([seed(1, 1), seed(1, 2)])
    const repo = new ContactRepository({ db: rig.db, table: rig.table, queryTimeout: 300 })
    // Opens a connection and prepares the 2-ID statement on it, so that the slow query below
    // is really sent, not stuck connecting or preparing.
    await repo.getMany(1, [3, 4])
    expect(rig.selects()).toBe(1)

    rig.proxy.latency(1_500)
    expect(await rejection(repo.getMany(1, [1, 2]))).toBeInstanceOf(ContactTimeoutError)
    expect(rig.selects()).toBe(2)
    rig.proxy.latency(0)
    // The first query is still out; its result must neither be joined nor cached.
    expect(repo.stats().activeQueries).toBe(1)
    const retries = await Promise.all([repo.getMany(1, [1, 2]), repo.getMany(1, [2])])
    expect(retries.map((r) => r.rows.map((row) => row.id))).toEqual([[1, 2], [2]])
    expect(rig.selects()).toBe(3)
    await eventually('the late query to finish', () => repo.stats().activeQueries === 0)
    expect(rig.selects()).toBe(3)
    await repo.getMany(1, [1, 2])
    expect(rig.selects()).toBe(3)
    await expectQuiet(rig, repo)
  })

  it('after being shed: the retry sends exactly one new query', async () => {
    const rig = await openRig('retry_shed', { connectionLimit: 1 })
    await rig.insert([seed(1, 1), seed(2, 2)])
    const repo = new ContactRepository({
      db: rig.db, table: rig.table, maxConcurrentQueries: 1, maxQueuedQueries: 0,
    })
    rig.proxy.latency(200)
    const [first, second] = [repo.getMany(1, [1]), repo.getMany(2, [2])]
    expect(await rejection(second)).toBeInstanceOf(ContactOverloadError)
    await first
    rig.proxy.latency(0)
    expect(rig.selects()).toBe(1)
    expect((await repo.getMany(2, [2])).rows.map((row) => row.id)).toEqual([2])
    expect(rig.selects()).toBe(2)
    await expectQuiet(rig, repo)
  })
})
