import { describe, expect, it } from 'vitest'
import { simulateHitRate, type HitRateSimulation } from '../../bench/lib/hit-rate-simulation.js'
import { beladyHits } from '../../bench/lib/belady.js'
import { generateMultiTenantTrace } from '../../bench/lib/multi-tenant-trace.js'
import { layTenants } from '../../bench/lib/tenant-layout.js'

describe('simulateHitRate', () => {
  const base: HitRateSimulation = {
    layout: { totalIds: 5_000, tenants: 1, skew: 0 },
    trace: { s: 0.99, calls: 20_000, idsPerCall: 1, seed: 3 },
    maxEntries: 200,
    maxEntriesPerTenant: 200,
  }

  it('counts every access: only compulsory misses when everything fits, never more hits than Belady', async () => {
    const trace = generateMultiTenantTrace({ tenants: layTenants(base.layout), ...base.trace })
    const distinct = new Set(trace.ids).size
    const roomy = await simulateHitRate({ ...base, maxEntries: 5_000, maxEntriesPerTenant: 5_000 })
    expect(roomy.tenants).toEqual({ hits: 20_000 - distinct, misses: distinct })
    const tight = await simulateHitRate(base)
    expect(tight.tenants.hits + tight.tenants.misses).toBe(20_000)
    expect(tight.tenants.hits).toBeLessThanOrEqual(beladyHits(trace.ids, 200))
    expect(tight.tenants.hits).toBeLessThan(roomy.tenants.hits)
    expect(tight.job).toEqual({ hits: 0, misses: 0 })
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
