import type { CacheMode } from '../../src/index.js'
import { formatNumber, formatPercent } from '../lib/format.js'
import { simulateHitRates, type HitRateSimulation } from '../lib/hit-rate-simulation.js'
import { lruHits } from '../lib/lru-hits.js'
import { callIds, generateMultiTenantTrace, type MultiTenantTrace } from '../lib/multi-tenant-trace.js'
import { hitRate } from '../lib/replay.js'
import type { Scenario, TargetCheck } from '../lib/scenario.js'
import { layTenants } from '../lib/tenant-layout.js'
import { UniformScan } from '../lib/uniform-scan.js'

const JOB_TENANT = 1_000
const PAGE = 100
// One job page after this many calls of the others: the job reads as many IDs as they do.
const CALLS_PER_PAGE = 10
const IDS_PER_CALL = 10
const S = 0.99
const CACHE_FRACTION = 0.05
const SEED = 4

interface Run {
  readonly label: string
  readonly jobMode: CacheMode | undefined
  readonly tenantCapOff: boolean
}

const RUNS: readonly Run[] = [false, true].flatMap((tenantCapOff) => {
  const cap = tenantCapOff ? ', per-tenant cap off' : ''
  return [
    { label: `no job (reference)${cap}`, jobMode: undefined, tenantCapOff },
    { label: `job in 'normal' mode${cap}`, jobMode: 'normal' as const, tenantCapOff },
    { label: `job in 'no-fill' mode${cap}`, jobMode: 'no-fill' as const, tenantCapOff },
  ]
})

