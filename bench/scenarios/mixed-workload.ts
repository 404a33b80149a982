import { setImmediate as nextMacrotask } from 'node:timers/promises'
import { ContactRepository } from '../../src/index.js'
import { beladyHits } from '../lib/belady.js'
import { fillTenants, openBenchTable, selectContactsSql, type BenchTable } from '../lib/bench-table.js'
import { formatDuration, formatNumber, formatPercent } from '../lib/format.js'
import { simulateHitRates, type HitRateSimulation } from '../lib/hit-rate-simulation.js'
import { lruHits } from '../lib/lru-hits.js'
import { wTinyLfuHits } from '../lib/w-tiny-lfu-hits.js'
import { callIds, generateMultiTenantTrace, type MultiTenantTrace } from '../lib/multi-tenant-trace.js'
import { summarize, type Distribution } from '../lib/percentiles.js'
import { hitRate, lruContents, warmRepository } from '../lib/replay.js'
import type { Chart, ReportTable, Scenario, TargetCheck } from '../lib/scenario.js'
import { layTenants, type TenantRange } from '../lib/tenant-layout.js'

const EXPONENTS = [0.8, 0.99] as const
const CACHE_FRACTIONS = [0.01, 0.05, 0.1] as const
const IDS_PER_CALL = 10
const TENANTS = 8
// The field notes' figures for one Zipf over 1,000,000 IDs, one ID per request (LRU, Belady, W-TinyLFU).
const FIELD_NOTES: Record<number, Record<number, readonly [number, number, number]>> = {
  0.99: { 0.01: [0.566, 0.701, 0.628], 0.05: [0.699, 0.796, 0.728], 0.1: [0.755, 0.822, 0.764] },
  0.8: { 0.01: [0.232, 0.428, 0.32], 0.05: [0.389, 0.587, 0.451], 0.1: [0.479, 0.653, 0.515] },
}
// Issue 9: the repository at least W-TinyLFU − 0.5 point in every cell.
const W_TINY_LFU_MARGIN = 0.005

interface HitRates {
  readonly s: number
  readonly fraction: number
  readonly capacity: number
  readonly belady: number
  readonly lru: number
  readonly wTinyLfu: number
  readonly repository: number
  readonly repositoryNoTenantCap: number
}

interface Latency {
  readonly s: number
  /** Undefined: no cache, one raw query per call. */
  readonly fraction: number | undefined
  readonly hitRate: number
  readonly cacheOnlyCalls: number
  readonly queriesPerCall: number
  readonly perCallMs: Distribution
}

