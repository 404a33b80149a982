import { LRUCache } from 'lru-cache'

/**
 * Hits of a plain LRU cache of `capacity` entries (one lru-cache instance, as a user would
 * set it up without tenants) on a trace of keys: the baseline the repository's hit rate is
 * held against. With `counted`, only the hits of accesses i where counted[i] is 1 are
 * counted (every access still goes through the cache).
 */
export function lruHits(keys: ArrayLike<number>, capacity: number, counted?: ArrayLike<number>): number {
  if (capacity <= 0) return 0
  const cache = new LRUCache<number, true>({ max: capacity })
  let hits = 0
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as number
    if (cache.get(key) === undefined) cache.set(key, true)
    else if (counted === undefined || counted[i] === 1) hits++
  }
  return hits
}
