import type { Contact } from '../contacts/contact.js'
import { FrequencySketch, hashKey } from './frequency-sketch.js'
import { WindowSizer } from './window-sizer.js'

/*
 * The policy, in one place.
 *
 * What stays cached is decided across all tenants at once by W-TinyLFU, the policy of Caffeine
 * (Einziger, Friedman & Manes, "TinyLFU: A Highly Efficient Cache Admission Policy"):
 *
 * - Window. A new entry enters a small recency window (1% of the capacity at first). Entries
 *   there are kept in LRU order; a burst of new keys replaces window entries, not the proven
 *   ones in the main region.
 * - Main region and admission. The entry the window pushes out is a candidate for the main
 *   region. When the cache is full, it is admitted only if it was asked for more often lately
 *   than the main region's victim (the least recently used entry of its probation segment);
 *   otherwise the candidate itself goes. "More often" is estimated by a 4-bit count-min sketch
 *   (`FrequencySketch`) that remembers keys that are no longer cached, so a key that keeps
 *   coming back earns its place while a one-off scan does not. A candidate of frequency 6 or
 *   more that loses is still admitted once in 128 tries, so that an attacker who inflates a
 *   victim's count (hash flooding) cannot freeze the cache.
 * - Segments. The main region is a segmented LRU: probation (new arrivals, and the victims'
 *   side) and protected (80% of the main region: entries used again while in probation). An
 *   entry used while protected stays; protected overflow goes back to probation.
 * - Aging. After ten accesses per entry of capacity every counter of the sketch is halved (and
 *   so are the hit counts kept in the entries, see below), so past popularity fades.
 * - Adaptive window. The best window size depends on the workload: recency-heavy traffic (the
 *   ORM and file system traces) wants a large window, frequency- and loop-heavy traffic (Zipf,
 *   scans, loops) a small one. The window starts at 1% and moves capacity to and from the
 *   protected segment on the evidence of misses (`WindowSizer`): a miss of a key that admission
 *   recently refused says a larger window would have kept it, a miss of a recent victim of the
 *   main region says a larger main region would have, as ARC's ghost lists do. Caffeine sizes its
 *   window by hill climbing on the sampled hit rate instead; both were measured on the real traces
 *   (README, "Design"): the climber needs many samples of ten accesses per entry to move, and
 *   left the recency-heavy traces up to 5 points below LRU where the ghosts stay within 1.
 *
 * How this implementation keeps a hit cheap (measured in bench/, see the README):
 *
 * - A hit does not move the entry and does not touch the sketch. It increments a small hit
 *   counter in the entry's record, beside the row and the expiry it reads anyway. The counter is
 *   folded into the sketch when the entry is next looked at by the policy (reaching the old end
 *   of its segment, being evicted or invalidated), and it is also what tells the policy that the
 *   entry was used since it last moved: the moves a hit would have made (to the recent end of the
 *   window, from probation to protected, to the recent end of protected) are made then, in the
 *   manner of CLOCK. The sketch is incremented on misses, which pay for a query anyway. So a hit
 *   costs one index lookup and one record, and the estimate is the same sum Caffeine's sketch
 *   holds: the accesses before the entry came in, plus those since.
 * - Entries live in a slab: one record of four slots per entry in a plain array (row, expiry,
 *   the pass that last read it, hit count) and the policy's links in typed arrays by slot. A
 *   tenant's partition is a plain `Map` from contact ID to record, so two (tenant, id) pairs can
 *   never share a key, and a hit is one lookup in the tenant's own map. The regions are
 *   intrusive doubly-linked lists over the slab; no entry has an object of its own.
 *
 * Bounds, checked after every fill:
 *
 * - Per tenant (`maxEntriesPerTenant`, `maxBytesPerTenant`): a tenant over its own bound gives
 *   up its own entries, oldest filled first, with a second chance (CLOCK) for entries used since
 *   they last moved. The order is the partition map's insertion order; nothing else is kept.
 * - Global (`maxEntries`, `maxBytes`, each partition counted at `PARTITION_OVERHEAD_BYTES`): the
 *   W-TinyLFU eviction above.
 *
 * lru-cache is not used here, and the README gives the figures: its own index and order cost
 * 45 bytes per entry beside the partition index a tenant-partitioned hit needs, an instance per
 * tenant costs about 2.9 KiB, and an instance's `max` cannot follow an adaptive window.
 */

