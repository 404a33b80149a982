import { setTimeout as delay } from 'node:timers/promises'
import { Redis } from 'ioredis'
import type { Connection } from 'mysql2/promise'
import { TAILER_USER, prepareBinlogDatabase } from '../lib/binlog-database.js'
import { startBinlogFleet, type BinlogFleetProcess } from '../lib/binlog-fleet.js'
import { runFleet, seqOf, stalenessWindows, type FleetEnv, type FleetOutcome, type FleetParams } from '../lib/binlog-fleet-run.js'
import { formatNumber } from '../lib/format.js'
import { summarize, type Distribution } from '../lib/percentiles.js'
import { startPrivateMariadb, type PrivateMariadb } from '../lib/private-mariadb.js'
import type { Cell, Scenario, ScenarioReport } from '../lib/scenario.js'

const TENANT = 1
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

// The library's defaults (README, "Writes from anywhere"), so that the fault windows measured
// here are held against the bounds documented there; the quick run shortens them.
const DEFAULTS: FleetParams = {
  heartbeatInterval: 1_000, heartbeatTimeout: 3_000, sourceTimeout: 2_000, untrustedTtl: 1_000, ttl: 60_000,
  tailer: {
    heartbeatInterval: 500, stallTimeout: 2_000, maxLag: 1_000, statusInterval: 500, connectTimeout: 5_000,
    restartDelay: 250, checkpointInterval: 1_000, leaseTtl: 5_000,
  },
}
const QUICK: FleetParams = {
  ...DEFAULTS,
  heartbeatInterval: 100, heartbeatTimeout: 600, sourceTimeout: 500,
  tailer: { ...DEFAULTS.tailer, heartbeatInterval: 100, stallTimeout: 500, maxLag: 300, statusInterval: 100, leaseTtl: 900 },
}

/** The staleness bound while a fault lasts, from the parameters (README, "Writes from anywhere"). */
export function faultBound(params: FleetParams): number {
  const { stallTimeout, maxLag, statusInterval } = params.tailer
  const tick = Math.max(10, Math.min(Math.floor(stallTimeout / 4), Math.floor(maxLag / 4), 250))
  return Math.max(params.sourceTimeout + statusInterval, stallTimeout + tick, maxLag + tick, params.heartbeatTimeout, params.untrustedTtl)
}

const ms = (value: number): string => `${formatNumber(value)} ms`

