// The adaptive window: ghosts of refused candidates and of main-region victims move the window
// one way or the other, by ARC's ratio, each ghost once; and at the level of the cache, a
// workload that reuses recent keys grows the window while a loop shrinks it back.
import { describe, expect, it } from 'vitest'
import type { Contact } from '../../src/index.js'
import { DUPLICATE, MISS, TenantPartitionedCache } from '../../src/cache/tenant-partitioned-cache.js'
import fc from 'fast-check'
import { GhostList, WindowSizer } from '../../src/cache/window-sizer.js'

describe('WindowSizer', () => {
  it('grows the window on a miss of a refused candidate and shrinks it on a miss of a victim, once each', () => {
    const sizer = new WindowSizer(100)
    expect(sizer.missed(1)).toBe(0)
    sizer.refused(1)
    sizer.evicted(2)
    expect(sizer.missed(1)).toBe(1)
    expect(sizer.missed(1)).toBe(0)
    expect(sizer.missed(2)).toBe(-1)
    expect(sizer.missed(2)).toBe(0)
  })

  it('moves by the ratio of the two lists, as ARC does', () => {
    const sizer = new WindowSizer(1000)
    for (let hash = 1; hash <= 40; hash++) sizer.evicted(hash)
    sizer.refused(100)
    sizer.refused(101)
    expect(sizer.missed(100)).toBe(40) // 40 victims remembered against 1 refusal left
    expect(sizer.missed(1)).toBe(-1)
  })

  it('divides, never multiplies: 40 victims against 2 refusals left grow the window by 20', () => {
    const sizer = new WindowSizer(1000)
    for (let hash = 1; hash <= 40; hash++) sizer.evicted(hash)
    for (let hash = 100; hash <= 102; hash++) sizer.refused(hash)
    expect(sizer.missed(100)).toBe(20)
    expect(sizer.missed(1)).toBe(-1) // 2 refusals against 39 victims: at least one
  })

  it('remembers the last tenth of the capacity on each side', () => {
    const sizer = new WindowSizer(100)
    for (let hash = 1; hash <= 11; hash++) sizer.refused(hash)
    expect(sizer.missed(1)).toBe(0) // pushed out by the eleventh
    expect(sizer.missed(2)).toBeGreaterThan(0)
    expect(sizer.missed(11)).toBeGreaterThan(0)
  })
})

const row = (id: number): Contact =>
  Object.freeze({ id, firstName: null, lastName: null, companyName: null, email: null, phone: null, type: 'p', createdAt: 'x', updatedAt: 'x' })

function replay(cache: TenantPartitionedCache, keys: Iterable<number>): number {
  let hits = 0
  let requests = 0
  for (const id of keys) {
    requests++
    const index = cache.partition(1)?.index ?? new Map<number, number>()
    const answer = cache.read(index, id, cache.relative(0), cache.nextPass())
    if (answer !== MISS && answer !== DUPLICATE) {
      hits++
      cache.recordHits(1)
      continue
    }
    cache.recordMiss(1, id)
    cache.store(1, [id], [row(id)], 0, [2 ** 28])
  }
  return hits / requests
}

/** Each key asked for twice, the second time 0.16 x capacity requests later: LRU hits every second request. */
function* recencyWorkload(capacity: number, requests: number, firstKey: number): Generator<number> {
  const gap = Math.round(0.16 * capacity)
  for (let t = 0; t < requests; t++) yield firstKey + Math.floor(t / 2) + (t % 2 === 1 ? -gap / 2 : 0)
}

function* loop(length: number, requests: number): Generator<number> {
  for (let t = 0; t < requests; t++) yield 1 + (t % length)
}

describe('the adaptive window of the cache', () => {
  it('grows for a workload that reuses recent keys, then shrinks for a loop', () => {
    const capacity = 1000
    const cache = new TenantPartitionedCache({ maxEntries: capacity, maxBytes: 2 ** 40, maxEntriesPerTenant: capacity, maxBytesPerTenant: 2 ** 40 })
    expect(cache.windowCapacity).toBe(10)
    const recencyHits = replay(cache, recencyWorkload(capacity, 40_000, 1_000_000))
    const grown = cache.windowCapacity
    expect(grown).toBeGreaterThan(80)
    expect(recencyHits).toBeGreaterThan(0.4)
    // A loop over 1.5 x capacity keys: only frequency keeps part of it, and the window gives way.
    replay(cache, loop(1500, 60_000))
    expect(cache.windowCapacity).toBeLessThan(grown / 4)
    expect(replay(cache, loop(1500, 15_000))).toBeGreaterThan(0.4)
  })
})

