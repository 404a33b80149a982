// A binlog fleet on one machine: a private MariaDB, a Redis, reader processes and tailer
// processes (one active by lease, the others standing by), and a foreign writer in this
// process (a plain mysql2 connection that never calls invalidate). One run: configure on a
// fresh channel, read while writing (and injecting faults), wait until everything settled,
// collect what every process saw. Shared by test/binlog/fleet.test.ts and the benchmark.
import { setTimeout as delay } from 'node:timers/promises'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import type { ConnectionOptions } from 'mysql2'
import type { InvalidationMessage } from '../../src/index.js'
import type { BinlogFleetProcess } from './binlog-fleet.js'
import { sharedNow, type ReaderLog, type TailerConfig, type TailerLog, type WorkerConfig, type WorkerStatus } from './binlog-fleet-protocol.js'

/** Timing of the fleet: the bus's, the tailer's, and the readers' repositories'. */
export interface FleetParams {
  readonly heartbeatInterval: number
  readonly heartbeatTimeout: number
  readonly sourceTimeout: number
  readonly untrustedTtl: number
  readonly ttl: number
  readonly tailer: Omit<TailerConfig, 'connection' | 'serverId' | 'leaseKey' | 'checkpointKey'>
}

export interface FleetEnv {
  readonly mysqlUrl: string
  readonly tailerConnection: ConnectionOptions
  readonly redisUrl: string
  readonly readers: readonly BinlogFleetProcess[]
  /** The first is configured first and takes the lease. */
  readonly tailers: readonly BinlogFleetProcess[]
  /** The foreign writer. */
  readonly writer: () => Connection
  readonly tenantId: number
  /** Rows the readers read, each written once per run (`first_name` v0 -> v1). */
  readonly ids: readonly number[]
  readonly params: FleetParams
}

/** A write of the foreign writer: times on the shared clock, and its GTID. */
export interface CommittedWrite {
  readonly id: number
  readonly version: number
  readonly commitStart: number
  /** After COMMIT returned: visible to every read that starts later. */
  readonly commitEnd: number
  readonly gtid: string
}

export interface Fault {
  /** Runs once this many writes were committed (the writes go on meanwhile). */
  readonly at: number
  readonly action: () => Promise<void>
}

export interface FleetOutcome {
  readonly name: string
  readonly tenantId: number
  readonly writes: readonly CommittedWrite[]
  readonly logs: readonly ReaderLog[]
  /** What each tailer bus sent during the run (a killed tailer's included). */
  readonly tailerLogs: readonly TailerLog[]
  readonly readerStatuses: readonly WorkerStatus[]
  readonly tailerStatuses: readonly WorkerStatus[]
  /** Rows a reader served differently from the database at the end. */
  readonly stale: readonly string[]
  /** The Redis keys of the run's lease and checkpoint (delete them from a shared Redis). */
  readonly keys: readonly string[]
  readonly durationMs: number
}

let runs = 0

