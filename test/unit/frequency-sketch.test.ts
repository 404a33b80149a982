// The frequency sketch behind admission: counts saturate at 15, aging halves them after the
// sample period, folded hits add without advancing the period, and the key hash keeps apart
// pairs a careless hash would merge.
import { describe, expect, it } from 'vitest'
import { FrequencySketch, hashKey } from '../../src/cache/frequency-sketch.js'

describe('FrequencySketch', () => {
  it('counts accesses up to 15 and saturates there', () => {
    const sketch = new FrequencySketch(1000)
    const key = hashKey(1, 42)
    expect(sketch.frequency(key)).toBe(0)
    for (let i = 1; i <= 20; i++) {
      sketch.increment(key)
      expect(sketch.frequency(key)).toBe(Math.min(i, 15))
    }
  })

  it('folds hits in without advancing the aging period, saturating as well', () => {
    const sketch = new FrequencySketch(10)
    const key = hashKey(3, 7)
    sketch.add(key, 4)
    expect(sketch.frequency(key)).toBe(4)
    sketch.add(key, 40)
    expect(sketch.frequency(key)).toBe(15)
    // Folding never completes the period; counting accesses does.
    for (let i = 0; i < sketch.sampleSize - 1; i++) expect(sketch.countAccesses(1)).toBe(false)
    expect(sketch.countAccesses(1)).toBe(true)
  })

  it('halves every counter once the sample period is complete', () => {
    const sketch = new FrequencySketch(16)
    const hot = hashKey(1, 1)
    const warm = hashKey(1, 2)
    for (let i = 0; i < 12; i++) sketch.increment(hot)
    for (let i = 0; i < 5; i++) sketch.increment(warm)
    let aged = false
    while (!aged) aged = sketch.increment(hashKey(2, 1_000))
    expect(sketch.frequency(hot)).toBe(6)
    expect(sketch.frequency(warm)).toBe(2)
  })

  it('estimates keys it never saw close to zero when filled to its capacity', () => {
    const sketch = new FrequencySketch(4096)
    for (let id = 1; id <= 4096; id++) sketch.increment(hashKey(1, id))
    let overestimate = 0
    for (let id = 10_001; id <= 14_096; id++) overestimate += sketch.frequency(hashKey(1, id))
    expect(overestimate / 4096).toBeLessThan(0.05)
  })
})

describe('hashKey', () => {
  it('keeps apart pairs that concatenation or truncation would merge', () => {
    const pairs: [number, number][] = [[1, 23], [12, 3], [1, 5], [1, 5 + 2 ** 32], [1 + 2 ** 32, 5], [2 ** 53 - 1, 2 ** 53 - 1], [5, 1]]
    const hashes = new Set(pairs.map(([tenant, id]) => hashKey(tenant, id)))
    expect(hashes.size).toBe(pairs.length)
  })

  it('spreads consecutive IDs over the whole 32-bit range', () => {
    const buckets = new Array<number>(16).fill(0)
    for (let id = 1; id <= 16_000; id++) (buckets[hashKey(7, id) >>> 28] as number)++
    for (const count of buckets) expect(count).toBeGreaterThan(800)
  })
})

describe('FrequencySketch aging period', () => {
  it('is ten accesses per entry of capacity, and never shorter than for a 128-entry cache', () => {
    expect(new FrequencySketch(10_000).sampleSize).toBe(100_000)
    expect(new FrequencySketch(20).sampleSize).toBe(1_280)
  })

  it('restarts each period from half the accesses counted, less half an access per odd counter', () => {
    // One key asked for every time: its four counters saturate at 15 (odd), so the first aging
    // leaves (1,280 - 4 / 4) >>> 1 = 639 accesses counted and the next comes 641 later.
    const sketch = new FrequencySketch(128)
    const hash = hashKey(1, 1)
    let first = 0
    while (!sketch.increment(hash)) first++
    expect(first + 1).toBe(1_280)
    let second = 0
    while (!sketch.increment(hash)) second++
    expect(second + 1).toBe(641)
  })

  it("adds to a key's four counters and to no other counter", () => {
    // Counted through aging, which sees every counter: one access to each of 8 keys, in blocks
    // 0, 2, ..., 14 of the table (16 blocks at capacity 128), makes 32 counters odd (each key's
    // four are in four different quarters of its block), so the first aging leaves
    // (1,280 - 32 / 4) >>> 1 = 636 accesses and the next comes 644 later. A fifth counter
    // written per key (a loop running once too often spills into the next, empty block) makes
    // 40 odd counters: 635 left, and the next aging 645 later.
    const sketch = new FrequencySketch(128)
    const keys: number[] = []
    for (let id = 1; keys.length < 8; id++) {
      const hash = hashKey(1, id)
      const block = hash & 15
      if (block % 2 === 0 && !keys.some((key) => (key & 15) === block)) keys.push(hash)
    }
    for (const key of keys) sketch.increment(key)
    expect(sketch.countAccesses(1_280 - 8 - 1)).toBe(false)
    expect(sketch.countAccesses(1)).toBe(true)
    let next = 1
    while (!sketch.countAccesses(1)) next++
    expect(next).toBe(644)
  })
})
