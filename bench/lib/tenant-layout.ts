/** One tenant's contacts: the IDs firstId .. firstId + size - 1, and its share of the traffic. */
export interface TenantRange {
  readonly tenantId: number
  readonly firstId: number
  readonly size: number
  /** Fraction of all calls made by this tenant; the shares of a layout sum to 1. */
  readonly share: number
}

export interface TenantLayoutOptions {
  /** Contacts over all tenants. */
  readonly totalIds: number
  readonly tenants: number
  /**
   * Tenant t (0-based) gets a share proportional to 1 / (t + 1)^skew of both the contacts and
   * the calls: real tenants differ in size by orders of magnitude, and a cache that is fair
   * only to equal tenants would look better here than in production. 0 makes them equal.
   */
  readonly skew: number
  readonly firstTenantId?: number
  readonly firstId?: number
}

/**
 * Splits `totalIds` contiguous IDs between tenants. IDs are global, as in the contacts table
 * (AUTO_INCREMENT), so an ID is also a dense key for the offline hit-rate computations.
 */
export function layTenants(options: TenantLayoutOptions): TenantRange[] {
  const { totalIds, tenants, skew, firstTenantId = 1, firstId = 1 } = options
  if (!(Number.isSafeInteger(tenants) && tenants >= 1)) throw new RangeError('tenants must be a positive integer')
  if (!(Number.isSafeInteger(totalIds) && totalIds >= tenants)) throw new RangeError('totalIds must be at least tenants')
  const weights = Array.from({ length: tenants }, (_, t) => 1 / Math.pow(t + 1, skew))
  const sum = weights.reduce((a, b) => a + b, 0)
  const ranges: TenantRange[] = []
  let next = firstId
  let left = totalIds
  for (let t = 0; t < tenants; t++) {
    const share = (weights[t] as number) / sum
    // Every tenant keeps at least one contact; the last takes the rounding remainder.
    const size = t === tenants - 1 ? left : Math.max(1, Math.min(left - (tenants - 1 - t), Math.round(totalIds * share)))
    ranges.push({ tenantId: firstTenantId + t, firstId: next, size, share })
    next += size
    left -= size
  }
  return ranges
}

/** The tenant owning `id`, or `undefined` when no range holds it. */
export function tenantOfId(layout: readonly TenantRange[], id: number): TenantRange | undefined {
  let low = 0
  let high = layout.length - 1
  while (low <= high) {
    const mid = (low + high) >>> 1
    const range = layout[mid] as TenantRange
    if (id < range.firstId) high = mid - 1
    else if (id >= range.firstId + range.size) low = mid + 1
    else return range
  }
  return undefined
}

/** One past the largest ID of the layout. */
export function idLimit(layout: readonly TenantRange[]): number {
  const last = layout[layout.length - 1]
  return last === undefined ? 0 : last.firstId + last.size
}
