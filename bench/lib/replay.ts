import type { ContactRepository } from '../../src/index.js'
import { tenantOfId, type TenantRange } from './tenant-layout.js'

/** Hits and misses counted by the repository over some calls. */
export interface HitCount {
  readonly hits: number
  readonly misses: number
}

/** Hit rate of a count; NaN when nothing was asked. */
export function hitRate(count: HitCount): number {
  return count.hits / (count.hits + count.misses)
}

/**
 * The `capacity` most recently used distinct IDs among the first `end` accesses, least
 * recent first: what a plain LRU cache holds at that point of the trace.
 */
export function lruContents(ids: ArrayLike<number>, end: number, capacity: number): number[] {
  const seen = new Set<number>()
  const newestFirst: number[] = []
  for (let i = end - 1; i >= 0 && newestFirst.length < capacity; i--) {
    const id = ids[i] as number
    if (seen.has(id)) continue
    seen.add(id)
    newestFirst.push(id)
  }
  return newestFirst.reverse()
}

/**
 * Loads `ids` (least recent first) into the repository in chunks of up to 1,000, one getMany
 * per tenant per chunk, so that recency roughly follows the given order: a warm cache in a
 * few hundred queries instead of replaying millions of calls against the database.
 */
export async function warmRepository(repository: ContactRepository, layout: readonly TenantRange[], ids: readonly number[]): Promise<void> {
  for (let start = 0; start < ids.length; start += 1000) {
    const byTenant = new Map<number, number[]>()
    for (const id of ids.slice(start, start + 1000)) {
      const tenant = tenantOfId(layout, id)
      if (tenant === undefined) continue
      let list = byTenant.get(tenant.tenantId)
      if (list === undefined) byTenant.set(tenant.tenantId, (list = []))
      list.push(id)
    }
    for (const [tenantId, list] of byTenant) await repository.getMany(tenantId, list)
  }
}