const scenario: Scenario = {
  id: 'mixed-workload',
  title: 'Mixed workload: hit rate beside plain LRU, W-TinyLFU and Belady, latency per call',
  order: 3,
  measures: 'hit rate on 2,000,000 Zipf ID requests (s = 0.8, 0.99; cache 1/5/10%) over 8 tenants; latency per call at that hit rate',
  against: "plain LRU, W-TinyLFU (transitory) and Belady's optimal on the same trace",
  async run({ quick, log }) {
    const totalIds = quick ? 20_000 : 1_000_000
    const calls = quick ? 2_000 : 200_000
    const segment = quick ? 50 : 2_000
    const layoutOptions = { totalIds, tenants: TENANTS, skew: 1 }
    const layout = layTenants(layoutOptions)
    const rates: HitRates[] = []
    const latencies: Latency[] = []
    const crossCheck: { s: number; fraction: number; lru: number; belady: number; wTinyLfu: number }[] = []

    // Hit rates first: the repository's replays run two at a time in probe processes (their
    // counts do not depend on speed) while this process computes LRU and Belady.
    const simulation = (s: number, capacity: number, tenantCapOff: boolean): HitRateSimulation => ({
      layout: layoutOptions,
      trace: { s, calls, idsPerCall: IDS_PER_CALL, seed: seedOf(s) },
      maxEntries: capacity,
      ...(tenantCapOff ? { maxEntriesPerTenant: capacity } : {}),
    })
    const cells = EXPONENTS.flatMap((s) => CACHE_FRACTIONS.map((fraction) => ({ s, fraction, capacity: Math.round(totalIds * fraction) })))
    const replays = simulateHitRates(
      cells.flatMap((cell) => [simulation(cell.s, cell.capacity, false), simulation(cell.s, cell.capacity, true)]),
      quick,
    )
    const offline = new Map<string, { lru: number; belady: number; wTinyLfu: number }>()
    const traces = new Map<number, MultiTenantTrace>()
    for (const s of EXPONENTS) {
      // One trace per exponent; its first `calls` calls are the hit-rate trace, the next
      // `segment` calls the ones timed against MariaDB (the probes generate the same prefix).
      const trace = generateMultiTenantTrace({ tenants: layout, s, calls: calls + segment, idsPerCall: IDS_PER_CALL, seed: seedOf(s) })
      traces.set(s, trace)
      const accesses = trace.ids.subarray(0, calls * IDS_PER_CALL)
      for (const fraction of CACHE_FRACTIONS) {
        const capacity = Math.round(totalIds * fraction)
        offline.set(`${s}/${fraction}`, {
          lru: lruHits(accesses, capacity) / accesses.length,
          belady: beladyHits(accesses, capacity) / accesses.length,
          wTinyLfu: wTinyLfuHits(accesses, capacity) / accesses.length,
        })
        await nextMacrotask()
      }
      // The field notes' setting: one tenant, one ID per request.
      const single = generateMultiTenantTrace({ tenants: layTenants({ totalIds, tenants: 1, skew: 0 }), s, calls: calls * IDS_PER_CALL, idsPerCall: 1, seed: 1 })
      for (const fraction of CACHE_FRACTIONS) {
        const capacity = Math.round(totalIds * fraction)
        crossCheck.push({
          s,
          fraction,
          lru: lruHits(single.ids, capacity) / single.ids.length,
          belady: beladyHits(single.ids, capacity) / single.ids.length,
          wTinyLfu: wTinyLfuHits(single.ids, capacity) / single.ids.length,
        })
        await nextMacrotask()
      }
    }
    const replayed = await replays
    cells.forEach((cell, i) => {
      const known = offline.get(`${cell.s}/${cell.fraction}`)
      const capped = replayed[2 * i]
      const uncapped = replayed[2 * i + 1]
      if (known === undefined || capped === undefined || uncapped === undefined) throw new Error('a hit-rate replay is missing')
      const rate = { ...cell, ...known, repository: hitRate(capped.tenants), repositoryNoTenantCap: hitRate(uncapped.tenants) }
      rates.push(rate)
      log(`s=${cell.s} cache ${formatPercent(cell.fraction)}: Belady ${formatPercent(rate.belady)}, LRU ${formatPercent(rate.lru)}, W-TinyLFU ${formatPercent(rate.wTinyLfu)}, repository ${formatPercent(rate.repository)} (no tenant cap ${formatPercent(rate.repositoryNoTenantCap)})`)
    })

    // Then latency, alone on the machine, against MariaDB.
    const bench = await openBenchTable('mixed', 4)
    try {
      log(`filling MariaDB with ${formatNumber(totalIds)} contacts`)
      await fillTenants(bench, layout)
      for (const s of EXPONENTS) {
        const trace = traces.get(s)
        if (trace === undefined) continue
        latencies.push(...(await timeSegment(bench, layout, trace, calls, segment, s, totalIds)))
        log(`s=${s}: latency measured`)
      }
    } finally {
      await bench.close()
    }

    const worst = rates.reduce<HitRates | undefined>((w, r) => (w === undefined || r.repository - r.lru < w.repository - w.lru ? r : w), undefined)
    const worstVsWTinyLfu = rates.reduce<HitRates | undefined>((w, r) => (w === undefined || r.repository - r.wTinyLfu < w.repository - w.wTinyLfu ? r : w), undefined)
    const atLeastWTinyLfu = (r: HitRates): boolean => r.repository + W_TINY_LFU_MARGIN + 1e-9 >= r.wTinyLfu
    const targets: TargetCheck[] = [
      {
        target: 'Hit rate: at least plain LRU everywhere (Zipf 0.8/0.99, cache 1/5/10%)',
        measured:
          worst === undefined
            ? 'n/a'
            : `worst: ${pp(worst.repository - worst.lru)} vs LRU (s=${worst.s}, cache ${formatPercent(worst.fraction)}: ${formatPercent(worst.repository)} vs ${formatPercent(worst.lru)}); ${rates.filter((r) => r.repository + 0.0005 >= r.lru).length} of ${rates.length} cells at or above LRU`,
        met: quick || worst === undefined ? undefined : rates.every((r) => r.repository + 0.0005 >= r.lru),
      },
      {
        target: 'Hit rate: at least W-TinyLFU − 0.5 point in every cell (Zipf 0.8/0.99, cache 1/5/10%)',
        measured:
          worstVsWTinyLfu === undefined
            ? 'n/a'
            : `worst: ${pp(worstVsWTinyLfu.repository - worstVsWTinyLfu.wTinyLfu)} vs W-TinyLFU (s=${worstVsWTinyLfu.s}, cache ${formatPercent(worstVsWTinyLfu.fraction)}: ${formatPercent(worstVsWTinyLfu.repository)} vs ${formatPercent(worstVsWTinyLfu.wTinyLfu)}; per-tenant cap off ${formatPercent(worstVsWTinyLfu.repositoryNoTenantCap)}); ${rates.filter(atLeastWTinyLfu).length} of ${rates.length} cells within 0.5 point or above`,
        met: quick || worstVsWTinyLfu === undefined ? undefined : rates.every(atLeastWTinyLfu),
      },
    ]
    const tables: ReportTable[] = [
      ...EXPONENTS.map((s) => ({
        title: `Hit rate, Zipf s=${s}, ${TENANTS} tenants, ${formatNumber(calls * IDS_PER_CALL)} ID requests in ${formatNumber(calls)} calls of ${IDS_PER_CALL}`,
        columns: ['Cache size', "Belady's optimal", 'plain LRU', 'W-TinyLFU (transitory)', 'repository (default per-tenant cap)', 'repository − LRU', 'repository − W-TinyLFU', 'repository, per-tenant cap off', 'repository − LRU (cap off)'],
        rows: rates
          .filter((r) => r.s === s)
          .map((r) => [
            `${formatPercent(r.fraction)} (${formatNumber(r.capacity)} entries)`,
            formatPercent(r.belady),
            formatPercent(r.lru),
            formatPercent(r.wTinyLfu),
            formatPercent(r.repository),
            pp(r.repository - r.lru),
            pp(r.repository - r.wTinyLfu),
            formatPercent(r.repositoryNoTenantCap),
            pp(r.repositoryNoTenantCap - r.lru),
          ]),
      })),
      {
        title: `Latency per call of ${IDS_PER_CALL} IDs against MariaDB, at the hit rates above (repository with the default per-tenant cap)`,
        columns: ['Workload', 'hit rate in the timed calls', 'calls answered from cache alone', 'p50', 'p99', 'mean', 'queries per call'],
        rows: latencies.map((l) => [
          `s=${l.s}, ${l.fraction === undefined ? 'no cache: one raw mysql2 IN query per call' : `cache ${formatPercent(l.fraction)}`}`,
          formatPercent(l.hitRate),
          formatPercent(l.cacheOnlyCalls),
          formatDuration(l.perCallMs.p50),
          formatDuration(l.perCallMs.p99),
          formatDuration(l.perCallMs.mean),
          formatNumber(l.queriesPerCall),
        ]),
        note: `The ${formatNumber(segment)} calls that follow the hit-rate trace, one at a time, each made by every contender in turn (rotating order), after warming each cache with what a plain LRU would hold at that point (loaded in batches, so recency is approximate: compare the hit rate in the timed calls with the table above).`,
      },
      {
        title: 'Cross-check of the workload generator: one tenant, one ID per request, as in the field notes',
        columns: ['Workload', 'plain LRU', 'field notes LRU', "Belady's optimal", 'field notes Belady', 'W-TinyLFU (transitory)', 'field notes W-TinyLFU'],
        rows: crossCheck.map((c) => {
          const notes = FIELD_NOTES[c.s]?.[c.fraction]
          const noted = (k: 0 | 1 | 2): string => (quick || notes === undefined ? '–' : formatPercent(notes[k]))
          return [`s=${c.s}, cache ${formatPercent(c.fraction)}`, formatPercent(c.lru), noted(0), formatPercent(c.belady), noted(1), formatPercent(c.wTinyLfu), noted(2)]
        }),
      },
    ]
    const charts: Chart[] = [
      ...EXPONENTS.map((s): Chart => ({
        kind: 'lines',
        id: `hit-rate-s${String(s).replace('.', '')}`,
        title: `Hit rate vs cache size, Zipf s=${s}, ${TENANTS} tenants`,
        xLabel: `cache size, % of the ${formatNumber(totalIds)} IDs`,
        yLabel: 'hit rate, %',
        series: [
          { label: "Belady's optimal", points: rates.filter((r) => r.s === s).map((r) => ({ x: r.fraction * 100, y: r.belady * 100 })) },
          { label: 'plain LRU', points: rates.filter((r) => r.s === s).map((r) => ({ x: r.fraction * 100, y: r.lru * 100 })) },
          { label: 'W-TinyLFU (transitory)', points: rates.filter((r) => r.s === s).map((r) => ({ x: r.fraction * 100, y: r.wTinyLfu * 100 })) },
          { label: 'repository (default)', points: rates.filter((r) => r.s === s).map((r) => ({ x: r.fraction * 100, y: r.repository * 100 })) },
          { label: 'repository, cap off', points: rates.filter((r) => r.s === s).map((r) => ({ x: r.fraction * 100, y: r.repositoryNoTenantCap * 100 })) },
        ],
      })),
      {
        kind: 'bars',
        id: 'latency',
        title: `Mixed workload: latency per call of ${IDS_PER_CALL} IDs (MariaDB), lower is better`,
        unit: 'microseconds per call',
        log: true,
        groups: EXPONENTS.map((s) => ({
          label: `Zipf s=${s}`,
          bars: latencies
            .filter((l) => l.s === s)
            .flatMap((l) => {
              const name = l.fraction === undefined ? 'no cache' : `cache ${formatPercent(l.fraction)}`
              return [
                { label: `${name}, p50`, value: l.perCallMs.p50 * 1000 },
                { label: `${name}, p99`, value: l.perCallMs.p99 * 1000 },
              ]
            }),
        })),
      },
    ]
    return {
      method: [
        `${formatNumber(totalIds)} contacts over ${TENANTS} tenants whose sizes and traffic shares fall off as 1/rank (the largest has ${formatPercent(layout[0]?.share ?? NaN)} of both). Each call picks a tenant by its share, then ${IDS_PER_CALL} distinct IDs from that tenant's own Zipf distribution; ${formatNumber(calls)} calls make the ${formatNumber(calls * IDS_PER_CALL)} ID requests whose hit rate is reported. Same trace (same seed) for every policy.`,
        `Cache sizes are in entries (${CACHE_FRACTIONS.map((f) => formatPercent(f)).join(', ')} of all IDs); the repository gets maxEntries = that size and a byte bound too large to matter. "Default per-tenant cap" is the library's default maxEntriesPerTenant (maxEntries / 4); "cap off" sets it to maxEntries.`,
        "Hit rates of plain LRU (one lru-cache with max = cache size, over the flattened trace), W-TinyLFU (transitory's BoundedCache with maxSize = cache size, held to it after every insertion: see bench/lib/w-tiny-lfu-hits.ts) and Belady's optimal are computed offline on the same trace. The repository's hit rate is its own count (get-many diagnostics channel) while every call is replayed in order, each awaited before the next. For that replay ONLY, its Kysely instance answers from an in-memory copy of the MariaDB rows (bench/lib/in-memory-contacts-db.ts) instead of MariaDB: the whole repository path runs, only the server is absent. TTL is one hour there so that nothing expires; replays run two at a time in probe processes, which cannot change a count.",
`Latency per call is measured against the real MariaDB (${formatNumber(totalIds)}-row table, pool of 4), one call at a time; those calls are not interleaved with anything else.`,
      ],
      tables,
      targets,
      charts,
      figures: { hitRates: rates, latency: latencies, crossCheck, calls, idsPerCall: IDS_PER_CALL, layout },
    }
  },
}
export default scenario