/** Issue 11's figures: staleness after a commit by a writer that never calls invalidate. */
const scenario: Scenario = {
  id: 'binlog-staleness',
  title: 'Writes from anywhere: staleness after a foreign commit, through the binlog and Redis',
  order: 10,
  measures: 'staleness after a commit by a writer that never calls `invalidate`, through the binlog tailer and Redis: healthy, tailer killed, server frozen; the cost of the second invalidation',
  against: `the staleness bounds of the README's "Writes from anywhere", from the defaults`,
  async run({ quick, log }) {
    const params = quick ? QUICK : DEFAULTS
    let server: PrivateMariadb
    try {
      server = await startPrivateMariadb('bench')
      await prepareBinlogDatabase(server.url)
    } catch (error) {
      return skipped(`mariadbd could not start: ${error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)}`)
    }
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
    redis.on('error', () => undefined)
    let workers: BinlogFleetProcess[] = []
    let writer: Connection | undefined
    const keys: string[] = []
    try {
      try {
        await redis.connect()
        await redis.ping()
      } catch (error) {
        return skipped(`Redis at ${REDIS_URL} is not reachable: ${String(error)}`)
      }
      const ids = Array.from({ length: quick ? 30 : 400 }, (_, i) => i + 1)
      writer = await server.connect({ multipleStatements: true })
      await writer.query(
        `INSERT INTO contacts (tenant_id, id, first_name, type, created_at, updated_at) VALUES ${ids.map((id) => `(${TENANT}, ${id}, 'v0', 'person', NOW(3), NOW(3))`).join(', ')}`,
      )
      const names = quick ? ['reader-1', 'tailer-a'] : ['reader-1', 'reader-2', 'tailer-a', 'tailer-b']
      log(`starting ${names.length} worker processes`)
      workers = await startBinlogFleet(names)
      const connection = writer
      const env: FleetEnv = {
        mysqlUrl: server.url, tailerConnection: { host: '127.0.0.1', port: server.port, ...TAILER_USER, database: 'app' }, redisUrl: REDIS_URL,
        readers: workers.filter((w) => w.name.startsWith('reader')), tailers: workers.filter((w) => w.name.startsWith('tailer')),
        writer: () => connection, tenantId: TENANT, ids, params,
      }
      const outcomes: FleetOutcome[] = []
      const run = async (name: string, plan: Parameters<typeof runFleet>[2]): Promise<FleetOutcome> => {
        log(`${name}: ${plan.writes} foreign writes`)
        const outcome = await runFleet(env, name, plan)
        keys.push(...outcome.keys)
        outcomes.push(outcome)
        return outcome
      }
      await run('healthy', { writes: ids.length, pauseMs: 5 })
      if (!quick) {
        await run('server frozen (SIGSTOP, 4 s)', {
          writes: 150, pauseMs: 5,
          faults: [{ at: 50, action: async () => { await server.signal('SIGSTOP'); await delay(4_000); await server.signal('SIGCONT') } }],
        })
        await run('active tailer killed (SIGKILL)', {
          writes: 150, pauseMs: 5,
          faults: [{
            at: 50,
            action: async () => {
              for (const tailer of env.tailers) {
                if (tailer.alive && (await tailer.request({ cmd: 'status' })).source?.role === 'active') {
                  await tailer.kill('SIGKILL')
                  return
                }
              }
            },
          }],
        })
      }
      return report(outcomes, params, quick)
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()))
      if (keys.length > 0) await redis.del(...keys).catch(() => undefined)
      redis.disconnect()
      await writer?.end().catch(() => undefined)
      await server.close()
    }
  },
}

function skipped(reason: string): ScenarioReport {
  return {
    method: [`Skipped: ${reason}. The scenario needs mariadbd (a private server with binary logging) and Redis.`],
    tables: [],
    targets: [{ target: 'staleness after a foreign commit, healthy: p99 <= 25 ms', measured: `skipped (${reason})`, met: undefined }],
    charts: [],
    figures: { skipped: reason },
  }
}

