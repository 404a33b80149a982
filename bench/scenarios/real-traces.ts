import { formatNumber } from '../lib/format.js'
import { referenceOnlySizesOf, sizesOf, traceInfo, TRACES, type PublishedHitRates } from '../lib/published-hit-rates.js'
import type { Chart, ReportTable, Scenario, TargetCheck } from '../lib/scenario.js'
import { measureTraceCells, type TraceCell, type TraceSizes } from '../lib/trace-cells.js'
import { TRACES_DIR_VARIABLE, tracesDir } from '../lib/trace-file.js'
import { checkTraceTargets, marginOverBest } from '../lib/trace-targets.js'
import { transitoryVersion } from '../lib/w-tiny-lfu-hits.js'

const TENANTS = [1, 8] as const
const SPLIT = 8
// Quick: a prefix of two small loop traces, each at one size, replayed in this process.
const QUICK_TRACES: readonly TraceSizes[] = [
  { trace: 'cs', sizes: [800] },
  { trace: 'gli', sizes: [1000] },
]
const QUICK_PREFIX = 2_000

const scenario: Scenario = {
  id: 'real-traces',
  title: "Real traces: hit rate beside LRU, W-TinyLFU and Belady at the published cache sizes",
  order: 8,
  measures: "hit rate on the real traces of `../shared/traces` at every cache size of their README's cache2k and cruftex.net tables and a few more (44 cells), one tenant and split over 8",
  against: "plain LRU, W-TinyLFU (transitory), Belady's optimal on the same requests; the published LRU, Caffeine and OPT figures",
  async run({ quick, log }) {
    const dir = tracesDir()
    const traces: TraceSizes[] = quick
      ? [...QUICK_TRACES]
      : [
          ...TRACES.map((info) => ({ trace: info.name, sizes: sizesOf(info) })),
          ...TRACES.filter((info) => referenceOnlySizesOf(info).length > 0).map((info) => ({ trace: info.name, sizes: referenceOnlySizesOf(info), referenceOnly: true })),
        ]
    const measured = await measureTraceCells({
      dir,
      traces,
      tenants: TENANTS,
      ...(quick ? { prefix: QUICK_PREFIX, inProcess: true } : {}),
      concurrency: 2,
      log,
    })
    const { missing } = measured
    const cells = measured.cells.filter((c) => !c.referenceOnly)
    for (const name of missing) log(`${name}: no ${name}.i32le.gz in ${dir}; its rows are skipped`)
    const checks = checkTraceTargets(cells, TENANTS)
    // Figures of a partial run (quick, or traces missing) cannot be held against the targets.
    const judged = !quick && missing.length === 0 && cells.length > 0
    const at = (c: TraceCell | undefined): string => (c === undefined ? '–' : `${c.trace} @${formatNumber(c.size)}`)
    const skippedNote = missing.length === 0 ? '' : ` (${missing.length} traces missing, skipped: ${missing.join(', ')})`

    const worst = checks.everyCell.worst
    const split = checks.split
    const splitGap = (c: TraceCell | undefined): number => (c === undefined ? NaN : (c.repository[SPLIT] ?? NaN) - (c.repository[1] ?? NaN))
    const targets: TargetCheck[] = [
      {
        target: 'Real traces: in every cell at least max(LRU, W-TinyLFU) − 1 point',
        measured: `${checks.everyCell.cellsMet} of ${cells.length} cells${skippedNote}; worst ${at(worst)}: ${pct(worst?.repository[1])} vs LRU ${pct(worst?.lru)}, W-TinyLFU ${pct(worst?.wTinyLfu)} (${worst === undefined ? '–' : pp(marginOverBest(worst))}); below LRU in ${checks.belowLru} cells`,
        met: judged ? checks.everyCell.met : undefined,
      },
      {
        target: "Real traces: mean over all cells at least W-TinyLFU's mean",
        measured: `${pct(checks.mean.repository)} vs W-TinyLFU ${pct(checks.mean.wTinyLfu)} (${pp(checks.mean.repository - checks.mean.wTinyLfu)}); LRU ${pct(checks.mean.lru)} (${pp(checks.mean.repository - checks.mean.lru)}); Belady ${pct(checks.mean.belady)}; ${cells.length} cells${skippedNote}`,
        met: judged ? checks.mean.met : undefined,
      },
      {
        target: `Real traces split evenly over ${SPLIT} tenants (same total capacity, per-tenant cap off): within 0.5 point of one tenant`,
        measured:
          split === undefined
            ? 'n/a'
            : `${split.cellsMet} of ${cells.length} cells within 0.5 point; worst ${at(split.worst)} ${pp(splitGap(split.worst))}; mean ${pp(split.meanDifference)}`,
        met: judged && split !== undefined ? split.met : undefined,
      },
    ]

    const tables: ReportTable[] = [
      {
        title: `Hit rate per cell, in %: the repository (one ID per getMany) beside the reference policies on the same requests${quick ? ` (quick: first ${formatNumber(QUICK_PREFIX)} requests)` : ''}`,
        columns: [
          'Trace',
          'Cache size',
          'repository',
          `repository, ${SPLIT} tenants`,
          'LRU',
          'W-TinyLFU',
          'Belady',
          'repository − max(LRU, W-TinyLFU)',
          'cell target',
          'published LRU',
          'published W-TinyLFU',
          'published OPT',
        ],
        rows: cells.map((c) => {
          const published = quick ? {} : (traceInfo(c.trace).sizes[c.size] ?? {})
          const margin = marginOverBest(c)
          return [
            c.trace,
            formatNumber(c.size),
            pct(c.repository[1]),
            pct(c.repository[SPLIT]),
            pct(c.lru),
            pct(c.wTinyLfu),
            pct(c.belady),
            pp(margin),
            margin >= -0.01 - 1e-9 ? 'met' : '**missed**',
            sources([['c2k', published.cache2kLru], ['cx', published.cruftexLru], ['rep', published.reportLru]]),
            sources([['Caffeine 2.3, 1% window', published.caffeine23], ['Caffeine reactive', published.caffeineReactive]]),
            sources([['c2k', published.cache2kOpt], ['cx', published.cruftexOpt]]),
          ]
        }),
        note:
          'Published figures, from ../shared/traces/README.md: c2k = cache2k\'s site data (cache2k-benchmark\'s OPT, which caches every missed key); cx = cruftex.net 2016 (OPT of Caffeine\'s simulator; "Caffeine 2.3" is W-TinyLFU with a FIXED 1% window, which loses to LRU on the ORM traces); rep = Caffeine\'s adaptive-window report (its hill-climbed "reactive" W-TinyLFU, the policy transitory ports, and LRU).' +
          (missing.length === 0 ? '' : ` Traces missing from ${dir}, rows skipped: ${missing.join(', ')}.`),
      },
      {
        title: 'Means per trace over its cache sizes, in %',
        columns: ['Trace', 'cells', 'repository', `repository, ${SPLIT} tenants`, 'LRU', 'W-TinyLFU', 'Belady', 'repository − LRU', 'repository − W-TinyLFU'],
        rows: [...groupByTrace(cells), { trace: 'all cells', cells }].map(({ trace, cells: group }) => {
          const m = (f: (c: TraceCell) => number): number => mean(group.map(f))
          return [
            trace,
            group.length,
            pct(m((c) => c.repository[1] ?? NaN)),
            pct(m((c) => c.repository[SPLIT] ?? NaN)),
            pct(m((c) => c.lru)),
            pct(m((c) => c.wTinyLfu)),
            pct(m((c) => c.belady)),
            pp(m((c) => (c.repository[1] ?? NaN) - c.lru)),
            pp(m((c) => (c.repository[1] ?? NaN) - c.wTinyLfu)),
          ]
        }),
      },
      // Published figures are of whole traces: a quick run's prefixes have nothing to compare with.
      ...(quick
        ? []
        : [
            {
              title: 'The reference policies against the published figures (points; each over the cells where that figure is published)',
              columns: ['Comparison', 'cells', 'mean difference', 'largest difference', 'at'],
              rows: reproduction(measured.cells),
              note: "Belady here comes in two variants: one that may decline to cache the incoming key (used in every other table: the true optimum) and one that must cache it. cache2k's published OPT is the second; the OPT cruftex.net computed with Caffeine's simulator is the first (its figures are read off SVG bars, ±0.1). transitory is compared with Caffeine's hill-climbed W-TinyLFU where that was published (the 4 cells of Caffeine's adaptive-window report: orm-busy @4096, orm-night @1024, web07 and web12 @16384, computed for the reference policies only) and, for information only, with Caffeine 2.3's fixed 1% window.",
            },
          ]),
    ]

    const perTrace = [...groupByTrace(cells), { trace: 'all cells', cells }]
    const charts: Chart[] = [
      {
        kind: 'bars',
        id: 'per-trace',
        title: 'Real traces: mean hit rate over each trace\'s cache sizes, %',
        unit: 'hit rate, %',
        groups: perTrace.map(({ trace, cells: group }) => ({
          label: `${trace} (${group.length} sizes)`,
          bars: [
            { label: 'repository', value: 100 * mean(group.map((c) => c.repository[1] ?? NaN)) },
            { label: `repository, ${SPLIT} tenants`, value: 100 * mean(group.map((c) => c.repository[SPLIT] ?? NaN)) },
            { label: 'LRU', value: 100 * mean(group.map((c) => c.lru)) },
            { label: 'W-TinyLFU (transitory)', value: 100 * mean(group.map((c) => c.wTinyLfu)) },
            { label: "Belady's optimal", value: 100 * mean(group.map((c) => c.belady)) },
          ],
        })),
      },
      ...['orm-busy', 'orm-night']
        .map((trace) => ({ trace, group: cells.filter((c) => c.trace === trace) }))
        .filter(({ group }) => group.length > 1)
        .map(({ trace, group }): Chart => ({
          kind: 'lines',
          id: trace,
          title: `${trace}: hit rate vs cache size`,
          xLabel: 'cache size, entries',
          yLabel: 'hit rate, %',
          series: [
            { label: 'repository', points: group.map((c) => ({ x: c.size, y: 100 * (c.repository[1] ?? NaN) })) },
            { label: 'LRU', points: group.map((c) => ({ x: c.size, y: 100 * c.lru })) },
            { label: 'W-TinyLFU (transitory)', points: group.map((c) => ({ x: c.size, y: 100 * c.wTinyLfu })) },
            { label: "Belady's optimal", points: group.map((c) => ({ x: c.size, y: 100 * c.belady })) },
          ],
        })),
    ]

    return {
      method: [
        `The real request traces of ${dir} (${TRACES_DIR_VARIABLE} overrides it), read at run time, never copied into the repository; a missing trace file skips its rows. Keys are renumbered 0..n-1 in order of first appearance (a bijection: no policy's count changes) and every cell is a whole trace${quick ? ` (quick run: the first ${formatNumber(QUICK_PREFIX)} requests of two traces; figures not meaningful)` : ''}, at every cache size (entries) of the README's cache2k site-data and cruftex.net tables, plus cs @800, multi1 @1500 and ps @500/1000/2000 (${cells.length} cells).`,
        `The repository: every request is one getMany(tenant, [id]) through the public API, each awaited before the next, on a repository with maxEntries = the cache size, maxEntriesPerTenant = maxEntries (per-tenant cap off), maxBytes = 2^34 (so the entry bound decides) and a 24-hour TTL (nothing expires); its hits are its own count (stats()). The database is the in-memory stand-in (bench/lib/in-memory-contacts-db.ts): the whole repository path runs, only the server is absent. "${SPLIT} tenants": the same requests with key k sent as contact k+1 of tenant k % ${SPLIT} + 1 (same total capacity); on renumbered keys the tenants get an even share.`,
        `The reference policies run on the same renumbered requests: LRU is one lru-cache with max = cache size; W-TinyLFU is transitory ${transitoryVersion()}'s BoundedCache (a TypeScript port of Caffeine's W-TinyLFU with a hill-climbed window) with maxSize = cache size, its maintenance run after every insertion that overshoots so that it never holds more than the cache size (left alone it evicts only past a 1% overshoot or on a 5-second timer), and Math.random seeded for its one random admission branch; Belady is the offline optimum that may decline to cache the incoming key. The (tenant, id) pairs are a bijection of the keys, so these figures hold for the split too.`,
        `Replays run in probe processes, 2 at a time (bench/lib/trace-jobs.ts); counts do not depend on speed. ${formatNumber(measured.replaySeconds)} s of repository replays in all. For a quick look while tuning: npx tsx bench/hit-rates.ts (bench/README.md).`,
      ],
      tables,
      targets,
      charts,
      figures: { tenants: TENANTS, prefix: quick ? QUICK_PREFIX : null, missing, cells: measured.cells, checks },
    }
  },
}
export default scenario

