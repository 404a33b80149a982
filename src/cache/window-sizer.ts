/**
 * Sizes the cache's recency window from what its misses say, in the manner of ARC (Megiddo &
 * Modha, "ARC: A Self-Tuning, Low Overhead Replacement Cache"): see the policy at the top of
 * `tenant-partitioned-cache.ts`.
 *
 * It remembers the keys (their hashes) of the cache's latest refusals, candidates the window
 * let go that admission turned away, and of its latest victims from the main region. A miss of
 * a refused key says a larger window would have kept it until it came back; a miss of a victim
 * says a larger main region would have. Each such miss moves the window one way, by the ratio of
 * the two lists as ARC does, so that the side whose ghosts come back more often grows. Misses
 * pay for a query anyway; hits are not involved.
 *
 * Each list holds the last 10% of the capacity's worth of keys: the window moves on evidence
 * about the next few percent of capacity on either side (measured on the real traces, larger
 * lists answer for capacity too far away and mislead the loop-heavy ones).
 *
 * Each list is a {@link GhostList}: remembering, forgetting and pushing out the oldest key are
 * each O(1), misses call them for every key they load.
 */
export class WindowSizer {
  readonly #refused: GhostList
  readonly #evicted: GhostList

  /** @param capacity the cache's capacity in entries. */
  constructor(capacity: number) {
    const limit = Math.max(1, Math.floor(GHOST_SHARE * capacity))
    this.#refused = new GhostList(limit)
    this.#evicted = new GhostList(limit)
  }

  /** A candidate from the window was refused admission. */
  refused(hash: number): void {
    this.#refused.remember(hash)
  }

  /** A victim left the main region. */
  evicted(hash: number): void {
    this.#evicted.remember(hash)
  }

  /**
   * A key was missed: returns by how many entries the window should grow (positive) or shrink
   * (negative), 0 when the key is not remembered. A remembered key is forgotten: it counts once.
   */
  missed(hash: number): number {
    const refused = this.#refused
    const evicted = this.#evicted
    if (refused.forget(hash)) return Math.max(1, Math.round(evicted.size / Math.max(1, refused.size)))
    if (evicted.forget(hash)) return -Math.max(1, Math.round(refused.size / Math.max(1, evicted.size)))
    return 0
  }
}

const GHOST_SHARE = 0.1

/**
 * The latest `limit` distinct keys remembered, oldest pushed out first; remembering a key again
 * makes it the latest. Not a `Set` whose first key is deleted to push it out: V8 leaves a
 * deleted entry in place until the table is rebuilt, so reading the first key walks over every
 * key deleted since, and pushing out cost more than the rest of a miss (measured: 45% of the CPU
 * of a cache evicting on every fill). Here a queue keeps the order, each remembering appends one
 * (key, stamp) pair, and a pair whose key was forgotten or remembered again since is stale and
 * skipped when it reaches the front; the queue is compacted when stale pairs make most of it.
 */
export class GhostList {
  // Key -> stamp of its latest remembering; the live keys.
  readonly #stamps = new Map<number, number>()
  #keys: number[] = []
  #keyStamps: number[] = []
  #front = 0
  #stamp = 0

  constructor(readonly limit: number) {}

  get size(): number {
    return this.#stamps.size
  }

  remember(key: number): void {
    const stamps = this.#stamps
    const stamp = ++this.#stamp
    stamps.set(key, stamp)
    this.#keys.push(key)
    this.#keyStamps.push(stamp)
    while (stamps.size > this.limit) {
      const oldest = this.#keys[this.#front] as number
      if (stamps.get(oldest) === this.#keyStamps[this.#front]) stamps.delete(oldest)
      this.#front++
    }
    // Stale pairs are most of what is queued, or the consumed front is most of the arrays.
    const queued = this.#keys.length - this.#front
    if (queued > 2 * this.limit + 64 || this.#front > queued + 1024) this.#compact()
  }

  /** Pairs held, live and stale: at most about three times `limit` (pinned by a test). */
  get queued(): number {
    return this.#keys.length
  }

  /** Forgets `key`; true when it was remembered. */
  forget(key: number): boolean {
    return this.#stamps.delete(key)
  }

  // Keeps the live pairs only, in order: at least half of the arrays were stale or consumed,
  // so the cost is paid for by the appends that made them.
  #compact(): void {
    const keys: number[] = []
    const keyStamps: number[] = []
    for (let i = this.#front; i < this.#keys.length; i++) {
      const key = this.#keys[i] as number
      const stamp = this.#keyStamps[i] as number
      if (this.#stamps.get(key) !== stamp) continue
      keys.push(key)
      keyStamps.push(stamp)
    }
    this.#keys = keys
    this.#keyStamps = keyStamps
    this.#front = 0
  }
}
