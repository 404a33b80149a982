import type { InvalidationMessage } from '../../../src/index.js'
import type { FleetOutcome } from '../../../bench/lib/binlog-fleet-run.js'
import { seqOf } from '../../../bench/lib/binlog-fleet-run.js'
import type { WriteRecord } from '../../redis/helpers/fleet-protocol.js'
import { checkStaleness, type StalenessReport, type Violation } from '../../redis/helpers/staleness-checker.js'

/**
 * Runs the Redis tests' staleness checker on a binlog fleet run. There, the writer invalidates
 * after its commit and `seqAtCommit` is its bus's sequence at the commit; here, the writer never
 * invalidates, and the tailer invalidates each commit twice (at its event, and once a snapshot
 * showed it visible). What the guarantee promises is that a reader that applied the second one
 * serves the new row from then on, so a write's `seqAtCommit` is the tailer bus's sequence right
 * before that second invalidation: every later message of that bus was sent once the commit was
 * visible to every read. Each write is judged against the tailer whose second invalidation of it
 * Redis took first (after a failover, maybe the one that took over); a write that no tailer
 * confirmed is a violation of its own.
 */
export function judge(outcome: FleetOutcome, options: { readonly untrustedTtl: number; readonly marginMs: number }): {
  readonly violations: readonly Violation[]
  readonly reports: readonly StalenessReport[]
} {
  const perTailer = new Map<string, WriteRecord[]>(outcome.tailerLogs.map((log) => [log.busId, []]))
  const violations: Violation[] = []
  for (const write of outcome.writes) {
    let first: { busId: string; seqBefore: number; at: number } | undefined
    for (const log of outcome.tailerLogs) {
      // Its second invalidation of the row, if Redis took it (a tailer killed right after
      // sending has none: the one that took over sent it again).
      const send = log.sends.find((s) => s.phase === 'visible' && seqOf(s.gtid) >= seqOf(write.gtid) &&
        log.published.some((p) => p.seq > s.seqBefore && covers(p.message, outcome.tenantId, write.id)))
      if (send !== undefined && (first === undefined || send.at < first.at)) first = { busId: log.busId, seqBefore: send.seqBefore, at: send.at }
    }
    if (first === undefined) {
      violations.push({ rule: 'never-published', reader: null, detail: `row ${write.id} (${write.gtid}): no tailer confirmed it visible` })
      continue
    }
    perTailer.get(first.busId)?.push({
      id: write.id, version: write.version, commitStart: write.commitStart, commitEnd: write.commitEnd,
      seqAtCommit: first.seqBefore, settled: write.commitEnd,
    })
  }
  const reports: StalenessReport[] = []
  for (const log of outcome.tailerLogs) {
    const writes = perTailer.get(log.busId) ?? []
    if (writes.length === 0) continue
    const report = checkStaleness(writes, log.published, outcome.logs, { writerOrigin: log.busId, tenantId: outcome.tenantId, ...options })
    reports.push(report)
    violations.push(...report.violations)
  }
  return { violations, reports }
}

function covers(message: InvalidationMessage, tenantId: number, id: number): boolean {
  if (message.kind === 'all') return true
  return message.tenantId === tenantId && (message.kind === 'tenant' || message.ids.includes(id))
}
