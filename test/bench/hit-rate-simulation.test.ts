import { describe, expect, it } from 'vitest'
import { simulateHitRate, type HitRateSimulation } from '../../bench/lib/hit-rate-simulation.js'
import { lruHits } from '../../bench/lib/lru-hits.js'
import { generateMultiTenantTrace } from '../../bench/lib/multi-tenant-trace.js'
import { layTenants } from '../../bench/lib/tenant-layout.js'

describe('simulateHitRate', () => {
  const base: HitRateSimulation = {
    layout: { totalIds: 5_000, tenants: 1, skew: 0 },
    trace: { s: 0.99, calls: 20_000, idsPerCall: 1, seed: 3 },
    maxEntries: 200,
    maxEntriesPerTenant: 200,
  }

  it('counts exactly what plain LRU counts for one tenant, one ID per call and no tenant cap', async () => {
    const result = await simulateHitRate(base)
    const trace = generateMultiTenantTrace({ tenants: layTenants(base.layout), ...base.trace })
    expect(result.tenants.hits + result.tenants.misses).toBe(20_000)
    expect(result.tenants.hits).toBe(lruHits(trace.ids, 200))
    expect(result.job).toEqual({ hits: 0, misses: 0 })
  })

  it("counts the job apart from the tenants, and a 'no-fill' job leaves their count unchanged", async () => {
    const job = { tenantId: 99, firstId: 10_001, range: 50_000, pageSize: 50, callsPerPage: 4 }
    const alone = await simulateHitRate(base)
    const noFill = await simulateHitRate({ ...base, job: { ...job, mode: 'no-fill' } })
    const normal = await simulateHitRate({ ...base, job: { ...job, mode: 'normal' } })
    expect(noFill.tenants).toEqual(alone.tenants)
    expect(noFill.job.misses).toBe((20_000 / 4) * 50)
    expect(normal.tenants.hits).toBeLessThan(alone.tenants.hits)
  })
})