/** What {@link TenantPartitionedCache.read} returns for an ID it cannot answer. */
export const MISS: unique symbol = Symbol('miss')
/** What {@link TenantPartitionedCache.read} returns for an ID already answered in this pass. */
export const DUPLICATE: unique symbol = Symbol('duplicate')

/** Why entries left the cache, as reported to `onEvict`. */
export type EvictionReason = 'tenant-cap' | 'global-cap'

/** Limits of a {@link TenantPartitionedCache}; validated by the repository's constructor. */
export interface TenantPartitionedCacheLimits {
  readonly maxEntries: number
  readonly maxBytes: number
  readonly maxEntriesPerTenant: number
  readonly maxBytesPerTenant: number
}

/** An expired entry, as stale-if-error may still serve it. */
export interface ExpiredEntry {
  readonly row: Contact | null
  /** Clock time at which the row was read from the database. */
  readonly fetchedAt: number
  /** Clock time at which it expired. */
  readonly expiresAt: number
}

/**
 * Heap cost of one tenant's partition before it holds anything: the partition object, its
 * index `Map` and its entry in the map of tenants. It is counted against `maxBytes` so that
 * 100,000 small tenants cannot grow the heap past the bound. Measured by the memory benchmark.
 */
export const PARTITION_OVERHEAD_BYTES = 150

/**
 * Fixed part of an entry's estimated size: the frozen row object, its record in the slab and
 * the policy's arrays, its partition index entry and its share of the sketch; measured.
 */
const ENTRY_OVERHEAD_BYTES = 217

/** What {@link TenantPartitionedCache.snapshot} shows; regions are 1 window, 2 probation, 3 protected, 0 free. */
export interface CacheSnapshot {
  /** Three slots per entry: row, expiry, mark (pass * 16 + hits). */
  readonly records: readonly unknown[]
  readonly next: Int32Array
  readonly prev: Int32Array
  readonly region: Uint8Array
  readonly ids: Float64Array
  /** The number of the partition that owns each slot. */
  readonly owner: Int32Array
  /** Each entry's estimated bytes, as filled. */
  readonly sizes: Int32Array
  /** Per region (index 1-3): first slot, last slot, entry count. */
  readonly head: Int32Array
  readonly tail: Int32Array
  readonly size: Int32Array
  /** Slots ever used, and the first free slot (-1 for none; free slots link through `next`). */
  readonly used: number
  readonly free: number
  readonly partitions: ReadonlyMap<number, Partition>
  readonly numbered: readonly (Partition | undefined)[]
  readonly windowMax: number
  readonly protectedMax: number
  /** Estimated bytes of the entries, without the partitions' overhead. */
  readonly entryBytes: number
}

/** One tenant's entries: contact ID -> offset of the entry's record in the slab. */
export class Partition {
  readonly tenantId: number
  /** The partition's number in the slab (its entries point back to it by number). */
  readonly number: number
  readonly index = new Map<number, number>()
  /** Estimated bytes of the partition's entries. */
  bytes = 0

  constructor(tenantId: number, number: number) {
    this.tenantId = tenantId
    this.number = number
  }
}

// A record is three slots of `#records`: the row (or null: "not found"), the expiry (integer
// milliseconds since `#base`, so that it stays a small integer V8 keeps unboxed), and a mark:
// the pass that last read it (duplicate detection within one getMany) times 16, plus the hits
// since the policy last looked at the entry (0 to 15). A hit reads and writes the mark once.
const ROW = 0
const EXPIRES = 1
const MARK = 2
const RECORD = 3
const HITS_MASK = 15
const PASS_SHIFT = 4

const NIL = -1
const FREE = 0
const WINDOW = 1
const PROBATION = 2
const PROTECTED = 3

const MAX_HITS = 15
// Slots the slab starts with, and shrinks back to when cleared.
const MIN_CAPACITY = 64
// Keeps expiries and marks in V8's small-integer range: past these, they are renumbered.
const REBASE_AFTER_MS = 2 ** 29
const MAX_PASS = 2 ** 26
// Caffeine moves at most this many entries per window adjustment; the rest waits for the next call.
const MAX_TRANSFER = 1000
// A candidate at least this popular that loses the admission contest still wins 1 in 128 times.
const WARM_CANDIDATE = 6

