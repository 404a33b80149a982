// A reference of the cache's eviction policy (the W-TinyLFU of the comment at the top of
// src/cache/tenant-partitioned-cache.ts), written for reading, not for speed: entries are plain
// objects, regions and partitions are arrays and Maps, and every rule is one short function
// named after it. test/unit/cache-policy.test.ts replays the same operations on it and on the
// cache and compares the two after every step: where the cache (or a mutant of it) moves a
// different entry, the lists differ.
//
// It shares with the cache only what is tested on its own: the frequency sketch and its hash
// (test/unit/frequency-sketch.test.ts), the window sizer (test/unit/window-sizer.test.ts) and
// the entry size estimate (test/unit/tenant-partitioned-cache.test.ts).
import { FrequencySketch, hashKey } from '../../src/cache/frequency-sketch.js'
import { PARTITION_OVERHEAD_BYTES, estimateEntryBytes, type TenantPartitionedCacheLimits } from '../../src/cache/tenant-partitioned-cache.js'
import { WindowSizer } from '../../src/cache/window-sizer.js'
import type { Contact } from '../../src/index.js'

export type Region = 'window' | 'probation' | 'protected'

interface Entry {
  readonly tenantId: number
  readonly id: number
  bytes: number
  /** Hits since the policy last looked at the entry, 0 to 15. */
  hits: number
  region: Region
}

/** What the comparison looks at: each region's keys from oldest to newest, with their hits. */
export interface PolicyState {
  readonly window: readonly string[]
  readonly probation: readonly string[]
  readonly protected: readonly string[]
  readonly windowMax: number
  readonly protectedMax: number
  readonly entries: number
  readonly bytes: number
  /** Each tenant's IDs in the order its own cap takes them. */
  readonly partitions: readonly string[]
}

/** How an entry shows in a {@link PolicyState}: `tenant:id/hits`. */
export const describeEntry = (tenantId: number, id: number, hits: number): string => `${tenantId}:${id}/${hits}`

const MAX_HITS = 15
const WARM_CANDIDATE = 6
const MAX_TRANSFER = 1000

export class ReferencePolicy {
  readonly #limits: TenantPartitionedCacheLimits
  readonly #random: () => number
  readonly #regions: Record<Region, Entry[]> = { window: [], probation: [], protected: [] }
  #partitions = new Map<number, Map<number, Entry>>()
  #sketch: FrequencySketch | undefined
  readonly #sizer: WindowSizer
  #windowMax: number
  #protectedMax: number
  #pending = 0
  /** Evictions reported so far, by reason, in order: `tenant-cap:2`, `global-cap:1`. */
  readonly reports: string[] = []

  /** @param random where admission draws its 1-in-128 chance: the same sequence the cache gets. */
  constructor(limits: TenantPartitionedCacheLimits, random: () => number) {
    this.#limits = limits
    this.#random = random
    // The window starts at 1% of the capacity, rounded up; protected is 80% of the rest.
    const capacity = limits.maxEntries
    this.#windowMax = Math.max(1, capacity - Math.floor(0.99 * capacity))
    this.#protectedMax = Math.floor(0.8 * (capacity - this.#windowMax))
    this.#sizer = new WindowSizer(capacity)
  }

  // ---- the operations the repository calls ----

  hit(tenantId: number, id: number): void {
    const entry = this.#partitions.get(tenantId)?.get(id)
    if (entry === undefined) throw new Error(`no entry ${tenantId}:${id} to hit`)
    entry.hits = Math.min(MAX_HITS, entry.hits + 1)
  }