function report(outcomes: readonly FleetOutcome[], params: FleetParams, quick: boolean): ScenarioReport {
  const rows: Cell[][] = []
  const figures: Record<string, { stale: Distribution; applied: Distribution; writes: number; violationsOfFinalState: number }> = {}
  for (const outcome of outcomes) {
    const { stale, applied } = stalenessWindows(outcome)
    const s = summarize(stale)
    const a = summarize(applied)
    figures[outcome.name] = { stale: s, applied: a, writes: outcome.writes.length, violationsOfFinalState: outcome.stale.length }
    rows.push([outcome.name, outcome.writes.length, ms(s.p50), ms(s.p99), ms(s.max), ms(a.p50), ms(a.p99), outcome.stale.length])
  }
  const healthy = figures.healthy
  const bound = faultBound(params)
  // The cost of closing the visibility race, healthy run: from each transaction's first
  // invalidation to its second, and the snapshot probes run per transaction.
  const healthyRun = outcomes.find((o) => o.name === 'healthy')
  const secondAfter: number[] = []
  for (const log of healthyRun?.tailerLogs ?? []) {
    for (const write of healthyRun?.writes ?? []) {
      const first = log.sends.find((send) => send.phase === 'event' && seqOf(send.gtid) === seqOf(write.gtid))
      const second = log.sends.find((send) => send.phase === 'visible' && seqOf(send.gtid) >= seqOf(write.gtid))
      if (first !== undefined && second !== undefined) secondAfter.push(second.at - first.at)
    }
  }
  const race = summarize(secondAfter)
  const source = healthyRun?.tailerStatuses.find((status) => status.source?.role === 'active')?.source
  const probesPerTransaction = source === undefined || source.transactions === 0 ? Number.NaN : source.probes / source.transactions
  const faults = outcomes.filter((o) => o.name !== 'healthy')
  const worstFault = Math.max(...faults.map((o) => figures[o.name]?.stale.max ?? 0), Number.NEGATIVE_INFINITY)
  const readers = outcomes[0]?.logs.length ?? 0
  return {
    method: [
      `A private MariaDB 10.11 with binary logging (ROW, FULL, FULL), the Redis at REDIS_URL, ${readers} reader process(es) and ${quick ? 1 : 2} tailer process(es) (one active by lease), each with its own repository and Redis bus (sourceTimeout ${params.sourceTimeout} ms). A writer in this process, a plain mysql2 connection, commits one UPDATE per row and never calls invalidate.`,
      'Readers read every row in a loop (2 ms apart). For each write and reader, the stale window is how long after COMMIT returned the reader still served the old row (0 if never); "applied" is when the reader applied the first invalidation of the row sent after the commit began (it may precede COMMIT returning: the binlog event often does).',
      `Timing: the library's defaults${quick ? ' shortened for the quick run' : ''} (heartbeatInterval ${params.tailer.heartbeatInterval}, stallTimeout ${params.tailer.stallTimeout}, maxLag ${params.tailer.maxLag}, statusInterval ${params.tailer.statusInterval}, lease ttl ${params.tailer.leaseTtl}, untrustedTtl ${params.untrustedTtl} ms); documented fault bound ${ms(bound)}.`,
    ],
    tables: [{
      title: 'Staleness after a foreign commit, per write and reader',
      columns: ['scenario', 'writes', 'stale p50', 'stale p99', 'stale max', 'applied p50', 'applied p99', 'stale at the end'],
      rows,
      note: 'The last column counts rows a reader still served wrongly once everything settled (must be 0).',
    }, {
      title: 'Closing the visibility race (healthy run): the second invalidation of each transaction',
      columns: ['measure', 'p50', 'p99', 'max', 'samples'],
      rows: [['from the first invalidation (commit event) to the second (commit seen visible)', ms(race.p50), ms(race.p99), ms(race.max), race.count]],
      note: `Consistent-snapshot probes per transaction: ${formatNumber(probesPerTransaction)} (one probe confirms every commit before its offset).`,
    }],
    targets: [
      {
        target: 'healthy: staleness from COMMIT p99 <= 25 ms on loopback',
        measured: healthy === undefined ? 'not measured' : `p99 ${ms(healthy.stale.p99)} (p50 ${ms(healthy.stale.p50)}, max ${ms(healthy.stale.max)})`,
        met: quick || healthy === undefined ? undefined : healthy.stale.p99 <= 25,
      },
      {
        target: `faults: never above the documented bound (${ms(bound)})`,
        measured: faults.length === 0 ? 'not measured (quick run)' : `worst ${ms(worstFault)}`,
        met: faults.length === 0 ? undefined : worstFault <= bound,
      },
    ],
    charts: [{
      kind: 'bars',
      id: 'windows',
      title: 'Staleness after a foreign commit (ms): p50, p99 and max per scenario',
      unit: 'ms',
      log: true,
      groups: outcomes.map((outcome) => {
        const s = figures[outcome.name]?.stale
        return { label: outcome.name, bars: [{ label: 'p50', value: Math.max(0.01, s?.p50 ?? 0) }, { label: 'p99', value: Math.max(0.01, s?.p99 ?? 0) }, { label: 'max', value: Math.max(0.01, s?.max ?? 0) }] }
      }),
    }],
    figures: { params, bound, scenarios: figures, secondInvalidationAfterMs: race, probesPerTransaction },
  }
}

export default scenario