function pct(fraction: number | undefined): string {
  return fraction === undefined || !Number.isFinite(fraction) ? '–' : (fraction * 100).toFixed(2)
}

function pp(difference: number): string {
  if (!Number.isFinite(difference)) return '–'
  const points = difference * 100
  return `${points >= 0 ? '+' : '−'}${Math.abs(points).toFixed(2)}`
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length
}

/** `31.14 c2k · 31.17 cx` for the published figures present; `–` when none is. */
function sources(figures: readonly (readonly [string, number | undefined])[]): string {
  const present = figures.filter((f): f is readonly [string, number] => f[1] !== undefined)
  return present.length === 0 ? '–' : present.map(([source, value]) => `${value.toFixed(2)} ${source}`).join(' · ')
}

function groupByTrace(cells: readonly TraceCell[]): { trace: string; cells: TraceCell[] }[] {
  const groups: { trace: string; cells: TraceCell[] }[] = []
  for (const cell of cells) {
    const group = groups.find((g) => g.trace === cell.trace)
    if (group === undefined) groups.push({ trace: cell.trace, cells: [cell] })
    else group.cells.push(cell)
  }
  return groups
}

/** How far each reference policy lands from each published figure of the same policy. */
function reproduction(cells: readonly TraceCell[]): (string | number)[][] {
  const comparisons: readonly [string, (c: TraceCell) => number, (p: PublishedHitRates) => number | undefined][] = [
    ['LRU vs cache2k site LRU', (c) => c.lru, (p) => p.cache2kLru],
    ['LRU vs cruftex.net LRU', (c) => c.lru, (p) => p.cruftexLru],
    ["LRU vs Caffeine report's LRU", (c) => c.lru, (p) => p.reportLru],
    ['Belady, must cache the key, vs cache2k site OPT', (c) => c.beladyAdmitAll, (p) => p.cache2kOpt],
    ['Belady, may decline the key, vs cache2k site OPT', (c) => c.belady, (p) => p.cache2kOpt],
    ['Belady, may decline the key, vs cruftex.net OPT (Caffeine simulator)', (c) => c.belady, (p) => p.cruftexOpt],
    ['Belady, must cache the key, vs cruftex.net OPT (Caffeine simulator)', (c) => c.beladyAdmitAll, (p) => p.cruftexOpt],
    ['W-TinyLFU (transitory) vs Caffeine reactive (hill-climbed window)', (c) => c.wTinyLfu, (p) => p.caffeineReactive],
    ['W-TinyLFU (transitory) vs Caffeine 2.3 (fixed 1% window)', (c) => c.wTinyLfu, (p) => p.caffeine23],
  ]
  return comparisons.map(([label, ours, theirs]) => {
    const pairs = cells.flatMap((c) => {
      const published = traceInfo(c.trace).sizes[c.size]
      const value = published === undefined ? undefined : theirs(published)
      return value === undefined ? [] : [{ cell: c, difference: ours(c) - value / 100 }]
    })
    const largest = pairs.reduce<(typeof pairs)[number] | undefined>((w, p) => (w === undefined || Math.abs(p.difference) > Math.abs(w.difference) ? p : w), undefined)
    return [
      label,
      pairs.length,
      pp(mean(pairs.map((p) => p.difference))),
      largest === undefined ? '–' : pp(largest.difference),
      largest === undefined ? '–' : `${largest.cell.trace} @${formatNumber(largest.cell.size)}`,
    ]
  })
}