  recordHits(count: number): void {
    if (this.#sketch?.countAccesses(count) === true) this.#ageHits()
  }

  recordMiss(tenantId: number, id: number): void {
    this.#sketch ??= new FrequencySketch(this.#limits.maxEntries)
    const hash = hashKey(tenantId, id)
    if (this.#sketch.increment(hash)) this.#ageHits()
    const amount = this.#sizer.missed(hash) + this.#pending
    this.#pending = 0
    if (amount > 0) this.#growWindow(amount)
    else if (amount < 0) this.#shrinkWindow(-amount)
  }

  store(tenantId: number, ids: readonly number[], rows: readonly (Contact | null)[]): void {
    if (ids.length === 0) return
    let partition = this.#partitions.get(tenantId)
    if (partition === undefined) this.#partitions.set(tenantId, (partition = new Map<number, Entry>()))
    for (const [i, id] of ids.entries()) {
      const bytes = estimateEntryBytes(rows[i] as Contact | null)
      const existing = partition.get(id)
      // A refill keeps the entry where it is, with its hits.
      if (existing !== undefined) existing.bytes = bytes
      else {
        const entry: Entry = { tenantId, id, bytes, hits: 0, region: 'window' }
        partition.set(id, entry)
        this.#regions.window.push(entry)
      }
    }
    this.#capTenant(partition)
    this.#capGlobally()
  }

  deleteMany(tenantId: number, ids: readonly number[]): void {
    for (const id of ids) {
      const entry = this.#partitions.get(tenantId)?.get(id)
      if (entry !== undefined) this.#remove(entry)
    }
  }

  /** A dropped tenant's hits are not folded into the sketch: its entries are simply gone. */
  deleteTenant(tenantId: number): void {
    const partition = this.#partitions.get(tenantId)
    if (partition === undefined) return
    for (const entry of partition.values()) this.#unlink(entry)
    this.#partitions.delete(tenantId)
  }

  /** Entries go; the sketch, the sizer and the window's size stay. */
  clear(): void {
    this.#regions.window = []
    this.#regions.probation = []
    this.#regions.protected = []
    this.#partitions = new Map()
  }

  state(): PolicyState {
    const keys = (list: readonly Entry[]) => list.map((e) => describeEntry(e.tenantId, e.id, e.hits))
    return {
      window: keys(this.#regions.window),
      probation: keys(this.#regions.probation),
      protected: keys(this.#regions.protected),
      windowMax: this.#windowMax,
      protectedMax: this.#protectedMax,
      entries: this.#entries(),
      bytes: this.#bytes(),
      partitions: [...this.#partitions].map(([tenantId, partition]) => `${tenantId}: ${[...partition.keys()].join(' ')}`),
    }
  }

  // ---- bounds ----

  // A tenant over its own cap gives up its oldest filled entries; one used since it last moved
  // has its hits folded and goes to the back of the tenant's order instead (CLOCK). A cap no
  // lower than the global bound is left to the global pass.
  #capTenant(partition: Map<number, Entry>): void {
    const { maxEntries, maxBytes, maxEntriesPerTenant, maxBytesPerTenant } = this.#limits
    const ownEntries = maxEntriesPerTenant < maxEntries ? maxEntriesPerTenant : Infinity
    const ownBytes = maxBytesPerTenant < maxBytes ? maxBytesPerTenant : Infinity
    let removed = 0
    const bytesOf = () => [...partition.values()].reduce((sum, e) => sum + e.bytes, 0)
    while (partition.size > ownEntries || bytesOf() > ownBytes) {
      const oldest = partition.values().next().value as Entry
      if (oldest.hits > 0) {
        this.#fold(oldest)
        partition.delete(oldest.id)
        partition.set(oldest.id, oldest)
      } else {
        this.#remove(oldest)
        removed++
      }
    }
    if (removed > 0) this.reports.push(`tenant-cap:${removed}`)
  }

  #overBounds(): boolean {
    return this.#entries() > this.#limits.maxEntries || this.#bytes() > this.#limits.maxBytes
  }

  // The window's overflow leaves from its old end: an entry used since it last moved gets
  // another round in the window, any other moves to probation and, while the cache is over a
  // bound, competes with the main region's victim. Then, while still over, victims go.
  #capGlobally(): void {
    let removed = 0
    const window = this.#regions.window
    while (window.length > this.#windowMax) {
      const oldest = window[0] as Entry
      if (oldest.hits > 0) {
        this.#fold(oldest)
        this.#moveTo(oldest, 'window')
        continue
      }
      this.#moveTo(oldest, 'probation')
      if (this.#overBounds()) {
        this.#contest(oldest)
        removed++
      }
    }
    while (this.#overBounds()) {
      const victim = this.#victim(undefined) as Entry
      this.#sizer.evicted(hashKey(victim.tenantId, victim.id))
      this.#remove(victim)
      removed++
    }
    if (removed > 0) this.reports.push(`global-cap:${removed}`)
  }

  // Admission: the more frequent of candidate and victim stays; a warm candidate (6 or more)
  // that loses still wins when the random draw is under 1/128.
  #contest(candidate: Entry): void {
    const victim = this.#victim(candidate)
    if (victim === undefined) throw new Error('a contest without a victim')
    const candidateFrequency = this.#frequency(candidate)
    const victimFrequency = this.#frequency(victim)
    let admit = candidateFrequency > victimFrequency
    if (!admit && candidateFrequency >= WARM_CANDIDATE) admit = this.#random() < 1 / 128
    if (admit) {
      this.#sizer.evicted(hashKey(victim.tenantId, victim.id))
      this.#remove(victim)
    } else {
      this.#sizer.refused(hashKey(candidate.tenantId, candidate.id))
      this.#remove(candidate)
    }
  }

  // The victim: probation's oldest entry not used since it moved there, promoting the used ones
  // to protected on the way (and demoting protected's overflow); never the candidate itself.
  // Then protected's oldest unused entry, giving each used one a second chance once round; then
  // the window's oldest, unless that is the candidate.
  #victim(candidate: Entry | undefined): Entry | undefined {
    const probation = this.#regions.probation
    while (probation.length > 0 && probation[0] !== candidate) {
      const oldest = probation[0] as Entry
      if (oldest.hits === 0) return oldest
      this.#fold(oldest)
      this.#moveTo(oldest, 'protected')
      this.#demote()
    }
    const protectedList = this.#regions.protected
    const rounds = protectedList.length
    for (let seen = 0; seen <= rounds && protectedList.length > 0; seen++) {
      const oldest = protectedList[0] as Entry
      if (oldest.hits === 0 || seen === rounds) return oldest
      this.#fold(oldest)
      this.#moveTo(oldest, 'protected')
    }
    const oldest = this.#regions.window[0]
    return oldest === candidate ? undefined : oldest
  }

  // Protected over its capacity: its oldest entries go to probation, except that each used one
  // gets one more round at the back of protected (at most one look per entry); what is still
  // over then goes to probation regardless.
  #demote(): void {
    const protectedList = this.#regions.protected
    let looks = protectedList.length
    while (protectedList.length > this.#protectedMax && looks > 0) {
      looks--
      const oldest = protectedList[0] as Entry
      if (oldest.hits > 0) {
        this.#fold(oldest)
        this.#moveTo(oldest, 'protected')
      } else {
        this.#moveTo(oldest, 'probation')
      }
    }
    while (protectedList.length > this.#protectedMax) this.#moveTo(protectedList[0] as Entry, 'probation')
  }

  // ---- the adaptive window ----

  // Capacity moves from protected to the window, at most what protected has and MAX_TRANSFER
  // at once (the rest is carried to the next miss), with entries: probation's oldest first,
  // then protected's. Capacity whose entry the main region did not have goes back.
  #growWindow(amount: number): void {
    this.#demote()
    const quota = Math.min(amount, this.#protectedMax, MAX_TRANSFER)
    this.#pending = quota > 0 ? amount - quota : 0
    this.#protectedMax -= quota
    this.#windowMax += quota
    this.#demote()
    let moved = 0
    while (moved < quota) {
      const entry = this.#regions.probation[0] ?? this.#regions.protected[0]
      if (entry === undefined) break
      this.#moveTo(entry, 'window')
      moved++
    }
    this.#protectedMax += quota - moved
    this.#windowMax -= quota - moved
  }

  // Capacity moves from the window to protected, the window keeping at least one entry, with the
  // window's oldest entries going to probation.
  #shrinkWindow(amount: number): void {
    this.#demote()
    const quota = Math.min(amount, this.#windowMax - 1, MAX_TRANSFER)
    this.#pending = quota > 0 ? quota - amount : 0
    this.#protectedMax += quota
    this.#windowMax -= quota
    let moved = 0
    while (moved < quota && this.#regions.window.length > 0) {
      this.#moveTo(this.#regions.window[0] as Entry, 'probation')
      moved++
    }
    this.#protectedMax -= quota - moved
    this.#windowMax += quota - moved
  }

  // ---- frequency ----

  // The sketch's estimate plus the hits not folded into it yet, at most 15.
  #frequency(entry: Entry): number {
    if (this.#sketch === undefined) return entry.hits
    return Math.min(MAX_HITS, this.#sketch.frequency(hashKey(entry.tenantId, entry.id)) + entry.hits)
  }

  #fold(entry: Entry): void {
    if (entry.hits > 0) this.#sketch?.add(hashKey(entry.tenantId, entry.id), entry.hits)
    entry.hits = 0
  }

  #ageHits(): void {
    for (const partition of this.#partitions.values()) for (const entry of partition.values()) entry.hits >>>= 1
  }

  // ---- lists ----

  #moveTo(entry: Entry, region: Region): void {
    this.#unlink(entry)
    entry.region = region
    this.#regions[region].push(entry)
  }

  #unlink(entry: Entry): void {
    const list = this.#regions[entry.region]
    list.splice(list.indexOf(entry), 1)
  }

  // An entry leaves: its hits are folded first (the key stays as popular as it was).
  #remove(entry: Entry): void {
    this.#fold(entry)
    this.#unlink(entry)
    const partition = this.#partitions.get(entry.tenantId) as Map<number, Entry>
    partition.delete(entry.id)
    if (partition.size === 0) this.#partitions.delete(entry.tenantId)
  }

  #entries(): number {
    let count = 0
    for (const partition of this.#partitions.values()) count += partition.size
    return count
  }

  #bytes(): number {
    let bytes = this.#partitions.size * PARTITION_OVERHEAD_BYTES
    for (const partition of this.#partitions.values()) for (const entry of partition.values()) bytes += entry.bytes
    return bytes
  }
}
