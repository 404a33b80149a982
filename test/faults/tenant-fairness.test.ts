import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { afterEach, describe, expect, it } from 'vitest'
import { CHANNELS, ContactOverloadError, ContactRepository, type BatchStartEvent } from '../../src/index.js'
import { seed } from '../helpers/backends.js'
import { eventually, expectQuiet, outcome, useFaultRigs } from '../helpers/fault-rig.js'

const openRig = useFaultRigs()
const admitted: number[] = []
const onBatchStart = (message: unknown): void => { admitted.push((message as BatchStartEvent).tenantId) }
afterEach(() => {
  unsubscribe(CHANNELS.batchStart, onBatchStart)
  admitted.length = 0
})

const STORM = 1
const QUIET = [2, 3]

describe("G-OVERLOAD: one tenant's miss storm", () => {
  it('does not starve the others: queued queries are admitted round-robin over tenants', async () => {
    const rig = await openRig('fair_round_robin', { connectionLimit: 2 })
    const stormIds = Array.from({ length: 30 }, (_, i) => 100 + i)
    await rig.insert([...stormIds.map((id) => seed(STORM, id)), seed(2, 2), seed(3, 3)])
    const repo = new ContactRepository({
      db: rig.db,
      table: rig.table,
      // One ID per query turns the storm into 30 queries; the tenant may use every slot.
      maxBatchSize: 1,
      maxConcurrentQueries: 2,
      maxConcurrentQueriesPerTenant: 2,
      maxQueuedQueries: 100,
      maxQueuedQueriesPerTenant: 100,
    })
    subscribe(CHANNELS.batchStart, onBatchStart)

    const storm = repo.getMany(STORM, stormIds)
    const quiet = QUIET.map((tenant) => repo.getMany(tenant, [tenant]))
    const [stormResult, ...quietResults] = await Promise.all([storm, ...quiet])
    expect(stormResult.rows).toHaveLength(30)
    expect(quietResults.map((r) => r.rows.map((row) => row.id))).toEqual([[2], [3]])

    // The storm's first two take both slots; when a slot frees, the queue is served by
    // tenant in turn: storm, 2, 3, then the rest of the storm. First-come-first-served
    // would have admitted tenants 2 and 3 after all 30 of the storm's queries.
    expect(admitted).toHaveLength(32)
    expect(admitted.slice(0, 5)).toEqual([STORM, STORM, STORM, 2, 3])
    await expectQuiet(rig, repo)
  })

  it("is shed beyond the tenant's own queue share while other tenants are still admitted", async () => {
    const rig = await openRig('fair_tenant_share', { connectionLimit: 2 })
    const stormIds = Array.from({ length: 40 }, (_, i) => 100 + i)
    await rig.insert([...stormIds.map((id) => seed(STORM, id)), seed(2, 2), seed(3, 3)])
    const repo = new ContactRepository({
      db: rig.db,
      table: rig.table,
      maxBatchSize: 1,
      maxConcurrentQueries: 2,
      maxConcurrentQueriesPerTenant: 1,
      maxQueuedQueries: 16,
      maxQueuedQueriesPerTenant: 4,
    })
    subscribe(CHANNELS.batchStart, onBatchStart)

    // Forty one-ID calls: each is its own batch, so each is admitted or shed on its own.
    const storm = await Promise.all(stormIds.map((id) => outcome(repo.getMany(STORM, [id]))))
    const quiet = await Promise.all(QUIET.map((tenant) => repo.getMany(tenant, [tenant])))
    const shed = storm.filter((o) => 'error' in o)
    // One running and four queued; the other 35 refused for the tenant's share, not globally.
    expect(storm.length - shed.length).toBe(5)
    for (const o of shed) {
      expect(o.error).toBeInstanceOf(ContactOverloadError)
      expect(o.error).toMatchObject({ scope: 'tenant' })
    }
    expect(quiet.map((r) => r.rows.map((row) => row.id))).toEqual([[2], [3]])
    await expectQuiet(rig, repo)
  })

  it('arriving in the middle of the storm, behind its whole queue, it is admitted within the next two slots', async () => {
    const rig = await openRig('fair_mid_storm', { connectionLimit: 2 })
    const stormIds = Array.from({ length: 30 }, (_, i) => 100 + i)
    await rig.insert([...stormIds.map((id) => seed(STORM, id)), seed(2, 2)])
    const repo = new ContactRepository({
      db: rig.db,
      table: rig.table,
      maxBatchSize: 1,
      maxConcurrentQueries: 2,
      maxConcurrentQueriesPerTenant: 2,
      maxQueuedQueries: 100,
      maxQueuedQueriesPerTenant: 100,
    })
    await repo.getMany(2, [1]) // opens a connection
    subscribe(CHANNELS.batchStart, onBatchStart)
    // Hold the storm's first two queries so that its other 28 are queued when tenant 2 comes.
    rig.proxy.stall()
    const storm = repo.getMany(STORM, stormIds)
    await eventually('the storm to fill both slots and queue the rest', () => {
      const stats = repo.stats()
      return stats.activeQueries === 2 && stats.queuedQueries === 28
    })
    const quiet = repo.getMany(2, [2])
    await eventually('tenant 2 to be queued', () => repo.stats().queuedQueries === 29)
    rig.proxy.resume()
    expect((await quiet).rows.map((row) => row.id)).toEqual([2])
    expect((await storm).rows).toHaveLength(30)
    // Two storm queries were running; the next slot goes to the storm (its turn came first),
    // the one after to tenant 2, not after the 28 queued before it.
    expect(admitted.slice(0, 4)).toEqual([STORM, STORM, STORM, 2])
    await expectQuiet(rig, repo)
  })
})
