import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { beladyHits } from '../../bench/lib/belady.js'
import { lruHits } from '../../bench/lib/lru-hits.js'

/**
 * The true optimum by exhaustive search: at each miss, keep the cache, add the key, or swap it
 * for any cached key. With `mustCache`, a missed key must be cached (no keeping the cache as it is).
 */
function bruteForceOptimum(keys: readonly number[], capacity: number, mustCache = false): number {
  const memo = new Map<string, number>()
  const best = (i: number, cache: readonly number[]): number => {
    if (i === keys.length) return 0
    const memoKey = `${i}|${cache.join(',')}`
    const known = memo.get(memoKey)
    if (known !== undefined) return known
    const key = keys[i] as number
    let result: number
    if (cache.includes(key)) {
      result = 1 + best(i + 1, cache)
    } else {
      result = mustCache ? -Infinity : best(i + 1, cache)
      if (cache.length < capacity) result = Math.max(result, best(i + 1, [...cache, key].sort((a, b) => a - b)))
      for (const victim of cache) {
        result = Math.max(result, best(i + 1, [...cache.filter((k) => k !== victim), key].sort((a, b) => a - b)))
      }
    }
    memo.set(memoKey, result)
    return result
  }
  return best(0, [])
}

describe('beladyHits', () => {
  it('scores a hand-checked trace', () => {
    // Capacity 2, trace A B C A B D A B (A=1, B=2, C=3, D=4):
    //  1 A miss {A}   2 B miss {A,B}   3 C miss: C is never used again, bypass {A,B}
    //  4 A hit        5 B hit          6 D miss: never used again, bypass {A,B}
    //  7 A hit        8 B hit          -> 4 hits. LRU keeps evicting what comes back next: 0 hits.
    const trace = [1, 2, 3, 1, 2, 4, 1, 2]
    expect(beladyHits(trace, 2)).toBe(4)
    expect(lruHits(trace, 2)).toBe(0)
  })

  it('evicts the key needed furthest in the future (hand-checked)', () => {
    // Capacity 2, trace 1 2 3 2 1 3:
    //  1 miss {1}  2 miss {1,2}  3 miss: next uses 1@4, 2@3, 3@5 -> 3 is furthest: bypass
    //  2 hit  1 hit  3 miss -> 2 hits. Evicting 1 or 2 instead would give 1 hit.
    expect(beladyHits([1, 2, 3, 2, 1, 3], 2)).toBe(2)
    expect(bruteForceOptimum([1, 2, 3, 2, 1, 3], 2)).toBe(2)
  })

  it('has only compulsory misses when everything fits, and no hits without room', () => {
    const trace = [5, 1, 5, 2, 1, 5, 2, 2, 9]
    expect(beladyHits(trace, 4)).toBe(trace.length - 4)
    expect(beladyHits(trace, 0)).toBe(0)
    expect(beladyHits([], 3)).toBe(0)
  })

  it('equals the exhaustive optimum on small random traces', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 12 }), fc.integer({ min: 1, max: 3 }), (trace, capacity) => {
        expect(beladyHits(trace, capacity)).toBe(bruteForceOptimum(trace, capacity))
      }),
      { numRuns: 300 },
    )
  })

  it('equals the exhaustive optimum of policies that must cache every missed key, with mayBypass: false', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 12 }), fc.integer({ min: 1, max: 3 }), (trace, capacity) => {
        const admitAll = beladyHits(trace, capacity, { mayBypass: false })
        expect(admitAll).toBe(bruteForceOptimum(trace, capacity, true))
        expect(admitAll).toBeLessThanOrEqual(beladyHits(trace, capacity))
      }),
      { numRuns: 300 },
    )
    // Capacity 2, trace 1 2 3 1 2: caching 3 must drop 1 or 2, so one of the two later hits is lost.
    expect(beladyHits([1, 2, 3, 1, 2], 2, { mayBypass: false })).toBe(1)
    expect(beladyHits([1, 2, 3, 1, 2], 2)).toBe(2)
  })

  it('never scores less than LRU on random traces', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 400 }), fc.integer({ min: 1, max: 20 }), (trace, capacity) => {
        expect(beladyHits(trace, capacity)).toBeGreaterThanOrEqual(lruHits(trace, capacity))
      }),
      { numRuns: 300 },
    )
  })

  it('refuses keys that are not non-negative integers', () => {
    expect(() => beladyHits([1, -1], 1)).toThrow(RangeError)
    expect(() => beladyHits([1.5], 1)).toThrow(RangeError)
  })
})

describe('lruHits', () => {
  it('scores a hand-checked trace', () => {
    // Capacity 2, trace 1 2 1 3 2 1: 1m 2m 1h (order 2,1) 3m evicts 2 (1,3) 2m evicts 1 (3,2) 1m -> 1 hit.
    expect(lruHits([1, 2, 1, 3, 2, 1], 2)).toBe(1)
    // Capacity 3 holds all three: 3 hits.
    expect(lruHits([1, 2, 1, 3, 2, 1], 3)).toBe(3)
  })

  it('counts only the marked accesses when asked, still caching the others', () => {
    // 1 2 1 2 with only accesses 2 and 3 counted: the hit on 1 (index 2) counts, on 2 (index 3) too.
    expect(lruHits([1, 2, 1, 2], 2, [0, 0, 1, 1])).toBe(2)
    expect(lruHits([1, 2, 1, 2], 2, [0, 0, 0, 1])).toBe(1)
  })
})
