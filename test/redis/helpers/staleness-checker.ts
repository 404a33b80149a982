import type { InvalidationMessage } from '../../../src/index.js'
import type { PublishedRecord, ReadRun, ReaderEvent, ReaderLog, WriteRecord } from './fleet-protocol.js'

/**
 * The staleness checker. A writer committed versions of rows and invalidated them; readers on
 * other instances kept reading. A read that returned an older version than one already
 * committed is *stale*; it is a *violation* when it happened after the reader had every reason
 * to know better, by one of three rules, each a consequence of the documented guarantees:
 *
 * - `after-invalidation`: before the read started, the reader had applied an invalidation of
 *   that row sent by the writer after the commit (its sequence number is larger than the
 *   writer's at the commit). Exact: it compares orders within each process, no clocks.
 * - `after-distrust`: the reader stopped trusting its bus (and flushed) after the commit and
 *   before the read.
 * - `after-untrusted-ttl`: the reader was untrusted across the commit, so whatever it cached
 *   before lives at most `untrustedTtl`, and the read, answered wholly from the cache, started
 *   later than that after the commit.
 *
 * The last two compare times of two processes on the shared clock; `marginMs` absorbs the
 * clocks' offsets and is only ever in the reader's favour. Stale reads that no rule forbids are
 * counted and their duration reported: they are the propagation delay and the outage windows
 * the bound allows.
 *
 * Two more rules judge the messages rather than the reads, and need no clock at all:
 *
 * - `never-published`: a write whose row no invalidation acknowledged by Redis covered after
 *   the commit (a queue that dropped it, a publish that never happened).
 * - `lost-while-trusted`: Redis acknowledged an invalidation that a reader never applied, yet
 *   that reader kept trusting its bus across the gap. Redis hands one publisher's messages to a
 *   subscription in the order it handled them; a reader that got the messages before and
 *   after one but not that one must have lost its connection in between, and must have said
 *   so (the gap runs from the last message it got before to the first it got after).
 */
export interface CheckOptions {
  readonly writerOrigin: string
  readonly tenantId: number
  readonly untrustedTtl: number
  readonly marginMs: number
}

export type Rule = 'after-invalidation' | 'after-distrust' | 'after-untrusted-ttl' | 'never-published' | 'lost-while-trusted'

export interface Violation {
  readonly rule: Rule
  /** The reader concerned (`null` for `never-published`). */
  readonly reader: string | null
  readonly detail: string
}

export interface StalenessReport {
  readonly probes: number
  readonly reads: number
  /** Runs of reads that served a version older than one committed before them (allowed or not). */
  readonly staleRuns: number
  readonly violations: readonly Violation[]
  /** Longest time a reader kept serving an older version after a newer one was committed. */
  readonly maxStaleMs: number
  /** Times readers stopped trusting their bus after having trusted it. */
  readonly distrusts: number
}

function covers(message: InvalidationMessage, tenantId: number, id: number): boolean {
  if (message.kind === 'all') return true
  if (message.tenantId !== tenantId) return false
  return message.kind === 'tenant' || message.ids.includes(id)
}

/** Per row: the writer's invalidations a reader applied, in order, with the running max of seq. */
function coverageIndex(events: readonly ReaderEvent[], options: CheckOptions, ids: readonly number[]): Map<number, { pos: number[]; at: number[]; seq: number[]; maxSeq: number[] }> {
  const index = new Map(ids.map((id) => [id, { pos: [] as number[], at: [] as number[], seq: [] as number[], maxSeq: [] as number[] }]))
  for (const event of events) {
    if (event.type !== 'applied' || event.origin !== options.writerOrigin) continue
    for (const [id, entry] of index) {
      if (!covers(event.message, options.tenantId, id)) continue
      entry.pos.push(event.pos)
      entry.at.push(event.at)
      entry.seq.push(event.seq)
      entry.maxSeq.push(Math.max(event.seq, entry.maxSeq[entry.maxSeq.length - 1] ?? 0))
    }
  }
  return index
}

/** Index of the last element of ascending `values` below `limit`, or -1. */
function lastBelow(values: readonly number[], limit: number): number {
  let low = 0
  let high = values.length - 1
  let found = -1
  while (low <= high) {
    const mid = (low + high) >> 1
    if ((values[mid] as number) < limit) {
      found = mid
      low = mid + 1
    } else {
      high = mid - 1
    }
  }
  return found
}

function byRow(writes: readonly WriteRecord[]): Map<number, WriteRecord[]> {
  const rows = new Map<number, WriteRecord[]>()
  for (const write of writes) {
    const list = rows.get(write.id) ?? []
    list.push(write)
    rows.set(write.id, list)
  }
  for (const list of rows.values()) list.sort((a, b) => a.version - b.version)
  return rows
}

