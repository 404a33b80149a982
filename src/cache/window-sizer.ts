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
 */
export class WindowSizer {
  readonly #limit: number
  readonly #refused = new Set<number>()
  readonly #evicted = new Set<number>()

  /** @param capacity the cache's capacity in entries. */
  constructor(capacity: number) {
    this.#limit = Math.max(1, Math.floor(GHOST_SHARE * capacity))
  }

  /** A candidate from the window was refused admission. */
  refused(hash: number): void {
    remember(this.#refused, hash, this.#limit)
  }

  /** A victim left the main region. */
  evicted(hash: number): void {
    remember(this.#evicted, hash, this.#limit)
  }

  /**
   * A key was missed: returns by how many entries the window should grow (positive) or shrink
   * (negative), 0 when the key is not remembered. A remembered key is forgotten: it counts once.
   */
  missed(hash: number): number {
    if (this.#refused.delete(hash)) return Math.max(1, Math.round(this.#evicted.size / Math.max(1, this.#refused.size)))
    if (this.#evicted.delete(hash)) return -Math.max(1, Math.round(this.#refused.size / Math.max(1, this.#evicted.size)))
    return 0
  }
}

const GHOST_SHARE = 0.1

function remember(list: Set<number>, hash: number, limit: number): void {
  list.delete(hash)
  list.add(hash)
  if (list.size > limit) list.delete(list.values().next().value as number)
}