/**
 * A bounded cache of contact rows for many tenants, evicting by W-TinyLFU across all tenants;
 * the policy and the layout are described at the top of this file. It holds no clock and no
 * I/O: its owner passes times in and calls it from one place (`ContactRepository`).
 */
export class TenantPartitionedCache {
  readonly #limits: TenantPartitionedCacheLimits
  readonly #onEvict: (reason: EvictionReason, count: number) => void
  #partitions = new Map<number, Partition>()
  // Partitions by number, and the numbers free for reuse.
  #numbered: (Partition | undefined)[] = []
  #freeNumbers: number[] = []
  // Every array of records is made by #resize, so that all have the same elements kind: the
  // hit path's loads from them then stay monomorphic (measured: mixing the empty initial array's
  // kind with the grown ones' doubled the cost of a hit at a million entries).
  #records!: unknown[]
  #next!: Int32Array
  #prev!: Int32Array
  #region!: Uint8Array
  #ids!: Float64Array
  // Milliseconds since `#base`, like expiries.
  #fetchedAt!: Int32Array
  #owner!: Int32Array
  // Each entry's estimated bytes, kept from its fill: an eviction or an invalidation then
  // never reads the strings of a row that has long left the CPU caches to size it again.
  #sizes!: Int32Array
  // Slots the arrays hold, slots ever used (the slab's high-water mark), and the head of the
  // free slots' list (linked through #next).
  #capacity = 0
  #used = 0
  #free = NIL
  readonly #head = new Int32Array([NIL, NIL, NIL, NIL])
  readonly #tail = new Int32Array([NIL, NIL, NIL, NIL])
  readonly #size = new Int32Array(4)
  #windowMax: number
  #protectedMax: number
  #pendingAdjustment = 0
  readonly #sizer: WindowSizer
  // Allocated at the first miss: a repository that never loads anything costs nothing. It must
  // count from the start: keys of a loop seen before the cache filled up would otherwise look
  // rarer than the rest (measured: 8 points lost on the glimpse trace at 1000 entries).
  #sketch: FrequencySketch | undefined
  #base = Number.NaN
  #pass = 0
  #entries = 0
  #bytes = 0
  // Entries removed so far, for any reason: an eviction pass reports the difference it made.
  #removed = 0

  constructor(
    limits: TenantPartitionedCacheLimits,
    onEvict: (reason: EvictionReason, count: number) => void = () => undefined,
  ) {
    this.#limits = limits
    this.#onEvict = onEvict
    const capacity = limits.maxEntries
    this.#windowMax = capacity - Math.floor((1 - INITIAL_WINDOW_SHARE) * capacity)
    this.#protectedMax = Math.floor(PROTECTED_SHARE * (capacity - this.#windowMax))
    this.#sizer = new WindowSizer(capacity)
    this.#resize(MIN_CAPACITY)
  }

  /** Number of entries, rows and negative entries, over all tenants. */
  get entries(): number {
    return this.#entries
  }

  /** Estimated heap bytes of all entries and partitions. */
  get bytes(): number {
    return this.#bytes + this.#partitions.size * PARTITION_OVERHEAD_BYTES
  }

  /** Number of tenants holding at least one entry. */
  get tenants(): number {
    return this.#partitions.size
  }

  /** Entries the recency window may hold now (it adapts; see the policy above). */
  get windowCapacity(): number {
    return this.#windowMax
  }

  /** Entries in each region now: `window + probation + protected === entries`. */
  regionSizes(): { readonly window: number; readonly probation: number; readonly protected: number } {
    const size = this.#size
    return { window: size[WINDOW] as number, probation: size[PROBATION] as number, protected: size[PROTECTED] as number }
  }

  /**
   * The slab and the policy's state as they are, for tests that check the structure's
   * invariants after arbitrary operations (test/unit/tenant-partitioned-cache.test.ts). The
   * arrays are the cache's own: read them, never change them.
   */
  snapshot(): CacheSnapshot {
    return {
      records: this.#records,
      next: this.#next,
      prev: this.#prev,
      region: this.#region,
      ids: this.#ids,
      owner: this.#owner,
      sizes: this.#sizes,
      head: this.#head,
      tail: this.#tail,
      size: this.#size,
      used: this.#used,
      free: this.#free,
      partitions: this.#partitions,
      numbered: this.#numbered,
      windowMax: this.#windowMax,
      protectedMax: this.#protectedMax,
      entryBytes: this.#bytes,
    }
  }

