import { existsSync } from 'node:fs'
import type { BaselineCache } from './baseline-cache.js'
import { TRACES } from './published-hit-rates.js'
import { traceFile } from './trace-file.js'
import { runTraceJobs } from './trace-jobs.js'
import type { BaselineHits, RepositoryHits, TraceJob, TraceSource } from './trace-replay.js'

/** Which cache sizes of which trace to measure. */
export interface TraceSizes {
  readonly trace: string
  readonly sizes: readonly number[]
  /** Only the reference policies at these sizes: no repository replay. */
  readonly referenceOnly?: boolean
}

export interface MeasureTraceCellsOptions {
  /** The traces folder. */
  readonly dir: string
  readonly traces: readonly TraceSizes[]
  /** The tenant splits the repository is replayed on: `[1, 8]` for one tenant and eight. */
  readonly tenants: readonly number[]
  /** Only the first requests of every trace. */
  readonly prefix?: number
  /** Probe processes at a time. */
  readonly concurrency: number
  /** Run the jobs in this process but the first (see runTraceJobs): for tiny runs. */
  readonly inProcess?: boolean
  /** Reuse and store the reference policies' figures (bench/hit-rates.ts); computed afresh without it. */
  readonly baselineCache?: BaselineCache
  readonly log?: (message: string) => void
}

/** The hit rates of one (trace, cache size), as fractions of its requests. */
export interface TraceCell {
  readonly trace: string
  readonly size: number
  readonly requests: number
  /** The repository's hit rate per tenant split: `repository[8]` split over 8 tenants; empty for a reference-only cell. */
  readonly repository: Readonly<Record<number, number>>
  readonly referenceOnly: boolean
  readonly lru: number
  readonly wTinyLfu: number
  /** Belady's optimal that may decline to cache the incoming key. */
  readonly belady: number
  /** Belady's optimal that caches every missed key. */
  readonly beladyAdmitAll: number
  /** Whether the reference figures came from the on-disk cache. */
  readonly baselinesCached: boolean
}

export interface MeasuredTraceCells {
  readonly cells: readonly TraceCell[]
  /** Traces whose file is missing: their rows are skipped. */
  readonly missing: readonly string[]
  /** Seconds the repository replays took, summed over probes (wall clock in each). */
  readonly replaySeconds: number
}

// A request replayed through the repository (a miss: Kysely compiles the query, the loader
// batches it) costs roughly ten times a reference policy's step: weigh jobs accordingly.
const REPOSITORY_COST = 10
// About what a probe's start costs (tsx compiling the repository): smaller jobs share a probe.
const MIN_BATCH_COST = 5_000_000
// Sizes of one trace are grouped into one job up to this many replayed requests, so that
// small traces do not pay a process start per size while the long ones still spread.
const REQUESTS_PER_JOB = 2_000_000

/**
 * Measures every (trace, size): the repository through its public API on each tenant split,
 * and LRU, W-TinyLFU and Belady on the same renumbered requests, all in probe processes
 * `concurrency` at a time (or from `baselineCache` where it holds them). A trace whose file
 * is missing is left out and named in `missing`, never an error.
 */