const scenario: Scenario = {
  id: 'noisy-neighbour',
  title: 'Noisy neighbour: a tenant scans a huge range while the others run Zipf',
  order: 4,
  measures: "the other tenants' hit rate while one tenant scans a huge range",
  against: 'the same without the scan; the scan in `normal` and `no-fill` mode',
  async run({ quick, log }) {
    const othersIds = quick ? 20_000 : 1_000_000
    const calls = quick ? 2_000 : 100_000
    const jobRange = othersIds * 2
    const layoutOptions = { totalIds: othersIds, tenants: 8, skew: 1 }
    const layout = layTenants(layoutOptions)
    const jobFirstId = othersIds + 1
    const capacity = Math.round(othersIds * CACHE_FRACTION)
    const trace = generateMultiTenantTrace({ tenants: layout, s: S, calls, idsPerCall: IDS_PER_CALL, seed: SEED })
    const pages = Math.floor(calls / CALLS_PER_PAGE)

    // Plain LRU on the same interleaving, counting the others' hits only.
    const withJob = interleave(trace, jobFirstId, jobRange, pages)
    const lruAlone = lruHits(trace.ids, capacity) / trace.ids.length
    const lruWithJob = lruHits(withJob.keys, capacity, withJob.counted) / trace.ids.length

    const specs = RUNS.map((run): HitRateSimulation => ({
      layout: layoutOptions,
      trace: { s: S, calls, idsPerCall: IDS_PER_CALL, seed: SEED },
      maxEntries: capacity,
      ...(run.tenantCapOff ? { maxEntriesPerTenant: capacity } : {}),
      ...(run.jobMode === undefined
        ? {}
        : { job: { tenantId: JOB_TENANT, firstId: jobFirstId, range: jobRange, pageSize: PAGE, callsPerPage: CALLS_PER_PAGE, mode: run.jobMode } }),
    }))
    const replayed = await simulateHitRates(specs, quick)
    const measured = RUNS.map((run, i) => {
      const result = replayed[i]
      if (result === undefined) throw new Error('a replay is missing')
      const others = hitRate(result.tenants)
      log(`${run.label}: others' hit rate ${formatPercent(others)}`)
      return { run, others, job: hitRate(result.job), lru: run.jobMode === undefined ? lruAlone : lruWithJob }
    })
    // Each run against the run without a job and with the same per-tenant cap.
    const referenceOf = (run: Run): number => measured.find((m) => m.run.jobMode === undefined && m.run.tenantCapOff === run.tenantCapOff)?.others ?? NaN
    const noFill = measured.find((m) => m.run.jobMode === 'no-fill' && !m.run.tenantCapOff)
    const normal = measured.find((m) => m.run.jobMode === 'normal' && !m.run.tenantCapOff)
    const reference = referenceOf(RUNS[0] as Run)
    const targets: TargetCheck[] = [
      {
        target: "Noisy neighbour: no loss for the other tenants when a job scans in 'no-fill' mode",
        measured:
          noFill === undefined
            ? 'n/a'
            : `${formatPercent(noFill.others)} with the job vs ${formatPercent(reference)} without (${pp(noFill.others - reference)}); 'normal' mode: ${pp((normal?.others ?? NaN) - reference)}`,
        met: quick || noFill === undefined ? undefined : noFill.others + 0.0005 >= reference,
      },
    ]
    return {
      method: [
        `The others: ${formatNumber(othersIds)} contacts over 8 tenants, ${formatNumber(calls)} calls of ${IDS_PER_CALL} IDs from each tenant's Zipf (s=${S}), as in the mixed-workload scenario. The job: tenant ${JOB_TENANT} reads ${formatNumber(jobRange)} other contacts in ID order, ${PAGE} per call, one call after every ${CALLS_PER_PAGE} of the others' (as many ID requests as all the others together; ${formatNumber(pages * PAGE)} IDs over the run, none read twice).`,
        `Cache of ${formatNumber(capacity)} entries (${formatPercent(CACHE_FRACTION)} of the others' contacts), byte bound too large to matter. The default per-tenant cap (maxEntries / 4) already limits what a 'normal' job can take; the "cap off" rows show the job without it.`,
        "The others' hit rate comes from the repository's get-many diagnostics channel, per tenant. As in the mixed-workload scenario, the repository's Kysely instance answers from an in-memory copy of the rows (ONLY for this hit-rate count): no database, so the order of calls is exactly the trace's. Replays run two at a time in probe processes.",
        "Plain LRU is one lru-cache of the same size over the same interleaving (the job's reads included, only the others' hits counted); it has no no-fill mode.",
      ],
      tables: [
        {
          title: `Hit rate of the other tenants, Zipf s=${S}, cache ${formatPercent(CACHE_FRACTION)}`,
          columns: ['Run', "others' hit rate", 'change vs no job', "job's hit rate", 'plain LRU, others (same reads)'],
          rows: measured.map((m) => [
            m.run.label,
            formatPercent(m.others),
            m.run.jobMode === undefined ? '–' : pp(m.others - referenceOf(m.run)),
            m.run.jobMode === undefined ? '–' : formatPercent(m.job),
            formatPercent(m.lru),
          ]),
        },
      ],
      targets,
      charts: [
        {
          kind: 'bars',
          id: 'hit-rate',
          title: "Noisy neighbour: the others' hit rate, higher is better",
          unit: 'hit rate, %',
          groups: [
            {
              label: `Zipf s=${S}, cache ${formatPercent(CACHE_FRACTION)}`,
              bars: [...measured.map((m) => ({ label: `repository, ${m.run.label}`, value: m.others * 100 })), { label: 'plain LRU, no job', value: lruAlone * 100 }, { label: 'plain LRU, with the job', value: lruWithJob * 100 }],
            },
          ],
        },
      ],
      figures: { capacity, calls, pages, pageSize: PAGE, results: measured.map((m) => ({ ...m.run, others: m.others, job: m.job, lru: m.lru })), lruAlone, lruWithJob },
    }
  },
}
export default scenario

/** The others' accesses with the job's pages interleaved, and which accesses are the others'. */
function interleave(trace: MultiTenantTrace, jobFirstId: number, jobRange: number, pages: number): { keys: Int32Array; counted: Uint8Array } {
  const keys = new Int32Array(trace.ids.length + pages * PAGE)
  const counted = new Uint8Array(keys.length)
  const scan = new UniformScan(jobFirstId, jobRange, PAGE)
  let k = 0
  for (let c = 0; c < trace.calls; c++) {
    for (const id of callIds(trace, c)) {
      keys[k] = id
      counted[k++] = 1
    }
    if ((c + 1) % CALLS_PER_PAGE === 0) for (const id of scan.nextPage()) keys[k++] = id
  }
  return { keys: keys.subarray(0, k), counted: counted.subarray(0, k) }
}

function pp(difference: number): string {
  const points = difference * 100
  return `${points >= 0 ? '+' : '−'}${Math.abs(points).toFixed(1)} pp`
}