  /** The tenant's partition, or `undefined` if it holds nothing. */
  partition(tenantId: number): Partition | undefined {
    return this.#partitions.get(tenantId)
  }

  /** A fresh pass number: entries a pass read carry it, so a second read in the pass is a duplicate. */
  nextPass(): number {
    if (++this.#pass === MAX_PASS) {
      const records = this.#records
      for (let at = MARK; at < this.#used * RECORD; at += RECORD) records[at] = (records[at] as number) & HITS_MASK
      this.#pass = 1
    }
    return this.#pass
  }

  /** `now` on the cache's own time line, which {@link read} compares expiries with. */
  relative(now: number): number {
    if (Number.isNaN(this.#base)) this.#base = Math.floor(now)
    else if (now - this.#base >= REBASE_AFTER_MS) this.#rebase(Math.floor(now))
    return now - this.#base
  }

  /**
   * Finds the records of a call's IDs, in order, before any is read: `into[i]` is the offset
   * of `ids[i]`'s record, or -1. Why a pass of its own: at scale both the partition's hash
   * table and the records miss the CPU caches, and a loop that does nothing but lookups lets
   * the processor overlap those misses across IDs, where one loop doing both waits on each
   * record behind its lookup (measured with 1M entries over 10k tenants: 5-10% less per ID).
   */
  locate(index: ReadonlyMap<number, number>, ids: readonly number[], into: Int32Array): void {
    for (let i = 0; i < ids.length; i++) into[i] = index.get(ids[i] as number) ?? -1
  }

  /**
   * Reads the record at `at` (from {@link locate}; -1 for none) for a pass that counts (normal
   * mode): the row, `null` for a cached "not found", {@link MISS} when absent or expired,
   * {@link DUPLICATE} when this pass already read it. A hit records the use in the entry and
   * nothing else (see the policy above).
   */
  readAt(at: number, now: number, pass: number): Contact | null | typeof MISS | typeof DUPLICATE {
    if (at < 0) return MISS
    const records = this.#records
    if ((records[at + EXPIRES] as number) <= now) return MISS
    const mark = records[at + MARK] as number
    if (mark >>> PASS_SHIFT === pass) return DUPLICATE
    const hits = mark & HITS_MASK
    records[at + MARK] = (pass << PASS_SHIFT) | (hits === MAX_HITS ? hits : hits + 1)
    return records[at + ROW] as Contact | null
  }

  /** {@link readAt} of one ID: what {@link locate} and readAt do for a whole call. */
  read(index: ReadonlyMap<number, number>, id: number, now: number, pass: number): Contact | null | typeof MISS | typeof DUPLICATE {
    return this.readAt(index.get(id) ?? -1, now, pass)
  }

  /** Reads one ID without leaving a trace: no recency, no frequency, no pass ('no-fill' mode). */
  peek(index: ReadonlyMap<number, number>, id: number, now: number): Contact | null | typeof MISS {
    const at = index.get(id)
    if (at === undefined || (this.#records[at + EXPIRES] as number) <= now) return MISS
    return this.#records[at + ROW] as Contact | null
  }

  /** The expired entry of `id`, for stale-if-error; `undefined` if there is none. */
  expired(index: ReadonlyMap<number, number>, id: number): ExpiredEntry | undefined {
    const at = index.get(id)
    if (at === undefined) return undefined
    return {
      row: this.#records[at + ROW] as Contact | null,
      fetchedAt: (this.#fetchedAt[at / RECORD] as number) + this.#base,
      expiresAt: (this.#records[at + EXPIRES] as number) + this.#base,
    }
  }

  /**
   * Counts a miss of a pass that counts: the key's frequency goes up, and the window moves if
   * the key was a recent refusal or victim (see the policy above).
   */
  recordMiss(tenantId: number, id: number): void {
    const sketch = (this.#sketch ??= new FrequencySketch(this.#limits.maxEntries))
    const hash = hashKey(tenantId, id)
    if (sketch.increment(hash)) this.#ageHits()
    // Called with 0 too: what was carried is then spent or dropped (see #adjustWindow).
    this.#adjustWindow(this.#sizer.missed(hash) + this.#pendingAdjustment)
  }

  /** Counts the hits of a pass that counts towards the sketch's aging period. */
  recordHits(hits: number): void {
    if (this.#sketch?.countAccesses(hits) === true) this.#ageHits()
  }

  /**
   * Stores one batch of one tenant: `rows[i]` (or `null`, "not found") for `ids[i]`, read at
   * `fetchedAt` and fresh until `expiresAt[i]`; an entry already there is replaced in place.
   * Then enforces the tenant's bounds and the global ones.
   */
  store(
    tenantId: number,
    ids: readonly number[],
    rows: readonly (Contact | null)[],
    fetchedAt: number,
    expiresAt: readonly number[],
  ): void {
    if (ids.length === 0) return
    let partition = this.#partitions.get(tenantId)
    if (partition === undefined) {
      const number = this.#freeNumbers.pop() ?? this.#numbered.length
      partition = new Partition(tenantId, number)
      this.#numbered[number] = partition
      this.#partitions.set(tenantId, partition)
    }
    const base = Number.isNaN(this.#base) ? (this.#base = Math.floor(fetchedAt)) : this.#base
    const fetched = Math.floor(fetchedAt - base)
    this.#reserve(ids.length)
    for (let i = 0; i < ids.length; i++) {
      this.#put(partition, ids[i] as number, rows[i] as Contact | null, fetched, Math.floor((expiresAt[i] as number) - base))
    }
    // The tenant's own bound first, so that a tenant storing more than its share gives up its
    // own entries and never another tenant's; then the global bound, by the policy.
    this.#evictFromTenant(partition)
    this.#evictGlobally()
  }

  /** Removes one tenant's entries for `ids`. */
  deleteMany(tenantId: number, ids: readonly number[]): void {
    const partition = this.#partitions.get(tenantId)
    if (partition === undefined) return
    for (const id of ids) {
      const at = partition.index.get(id)
      if (at !== undefined) this.#remove(at / RECORD)
    }
  }

  /** Drops a tenant's whole partition, touching no other tenant's entry. */
  deleteTenant(tenantId: number): void {
    const partition = this.#partitions.get(tenantId)
    if (partition === undefined) return
    for (const at of partition.index.values()) this.#release(at / RECORD)
    this.#entries -= partition.index.size
    this.#bytes -= partition.bytes
    this.#dropPartition(partition)
  }

  /** Drops every entry. The sketch keeps its counts: what was popular is still popular. */
  clear(): void {
    this.#partitions = new Map()
    this.#numbered = []
    this.#freeNumbers = []
    this.#capacity = 0
    this.#used = 0
    this.#resize(MIN_CAPACITY)
    this.#free = NIL
    this.#head.fill(NIL)
    this.#tail.fill(NIL)
    this.#size.fill(0)
    this.#entries = 0
    this.#bytes = 0
  }

  #put(partition: Partition, id: number, row: Contact | null, fetched: number, expires: number): void {
    const records = this.#records
    const bytes = estimateEntryBytes(row)
    const existing = partition.index.get(id)
    if (existing !== undefined) {
      // A refill (the entry had expired, or a load raced a read): same place, new contents.
      const delta = bytes - (this.#sizes[existing / RECORD] as number)
      this.#sizes[existing / RECORD] = bytes
      records[existing + ROW] = row
      records[existing + EXPIRES] = expires
      this.#fetchedAt[existing / RECORD] = fetched
      partition.bytes += delta
      this.#bytes += delta
      return
    }
    const slot = this.#allocate()
    const at = slot * RECORD
    records[at + ROW] = row
    records[at + EXPIRES] = expires
    records[at + MARK] = 0
    this.#ids[slot] = id
    this.#fetchedAt[slot] = fetched
    this.#owner[slot] = partition.number
    this.#sizes[slot] = bytes
    this.#link(slot, WINDOW)
    partition.index.set(id, at)
    partition.bytes += bytes
    this.#entries++
    this.#bytes += bytes
  }

  #allocate(): number {
    if (this.#free !== NIL) {
      const slot = this.#free
      this.#free = this.#next[slot] as number
      return slot
    }
    return this.#used++
  }

  // Makes room for `count` more entries before a store. The slab doubles, but never past what
  // the bounds allow (maxEntries, plus one batch stored before eviction): a full cache has no
  // slack in its arrays.
  #reserve(count: number): void {
    const needed = this.#used + count
    if (needed <= this.#capacity) return
    this.#resize(Math.max(needed, Math.min(this.#capacity * 2, this.#limits.maxEntries + count)))
  }

  // Moves the slab into arrays of `capacity` slots, keeping the `#used` ones.
  #resize(capacity: number): void {
    const records = new Array<unknown>(capacity * RECORD)
    const kept = this.#used * RECORD
    const old = this.#records as unknown[] | undefined
    // The first store is `undefined`: the array is of the holey, any-value kind from the start.
    for (let i = kept; i < records.length; i += RECORD) {
      records[i + ROW] = undefined
      records[i + EXPIRES] = 0
      records[i + MARK] = 0
    }
    for (let i = 0; i < kept; i++) records[i] = (old as unknown[])[i]
    this.#records = records
    this.#next = resized(this.#next, new Int32Array(capacity))
    this.#prev = resized(this.#prev, new Int32Array(capacity))
    this.#region = resized(this.#region, new Uint8Array(capacity))
    this.#ids = resized(this.#ids, new Float64Array(capacity))
    this.#fetchedAt = resized(this.#fetchedAt, new Int32Array(capacity))
    this.#owner = resized(this.#owner, new Int32Array(capacity))
    this.#sizes = resized(this.#sizes, new Int32Array(capacity))
    this.#capacity = capacity
  }

  // Unlinks and frees a slot, folding its hits into the sketch first (the key stays as popular
  // as it was), and keeps the counters and the partition right.
  #remove(slot: number): void {
    const partition = this.#numbered[this.#owner[slot] as number] as Partition
    this.#fold(slot)
    const bytes = this.#sizes[slot] as number
    partition.index.delete(this.#ids[slot] as number)
    partition.bytes -= bytes
    this.#bytes -= bytes
    this.#entries--
    this.#removed++
    this.#release(slot)
    if (partition.index.size === 0) this.#dropPartition(partition)
  }

  #dropPartition(partition: Partition): void {
    this.#partitions.delete(partition.tenantId)
    this.#numbered[partition.number] = undefined
    this.#freeNumbers.push(partition.number)
  }

  // Gives a slot back to the free list; the caller fixes the counters and the partition.
  #release(slot: number): void {
    this.#unlink(slot)
    this.#region[slot] = FREE
    this.#records[slot * RECORD + ROW] = undefined
    this.#next[slot] = this.#free
    this.#free = slot
  }

  #link(slot: number, region: number): void {
    const tail = this.#tail[region] as number
    this.#prev[slot] = tail
    this.#next[slot] = NIL
    if (tail === NIL) this.#head[region] = slot
    else this.#next[tail] = slot
    this.#tail[region] = slot
    this.#region[slot] = region
    // Not `(x as number)++`: Stryker's instrumenter drops those parentheses, and the mutant does not parse.
    this.#size[region] = (this.#size[region] as number) + 1
  }

  #unlink(slot: number): void {
    const region = this.#region[slot] as number
    const prev = this.#prev[slot] as number
    const next = this.#next[slot] as number
    if (prev === NIL) this.#head[region] = next
    else this.#next[prev] = next
    if (next === NIL) this.#tail[region] = prev
    else this.#prev[next] = prev
    this.#size[region] = (this.#size[region] as number) - 1
  }

  #moveToEnd(slot: number, region: number): void {
    this.#unlink(slot)
    this.#link(slot, region)
  }

  #hitsOf(slot: number): number {
    return (this.#records[slot * RECORD + MARK] as number) & HITS_MASK
  }

  #hashOf(slot: number): number {
    return hashKey((this.#numbered[this.#owner[slot] as number] as Partition).tenantId, this.#ids[slot] as number)
  }

  // Moves the entry's hits into the sketch: the frequency estimate keeps them, and the entry
  // no longer counts as used since the policy last looked at it.
  #fold(slot: number): void {
    const at = slot * RECORD + MARK
    const mark = this.#records[at] as number
    const hits = mark & HITS_MASK
    if (hits === 0) return
    this.#sketch?.add(this.#hashOf(slot), hits)
    this.#records[at] = mark - hits
  }

  #frequency(slot: number): number {
    const hits = this.#hitsOf(slot)
    const sketch = this.#sketch
    return sketch === undefined ? hits : Math.min(MAX_HITS, sketch.frequency(this.#hashOf(slot)) + hits)
  }

  // A tenant over its own bound gives up its own entries, oldest filled first, with a second
  // chance for those used since they last moved (CLOCK over the partition's insertion order).
  // A tenant bound no lower than the global one is left to the global pass, which then keeps
  // the tenant within it too: with the per-tenant caps off, the policy alone decides.
  #evictFromTenant(partition: Partition): void {
    const { maxEntries, maxBytes, maxEntriesPerTenant, maxBytesPerTenant } = this.#limits
    const maxOwnEntries = maxEntriesPerTenant < maxEntries ? maxEntriesPerTenant : Number.POSITIVE_INFINITY
    const maxOwnBytes = maxBytesPerTenant < maxBytes ? maxBytesPerTenant : Number.POSITIVE_INFINITY
    const index = partition.index
    const removedBefore = this.#removed
    while (index.size > maxOwnEntries || partition.bytes > maxOwnBytes) {
      const id = index.keys().next().value as number
      const at = index.get(id) as number
      const slot = at / RECORD
      if (this.#hitsOf(slot) > 0) {
        this.#fold(slot)
        index.delete(id)
        index.set(id, at)
        continue
      }
      this.#remove(slot)
    }
    if (this.#removed > removedBefore) this.#onEvict('tenant-cap', this.#removed - removedBefore)
  }

  #overBounds(): boolean {
    return this.#entries > this.#limits.maxEntries || this.bytes > this.#limits.maxBytes
  }

  #evictGlobally(): void {
    const removedBefore = this.#removed
    // The window's overflow: used entries get another round, the others become candidates
    // for the main region, where each competes with the victim while the cache is over a bound.
    while ((this.#size[WINDOW] as number) > this.#windowMax) {
      const slot = this.#head[WINDOW] as number
      if (this.#hitsOf(slot) > 0) {
        this.#fold(slot)
        this.#moveToEnd(slot, WINDOW)
        continue
      }
      this.#moveToEnd(slot, PROBATION)
      if (this.#overBounds()) this.#contest(slot)
    }
    // Still over (a byte bound, or a window that grew): evict victims without a contest.
    while (this.#overBounds()) {
      const victim = this.#victim(NIL)
      /* v8 ignore next -- over a bound implies an entry exists */
      if (victim === NIL) break
      this.#sizer.evicted(this.#hashOf(victim))
      this.#remove(victim)
    }
    if (this.#removed > removedBefore) this.#onEvict('global-cap', this.#removed - removedBefore)
  }

  // Admission: the candidate from the window against the main region's victim; the loser goes.
  #contest(candidate: number): void {
    const victim = this.#victim(candidate)
    if (victim === NIL) {
      this.#remove(candidate)
      return
    }
    const candidateFrequency = this.#frequency(candidate)
    const victimFrequency = this.#frequency(victim)
    const admit =
      candidateFrequency > victimFrequency || (candidateFrequency >= WARM_CANDIDATE && Math.random() < 1 / 128)
    if (admit) this.#sizer.evicted(this.#hashOf(victim))
    else this.#sizer.refused(this.#hashOf(candidate))
    this.#remove(admit ? victim : candidate)
  }

  // The main region's victim: the oldest entry of probation that was not used since it moved
  // there (those that were are promoted to protected on the way, as a hit would have done),
  // else the oldest of protected (with the same second chance), else the oldest of the window.
  #victim(candidate: number): number {
    for (;;) {
      const slot = this.#head[PROBATION] as number
      if (slot === NIL || slot === candidate) break
      if (this.#hitsOf(slot) === 0) return slot
      this.#fold(slot)
      this.#moveToEnd(slot, PROTECTED)
      this.#demoteFromProtected()
    }
    // Ends within one round: a second look at an entry finds its hits folded.
    for (;;) {
      const slot = this.#head[PROTECTED] as number
      if (slot === NIL) break
      if (this.#hitsOf(slot) === 0) return slot
      this.#fold(slot)
      this.#moveToEnd(slot, PROTECTED)
    }
    // The candidate is never the window's oldest: it left the window for probation.
    return this.#head[WINDOW] as number
  }

  // Protected overflow goes back to probation, oldest first, except that an entry used since it
  // last moved gets one more round. Ends within one round: a second look finds its hits folded.
  #demoteFromProtected(): void {
    while ((this.#size[PROTECTED] as number) > this.#protectedMax) {
      const slot = this.#head[PROTECTED] as number
      if (this.#hitsOf(slot) > 0) {
        this.#fold(slot)
        this.#moveToEnd(slot, PROTECTED)
      } else {
        this.#moveToEnd(slot, PROBATION)
      }
    }
  }

  // Moves capacity between the window and the protected segment (positive: a larger window),
  // and entries with it, as Caffeine does, at most MAX_TRANSFER per call; the rest is carried
  // to the next call, and dropped when nothing could move (no protected capacity to give, or a
  // window of one). Protected is within its capacity here (every move into it demotes), so only
  // a smaller protected segment needs a demotion.
  #adjustWindow(amount: number): void {
    if (amount > 0) {
      let quota = Math.min(amount, this.#protectedMax, MAX_TRANSFER)
      this.#pendingAdjustment = quota > 0 ? amount - quota : 0
      this.#protectedMax -= quota
      this.#windowMax += quota
      this.#demoteFromProtected()
      for (; quota > 0; quota--) {
        let slot = this.#head[PROBATION] as number
        if (slot === NIL) slot = this.#head[PROTECTED] as number
        if (slot === NIL) break
        this.#moveToEnd(slot, WINDOW)
      }
      // Entries the main region did not have: the capacity stays there until it does.
      this.#protectedMax += quota
      this.#windowMax -= quota
    } else {
      let quota = Math.min(-amount, this.#windowMax - 1, MAX_TRANSFER)
      this.#pendingAdjustment = quota > 0 ? amount + quota : 0
      this.#protectedMax += quota
      this.#windowMax -= quota
      for (; quota > 0; quota--) {
        const slot = this.#head[WINDOW] as number
        if (slot === NIL) break
        this.#moveToEnd(slot, PROBATION)
      }
      this.#protectedMax -= quota
      this.#windowMax += quota
    }
  }

  // The sketch halved its counters: halve the hits kept beside it too.
  #ageHits(): void {
    const records = this.#records
    for (let at = MARK; at < this.#used * RECORD; at += RECORD) {
      const mark = records[at] as number
      const hits = mark & HITS_MASK
      if (hits > 0) records[at] = mark - hits + (hits >>> 1)
    }
  }

  // Moves the cache's time line forward so that expiries stay small integers.
  #rebase(base: number): void {
    const shift = base - this.#base
    const records = this.#records
    const fetchedAt = this.#fetchedAt
    for (let slot = 0; slot < this.#used; slot++) {
      if (this.#region[slot] === FREE) continue
      records[slot * RECORD + EXPIRES] = (records[slot * RECORD + EXPIRES] as number) - shift
      fetchedAt[slot] = Math.max(-(2 ** 31), (fetchedAt[slot] as number) - shift)
    }
    this.#base = base
  }
}

const INITIAL_WINDOW_SHARE = 0.01
const PROTECTED_SHARE = 0.8

function resized<T extends Int32Array | Uint8Array | Float64Array>(from: T | undefined, to: T): T {
  if (from !== undefined) to.set(from.subarray(0, Math.min(from.length, to.length)))
  return to
}

/**
 * Estimated heap bytes of one entry: fixed overhead plus the strings it holds, one byte per
 * character. V8 keeps a string two bytes per character when it holds one above U+00FF; those
 * are counted as one, which the measured overhead absorbs for typical rows (checking each
 * string would cost more than the rest of filling the cache).
 */
export function estimateEntryBytes(row: Contact | null): number {
  // Whole bytes: sizes are kept in an Int32Array, and a half counted in but not out would drift.
  if (row === null) return ENTRY_OVERHEAD_BYTES >>> 1
  return (
    ENTRY_OVERHEAD_BYTES +
    stringBytes(row.firstName) +
    stringBytes(row.lastName) +
    stringBytes(row.companyName) +
    stringBytes(row.email) +
    stringBytes(row.phone) +
    stringBytes(row.type) +
    stringBytes(row.createdAt) +
    stringBytes(row.updatedAt)
  )
}

function stringBytes(value: string | null): number {
  return value === null ? 0 : 16 + value.length
}
