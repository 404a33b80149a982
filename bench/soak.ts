/**
 * Soak: a Zipf workload over 1,000 tenants, with writes and invalidations, against MariaDB on
 * loopback, for a bounded time. Reports heap after GC over time, event-loop delay, errors,
 * queries per call with misses, and the repository's and pool's state at the end.
 *
 *   npm run soak                          # 10 minutes, writes bench/results/soak-latest.{json,md}
 *   npm run soak -- --duration=60s        # or SOAK_DURATION=60s
 *   npm run soak -- --duration=2m --out=.tmp/soak-short
 *
 * Flags (each also as SOAK_<NAME> in the environment): --duration (10m), --rate (calls/s, 800),
 * --tenants (1000), --contacts (per tenant, 100), --seed (1), --out (bench/results/soak-latest).
 * The database is MYSQL_URL (default mysql://root@127.0.0.1:3306/test); the script creates a
 * private table and drops it at the end.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname } from 'node:path'
import { createHistogram, monitorEventLoopDelay } from 'node:perf_hooks'
import { subscribe } from 'node:diagnostics_channel'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Kysely, MysqlDialect, sql } from 'kysely'
import { createPool } from 'mysql2'
import { CHANNELS, ContactRepository, createContactsTable, type GetManyEvent } from '../src/index.js'
import { createMysqlDialect } from '../src/mysql/index.js'

// --- configuration ---------------------------------------------------------------------

function option(name: string, fallback: string): string {
  const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`))
  if (flag !== undefined) return flag.slice(name.length + 3)
  return process.env[`SOAK_${name.toUpperCase()}`] ?? fallback
}

function milliseconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (match === null) throw new TypeError(`--duration must look like 600s, 10m or 1h; got ${JSON.stringify(text)}`)
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1_000
  return Math.round(Number(match[1]) * unit)
}

function positiveInteger(name: string, fallback: number): number {
  const value = Number(option(name, String(fallback)))
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`--${name} must be a positive integer`)
  return value
}

const config = {
  durationMs: milliseconds(option('duration', '10m')),
  rate: positiveInteger('rate', 800),
  tenants: positiveInteger('tenants', 1000),
  contactsPerTenant: positiveInteger('contacts', 100),
  seed: positiveInteger('seed', 1),
  out: option('out', 'bench/results/soak-latest'),
  mysqlUrl: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  // The cache holds a fifth of the rows: evictions happen all the time, as in production.
  maxEntries: 20_000,
  ttl: 30_000,
  connectionLimit: 8,
  tenantSkew: 1.0,
  contactSkew: 0.9,
  maxIdsPerCall: 50,
  writeFraction: 0.01,
  notFoundFraction: 0.02,
  tenantInvalidationEveryMs: 10_000,
}
const warmupMs = Math.min(120_000, Math.round(config.durationMs * 0.2))
const sampleEveryMs = Math.max(1_000, Math.min(15_000, Math.round(config.durationMs / 40)))

// --- workload --------------------------------------------------------------------------

/** mulberry32: a small seeded generator, so that two runs draw the same workload. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Draws ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s. */
function zipf(n: number, s: number, next: () => number): () => number {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** s
    cdf[k] = sum
  }
  for (let k = 0; k < n; k++) cdf[k] = (cdf[k] ?? 0) / sum
  return () => {
    const u = next()
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((cdf[mid] ?? 1) < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

const next = random(config.seed)
const drawTenantRank = zipf(config.tenants, config.tenantSkew, next)
const drawContactRank = zipf(config.contactsPerTenant, config.contactSkew, next)
// Tenant ranks are shuffled onto IDs so that the hottest tenants are not simply 1, 2, 3.
const tenantOfRank = Array.from({ length: config.tenants }, (_, i) => i + 1).sort(() => next() - 0.5)

const contactId = (tenantId: number, rank: number): number => (tenantId - 1) * config.contactsPerTenant + rank + 1
const ownerOf = (id: number): number => Math.floor((id - 1) / config.contactsPerTenant) + 1
// IDs that exist for no tenant: the "not found" answers the cache also keeps.
const absentId = (tenantId: number): number => 1_000_000_000 + tenantId * 10 + Math.floor(next() * 10)

function drawCall(): { tenantId: number; ids: number[] } {
  const tenantId = tenantOfRank[drawTenantRank()] ?? 1
  const count = 1 + Math.floor(next() * config.maxIdsPerCall)
  const ids: number[] = []
  for (let i = 0; i < count; i++) {
    ids.push(next() < config.notFoundFraction ? absentId(tenantId) : contactId(tenantId, drawContactRank()))
  }
  return { tenantId, ids }
}

// --- measurement helpers ---------------------------------------------------------------

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

interface Sample {
  readonly atS: number
  readonly heapUsedMB: number
  readonly rssMB: number
  readonly entries: number
  readonly cacheMB: number
  readonly eventLoopP99Ms: number
  readonly eventLoopMaxMs: number
  readonly callsPerS: number
  /** Failed calls since the previous sample. */
  readonly errors: number
  /** The machine's 1-minute load average: other work on the same cores shows here. */
  readonly load1: number
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 100) / 100
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits
// monitorEventLoopDelay records whole intervals between its ticks: the delay is the excess.
const LOOP_RESOLUTION_MS = 10
const loopDelayMs = (nanoseconds: number): number => round(Math.max(0, nanoseconds / 1e6 - LOOP_RESOLUTION_MS))
const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)

// --- run -------------------------------------------------------------------------------

const table = `soak_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table name is generated
const admin = new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ uri: config.mysqlUrl, connectionLimit: 2 }) }) })
const dialect = createMysqlDialect({ connection: config.mysqlUrl, connectionLimit: config.connectionLimit })
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table name is generated
const db = new Kysely<any>({ dialect })

async function seedTable(): Promise<void> {
  await createContactsTable(admin, { table })
  const rows: Record<string, unknown>[] = []
  const flush = async (): Promise<void> => {
    if (rows.length === 0) return
    await admin.insertInto(table).values(rows.splice(0)).execute()
  }
  for (let tenantId = 1; tenantId <= config.tenants; tenantId++) {
    for (let rank = 0; rank < config.contactsPerTenant; rank++) {
      const id = contactId(tenantId, rank)
      rows.push({
        id,
        tenant_id: tenantId,
        first_name: `First ${id}`,
        last_name: `Last ${id}`,
        company_name: rank % 3 === 0 ? `Company ${tenantId}` : null,
        email: `c${id}@t${tenantId}.example`,
        phone: rank % 2 === 0 ? `+1 555 ${String(id).padStart(7, '0')}` : null,
        type: rank % 5 === 0 ? 'company' : 'person',
        created_at: '2026-01-01 00:00:00.000',
        updated_at: '2026-01-01 00:00:00.000',
      })
      if (rows.length === 1_000) await flush()
    }
  }
  await flush()
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).join(' ')
  const command = args === '' ? 'npm run soak' : `npm run soak -- ${args}`
  console.log(`soak: ${command}; ${config.durationMs / 1000} s at ${config.rate} calls/s; warm-up ${warmupMs / 1000} s; table ${table}`)
  await seedTable()
  const repository = new ContactRepository({
    db,
    table,
    maxEntries: config.maxEntries,
    ttl: config.ttl,
    maxConcurrentQueries: config.connectionLimit,
  })

  let callsWithMisses = 0
  let queries = 0
  subscribe(CHANNELS.getMany, (message) => {
    if ((message as GetManyEvent).misses > 0) callsWithMisses++
  })
  subscribe(CHANNELS.batchStart, () => { queries++ })

  const latency = createHistogram()
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
  const intervalDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
  const errors = new Map<string, number>()
  const countError = (code: string): void => { errors.set(code, (errors.get(code) ?? 0) + 1) }
  let calls = 0
  let violations = 0
  let writes = 0
  let tenantInvalidations = 0
  let outstanding = 0
  let maxOutstanding = 0
  const pending = new Set<Promise<void>>()
  const track = (promise: Promise<void>): void => {
    pending.add(promise)
    void promise.finally(() => pending.delete(promise))
  }

  const call = (): void => {
    const { tenantId, ids } = drawCall()
    const started = process.hrtime.bigint()
    calls++
    outstanding++
    maxOutstanding = Math.max(maxOutstanding, outstanding)
    track(
      repository.getMany(tenantId, ids).then(
        (result) => {
          latency.record(Math.max(1, Number(process.hrtime.bigint() - started)))
          // The contract, cheaply: every answer is one of the requested IDs, of this tenant, once.
          const distinct = new Set(ids)
          const seen = new Set<number>()
          for (const row of result.rows) {
            if (!distinct.has(row.id) || ownerOf(row.id) !== tenantId || seen.has(row.id)) violations++
            seen.add(row.id)
          }
          if (seen.size + result.missing.length !== distinct.size) violations++
        },
        (error: unknown) => {
          const { code = 'UNKNOWN', scope } = error as { code?: string; scope?: string }
          // Shed calls are told apart by which queue was full: the tenant's share or the whole.
          countError(scope === undefined ? code : `${code} (${scope})`)
        },
      ).finally(() => { outstanding-- }),
    )
  }

  const write = (): void => {
    const tenantId = tenantOfRank[drawTenantRank()] ?? 1
    const id = contactId(tenantId, drawContactRank())
    writes++
    track(
      sql`update ${sql.table(table)} set first_name = ${`Renamed ${writes}`}, updated_at = now(3) where id = ${id}`
        .execute(admin)
        .then(() => repository.invalidate(tenantId, [id]))
        .catch((error: unknown) => { countError(`WRITE_${(error as { code?: string }).code ?? 'UNKNOWN'}`) }),
    )
  }

  const samples: Sample[] = []
  const started = performance.now()
  // Ctrl-C ends the run early; the report and the cleanup still happen.
  const stop = new AbortController()
  process.once('SIGINT', () => { stop.abort() })
  loopDelay.enable()
  intervalDelay.enable()

  // Open loop: calls are started at the target rate whatever the latency, in 10 ms ticks.
  let due = 0
  let lastTick = started
  let nextSample = started + sampleEveryMs
  let nextTenantInvalidation = started + config.tenantInvalidationEveryMs
  let callsAtLastSample = 0
  let errorsAtLastSample = 0
  const errorCount = (): number => [...errors.values()].reduce((a, b) => a + b, 0) + violations
  let warmupDone = false
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    if (stop.signal.aborted) break
    const now = performance.now()
    if (now - started >= config.durationMs) break
    if (!warmupDone && now - started >= warmupMs) {
      warmupDone = true
      // Event-loop delay is reported after warm-up: start-up compiles and fills the cache.
      loopDelay.reset()
      latency.reset()
    }
    due += ((now - lastTick) / 1000) * config.rate
    lastTick = now
    while (due >= 1) {
      due--
      if (next() < config.writeFraction) write()
      else call()
    }
    if (now >= nextTenantInvalidation) {
      nextTenantInvalidation += config.tenantInvalidationEveryMs
      tenantInvalidations++
      track(repository.invalidateTenant(tenantOfRank[drawTenantRank()] ?? 1))
    }
    if (now >= nextSample) {
      nextSample += sampleEveryMs
      // Forced GC pauses the loop; keep that out of the event-loop figures.
      loopDelay.disable()
      intervalDelay.disable()
      gc()
      const memory = process.memoryUsage()
      const stats = repository.stats()
      const sample: Sample = {
        atS: round((now - started) / 1000, 1),
        heapUsedMB: mb(memory.heapUsed),
        rssMB: mb(memory.rss),
        entries: stats.entries,
        cacheMB: mb(stats.bytes),
        eventLoopP99Ms: loopDelayMs(intervalDelay.percentile(99)),
        eventLoopMaxMs: loopDelayMs(intervalDelay.max),
        callsPerS: Math.round((calls - callsAtLastSample) / (sampleEveryMs / 1000)),
        errors: errorCount() - errorsAtLastSample,
        load1: round(loadavg()[0] ?? 0),
      }
      callsAtLastSample = calls
      errorsAtLastSample += sample.errors
      samples.push(sample)
      console.log(
        `t=${sample.atS}s heap=${sample.heapUsedMB}MB rss=${sample.rssMB}MB entries=${sample.entries} ` +
          `loop p99=${sample.eventLoopP99Ms}ms max=${sample.eventLoopMaxMs}ms calls/s=${sample.callsPerS} ` +
          `errors=${sample.errors} load=${sample.load1}`,
      )
      intervalDelay.reset()
      loopDelay.enable()
      intervalDelay.enable()
      // Skip the ticks the GC ate rather than bursting to catch up.
      lastTick = performance.now()
    }
  }
  loopDelay.disable()
  intervalDelay.disable()
  const ranMs = performance.now() - started

  // Let every call settle, then look at what is left behind.
  while (pending.size > 0) await Promise.allSettled([...pending])
  const end = repository.stats()
  const pool = dialect.poolStats()

  const afterWarmup = samples.filter((s) => s.atS * 1000 >= warmupMs)
  const baseline = mean(afterWarmup.slice(0, 3).map((s) => s.heapUsedMB))
  const final = mean(afterWarmup.slice(-3).map((s) => s.heapUsedMB))
  const heapGrowthPct = afterWarmup.length >= 2 ? round(((final - baseline) / baseline) * 100) : Number.NaN
  const errorTotal = errorCount()
  const queriesPerCallWithMisses = callsWithMisses === 0 ? 0 : round(queries / callsWithMisses, 3)
  const hitRate = end.hits + end.misses === 0 ? 0 : round((end.hits / (end.hits + end.misses)) * 100, 1)

  const report = {
    command,
    finishedAt: new Date().toISOString(),
    machine: { node: process.version, platform: `${process.platform} ${process.arch}` },
    config: { ...config, mysqlUrl: undefined, warmupMs, sampleEveryMs },
    ranS: round(ranMs / 1000, 1),
    calls,
    callsPerS: Math.round(calls / (ranMs / 1000)),
    maxOutstandingCalls: maxOutstanding,
    writes,
    tenantInvalidations,
    errors: { total: errorTotal, byCode: Object.fromEntries(errors), contractViolations: violations },
    hitRatePct: hitRate,
    queries,
    callsWithMisses,
    queriesPerCallWithMisses,
    latencyMs: {
      p50: round(latency.percentile(50) / 1e6, 3),
      p99: round(latency.percentile(99) / 1e6, 3),
      max: round(latency.max / 1e6, 3),
    },
    eventLoopDelayMs: {
      p50: loopDelayMs(loopDelay.percentile(50)),
      p99: loopDelayMs(loopDelay.percentile(99)),
      max: loopDelayMs(loopDelay.max),
    },
    heap: { baselineMB: round(baseline), finalMB: round(final), growthPct: heapGrowthPct, samples },
    end: {
      repository: {
        inflight: end.inflight,
        activeQueries: end.activeQueries,
        queuedQueries: end.queuedQueries,
        entries: end.entries,
        cacheMB: mb(end.bytes),
        tenants: end.tenants,
        evictions: end.evictions,
        invalidations: end.invalidations,
        errors: end.errors,
        timeouts: end.timeouts,
        shed: end.shed,
        batchSize: end.batchSize,
        batchDurationMs: end.batchDurationMs,
      },
      pool,
    },
    targets: {
      heapGrowthAfterWarmup: { target: '<= 5%', value: `${heapGrowthPct}%`, met: heapGrowthPct <= 5 },
      errors: { target: '0', value: String(errorTotal), met: errorTotal === 0 },
      queriesPerCallWithMisses: { target: '<= 1', value: String(queriesPerCallWithMisses), met: queriesPerCallWithMisses <= 1 },
      quietAtEnd: {
        target: 'nothing in flight, no query running or queued, no connection in use or waited for',
        value: `inflight ${end.inflight}, active ${end.activeQueries}, queued ${end.queuedQueries}, in use ${pool.inUse}, waiting ${pool.waiting}`,
        met: end.inflight === 0 && end.activeQueries === 0 && end.queuedQueries === 0 && pool.inUse === 0 && pool.waiting === 0,
      },
    },
  }

  mkdirSync(dirname(config.out), { recursive: true })
  writeFileSync(`${config.out}.json`, `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(`${config.out}.md`, markdown(report))
  console.log(markdown(report))
  console.log(`wrote ${config.out}.json and ${config.out}.md`)
}

