import { describe, expect, it } from 'vitest'
import { ContactOverloadError, ContactRepository } from '../../src/index.js'
import { seed } from '../helpers/backends.js'
import { expectQuiet, useFaultRigs } from '../helpers/fault-rig.js'

const openRig = useFaultRigs()

describe('G-OVERLOAD: pool exhausted', () => {
  it('200 concurrent misses against a pool of 2: shed calls reject at once, accepted ones finish, no connection leaks', async () => {
    const tenants = Array.from({ length: 200 }, (_, i) => i + 1)
    const rig = await openRig('pool_exhausted', { connectionLimit: 2 })
    await rig.insert(tenants.map((tenant) => seed(tenant, tenant)))
    const repo = new ContactRepository({
      db: rig.db,
      table: rig.table,
      maxConcurrentQueries: 2,
      maxQueuedQueries: 20,
      overloadRetryAfter: 250,
      queryTimeout: 30_000,
    })
    // Slow enough that no accepted call can finish before the shed ones were answered.
    rig.proxy.latency(100)

    // Settlement order, to show that shedding does not wait for the database.
    const order: ('shed' | 'ok' | 'other')[] = []
    const calls = tenants.map((tenant) =>
      repo.getMany(tenant, [tenant]).then(
        (result) => {
          order.push('ok')
          return { tenant, result }
        },
        (error: unknown) => {
          order.push(error instanceof ContactOverloadError ? 'shed' : 'other')
          return { tenant, error }
        },
      ),
    )
    const outcomes = await Promise.all(calls)
    const shed = outcomes.filter((o) => 'error' in o)
    const served = outcomes.filter((o) => 'result' in o)
    expect(order).not.toContain('other')
    expect(served).toHaveLength(22) // 2 running + 20 queued
    expect(shed).toHaveLength(178)
    for (const { error } of shed) {
      expect(error).toMatchObject({ code: 'ERR_CONTACTS_OVERLOADED', scope: 'global', retryAfterMs: 250, transient: true })
    }
    for (const { tenant, result } of served) expect(result.rows.map((row) => row.id)).toEqual([tenant])
    // Every shed call was answered before the first accepted one.
    expect(order.slice(0, 178).every((o) => o === 'shed')).toBe(true)

    expect(rig.selects()).toBe(22)
    expect(repo.stats()).toMatchObject({ queries: 22, shed: 178, errors: 178 })
    expect(rig.dialect.poolStats().connections).toBeLessThanOrEqual(2)
    expect(rig.dialect.poolStats().acquireTimeouts).toBe(0)
    rig.proxy.latency(0)
    await expectQuiet(rig, repo)
  })
})
