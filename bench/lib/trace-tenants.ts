/**
 * How a renumbered trace key (0..n-1) becomes a repository call: contact ID `key + 1` (IDs are
 * positive) of tenant `key % tenants + 1`. Contact IDs stay globally unique, as primary keys
 * are, so the stand-in database can tell every ID's owner, and (tenant, ID) pairs are a
 * bijection of the keys: any policy keyed by the pair sees the same trace as one keyed by the
 * key, and the baselines (LRU, W-TinyLFU, Belady) are the same for every number of tenants.
 * Keys must be renumbered first (see renumberKeys): on raw ORM keys, `% 8` is badly uneven.
 */
export function tenantOfKey(key: number, tenants: number): number {
  return (key % tenants) + 1
}

/** The contact ID of a renumbered key. */
export function idOfKey(key: number): number {
  return key + 1
}

/** The key of a contact ID: the inverse of {@link idOfKey}. */
export function keyOfId(id: number): number {
  return id - 1
}

/** The owner of a contact ID, as the stand-in database must answer it. */
export function tenantOfId(id: number, tenants: number): number {
  return tenantOfKey(keyOfId(id), tenants)
}

/** Requests per tenant (index 0 is tenant 1): how evenly a split spreads the load. */
export function requestsPerTenant(keys: ArrayLike<number>, tenants: number): number[] {
  const counts = new Array<number>(tenants).fill(0)
  for (let i = 0; i < keys.length; i++) {
    const t = tenantOfKey(keys[i] as number, tenants) - 1
    counts[t] = (counts[t] as number) + 1
  }
  return counts
}
