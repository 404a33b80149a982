/*
 * The repository's hit rate on the real traces beside LRU, W-TinyLFU and Belady, fast: a
 * tuning loop for the cache policy. The repository is replayed through its public API (one ID
 * per getMany, bench/lib/trace-replay.ts) in probe processes; the reference policies' figures
 * are cached under .tmp/hit-rate-baselines/ because they do not change while the policy is tuned.
 *
 *   npx tsx bench/hit-rates.ts                                 every trace at its published sizes
 *   npx tsx bench/hit-rates.ts --traces=cs,gli,multi1          some traces
 *   npx tsx bench/hit-rates.ts --traces=orm-busy --prefix=500000 --sizes=625,2500
 *   npx tsx bench/hit-rates.ts --tenants=1,8                   also split over 8 tenants
 *
 * Options: --traces=a,b  --sizes=n,m (instead of each trace's published sizes)  --tenants=n[,m]
 * (default 1)  --prefix=N (first N requests)  --concurrency=N (probes at a time, default 2)
 * --fresh (recompute the reference figures)  --json (the cells as JSON on stdout).
 * The traces folder is ../shared/traces or $TRACES_DIR (see bench/lib/trace-file.ts).
 */
import { BaselineCache, DEFAULT_BASELINE_CACHE_DIR } from './lib/baseline-cache.js'
import { sizesOf, traceInfo, TRACES } from './lib/published-hit-rates.js'
import { measureTraceCells, type TraceCell } from './lib/trace-cells.js'
import { tracesDir } from './lib/trace-file.js'
import { checkTraceTargets, marginOverBest } from './lib/trace-targets.js'

const USAGE = 'Usage: npx tsx bench/hit-rates.ts [--traces=cs,gli,...] [--sizes=100,200] [--tenants=1,8] [--prefix=N] [--concurrency=N] [--fresh] [--json]'
const KNOWN = ['--traces=', '--sizes=', '--tenants=', '--prefix=', '--concurrency=']
const args = process.argv.slice(2)
const unknown = args.filter((a) => a !== '--fresh' && a !== '--json' && !KNOWN.some((k) => a.startsWith(k)))
if (unknown.length > 0 || args.includes('--help')) {
  console.error(`${unknown.length > 0 ? `Unknown arguments: ${unknown.join(' ')}\n` : ''}${USAGE}\nTraces: ${TRACES.map((t) => t.name).join(', ')}`)
  process.exit(2)
}
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const integers = (name: string): number[] | undefined => {
  const raw = option(name)
  if (raw === undefined) return undefined
  const values = raw.split(',').filter(Boolean).map(Number)
  if (values.length === 0 || !values.every((v) => Number.isSafeInteger(v) && v > 0)) {
    console.error(`--${name} takes positive integers; got ${raw}`)
    process.exit(2)
  }
  return values
}

let infos
try {
  infos = (option('traces')?.split(',').filter(Boolean) ?? TRACES.map((t) => t.name)).map(traceInfo)
} catch (error) {
  console.error((error as Error).message)
  process.exit(2)
}
const sizes = integers('sizes')
const tenants = integers('tenants') ?? [1]
const prefix = integers('prefix')?.[0]
const concurrency = integers('concurrency')?.[0] ?? 2
const json = args.includes('--json')
const dir = tracesDir()
const started = performance.now()
const log = (message: string): void => {
  console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`)
}

log(`traces from ${dir}; reference figures cached in ${DEFAULT_BASELINE_CACHE_DIR}${args.includes('--fresh') ? ' (--fresh: recomputed)' : ''}`)
const measured = await measureTraceCells({
  dir,
  traces: infos.map((info) => ({ trace: info.name, sizes: sizes ?? sizesOf(info) })),
  tenants,
  ...(prefix === undefined ? {} : { prefix }),
  concurrency,
  baselineCache: new BaselineCache(DEFAULT_BASELINE_CACHE_DIR, { reuse: !args.includes('--fresh') }),
  log,
})
for (const name of measured.missing) log(`${name}: trace file missing in ${dir}, skipped`)

if (json) {
  process.stdout.write(`${JSON.stringify({ prefix: prefix ?? null, tenants, cells: measured.cells, missing: measured.missing }, null, 2)}\n`)
} else {
  printTable(measured.cells)
}
log(`done (repository replays: ${measured.replaySeconds.toFixed(1)} s summed over probes)`)

function printTable(cells: readonly TraceCell[]): void {
  const pct = (f: number): string => (Number.isFinite(f) ? (f * 100).toFixed(2) : '–')
  const pp = (d: number): string => (Number.isFinite(d) ? `${d >= 0 ? '+' : '-'}${Math.abs(d * 100).toFixed(2)}` : '–')
  const base = tenants[0] ?? 1
  const header = [
    'trace',
    'size',
    'requests',
    ...tenants.map((t) => (t === 1 ? 'repo' : `repo/${t}t`)),
    'LRU',
    'W-TinyLFU',
    'Belady',
    'repo-max(LRU,WT)',
    'repo-LRU',
  ]
  const rows = cells.map((c) => [
    c.trace,
    String(c.size),
    String(c.requests),
    ...tenants.map((t) => pct(c.repository[t] ?? NaN)),
    pct(c.lru),
    pct(c.wTinyLfu),
    pct(c.belady),
    pp(marginOverBest(c, base)),
    pp((c.repository[base] ?? NaN) - c.lru),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (r: readonly string[]): string => r.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ')
  console.log(line(header))
  for (const r of rows) console.log(line(r))
  if (cells.length === 0) return
  const checks = checkTraceTargets(cells, tenants)
  const at = (c: TraceCell | undefined): string => (c === undefined ? '–' : `${c.trace} @${c.size}`)
  console.log('')
  console.log(`mean over ${cells.length} cells: repo ${pct(checks.mean.repository)}  LRU ${pct(checks.mean.lru)}  W-TinyLFU ${pct(checks.mean.wTinyLfu)}  Belady ${pct(checks.mean.belady)}  (repo-WT ${pp(checks.mean.repository - checks.mean.wTinyLfu)}, repo-LRU ${pp(checks.mean.repository - checks.mean.lru)}; below LRU in ${checks.belowLru} cells)`)
  console.log(`${checks.everyCell.met ? 'met   ' : 'MISSED'} every cell >= max(LRU, W-TinyLFU) - 1 pt: ${checks.everyCell.cellsMet} of ${cells.length} cells; worst ${at(checks.everyCell.worst)} ${checks.everyCell.worst === undefined ? '' : pp(marginOverBest(checks.everyCell.worst, base))}`)
  console.log(`${checks.mean.met ? 'met   ' : 'MISSED'} mean >= W-TinyLFU's mean`)
  if (checks.split !== undefined) {
    const s = checks.split
    const gap = s.worst === undefined ? NaN : (s.worst.repository[s.tenants] ?? NaN) - (s.worst.repository[base] ?? NaN)
    console.log(`${s.met ? 'met   ' : 'MISSED'} split over ${s.tenants} tenants within 0.5 pt of ${base}: ${s.cellsMet} of ${cells.length} cells; worst ${at(s.worst)} ${pp(gap)}; mean ${pp(s.meanDifference)}`)
  }
  if (prefix !== undefined) console.log(`(first ${prefix} requests of each trace: not comparable with the published whole-trace figures)`)
}