export function checkStaleness(
  writes: readonly WriteRecord[],
  published: readonly PublishedRecord[],
  logs: readonly ReaderLog[],
  options: CheckOptions,
): StalenessReport {
  const rows = byRow(writes)
  const violations: Violation[] = []
  let staleRuns = 0
  let maxStaleMs = 0
  let reads = 0
  let distrusts = 0
  for (const write of writes) {
    if (!published.some((p) => p.seq > write.seqAtCommit && covers(p.message, options.tenantId, write.id))) {
      violations.push({ rule: 'never-published', reader: null, detail: `row ${write.id} v${write.version} (seq at commit ${write.seqAtCommit})` })
    }
  }
  for (const log of logs) {
    reads += log.reads
    const coverage = coverageIndex(log.events, options, [...rows.keys()])
    const trust = log.events.filter((e): e is Extract<ReaderEvent, { type: 'trust' }> => e.type === 'trust')
    const untrustedAt = (at: number): boolean => {
      let state = true
      for (const event of trust) {
        if (event.at > at) break
        state = event.trusted
      }
      return !state
    }
    const untrustedAcross = (at: number): boolean =>
      untrustedAt(at - options.marginMs) && !trust.some((e) => Math.abs(e.at - at) <= options.marginMs)
    const lostTrust = trust.filter((e) => !e.trusted)
    // A repository distrusts a new bus at once, before it hears its first ping: not counted.
    const firstTrusted = trust.findIndex((e) => e.trusted)
    distrusts += firstTrusted < 0 ? 0 : trust.slice(firstTrusted).filter((e) => !e.trusted).length
    for (const run of log.runs) {
      const newer = (rows.get(run.id) ?? []).filter((w) => w.version > run.version)
      const firstNewer = newer[0]
      if (firstNewer !== undefined && firstNewer.commitEnd + options.marginMs < run.lastAt) {
        staleRuns++
        maxStaleMs = Math.max(maxStaleMs, run.lastAt - firstNewer.commitEnd)
      }
      for (const write of newer) {
        const rule = brokenRule(run, write, coverage.get(run.id), lostTrust, untrustedAcross, options)
        if (rule !== undefined) {
          violations.push({
            rule,
            reader: log.name,
            detail: `row ${run.id}: served v${run.version} ${(run.lastAt - write.commitEnd).toFixed(1)} ms after v${write.version} committed`,
          })
          break
        }
      }
    }
    violations.push(...lostWhileTrusted(log, published, options))
  }
  return { probes: writes.length, reads, staleRuns, violations, maxStaleMs, distrusts }
}

function lostWhileTrusted(log: ReaderLog, published: readonly PublishedRecord[], options: CheckOptions): Violation[] {
  const applied = log.events
    .filter((e): e is Extract<ReaderEvent, { type: 'applied' }> => e.type === 'applied' && e.origin === options.writerOrigin)
    .sort((a, b) => a.seq - b.seq)
  const got = new Set(applied.map((e) => e.seq))
  const trust = log.events.filter((e): e is Extract<ReaderEvent, { type: 'trust' }> => e.type === 'trust')
  const trustedAt = (pos: number): boolean => {
    let state = true
    for (const event of trust) {
      if (event.pos > pos) break
      state = event.trusted
    }
    return state
  }
  const violations: Violation[] = []
  for (const { seq } of published) {
    if (got.has(seq)) continue
    const next = applied.find((e) => e.seq > seq)
    const previous = applied.filter((e) => e.seq < seq && (next === undefined || e.pos < next.pos)).at(-1)
    // Before the reader's first message, or after its last: nothing to compare with.
    if (previous === undefined || next === undefined) continue
    const distrusted = !trustedAt(previous.pos) || trust.some((e) => !e.trusted && e.pos > previous.pos && e.pos < next.pos)
    if (!distrusted) {
      violations.push({ rule: 'lost-while-trusted', reader: log.name, detail: `seq ${seq} missing between ${previous.seq} and ${next.seq}, trusted throughout` })
    }
  }
  return violations
}

function brokenRule(
  run: ReadRun,
  write: WriteRecord,
  coverage: { pos: number[]; maxSeq: number[] } | undefined,
  lostTrust: readonly { pos: number; at: number }[],
  untrustedAcross: (at: number) => boolean,
  options: CheckOptions,
): Rule | undefined {
  if (coverage !== undefined) {
    const last = lastBelow(coverage.pos, run.lastPos)
    if (last >= 0 && (coverage.maxSeq[last] as number) > write.seqAtCommit) return 'after-invalidation'
  }
  if (lostTrust.some((e) => e.pos < run.lastPos && e.at > write.commitEnd + options.marginMs)) return 'after-distrust'
  if (
    run.lastHitAt !== null &&
    run.lastHitAt > write.commitEnd + options.untrustedTtl + options.marginMs &&
    untrustedAcross(write.commitEnd)
  ) {
    return 'after-untrusted-ttl'
  }
  return undefined
}

/**
 * How long after each write its invalidation was applied on each reader (the first invalidation
 * of that row the writer sent after the commit), from the writer's `invalidate()` settling and
 * from the commit. `missing` counts (write, reader) pairs where none arrived: lost while that
 * reader could not hear the channel, which the checker then judged by the other rules.
 */
export function deliveryDelays(writes: readonly WriteRecord[], logs: readonly ReaderLog[], options: CheckOptions): { fromSettled: number[]; fromCommit: number[]; missing: number } {
  const rows = byRow(writes)
  const fromSettled: number[] = []
  const fromCommit: number[] = []
  let missing = 0
  for (const log of logs) {
    const coverage = coverageIndex(log.events, options, [...rows.keys()])
    for (const write of writes) {
      const entry = coverage.get(write.id)
      const index = entry === undefined ? -1 : entry.seq.findIndex((seq) => seq > write.seqAtCommit)
      if (entry === undefined || index < 0) {
        missing++
        continue
      }
      const at = entry.at[index] as number
      fromSettled.push(at - write.settled)
      fromCommit.push(at - write.commitEnd)
    }
  }
  return { fromSettled, fromCommit, missing }
}

/** The `p`-th percentile (0-100) of `values`, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}
