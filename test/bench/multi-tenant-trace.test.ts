import { describe, expect, it } from 'vitest'
import { callIds, generateMultiTenantTrace } from '../../bench/lib/multi-tenant-trace.js'
import { idLimit, layTenants, tenantOfId } from '../../bench/lib/tenant-layout.js'

describe('layTenants', () => {
  it('splits the IDs into contiguous ranges with shares falling off as 1/rank^skew', () => {
    const layout = layTenants({ totalIds: 1_000, tenants: 4, skew: 1 })
    expect(layout.map((t) => t.tenantId)).toEqual([1, 2, 3, 4])
    expect(layout.reduce((sum, t) => sum + t.size, 0)).toBe(1_000)
    expect(layout.reduce((sum, t) => sum + t.share, 0)).toBeCloseTo(1, 12)
    for (let i = 1; i < layout.length; i++) expect(layout[i]!.firstId).toBe(layout[i - 1]!.firstId + layout[i - 1]!.size)
    // 1 : 1/2 : 1/3 : 1/4 of 25/12.
    expect(layout[0]!.share).toBeCloseTo(12 / 25, 12)
    expect(layout[3]!.share).toBeCloseTo(3 / 25, 12)
    expect(idLimit(layout)).toBe(1_001)
  })

  it('finds the owner of every ID and of none outside', () => {
    const layout = layTenants({ totalIds: 100, tenants: 3, skew: 0, firstId: 11 })
    for (const tenant of layout) {
      expect(tenantOfId(layout, tenant.firstId)?.tenantId).toBe(tenant.tenantId)
      expect(tenantOfId(layout, tenant.firstId + tenant.size - 1)?.tenantId).toBe(tenant.tenantId)
    }
    expect(tenantOfId(layout, 10)).toBeUndefined()
    expect(tenantOfId(layout, 111)).toBeUndefined()
  })
})

describe('generateMultiTenantTrace', () => {
  const layout = layTenants({ totalIds: 10_000, tenants: 4, skew: 1 })
  const trace = generateMultiTenantTrace({ tenants: layout, s: 0.99, calls: 5_000, idsPerCall: 10, seed: 1 })

  it('makes calls of distinct IDs owned by the calling tenant', () => {
    const wrong: string[] = []
    for (let c = 0; c < trace.calls; c++) {
      const ids = callIds(trace, c)
      if (new Set(ids).size !== 10) wrong.push(`call ${c} repeats an ID: ${ids.join(',')}`)
      for (const id of ids) if (tenantOfId(layout, id)?.tenantId !== trace.tenantIds[c]) wrong.push(`call ${c}: ${id} is not tenant ${trace.tenantIds[c]}'s`)
    }
    expect(wrong).toEqual([])
  })

  it('gives each tenant its share of the calls', () => {
    for (const tenant of layout) {
      const calls = trace.tenantIds.filter((t) => t === tenant.tenantId).length
      expect(Math.abs(calls / trace.calls - tenant.share)).toBeLessThan(0.02)
    }
  })

  it("puts each tenant's most popular contact at its first ID", () => {
    const first = layout[0]!
    const counts = new Map<number, number>()
    for (const id of trace.ids) if (id < first.firstId + first.size) counts.set(id, (counts.get(id) ?? 0) + 1)
    const ranked = [...counts].sort((a, b) => b[1] - a[1])
    expect(ranked[0]![0]).toBe(first.firstId)
  })

  it('is reproducible from its seed and differs with another', () => {
    const same = (a: Int32Array, b: Int32Array): boolean => Buffer.from(a.buffer).equals(Buffer.from(b.buffer))
    const again = generateMultiTenantTrace({ tenants: layout, s: 0.99, calls: 5_000, idsPerCall: 10, seed: 1 })
    expect(same(again.ids, trace.ids) && same(again.tenantIds, trace.tenantIds)).toBe(true)
    const other = generateMultiTenantTrace({ tenants: layout, s: 0.99, calls: 5_000, idsPerCall: 10, seed: 2 })
    expect(same(other.ids, trace.ids)).toBe(false)
  })

  it('refuses calls larger than a tenant', () => {
    expect(() => generateMultiTenantTrace({ tenants: layTenants({ totalIds: 20, tenants: 4, skew: 0 }), s: 1, calls: 1, idsPerCall: 6, seed: 1 })).toThrow(RangeError)
  })
})