describe('GhostList', () => {
  // The plain model: a Set in insertion order, the oldest key deleted past the limit.
  class ModelList {
    readonly keys = new Set<number>()
    readonly limit: number
    constructor(limit: number) {
      this.limit = limit
    }
    remember(key: number): void {
      this.keys.delete(key)
      this.keys.add(key)
      if (this.keys.size > this.limit) this.keys.delete(this.keys.values().next().value as number)
    }
    forget(key: number): boolean {
      return this.keys.delete(key)
    }
  }

  it('remembers and forgets exactly as a Set of the latest `limit` distinct keys, and stays bounded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        // Few keys, long runs: keys come back while remembered, and lists overflow often.
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20 })), { minLength: 50, maxLength: 3000, size: 'max' }),
        (limit, operations) => {
          const list = new GhostList(limit)
          const model = new ModelList(limit)
          // The first difference, asserted once per run: an expect() per step made this test
          // take 25 s, near the 30 s timeout on a loaded machine.
          let difference: string | undefined
          operations.forEach(([remember, key], step) => {
            if (remember) {
              list.remember(key)
              model.remember(key)
            } else if (list.forget(key) !== model.forget(key)) {
              difference ??= `step ${step}: forget(${key}) differs`
            }
            if (list.size !== model.keys.size) difference ??= `step ${step}: size ${list.size}, model ${model.keys.size}`
            if (list.queued > 3 * limit + 64 + 1024 + 1) difference ??= `step ${step}: ${list.queued} queued`
          })
          for (let key = 0; key <= 20; key++) {
            if (list.forget(key) !== model.forget(key)) difference ??= `at the end: forget(${key}) differs`
          }
          expect(difference).toBeUndefined()
        },
      ),
      { numRuns: 200 },
    )
  })

  it('stays bounded when keys are forgotten as fast as they are remembered (the list never overflows)', () => {
    const list = new GhostList(100)
    for (let key = 0; key < 100_000; key++) {
      list.remember(key)
      list.forget(key)
    }
    expect(list.size).toBe(0)
    expect(list.queued).toBeLessThanOrEqual(2 * 100 + 64 + 1)
  })

  it('compacts exactly when stale pairs pass 2 x limit + 64, or the consumed front passes the rest by 1,024, to the live pairs only', () => {
    // Every key forgotten at once: nothing is pushed out, the queue holds only stale pairs.
    const forgotten = new GhostList(100)
    const queuedAfter = (steps: number, list: GhostList, step: (key: number) => void): number[] => {
      const seen: number[] = []
      for (let key = 1; key <= steps; key++) {
        step(key)
        seen.push(list.queued)
      }
      return seen
    }
    const stale = queuedAfter(265, forgotten, (key) => { forgotten.remember(key); forgotten.forget(key) })
    // The 265th remembering compacts before its forget: its own pair is the one live.
    expect(stale.slice(-2)).toEqual([264, 1])
    // One live key at a time: each remembering pushes the last out, the front moves on.
    const single = new GhostList(1)
    const pushedOut = queuedAfter(1_027, single, (key) => { single.remember(key) })
    expect(pushedOut.slice(-2)).toEqual([1_026, 1])
    expect([single.size, single.forget(1_027), single.forget(1_026)]).toEqual([1, true, false])
  })

  it('holds a bounded queue through a million rememberings', () => {
    const list = new GhostList(1000)
    for (let i = 0; i < 1_000_000; i++) {
      list.remember(i % 3000)
      if (i % 7 === 0) list.forget((i * 13) % 3000)
    }
    expect(list.size).toBeGreaterThanOrEqual(999) // the last step may forget a live key
    expect(list.queued).toBeLessThanOrEqual(3 * 1000 + 64 + 1024 + 1)
  })
})
