// The checker itself must be able to fail: each rule, on a log made to break it.
import { describe, expect, it } from 'vitest'
import type { PublishedRecord, ReadRun, ReaderEvent, ReaderLog, WriteRecord } from './helpers/fleet-protocol.js'
import { checkStaleness, deliveryDelays, percentile, type CheckOptions } from './helpers/staleness-checker.js'

const options: CheckOptions = { writerOrigin: 'W', tenantId: 1, untrustedTtl: 300, marginMs: 5 }
// Version 1 of row 10 committed at t=1000 while the writer's sequence number was 40.
const write: WriteRecord = { id: 10, version: 1, commitStart: 995, commitEnd: 1_000, seqAtCommit: 40, settled: 1_001 }

function run(version: number, lastPos: number, lastAt: number, hit = true): ReadRun {
  return { id: 10, version, firstPos: 1, firstAt: 900, lastPos, lastAt, lastHitPos: hit ? lastPos : null, lastHitAt: hit ? lastAt : null, reads: 5 }
}

function log(events: ReaderEvent[], runs: ReadRun[]): ReaderLog {
  return { name: 'R', busId: 'R', events, runs, reads: 10, readErrors: 0 }
}

const applied = (pos: number, at: number, seq: number, ids = [10], origin = 'W'): ReaderEvent => ({
  type: 'applied', pos, at, origin, seq, message: { kind: 'ids', tenantId: 1, ids },
})
const trust = (pos: number, at: number, trusted: boolean): ReaderEvent => ({ type: 'trust', pos, at, trusted })
// Redis acknowledged the invalidation of version 1 (seq 41).
const published: PublishedRecord[] = [{ seq: 41, message: { kind: 'ids', tenantId: 1, ids: [10] } }]
const check = (logs: ReaderLog[], sent = published): ReturnType<typeof checkStaleness> => checkStaleness([write], sent, logs, options)

describe('staleness checker', () => {
  it('allows an old version until the reader applies the invalidation sent after the commit', () => {
    const report = check([log([applied(20, 1_002, 41)], [run(0, 19, 1_001.5), run(1, 30, 1_010)])])
    expect(report.violations).toEqual([])
    expect(report.staleRuns).toBe(0) // 1001.5 is within the margin of the commit
  })

  it('flags an old version served after the invalidation was applied', () => {
    const report = check([log([applied(20, 1_002, 41)], [run(0, 21, 1_003)])])
    expect(report.violations).toMatchObject([{ rule: 'after-invalidation', reader: 'R' }])
  })

  it('does not count an invalidation sent before the commit, another row, or another sender', () => {
    const events = [applied(20, 1_002, 40), applied(21, 1_003, 45, [11]), applied(22, 1_004, 46, [10], 'X')]
    // v1's own invalidation (seq 50) has not reached this reader yet.
    const report = check([log(events, [run(0, 30, 1_020)])], [{ seq: 50, message: { kind: 'ids', tenantId: 1, ids: [10] } }])
    expect(report.violations).toEqual([])
    expect(report.staleRuns).toBe(1)
    expect(report.maxStaleMs).toBe(20)
  })

  it('counts tenant-wide and full invalidations as covering the row', () => {
    const tenant: ReaderEvent = { type: 'applied', pos: 20, at: 1_002, origin: 'W', seq: 50, message: { kind: 'tenant', tenantId: 1 } }
    expect(check([log([tenant], [run(0, 21, 1_003)])]).violations).toHaveLength(1)
    const all: ReaderEvent = { type: 'applied', pos: 20, at: 1_002, origin: 'W', seq: 50, message: { kind: 'all' } }
    expect(check([log([all], [run(0, 21, 1_003)])]).violations).toHaveLength(1)
  })

  it('flags an old version served after the reader distrusted its bus (and flushed) after the commit', () => {
    const events = [trust(1, 500, true), trust(20, 1_050, false)]
    expect(check([log(events, [run(0, 19, 1_049)])]).violations).toEqual([])
    expect(check([log(events, [run(0, 21, 1_060)])]).violations).toMatchObject([{ rule: 'after-distrust' }])
  })

  it('flags a cache hit older than untrustedTtl after a commit the reader was untrusted across', () => {
    const events = [trust(1, 500, true), trust(2, 900, false)]
    expect(check([log(events, [run(0, 30, 1_300)])]).violations).toEqual([])
    expect(check([log(events, [run(0, 30, 1_306)])]).violations).toMatchObject([{ rule: 'after-untrusted-ttl' }])
    // Not when the read joined a load in flight (the query may have started before the commit),
    expect(check([log(events, [run(0, 30, 1_306, false)])]).violations).toEqual([])
    // nor when the reader was trusted at the commit (its entries then live until an invalidation).
    expect(check([log([trust(1, 500, true)], [run(0, 30, 5_000)])]).violations).toEqual([])
  })

  it('flags a write whose invalidation Redis never acknowledged (dropped, not retried)', () => {
    expect(check([], []).violations).toMatchObject([{ rule: 'never-published', reader: null }])
    const before: PublishedRecord[] = [{ seq: 40, message: { kind: 'ids', tenantId: 1, ids: [10] } }]
    expect(check([], before).violations).toMatchObject([{ rule: 'never-published' }]) // sent before the commit
    expect(check([], [{ seq: 60, message: { kind: 'all' } }]).violations).toEqual([])
  })

  it('flags an acknowledged invalidation a reader never got while it kept trusting its bus', () => {
    const gap = [applied(20, 1_002, 40, [3]), applied(22, 1_010, 42, [3])]
    expect(check([log(gap, [])]).violations).toMatchObject([{ rule: 'lost-while-trusted', reader: 'R' }])
    // Not when it distrusted in between (the connection dropped and it said so),
    expect(check([log([gap[0]!, trust(21, 1_005, false), trust(21.5, 1_006, true), gap[1]!], [])]).violations).toEqual([])
    // nor when it was already untrusted, nor when it got it.
    expect(check([log([trust(1, 900, false), ...gap], [])]).violations).toEqual([])
    expect(check([log([gap[0]!, applied(21, 1_003, 41), gap[1]!], [])]).violations).toEqual([])
  })

  it('measures delivery delays from the writer’s settle and commit', () => {
    const delays = deliveryDelays([write], [log([applied(20, 1_000.5, 39), applied(21, 1_003, 41)], [])], options)
    expect(delays).toEqual({ fromSettled: [2], fromCommit: [3], missing: 0 })
    expect(deliveryDelays([write], [log([], [])], options).missing).toBe(1)
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3)
    expect(percentile([5, 1, 4, 2, 3], 99)).toBe(5)
  })
})
