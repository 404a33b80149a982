/**
 * Hits of Belady's optimal offline policy (MIN) on a trace of integer keys with a cache of
 * `capacity` entries: on a miss with a full cache, the entry needed furthest in the future is
 * dropped, and a key not needed again before every cached one is not cached at all. No
 * online policy can score more on the same trace, so it is the ceiling the hit rates are read
 * against. O(n log n) time, O(n + max key) memory; keys must be non-negative integers.
 *
 * `mayBypass: false` is the textbook variant that must cache every missed key (dropping the
 * cached one needed furthest): up to about one point lower on small caches. cache2k's
 * published OPT is that variant; Caffeine's simulator's OPT may bypass.
 */
export function beladyHits(keys: ArrayLike<number>, capacity: number, options: { readonly mayBypass?: boolean } = {}): number {
  const mayBypass = options.mayBypass ?? true
  const n = keys.length
  if (capacity <= 0 || n === 0) return 0
  let maxKey = 0
  for (let i = 0; i < n; i++) {
    const key = keys[i] as number
    if (!(Number.isInteger(key) && key >= 0)) throw new RangeError(`keys must be non-negative integers; got ${key}`)
    if (key > maxKey) maxKey = key
  }
  // nextUse[i]: index of the next access to keys[i], or n when there is none.
  const nextUse = new Int32Array(n)
  const seen = new Int32Array(maxKey + 1).fill(n)
  for (let i = n - 1; i >= 0; i--) {
    const key = keys[i] as number
    nextUse[i] = seen[key] as number
    seen[key] = i
  }
  // For cached keys, the next use they are filed under in the heap; -1 when not cached.
  const filedAt = seen.fill(-1)
  const heap = new NextUseHeap(n)
  let size = 0
  let hits = 0
  for (let i = 0; i < n; i++) {
    const key = keys[i] as number
    const next = nextUse[i] as number
    if ((filedAt[key] as number) >= 0) {
      hits++
      // The older heap item of this key is now stale; it is skipped when it surfaces.
      filedAt[key] = next
      heap.push(next, key)
      continue
    }
    if (size < capacity) {
      filedAt[key] = next
      heap.push(next, key)
      size++
      continue
    }
    // Drop stale items until the top is a cached key at the next use it is filed under.
    while (filedAt[heap.topKey()] !== heap.topNext()) heap.pop()
    if (mayBypass && next >= heap.topNext()) continue // caching this key could only lose a hit
    filedAt[heap.topKey()] = -1
    heap.pop()
    filedAt[key] = next
    heap.push(next, key)
  }
  return hits
}

/** A max-heap of (next use, key) pairs in two typed arrays; at most one push per access. */
class NextUseHeap {
  readonly #next: Int32Array
  readonly #key: Int32Array
  #size = 0

  constructor(capacity: number) {
    this.#next = new Int32Array(capacity + 1)
    this.#key = new Int32Array(capacity + 1)
  }

  topNext(): number {
    return this.#next[0] as number
  }

  topKey(): number {
    return this.#key[0] as number
  }

  push(next: number, key: number): void {
    const nexts = this.#next
    const keys = this.#key
    let i = this.#size++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((nexts[parent] as number) >= next) break
      nexts[i] = nexts[parent] as number
      keys[i] = keys[parent] as number
      i = parent
    }
    nexts[i] = next
    keys[i] = key
  }

  pop(): void {
    const nexts = this.#next
    const keys = this.#key
    const size = --this.#size
    if (size === 0) return
    const next = nexts[size] as number
    const key = keys[size] as number
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= size) break
      if (child + 1 < size && (nexts[child + 1] as number) > (nexts[child] as number)) child++
      if ((nexts[child] as number) <= next) break
      nexts[i] = nexts[child] as number
      keys[i] = keys[child] as number
      i = child
    }
    nexts[i] = next
    keys[i] = key
  }
}