function seedOf(s: number): number {
  return Math.round(s * 1000)
}

function pp(difference: number): string {
  const points = difference * 100
  return `${points >= 0 ? '+' : '−'}${Math.abs(points).toFixed(1)} pp`
}

/**
 * Times the `count` calls after `from`: the repository at each cache size (warmed with what a
 * plain LRU holds at that point) and a raw query per call without cache, interleaved call by
 * call in a rotating order. The table does not fit MariaDB's buffer pool, so whoever reads a
 * row first pays for its page; rotating spreads that over all contenders.
 */
async function timeSegment(
  bench: BenchTable,
  layout: readonly TenantRange[],
  trace: MultiTenantTrace,
  from: number,
  count: number,
  s: number,
  totalIds: number,
): Promise<Latency[]> {
  const contenders: { fraction: number | undefined; repository: ContactRepository | undefined; times: number[]; cacheOnly: number }[] = []
  for (const fraction of CACHE_FRACTIONS) {
    const capacity = Math.round(totalIds * fraction)
    const repository = new ContactRepository({ db: bench.db, table: bench.table, maxEntries: capacity, maxBytes: 2 ** 34, maxConcurrentQueries: bench.connectionLimit })
    await warmRepository(repository, layout, lruContents(trace.ids, from * trace.idsPerCall, capacity))
    contenders.push({ fraction, repository, times: [], cacheOnly: 0 })
  }
  contenders.push({ fraction: undefined, repository: undefined, times: [], cacheOnly: 0 })
  const before = contenders.map((c) => c.repository?.stats())
  const query = selectContactsSql(bench.table, trace.idsPerCall)
  for (let c = from; c < from + count; c++) {
    const tenantId = trace.tenantIds[c] as number
    const ids = callIds(trace, c)
    for (let k = 0; k < contenders.length; k++) {
      const contender = contenders[(k + c) % contenders.length]
      if (contender === undefined) continue
      const { repository } = contender
      const missesBefore = repository?.stats().misses
      const start = performance.now()
      if (repository === undefined) await bench.pool.execute(query, [tenantId, ...ids])
      else await repository.getMany(tenantId, ids)
      contender.times.push(performance.now() - start)
      if (repository !== undefined && repository.stats().misses === missesBefore) contender.cacheOnly++
    }
  }
  return contenders.map((contender, i) => {
    const first = before[i]
    const last = contender.repository?.stats()
    return {
      s,
      fraction: contender.fraction,
      hitRate: first === undefined || last === undefined ? 0 : hitRate({ hits: last.hits - first.hits, misses: last.misses - first.misses }),
      cacheOnlyCalls: contender.cacheOnly / count,
      queriesPerCall: first === undefined || last === undefined ? 1 : (last.queries - first.queries) / count,
      perCallMs: summarize(contender.times),
    }
  })
}
