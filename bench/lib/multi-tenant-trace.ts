import { createRandom } from './random.js'
import type { TenantRange } from './tenant-layout.js'
import { ZipfSampler } from './zipf-sampler.js'

export interface MultiTenantTraceOptions {
  readonly tenants: readonly TenantRange[]
  /** Zipf exponent of the IDs within each tenant. */
  readonly s: number
  readonly calls: number
  /** Distinct IDs per call (a `getMany` of one tenant). */
  readonly idsPerCall: number
  readonly seed: number
}

/**
 * A sequence of `getMany` calls: call c is made by tenant `tenantIds[c]` for the IDs
 * `ids[c * idsPerCall ..< (c + 1) * idsPerCall]`. Flat typed arrays, because the offline
 * hit-rate computations walk millions of accesses.
 */
export interface MultiTenantTrace {
  readonly calls: number
  readonly idsPerCall: number
  readonly tenantIds: Int32Array
  readonly ids: Int32Array
}

/**
 * Each call picks a tenant by its share, then `idsPerCall` distinct IDs from that tenant's
 * own Zipf distribution (rank 0, its most popular contact, is its first ID). A repeat within
 * one call is drawn again: getMany collapses duplicates, and counting them would credit every
 * contender with free hits.
 */
export function generateMultiTenantTrace(options: MultiTenantTraceOptions): MultiTenantTrace {
  const { tenants, s, calls, idsPerCall, seed } = options
  const random = createRandom(seed)
  const samplers = tenants.map((tenant) => {
    if (tenant.size < idsPerCall) throw new RangeError(`Tenant ${tenant.tenantId} has fewer than ${idsPerCall} IDs`)
    return new ZipfSampler(tenant.size, s, random)
  })
  const cumulativeShares: number[] = []
  let sum = 0
  for (const tenant of tenants) {
    sum += tenant.share
    cumulativeShares.push(sum)
  }
  const tenantIds = new Int32Array(calls)
  const ids = new Int32Array(calls * idsPerCall)
  const inCall = new Set<number>()
  for (let c = 0; c < calls; c++) {
    const u = random() * sum
    let t = 0
    while (t < tenants.length - 1 && (cumulativeShares[t] as number) <= u) t++
    const tenant = tenants[t] as TenantRange
    const sampler = samplers[t] as ZipfSampler
    tenantIds[c] = tenant.tenantId
    inCall.clear()
    for (let k = 0; k < idsPerCall; k++) {
      let rank = sampler.next()
      while (inCall.has(rank)) rank = sampler.next()
      inCall.add(rank)
      ids[c * idsPerCall + k] = tenant.firstId + rank
    }
  }
  return { calls, idsPerCall, tenantIds, ids }
}

/** The IDs of call `c`, as the plain array getMany expects. */
export function callIds(trace: MultiTenantTrace, c: number): number[] {
  const start = c * trace.idsPerCall
  return Array.from(trace.ids.subarray(start, start + trace.idsPerCall))
}
