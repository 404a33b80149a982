/**
 * How often each (tenant, id) was asked for lately, in 4 bits, for the admission decisions of
 * the cache (see the policy at the top of `tenant-partitioned-cache.ts`).
 *
 * A count-min sketch of depth four with periodic aging, laid out as Caffeine's
 * `FrequencySketch` is: the table holds 16 four-bit counters per 64-bit word (here two 32-bit
 * words, since JavaScript has no cheap 64-bit integers), an item's four counters all lie in
 * one 64-byte block so that reading them costs one cache line, and each counter is picked from
 * its own 16-byte quarter of the block. A key's estimate is the smallest of its four counters,
 * which over-counts only when all four collide.
 *
 * Aging: after `sampleSize` recorded accesses (ten per entry of capacity, at least 1,280) every counter is
 * halved, so that what was popular an hour ago does not keep out what is popular now. The table
 * has one 64-bit word per entry of capacity, rounded up to a power of two (8 to 16 bytes per
 * entry), which Caffeine measured to keep the error small at this depth.
 */
export class FrequencySketch {
  /** Accesses after which every counter is halved. */
  readonly sampleSize: number
  readonly #table: Uint32Array
  // Number of 64-byte blocks, minus one (a mask: the count is a power of two).
  readonly #blockMask: number
  #size = 0

  /** @param capacity the most entries the cache holds; sizes the table and the aging period. */
  constructor(capacity: number) {
    const longs = Math.max(ceilingPowerOfTwo(capacity), 8)
    this.#table = new Uint32Array(longs * 2)
    this.#blockMask = (longs >>> 3) - 1
    this.sampleSize = 10 * Math.max(capacity, MIN_SAMPLE_CAPACITY)
  }

  /** Bytes the table takes (off the JavaScript heap). */
  get byteLength(): number {
    return this.#table.byteLength
  }

  /** The estimated number of recent accesses to the key of `hash`, 0 to 15. */
  frequency(hash: number): number {
    const table = this.#table
    const block = (hash & this.#blockMask) << 4
    const counterHash = rehash(hash)
    let min = 15
    for (let i = 0; i < 4; i++) {
      const h = counterHash >>> (i << 3)
      const index = (h >>> 1) & 15
      const word = block + (((h & 1) + (i << 1)) << 1) + (index >>> 3)
      const count = (table[word] as number) >>> ((index & 7) << 2) & 0xf
      if (count < min) min = count
    }
    return min
  }

  /**
   * Adds `count` accesses to the key of `hash` (each counter saturates at 15), without
   * advancing the aging period: used to fold in hits that were counted elsewhere and already
   * reported with {@link countAccesses}.
   */
  add(hash: number, count: number): void {
    if (count <= 0) return
    const table = this.#table
    const block = (hash & this.#blockMask) << 4
    const counterHash = rehash(hash)
    for (let i = 0; i < 4; i++) {
      const h = counterHash >>> (i << 3)
      const index = (h >>> 1) & 15
      const word = block + (((h & 1) + (i << 1)) << 1) + (index >>> 3)
      const shift = (index & 7) << 2
      const value = table[word] as number
      const current = (value >>> shift) & 0xf
      const next = Math.min(15, current + count)
      if (next !== current) table[word] = (value + ((next - current) << shift)) >>> 0
    }
  }

  /**
   * Records one access to the key of `hash` and advances the aging period by one. Returns
   * true when that access completed a period and every counter was halved (the caller ages
   * whatever it counts beside the sketch).
   */
  increment(hash: number): boolean {
    this.add(hash, 1)
    return this.countAccesses(1)
  }

  /**
   * Advances the aging period by `accesses` that are counted elsewhere for now (hits, folded
   * in later with {@link add}). Returns true when every counter was just halved.
   */
  countAccesses(accesses: number): boolean {
    this.#size += accesses
    if (this.#size < this.sampleSize) return false
    this.#age()
    return true
  }

  // Halves every counter; the period restarts from what is left of the counted accesses, as
  // in TinyLFU's reset (each odd counter loses half an access in the rounding).
  #age(): void {
    const table = this.#table
    let odd = 0
    for (let i = 0; i < table.length; i++) {
      const value = table[i] as number
      odd += oddCounters(value)
      table[i] = (value >>> 1) & 0x77777777
    }
    this.#size = Math.max(0, (this.#size - (odd >>> 2)) >>> 1)
  }
}

// The aging period never falls below ten accesses per entry of a 128-entry cache: a sketch that
// halves every 200 accesses (a 20-entry cache) forgets a loop's keys before the loop comes
// round (measured on the cpp trace: 22.6% at 20 entries, 23.7% with this floor; transitory,
// whose sketch is at least 128 wide, 24.4%).
const MIN_SAMPLE_CAPACITY = 128

/**
 * A 32-bit hash of a (tenant, id) pair, both positive safe integers. Both halves of each
 * number take part, so IDs above 2^32 do not collide with their low bits; the final mixing is
 * Caffeine's `spread`, which defends the sketch against poorly distributed keys.
 */
export function hashKey(tenantId: number, id: number): number {
  let h = Math.imul(id | 0, 0x9e3779b1) ^ Math.imul((id / 4294967296) | 0, 0x85ebca77)
  h ^= Math.imul(tenantId | 0, 0xc2b2ae3d) ^ Math.imul((tenantId / 4294967296) | 0, 0x27d4eb2f)
  h ^= h >>> 17
  h = Math.imul(h, 0xed5ad4bb)
  h ^= h >>> 11
  h = Math.imul(h, 0xac4c1b51)
  h ^= h >>> 15
  return h
}

// A second round of mixing picks the counters within the block the first chose.
function rehash(hash: number): number {
  const h = Math.imul(hash, 0x31848bab)
  return (h ^ (h >>> 14)) >>> 0
}

// How many of a word's eight 4-bit counters are odd: their low bits, summed into the top
// nibble by one multiplication (eight at most, so no carry leaves it or reaches it).
function oddCounters(word: number): number {
  return Math.imul(word & 0x11111111, 0x11111111) >>> 28
}

function ceilingPowerOfTwo(value: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, value)))
}