/** Runs one scenario: `writes` foreign writes `pauseMs` apart, faults among them. */
export async function runFleet(env: FleetEnv, name: string, plan: { readonly writes: number; readonly pauseMs: number; readonly faults?: readonly Fault[] }): Promise<FleetOutcome> {
  const started = sharedNow()
  const { tenantId, ids, params } = env
  if (plan.writes > ids.length) throw new Error('one write per row: give more ids')
  await env.writer().query('UPDATE contacts SET first_name = ? WHERE tenant_id = ?', ['v0', tenantId])
  const run = `${process.pid}:${++runs}:${name.replace(/\W+/g, '-')}`
  const base = {
    mysqlUrl: env.mysqlUrl, redisUrl: env.redisUrl, channel: `binlog-fleet:${run}`, tenantId,
    heartbeatInterval: params.heartbeatInterval, heartbeatTimeout: params.heartbeatTimeout,
    sourceTimeout: params.sourceTimeout, untrustedTtl: params.untrustedTtl, ttl: params.ttl,
  }
  const tailerConfig = (worker: BinlogFleetProcess): WorkerConfig => ({
    ...base,
    name: worker.name,
    tailer: {
      ...params.tailer, connection: env.tailerConnection, serverId: 4711,
      leaseKey: `binlog-fleet:${run}:lease`, checkpointKey: `binlog-fleet:${run}:checkpoint`,
    },
  })
  const alive = (): BinlogFleetProcess[] => env.tailers.filter((t) => t.alive)
  // Every tailer of the last run stops first: a standby of it must not take the old lease over
  // (and stream on the old channel) while the first tailer is reconfigured.
  await Promise.all([...alive(), ...env.readers].map((worker) => worker.request({ cmd: 'teardown' })))
  const before = new Map(env.tailers.map((t) => [t, new Set(t.tailerLogs.keys())]))
  // The first tailer takes the lease; the others stand by.
  for (const tailer of alive()) await tailer.request({ cmd: 'configure', config: tailerConfig(tailer) })
  await Promise.all(env.readers.map((reader) => reader.request({ cmd: 'configure', config: { ...base, name: reader.name } })))
  const readerStatuses = (): Promise<WorkerStatus[]> => Promise.all(env.readers.map((r) => r.request({ cmd: 'status' })))
  await eventually('every reader trusts (the tailer announced itself healthy)', async () => (await readerStatuses()).every((s) => s.trusted))
  await Promise.all(env.readers.map((reader) => reader.request({ cmd: 'startReading', ids, pauseMs: 2 })))

  const writes: CommittedWrite[] = []
  const faults = [...(plan.faults ?? [])]
  let chain = Promise.resolve()
  for (let k = 0; k < plan.writes; k++) {
    const id = ids[k] as number
    const commitStart = sharedNow()
    await env.writer().query('UPDATE contacts SET first_name = ? WHERE tenant_id = ? AND id = ?', ['v1', tenantId, id])
    const commitEnd = sharedNow()
    const [rows] = await env.writer().query<RowDataPacket[]>('SELECT @@last_gtid AS gtid')
    writes.push({ id, version: 1, commitStart, commitEnd, gtid: String(rows[0]?.gtid) })
    while (faults.length > 0 && (faults[0] as Fault).at <= k + 1) {
      const fault = faults.shift() as Fault
      chain = chain.then(fault.action)
    }
    await delay(plan.pauseMs)
  }
  await chain

  // Settled: a tailer streams, caught up with the last write, and every reader applied all it
  // published (pub/sub keeps one publisher's order) and trusts again.
  const last = writes.at(-1)?.gtid ?? ''
  let active: WorkerStatus | undefined
  await eventually('a tailer delivered the last write', async () => {
    const statuses = await Promise.all(alive().map((t) => t.request({ cmd: 'status' })))
    active = statuses.find((s) => s.source?.role === 'active' && s.source.healthy && seqOf(s.source.delivered?.gtid) >= seqOf(last))
    return active !== undefined
  }, 60_000, 20)
  const activeBus = (active as WorkerStatus).bus
  await eventually('its queue is empty', async () => {
    const status = await Promise.all(alive().map((t) => t.request({ cmd: 'status' })))
    return status.some((s) => s.bus.id === activeBus.id && s.bus.queued === 0 && s.bus.inflight === 0)
  }, 30_000, 20)
  const activeLog = (): TailerLog | undefined => env.tailers.map((t) => t.tailerLogs.get(activeBus.id)).find((log) => log !== undefined)
  const maxSeq = Math.max(0, ...(activeLog()?.published.map((p) => p.seq) ?? []))
  await eventually('every reader applied all the active tailer published, and trusts', async () =>
    (await readerStatuses()).every((s) => s.trusted && (s.lastSeqFrom[activeBus.id] ?? 0) >= maxSeq), 30_000, 20)

  const logs = await Promise.all(env.readers.map((reader) => reader.request({ cmd: 'stopReading' })))
  const finals = await Promise.all(env.readers.map((reader) => reader.request({ cmd: 'finalRead', ids })))
  const [rows] = await env.writer().query<RowDataPacket[]>('SELECT id, first_name FROM contacts WHERE tenant_id = ?', [tenantId])
  const truth = new Map(rows.map((row) => [Number(row.id), Number(String(row.first_name).slice(1))]))
  const stale: string[] = []
  finals.forEach((final, r) => {
    for (const id of ids) if (final[id] !== truth.get(id)) stale.push(`${env.readers[r]?.name ?? r} row ${id}: v${final[id]} vs v${truth.get(id)}`)
  })
  const tailerLogs = env.tailers.flatMap((t) => [...t.tailerLogs.entries()].filter(([busId]) => !(before.get(t)?.has(busId) ?? false)).map(([, log]) => log))
  const keys = [`binlog-fleet:${run}:lease`, `binlog-fleet:${run}:lease:token`, `binlog-fleet:${run}:checkpoint`]
  return {
    name, tenantId, writes, logs, tailerLogs, stale, keys,
    readerStatuses: await readerStatuses(),
    tailerStatuses: await Promise.all(alive().map((t) => t.request({ cmd: 'status' }))),
    durationMs: sharedNow() - started,
  }
}

/** The sequence number of a single-domain GTID position (`0-1-42` -> 42). */
export function seqOf(gtid: string | undefined): number {
  if (gtid === undefined || gtid === '') return 0
  return Number(gtid.split(',')[0]?.split('-')[2] ?? 0)
}

async function eventually(what: string, condition: () => boolean | Promise<boolean>, limitMs = 15_000, everyMs = 10): Promise<void> {
  const start = Date.now()
  for (;;) {
    if (await condition()) return
    if (Date.now() - start > limitMs) throw new Error(`Not within ${limitMs} ms: ${what}`)
    await delay(everyMs)
  }
}

/**
 * For each write, on each reader: how long after its COMMIT returned the reader still served
 * the old row (0 when it never did), and when the reader applied the first invalidation of the
 * row a tailer sent after the commit began (negative when it arrived before COMMIT returned).
 */
export function stalenessWindows(outcome: FleetOutcome): { stale: number[]; applied: number[] } {
  const stale: number[] = []
  const applied: number[] = []
  const tailerBuses = new Set(outcome.tailerLogs.map((log) => log.busId))
  for (const log of outcome.logs) {
    const runsById = new Map<number, ReaderLog['runs'][number][]>()
    for (const run of log.runs) runsById.set(run.id, [...(runsById.get(run.id) ?? []), run])
    for (const write of outcome.writes) {
      const old = (runsById.get(write.id) ?? []).filter((run) => run.version < write.version)
      const lastOld = Math.max(...old.map((run) => run.lastAt), Number.NEGATIVE_INFINITY)
      stale.push(Math.max(0, lastOld - write.commitEnd))
      const first = log.events.find((event) =>
        event.type === 'applied' && event.origin !== null && tailerBuses.has(event.origin) &&
        event.at >= write.commitStart && covers(event.message, outcome.tenantId, write.id))
      if (first !== undefined) applied.push(first.at - write.commitEnd)
    }
  }
  return { stale, applied }
}

function covers(message: InvalidationMessage, tenantId: number, id: number): boolean {
  if (message.kind === 'all') return true
  return message.tenantId === tenantId && (message.kind === 'tenant' || message.ids.includes(id))
}
