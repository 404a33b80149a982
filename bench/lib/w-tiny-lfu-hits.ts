import { readFileSync } from 'node:fs'
import { BoundedCache } from 'transitory'
import { createRandom } from './random.js'

/** The installed transitory's version, for reports and for keying cached figures. */
export function transitoryVersion(): string {
  const manifest = new URL('../../node_modules/transitory/package.json', import.meta.url)
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
}

/**
 * Hits of W-TinyLFU on a trace of keys with a cache of `capacity` entries: transitory 2.2's
 * `BoundedCache`, a TypeScript port of Caffeine's policy: an LRU window (1% at first) in front
 * of a segmented-LRU main region (80% protected); a count-min sketch (4 rows of 8-bit counters,
 * width max(capacity, 128), halved every 10 x width recorded accesses) decides whether the
 * window's victim may displace the main region's; a hill climber moves the window/main split
 * by 6.25% of the capacity per sample of 10 x width requests, decaying the step by 0.98 and
 * restarting it when the hit rate moves 5 points. The reference the repository's policy is
 * held against.
 *
 * Configured as a cache of exactly `capacity` entries: transitory evicts only when its
 * maintenance runs (a 5 s timer, or once the cache overshoots by 1%, at least 5 entries), so
 * left alone it would hold up to 1% more than asked in a synchronous replay. Maintenance is
 * run after every insertion that overshoots, as Caffeine drains its buffers after each write.
 * Its admission uses `Math.random` in one rare branch (a candidate with a very high count);
 * that is seeded for the replay so the count is reproducible.
 */
export function wTinyLfuHits(keys: ArrayLike<number>, capacity: number, seed = 1): number {
  if (capacity <= 0) return 0
  const cache = new BoundedCache<number, true>({ maxSize: capacity })
  const unseeded = Math.random
  Math.random = createRandom(seed)
  let hits = 0
  try {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as number
      if (cache.getIfPresent(key) !== null) {
        hits++
        continue
      }
      cache.set(key, true)
      if (cache.size > capacity) cache.cleanUp()
    }
  } finally {
    Math.random = unseeded
    // Also cancels the maintenance timer, which would keep the process alive for 5 s.
    cache.clear()
  }
  return hits
}
