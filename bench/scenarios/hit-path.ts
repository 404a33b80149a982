import type { HitPathProbeInput, HitPathProbeOutput } from '../probes/hit-path-probe.js'
import type { HitPathScaleProbeInput, HitPathScaleProbeOutput } from '../probes/hit-path-scale-probe.js'
import { fillTenants, openBenchTable } from '../lib/bench-table.js'
import { formatDuration, formatNumber, formatRatio } from '../lib/format.js'
import { HIT_PATH_CONTENDERS } from '../lib/hit-path-contenders.js'
import { summarize } from '../lib/percentiles.js'
import { runProbe } from '../lib/run-probe.js'
import type { ReportTable, Scenario, TargetCheck } from '../lib/scenario.js'
import { layTenants } from '../lib/tenant-layout.js'

// IDs per call, and calls per timed sample: a 1-ID hit is too short to time alone.
const SIZES = [
  { ids: 1, batch: 256 },
  { ids: 10, batch: 64 },
  { ids: 50, batch: 16 },
] as const

interface Row {
  readonly name: string
  readonly nsPerId: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly ratio: number
}

const scenario: Scenario = {
  id: 'hit-path',
  title: 'Hit path: getMany of 1, 10 and 50 cached IDs',
  order: 1,
  measures: 'getMany of 1, 10, 50 cached IDs: ns per ID, p50/p99; at scale, 1M contacts over 10,000 tenants',
  against: 'a plain `Map` per tenant (the floor), lru-cache per tenant and with `${tenant}:${id}` keys, DataLoader 2 over lru-cache; each contender in its own process',
  async run({ quick, log }) {
    const layout = layTenants({ totalIds: 8_000, tenants: 4, skew: 0 })
    const bench = await openBenchTable('hit', 4)
    const rounds = quick ? 1 : 3
    const samples = new Map<string, Map<number, number[]>>(HIT_PATH_CONTENDERS.map((c) => [c.key, new Map(SIZES.map((s) => [s.ids, []]))]))
    let queries = 0
    try {
      await fillTenants(bench, layout)
      const probe = async (contenders: HitPathProbeInput['contenders']): Promise<void> => {
        const input: HitPathProbeInput = {
          table: bench.table,
          layout,
          contenders,
          sizes: SIZES,
          timeMs: quick ? 20 : 300,
          warmupMs: quick ? 10 : 200,
          seed: 42,
        }
        const output = await runProbe<HitPathProbeOutput>(new URL('../probes/hit-path-probe.ts', import.meta.url), input, ['--expose-gc'])
        queries += output.queries
        for (const [key, bySize] of Object.entries(output.samples)) {
          for (const { ids } of SIZES) samples.get(key)?.get(ids)?.push(...(bySize[ids] ?? []))
        }
      }
      if (quick) await probe(HIT_PATH_CONTENDERS.map((c) => c.key))
      for (let round = 0; round < rounds && !quick; round++) {
        for (let k = 0; k < HIT_PATH_CONTENDERS.length; k++) {
          const contender = HIT_PATH_CONTENDERS[(k + round) % HIT_PATH_CONTENDERS.length]
          if (contender !== undefined) await probe([contender.key])
        }
        log(`round ${round + 1} of ${rounds} done`)
      }
    } finally {
      await bench.close()
    }

    // At scale: every contact of many tenants cached, random IDs of a random tenant per call.
    const scale: HitPathScaleProbeInput = quick
      ? { tenants: 100, perTenant: 100, idsPerCall: 50, rounds: 1, timeMs: 20, seed: 7 }
      : { tenants: 10_000, perTenant: 100, idsPerCall: 50, rounds: 5, timeMs: 300, seed: 7 }
    log(`at scale: ${formatNumber(scale.tenants * scale.perTenant)} contacts over ${formatNumber(scale.tenants)} tenants`)
    const scaleOut = await runProbe<HitPathScaleProbeOutput>(new URL('../probes/hit-path-scale-probe.ts', import.meta.url), scale, ['--expose-gc', '--max-old-space-size=4096'])
    const scaleFloor = summarize(scaleOut.samples['map-floor']).p50
    const scaleRows = (['map-floor', 'repository', 'repository-call-only'] as const).map((key) => {
      const d = summarize(scaleOut.samples[key])
      return { key, nsPerId: (d.p50 * 1e6) / scale.idsPerCall, p50Ms: d.p50, p99Ms: d.p99, ratio: d.p50 / scaleFloor }
    })
    const scaleNames = { 'map-floor': 'Map per tenant holding the same Contact objects (floor)', repository: 'ContactRepository.getMany, awaited', 'repository-call-only': 'ContactRepository.getMany, call only' }
    const scaleRepository = scaleRows.find((row) => row.key === 'repository')

    const results: Record<number, Row[]> = {}
    for (const { ids } of SIZES) {
      const floor = summarize(samples.get('map-floor')?.get(ids) ?? []).p50
      results[ids] = HIT_PATH_CONTENDERS.map((c) => {
        const d = summarize(samples.get(c.key)?.get(ids) ?? [])
        return { name: c.name, nsPerId: (d.p50 * 1e6) / ids, p50Ms: d.p50, p99Ms: d.p99, ratio: d.p50 / floor }
      })
    }
    const tables: ReportTable[] = SIZES.map(({ ids }) => ({
      title: `getMany of ${ids} cached ID${ids === 1 ? '' : 's'} (tenant 1 of 4)`,
      columns: ['Contender', 'ns per ID (p50)', 'per call p50', 'per call p99', 'ratio to Map floor (p50)'],
      rows: (results[ids] ?? []).map((r) => [r.name, formatNumber(r.nsPerId), formatDuration(r.p50Ms), formatDuration(r.p99Ms), formatRatio(r.ratio)]),
    }))
    tables.push({
      title: `At scale: getMany of ${scale.idsPerCall} random cached IDs of a random tenant, ${formatNumber(scaleOut.entries)} contacts cached over ${formatNumber(scale.tenants)} tenants`,
      columns: ['Contender', 'ns per ID (p50)', 'per call p50', 'per call p99', 'ratio to Map floor (p50)'],
      rows: scaleRows.map((r) => [scaleNames[r.key], formatNumber(r.nsPerId), formatDuration(r.p50Ms), formatDuration(r.p99Ms), formatRatio(r.ratio)]),
    })
    const repositoryName = HIT_PATH_CONTENDERS.find((c) => c.key === 'repository')?.name
    const target = (ids: number, max: number): TargetCheck => {
      const repository = results[ids]?.find((r) => r.name === repositoryName)
      return {
        target: `Hit path, ${ids} IDs: at most ${max}x the Map floor per ID (awaited)`,
        measured: repository === undefined ? 'n/a' : `${formatRatio(repository.ratio)} (${formatNumber(repository.nsPerId)} vs ${formatNumber(results[ids]?.[0]?.nsPerId ?? NaN)} ns per ID)`,
        met: quick || repository === undefined ? undefined : repository.ratio <= max,
      }
    }
    const targets: TargetCheck[] = [
      target(50, 1.5),
      target(10, 2),
      {
        target: 'Hit path at scale (1,000,000 contacts over 10,000 tenants, 50 IDs): at most 1.5x a Map per tenant holding the same objects',
        measured: scaleRepository === undefined ? 'n/a' : `${formatRatio(scaleRepository.ratio)} (${formatNumber(scaleRepository.nsPerId)} vs ${formatNumber(scaleRows[0]?.nsPerId ?? NaN)} ns per ID)`,
        met: quick || scaleRepository === undefined ? undefined : scaleRepository.ratio <= 1.5,
      },
    ]
    return {
      method: [
        'Tenant 1 of 4 (2,000 contacts each, every one cached beforehand); each call asks for distinct IDs drawn at random from it: the same 64 ID lists, in the same order, for every contender. Every contender builds the same { rows, missing } result.',
        `${quick ? '(Quick run: all contenders share one process.) ' : ''}Each contender runs in a Node process of its own: contenders sharing lru-cache's code in one process slow each other down (measured while building this: lru-cache per tenant went from 22 to about 40 ns per ID once the repository or a string-keyed lru-cache had run in the same process). The repository fills its cache through getMany from MariaDB; the baselines from a plain SELECT of the same rows.`,
        `Calls are timed in groups (${SIZES.map((s) => `${s.batch} calls of ${s.ids} ID${s.ids === 1 ? '' : 's'}`).join(', ')}) because one hit is too short for the clock; p50 and p99 are over those groups, so p99 understates a single call's tail. Async contenders are timed until their promise settles, as an awaiting caller waits; "call only" is the repository's own synchronous work, "Map floor, awaited" what the promise alone adds.`,
        `tinybench, ${rounds} round${rounds === 1 ? '' : 's'} per contender (${quick ? '20' : '300'} ms per size each), contenders interleaved across rounds. The repository sent ${queries} queries while measured (0 expected: all hits).`,
        `At scale, the repository is filled through getMany from the in-memory stand-in for MariaDB (a million rows), and the floor holds the very Contact objects the repository returned, so both point at the same rows in memory; the two are timed interleaved in one process, ${scale.rounds} rounds of ${scale.timeMs} ms. The repository sent ${scaleOut.queries} queries while measured (0 expected).`,
      ],
      tables,
      targets,
      charts: [
        {
          kind: 'bars',
          id: 'latency',
          title: 'Hit path: ns per ID (p50), lower is better',
          unit: 'ns per ID',
          log: true,
          groups: SIZES.map(({ ids }) => ({ label: `${ids} ID${ids === 1 ? '' : 's'} per call`, bars: (results[ids] ?? []).map((r) => ({ label: r.name, value: r.nsPerId })) })),
        },
      ],
      figures: { results, queriesWhileMeasured: queries, rounds, scale: { input: scale, rows: scaleRows, queriesWhileMeasured: scaleOut.queries } },
    }
  },
}
export default scenario
