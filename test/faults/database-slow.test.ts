import { describe, expect, it } from 'vitest'
import { ContactRepository, ContactTimeoutError } from '../../src/index.js'
import { seed } from '../helpers/backends.js'
import { CLOCK_SLACK_MS, MARGIN_MS, eventually, expectQuiet, rejection, useFaultRigs } from '../helpers/fault-rig.js'

const openRig = useFaultRigs()


async function expectTimeouts(
  calls: readonly Promise<unknown>[],
  started: number,
  deadline: number,
  phase: 'acquire' | 'query',
): Promise<void> {
  const errors = await Promise.all(calls.map((call) => rejection(call)))
  const elapsed = performance.now() - started
  for (const error of errors) {
    expect(error).toBeInstanceOf(ContactTimeoutError)
    expect(error).toMatchObject({ code: 'ERR_CONTACTS_TIMEOUT', phase, timeoutMs: deadline, transient: true })
  }
  expect(elapsed).toBeGreaterThanOrEqual(deadline - CLOCK_SLACK_MS)
  expect(elapsed).toBeLessThan(deadline + MARGIN_MS)
}

describe('G-CLEAN-FAILURE: database slow beyond the deadline', () => {
  it('every waiter of every batch rejects at the deadline, nothing is cached, the next call after recovery succeeds', async () => {
    const deadline = 1_000
    const rig = await openRig('slow_latency', { queryTimeout: 10_000 })
    await rig.insert([seed(1, 1), seed(1, 2), seed(1, 3), seed(2, 4)])
    const repo = new ContactRepository({ db: rig.db, table: rig.table, queryTimeout: deadline })
    await repo.getMany(1, [1])

    rig.proxy.latency(deadline + 1_000)
    const started = performance.now()
    // Three callers share tenant 1's batch (one joins it), tenant 2 has its own.
    const calls = [repo.getMany(1, [2, 3]), repo.getMany(1, [3]), repo.getMany(1, [1, 2]), repo.getMany(2, [4])]
    await expectTimeouts(calls, started, deadline, 'query')
    expect(repo.stats()).toMatchObject({ queries: 3, errors: 2, timeouts: 2, inflight: 0 })

    // The late rows arrive after the deadline and are dropped, not cached.
    await eventually('the late queries to finish', () => repo.stats().activeQueries === 0)
    expect(repo.stats().entries).toBe(1)

    rig.proxy.latency(0)
    const selectsBefore = rig.selects()
    const recovered = await repo.getMany(1, [1, 2, 3])
    expect(recovered.rows.map((row) => row.id)).toEqual([1, 2, 3])
    expect(rig.selects()).toBe(selectsBefore + 1)
    await expectQuiet(rig, repo)
  })

  it('a stalled database: waiters reject at the deadline and the wedged connection is destroyed, not reused', async () => {
    const deadline = 800
    const queryTimeout = 1_500
    const rig = await openRig('slow_stall', { queryTimeout, connectionLimit: 2 })
    await rig.insert([seed(1, 1), seed(1, 2), seed(2, 3)])
    const repo = new ContactRepository({ db: rig.db, table: rig.table, queryTimeout: deadline, maxConcurrentQueries: 2 })
    await Promise.all([repo.getMany(1, [1]), repo.getMany(2, [3])])
    expect(rig.dialect.poolStats().connections).toBe(2)

    rig.proxy.stall()
    const started = performance.now()
    await expectTimeouts([repo.getMany(1, [2]), repo.getMany(1, [1, 2]), repo.getMany(2, [3, 4])], started, deadline, 'query')
    // The queries still hold their slots: the connections are busy until destroyed.
    expect(repo.stats().activeQueries).toBe(2)
    await eventually('the wedged connections to be destroyed', () => rig.dialect.poolStats().queryTimeouts === 2)
    expect(repo.stats().activeQueries).toBe(0)
    expect(rig.dialect.poolStats()).toMatchObject({ connections: 0, inUse: 0 })

    rig.proxy.resume()
    const selectsBefore = rig.selects()
    expect((await repo.getMany(1, [1, 2])).rows.map((row) => row.id)).toEqual([1, 2])
    expect(rig.selects()).toBe(selectsBefore + 1)
    await expectQuiet(rig, repo)
  })

  it('a pool with no free connection: the wait fails at acquireTimeout and the late connection goes back to the pool', async () => {
    const acquireTimeout = 500
    const queryTimeout = 1_500
    const rig = await openRig('slow_acquire', { connectionLimit: 1, acquireTimeout, queryTimeout, connectTimeout: 10_000 })
    await rig.insert([seed(1, 1), seed(2, 2)])
    // Misconfigured on purpose: more concurrent queries than connections, so one waits in the pool.
    const repo = new ContactRepository({ db: rig.db, table: rig.table, queryTimeout: 5_000, maxConcurrentQueries: 2 })
    await repo.getMany(1, [1])

    rig.proxy.stall()
    const started = performance.now()
    const holder = repo.getMany(1, [1, 2])
    // Let tenant 1's query take the only connection first.
    await eventually('the first query to hold the connection', () => rig.dialect.poolStats().inUse === 1)
    await expectTimeouts([repo.getMany(2, [2])], performance.now(), acquireTimeout, 'acquire')
    expect(rig.dialect.poolStats()).toMatchObject({ acquireTimeouts: 1, abandoned: 1 })
    await expectTimeouts([holder], started, queryTimeout, 'query')

    // The destroyed connection's replacement was opened for the abandoned request; once the
    // database answers again it arrives late and must go back to the pool.
    rig.proxy.resume()
    await eventually('the late connection to be returned', () => rig.dialect.poolStats().lateConnections === 1)
    expect(rig.dialect.poolStats()).toMatchObject({ abandoned: 0, inUse: 0, connections: 1, idle: 1 })
    expect((await repo.getMany(2, [2])).rows.map((row) => row.id)).toEqual([2])
    await expectQuiet(rig, repo)
  })
})