export async function measureTraceCells(options: MeasureTraceCellsOptions): Promise<MeasuredTraceCells> {
  const log = options.log ?? (() => undefined)
  const missing: string[] = []
  const present = options.traces.filter((t) => {
    if (existsSync(traceFile(t.trace, options.dir))) return true
    missing.push(t.trace)
    return false
  })
  const source = (trace: string): TraceSource => (options.prefix === undefined ? { trace, dir: options.dir } : { trace, dir: options.dir, prefix: options.prefix })
  const requestsOf = (trace: string): number => Math.min(TRACES.find((t) => t.name === trace)?.requests ?? 1_000_000, options.prefix ?? Infinity)

  const cached = new Map<string, BaselineHits>()
  const jobs: TraceJob[] = []
  for (const { trace, sizes, referenceOnly } of present) {
    const toCompute: number[] = []
    for (const size of sizes) {
      const hit = options.baselineCache?.get(source(trace), size)
      if (hit === undefined) toCompute.push(size)
      else cached.set(`${trace}/${size}`, hit)
    }
    for (const group of chunk(toCompute, requestsOf(trace))) jobs.push({ ...source(trace), kind: 'baselines', sizes: group })
    for (const tenants of referenceOnly === true ? [] : options.tenants) {
      for (const group of chunk(sizes, requestsOf(trace))) jobs.push({ ...source(trace), kind: 'repository', sizes: group, tenants })
    }
  }
  log(`${jobs.length} jobs (${jobs.filter((j) => j.kind === 'repository').length} repository replays, ${cached.size} cells' reference figures from ${options.baselineCache === undefined ? 'nowhere' : 'the cache'})`)
  const cost = (job: TraceJob): number => requestsOf(job.trace) * job.sizes.length * (job.kind === 'repository' ? REPOSITORY_COST : 1)
  const results = await runTraceJobs(jobs, { concurrency: options.concurrency, cost, minBatchCost: MIN_BATCH_COST, ...(options.inProcess === undefined ? {} : { inProcess: options.inProcess }) })

  const computed = new Map<string, BaselineHits>()
  const replays = new Map<string, RepositoryHits>()
  let replaySeconds = 0
  jobs.forEach((job, i) => {
    const result = results[i]
    if (result === undefined || result.kind === 'missing') {
      if (!missing.includes(job.trace)) missing.push(job.trace)
      return
    }
    job.sizes.forEach((size, k) => {
      if (result.kind === 'baselines') {
        const hits = result.hits[k]
        if (hits === undefined) return
        computed.set(`${job.trace}/${size}`, hits)
        options.baselineCache?.set(source(job.trace), size, hits)
      } else if (job.kind === 'repository') {
        const hits = result.hits[k]
        if (hits === undefined) return
        replays.set(`${job.trace}/${size}/${job.tenants}`, hits)
        replaySeconds += hits.seconds
      }
    })
  })

  const cells: TraceCell[] = []
  for (const { trace, sizes, referenceOnly } of present) {
    if (missing.includes(trace)) continue
    for (const size of sizes) {
      const fromCache = cached.get(`${trace}/${size}`)
      const base = fromCache ?? computed.get(`${trace}/${size}`)
      if (base === undefined) throw new Error(`No reference figures for ${trace} @${size}`)
      const repository: Record<number, number> = {}
      for (const tenants of referenceOnly === true ? [] : options.tenants) {
        const replay = replays.get(`${trace}/${size}/${tenants}`)
        if (replay === undefined) throw new Error(`No repository replay for ${trace} @${size} over ${tenants} tenants`)
        if (replay.requests !== base.requests) throw new Error(`${trace}: the repository replayed ${replay.requests} requests, the reference policies ${base.requests}`)
        repository[tenants] = replay.hits / replay.requests
      }
      const rate = (hits: number): number => hits / base.requests
      cells.push({
        trace,
        size,
        requests: base.requests,
        repository,
        referenceOnly: referenceOnly === true,
        lru: rate(base.lru),
        wTinyLfu: rate(base.wTinyLfu),
        belady: rate(base.belady),
        beladyAdmitAll: rate(base.beladyAdmitAll),
        baselinesCached: fromCache !== undefined,
      })
    }
  }
  return { cells, missing, replaySeconds }
}

/** Splits a trace's sizes into groups of at most REQUESTS_PER_JOB replayed requests (at least one size each). */
function chunk(sizes: readonly number[], requests: number): number[][] {
  const perJob = Math.max(1, Math.floor(REQUESTS_PER_JOB / Math.max(1, requests)))
  const groups: number[][] = []
  for (let i = 0; i < sizes.length; i += perJob) groups.push(sizes.slice(i, i + perJob))
  return groups
}
