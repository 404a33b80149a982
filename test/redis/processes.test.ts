// Several instances, one truth: five processes (one writer, four readers), each with its own
// repository on MariaDB and its own Redis bus, on a private redis-server the scenarios kill,
// drop and restart. In every scenario the staleness checker must find no violation, and after
// the dust settles every reader must serve exactly what the database holds.
import { mkdirSync, writeFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { eventually } from './helpers/clock.js'
import { startFleet, type InstanceProcess } from './helpers/fleet.js'
import type { InstanceConfig, InstanceStatus, ReaderLog, WriteRecord } from './helpers/fleet-protocol.js'
import { startPrivateRedis, type PrivateRedis } from './helpers/private-redis.js'
import { checkStaleness, deliveryDelays, percentile, type StalenessReport } from './helpers/staleness-checker.js'

const TENANT = 31
// Every reader reads every row on each call; each write changes a row no other write of the
// scenario touches, so that a lost invalidation cannot hide behind a later one of the same row.
const WRITES = 150
const HOT = Array.from({ length: WRITES }, (_, i) => i + 1)
const BARRIER_ID = 999_999
const PARAMS = {
  heartbeatInterval: 100,
  heartbeatTimeout: 600,
  publishTimeout: 2_000,
  maxQueued: 10_000,
  untrustedTtl: 300,
  ttl: 60_000, // long on purpose: a lost invalidation would stay visible
} as const
const MARGIN_MS = 5

let redis: PrivateRedis
let admin: Redis
let backend: TestBackend
let fleet: InstanceProcess[] = []
let writer: InstanceProcess
let readers: InstanceProcess[]
let scenarioCounter = 0
const summaries: Summary[] = []

interface Summary {
  readonly name: string
  readonly report: StalenessReport
  readonly delivery: { p50: number; p99: number; max: number; samples: number; missing: number }
  readonly writer: InstanceStatus['bus']
  readonly readers: readonly InstanceStatus[]
  readonly notes: string
}

interface Fault {
  /** Runs once the writer has committed this many writes. */
  readonly at: number
  readonly action: () => Promise<void>
}

interface Outcome {
  readonly writes: readonly WriteRecord[]
  readonly logs: readonly ReaderLog[]
  readonly report: StalenessReport
  readonly writerStatus: InstanceStatus
  readonly readerStatuses: readonly InstanceStatus[]
  readonly stale: string[]
}

beforeAll(async () => {
  redis = await startPrivateRedis()
  admin = new Redis(redis.url, { retryStrategy: () => 50 })
  admin.on('error', () => undefined)
  backend = await openBackend('mariadb', 'redis_fleet')
  await backend.insert(HOT.map((id) => seed(TENANT, id, { first_name: 'v0' })))
  fleet = await startFleet(['writer', 'reader-1', 'reader-2', 'reader-3', 'reader-4'])
  writer = fleet[0]!
  readers = fleet.slice(1)
})

afterAll(async () => {
  await Promise.all(fleet.map((instance) => instance.stop()))
  admin.disconnect()
  await backend.close()
  await redis.close()
  if (summaries.length > 0) {
    const table = summaryTable(summaries)
    console.log(`\nSeveral instances (1 writer + 4 readers, MariaDB, private redis-server):\n${table}`)
    mkdirSync('.tmp', { recursive: true })
    writeFileSync('.tmp/redis-fleet-report.json', JSON.stringify({ params: PARAMS, summaries: summaries.map(({ readers: _r, ...rest }) => rest) }, null, 2))
  }
})

async function statuses(): Promise<InstanceStatus[]> {
  return Promise.all(fleet.map((instance) => instance.request({ cmd: 'status' })))
}

async function runScenario(
  name: string,
  plan: { readonly writes?: number; readonly burst?: number; readonly faults?: readonly Fault[] },
): Promise<Outcome> {
  await sql`update ${sql.table(backend.table)} set first_name = 'v0'`.execute(backend.db)
  const channel = `fleet:${process.pid}:${++scenarioCounter}:${name}`
  const config = (instance: InstanceProcess): InstanceConfig => ({
    name: instance.name, redisUrl: redis.url, channel, table: backend.table, tenantId: TENANT, ...PARAMS,
  })
  const configured = await Promise.all(fleet.map((instance) => instance.request({ cmd: 'configure', config: config(instance) })))
  const writerBus = configured[0]!.busId
  await eventually('every instance trusts its bus', async () => (await statuses()).every((s) => s.trusted))
  await Promise.all(readers.map((reader) => reader.request({ cmd: 'startReading', ids: HOT, pauseMs: 2 })))

  // Faults run in order while the writer goes on writing.
  let chain = Promise.resolve()
  const faults = [...(plan.faults ?? [])]
  writer.onProgress((done) => {
    while (faults.length > 0 && (faults[0] as Fault).at <= done) {
      const fault = faults.shift() as Fault
      chain = chain.then(fault.action)
    }
  })
  let writes: readonly WriteRecord[]
  try {
    if (plan.burst !== undefined) {
      const result = await writer.request({ cmd: 'burst', firstId: 100_000, count: plan.burst, sliceSize: 250, probeIds: HOT })
      writes = result.writes
    } else {
      writes = await writer.request({ cmd: 'write', ids: HOT, count: plan.writes ?? 100, pauseMs: 8 })
    }
  } finally {
    writer.onProgress(undefined)
    await chain
  }
  expect(faults).toEqual([]) // every fault ran during the writes
  if (redis.pid === undefined) await redis.start()

  // Quiescence: everyone hears the channel, the writer's queue is empty, and a barrier sent
  // after everything else has reached every reader (pub/sub keeps one publisher's order).
  await eventually('all trusted and the writer queue empty', async () => {
    const all = await statuses()
    return all.every((s) => s.trusted) && all[0]!.bus.queued === 0 && all[0]!.bus.inflight === 0
  }, 30_000)
  const barrier = { seq: Number.POSITIVE_INFINITY }
  await eventually('the barrier is published', async () => {
    barrier.seq = (await writer.request({ cmd: 'barrier', id: BARRIER_ID })).seq ?? Number.POSITIVE_INFINITY
    return Number.isFinite(barrier.seq)
  }, 30_000, 100)
  await eventually('every reader applied the barrier', async () =>
    (await Promise.all(readers.map((r) => r.request({ cmd: 'status' })))).every((s) => (s.lastSeqFrom[writerBus] ?? 0) >= barrier.seq),
  )

  const logs = await Promise.all(readers.map((reader) => reader.request({ cmd: 'stopReading' })))
  const finals = await Promise.all(readers.map((reader) => reader.request({ cmd: 'finalRead', ids: HOT })))
  const rows = await backend.db.selectFrom(backend.table).select(['id', 'first_name']).where('tenant_id', '=', TENANT).execute()
  const truth = new Map(rows.map((row) => [Number(row.id), Number(String(row.first_name).slice(1))]))
  const stale: string[] = []
  finals.forEach((final, r) => {
    for (const id of HOT) if (final[id] !== truth.get(id)) stale.push(`${readers[r]!.name} row ${id}: v${final[id]} vs v${truth.get(id)}`)
  })
  const [writerStatus, ...readerStatuses] = await statuses()
  const published = await writer.request({ cmd: 'published' })
  const options = { writerOrigin: writerBus, tenantId: TENANT, untrustedTtl: PARAMS.untrustedTtl, marginMs: MARGIN_MS }
  const report = checkStaleness(writes, published, logs, options)
  const delays = deliveryDelays(writes, logs, options)
  summaries.push({
    name,
    report,
    delivery: {
      p50: percentile(delays.fromSettled, 50),
      p99: percentile(delays.fromSettled, 99),
      max: percentile(delays.fromSettled, 100),
      samples: delays.fromSettled.length,
      missing: delays.missing,
    },
    writer: writerStatus!.bus,
    readers: readerStatuses,
    notes: '',
  })
  return { writes, logs, report, writerStatus: writerStatus!, readerStatuses, stale }
}

function distrustedDuringRun(log: ReaderLog): boolean {
  const firstTrusted = log.events.findIndex((e) => e.type === 'trust' && e.trusted)
  return log.events.slice(firstTrusted + 1).some((e) => e.type === 'trust' && !e.trusted)
}

function expectSound(outcome: Outcome): void {
  expect(outcome.report.violations).toEqual([])
  expect(outcome.stale).toEqual([])
  expect(outcome.report.reads).toBeGreaterThan(outcome.report.probes) // the readers really read meanwhile
  for (const log of outcome.logs) expect(log.readErrors).toBe(0)
}

describe('G-BUS-PROPAGATION, G-BUS-TRUST, G-BUS-STALENESS-BOUND: several instances over Redis pub/sub (5 processes, MariaDB, private redis-server)', () => {
  it('healthy: every reader applies every invalidation; no stale read after it', async () => {
    const outcome = await runScenario('healthy', { writes: WRITES })
    expectSound(outcome)
    expect(summaries.at(-1)!.delivery.missing).toBe(0)
    expect(outcome.writerStatus.bus).toMatchObject({ publishFailures: 0, deferred: 0, collapsed: 0, dropped: 0 })
  })

  it('Redis killed (SIGKILL) during writes, restarted later: readers distrust, writes queue, nothing stale beyond the bound', async () => {
    const outcome = await runScenario('redis killed', {
      writes: WRITES,
      faults: [
        { at: 40, action: () => redis.signal('SIGKILL') },
        { at: 100, action: () => redis.start() },
      ],
    })
    expectSound(outcome)
    for (const log of outcome.logs) expect(distrustedDuringRun(log), log.name).toBe(true)
    const bus = outcome.writerStatus.bus
    expect(bus.deferred + bus.publishFailures).toBeGreaterThan(0)
    expect(bus.retried).toBeGreaterThan(0)
    expect(bus.dropped).toBe(0)
  })

  it('subscriber connections dropped (CLIENT KILL TYPE pubsub) while every publisher stays up', async () => {
    const killed: number[] = []
    const kill = async (): Promise<void> => { killed.push(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))) }
    const outcome = await runScenario('subscribers dropped', {
      writes: WRITES,
      faults: [{ at: 30, action: kill }, { at: 70, action: kill }, { at: 110, action: kill }],
    })
    expectSound(outcome)
    expect(killed.every((n) => n >= 1)).toBe(true)
    for (const status of outcome.readerStatuses) expect(status.bus.subscriptionDrops, status.name).toBeGreaterThanOrEqual(1)
    expect(outcome.writerStatus.bus).toMatchObject({ publishFailures: 0, deferred: 0 })
  })

  it('publisher connections dropped (CLIENT KILL TYPE normal) while every subscription stays up', async () => {
    const killed: number[] = []
    const kill = async (): Promise<void> => { killed.push(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal'))) }
    const outcome = await runScenario('publishers dropped', {
      writes: WRITES,
      faults: [{ at: 30, action: kill }, { at: 70, action: kill }, { at: 110, action: kill }],
    })
    expectSound(outcome)
    expect(killed.every((n) => n >= 1)).toBe(true)
    for (const status of outcome.readerStatuses) expect(status.bus.subscriptionDrops, status.name).toBe(0)
  })

  it('Redis restarted (SIGTERM, started again at once) during writes', async () => {
    const outcome = await runScenario('redis restarted', {
      writes: WRITES,
      faults: [{ at: 60, action: async () => { await redis.signal('SIGTERM'); await redis.start() } }],
    })
    expectSound(outcome)
    for (const log of outcome.logs) expect(distrustedDuringRun(log), log.name).toBe(true)
    expect(outcome.readerStatuses.every((s) => s.trusted)).toBe(true)
  })

  it('a burst of 10,000 invalidations, with probe writes among them', async () => {
    const outcome = await runScenario('burst of 10,000', { burst: 10_000 })
    expectSound(outcome)
    const bus = outcome.writerStatus.bus
    expect(bus.published).toBeGreaterThanOrEqual(10_000 + outcome.writes.length)
    expect(bus).toMatchObject({ collapsed: 0, dropped: 0, queued: 0 })
    outcome.logs.forEach((log, r) => {
      // Each reader heard all of them, or stopped trusting its bus meanwhile.
      const heard = outcome.readerStatuses[r]!.bus.received
      expect(heard >= 10_000 + outcome.writes.length || distrustedDuringRun(log), log.name).toBe(true)
    })
  })
})

function summaryTable(rows: readonly Summary[]): string {
  const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : '-')
  const lines = [
    '| scenario | probes | reads | stale runs (allowed) | violations | longest stale (ms) | distrusts | delivery after settle p50 / p99 / max (ms) | deliveries lost | writer published / retried / failed / deferred / collapsed |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const s of rows) {
    const w = s.writer
    lines.push(
      `| ${s.name} | ${s.report.probes} | ${s.report.reads} | ${s.report.staleRuns} | ${s.report.violations.length} | ${ms(s.report.maxStaleMs)} | ${s.report.distrusts} | ${ms(s.delivery.p50)} / ${ms(s.delivery.p99)} / ${ms(s.delivery.max)} (n=${s.delivery.samples}) | ${s.delivery.missing} | ${w.published} / ${w.retried} / ${w.publishFailures} / ${w.deferred} / ${w.collapsed} |`,
    )
  }
  return lines.join('\n')
}