function markdown(report: {
  command: string
  finishedAt: string
  machine: { node: string; platform: string }
  ranS: number
  calls: number
  callsPerS: number
  maxOutstandingCalls: number
  writes: number
  tenantInvalidations: number
  errors: { total: number; byCode: Record<string, number>; contractViolations: number }
  hitRatePct: number
  queries: number
  callsWithMisses: number
  queriesPerCallWithMisses: number
  latencyMs: { p50: number; p99: number; max: number }
  eventLoopDelayMs: { p50: number; p99: number; max: number }
  heap: { baselineMB: number; finalMB: number; growthPct: number; samples: readonly Sample[] }
  end: { repository: object; pool: object }
  targets: Record<string, { target: string; value: string; met: boolean }>
}): string {
  const lines = [
    '# Soak report',
    '',
    `Command: \`${report.command}\` (finished ${report.finishedAt}; ${report.machine.node}, ${report.machine.platform};`,
    `MariaDB on loopback; 2 shared cores). Zipf workload: ${config.tenants} tenants (s=${config.tenantSkew}),`,
    `${config.contactsPerTenant} contacts each (s=${config.contactSkew}), 1-${config.maxIdsPerCall} IDs per call,`,
    `${config.notFoundFraction * 100}% absent IDs, ${config.writeFraction * 100}% of operations a write + invalidate,`,
    `a tenant invalidated every ${config.tenantInvalidationEveryMs / 1000} s; cache of ${config.maxEntries} entries`,
    `(a fifth of the rows), TTL ${config.ttl / 1000} s, pool of ${config.connectionLimit}. Warm-up ${warmupMs / 1000} s.`,
    '',
    '## Targets',
    '',
    '| target | wanted | measured | met |',
    '|---|---|---|---|',
    ...Object.entries(report.targets).map(([name, t]) => `| ${name} | ${t.target} | ${t.value} | ${t.met ? 'yes' : 'NO'} |`),
    '',
    '## Figures',
    '',
    '| figure | value |',
    '|---|---|',
    `| ran | ${report.ranS} s |`,
    `| calls | ${report.calls} (${report.callsPerS}/s; at most ${report.maxOutstandingCalls} outstanding) |`,
    `| writes + invalidations | ${report.writes}; tenant invalidations ${report.tenantInvalidations} |`,
    `| errors | ${report.errors.total} ${JSON.stringify(report.errors.byCode)}; contract violations ${report.errors.contractViolations} |`,
    `| hit rate (IDs) | ${report.hitRatePct}% |`,
    `| queries / calls with misses | ${report.queries} / ${report.callsWithMisses} = ${report.queriesPerCallWithMisses} |`,
    `| getMany latency after warm-up | p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms |`,
    `| event-loop delay after warm-up | p50 ${report.eventLoopDelayMs.p50} ms, p99 ${report.eventLoopDelayMs.p99} ms, max ${report.eventLoopDelayMs.max} ms |`,
    `| heap after GC (after warm-up) | ${report.heap.baselineMB} MB -> ${report.heap.finalMB} MB (${report.heap.growthPct}%) |`,
    `| repository at the end | ${JSON.stringify(report.end.repository)} |`,
    `| pool at the end | ${JSON.stringify(report.end.pool)} |`,
    '',
    '## Heap after GC over time',
    '',
    'Per interval: event-loop delay, calls started, failed calls, and the machine load average.',
    '',
    '| t (s) | heap used (MB) | rss (MB) | cache entries | cache (MB est.) | loop p99 / max (ms) | calls/s | errors | load |',
    '|---|---|---|---|---|---|---|---|---|',
    ...report.heap.samples.map(
      (s) =>
        `| ${s.atS} | ${s.heapUsedMB} | ${s.rssMB} | ${s.entries} | ${s.cacheMB} | ${s.eventLoopP99Ms} / ${s.eventLoopMaxMs} | ` +
        `${s.callsPerS} | ${s.errors} | ${s.load1} |`,
    ),
    '',
  ]
  return lines.join('\n')
}

try {
  await main()
} finally {
  await admin.schema.dropTable(table).ifExists().execute().catch((error: unknown) => {
    console.error(`could not drop ${table}:`, error)
  })
  await Promise.allSettled([db.destroy(), admin.destroy()])
}
