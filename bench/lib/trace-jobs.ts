import { mapConcurrently, runProbe } from './run-probe.js'
import type { TraceJob, TraceJobResult } from './trace-replay.js'

// Type imports only: the process that hands jobs out never loads the repository, Kysely or
// the reference policies (a second of tsx compiling saved per tuning run).

/**
 * Runs jobs in probe processes (bench/probes/trace-probe.ts), `concurrency` at a time; results
 * in job order. Counts do not depend on speed, so the probes may share the cores. Starting a
 * probe costs about a second (tsx compiling the repository), so small jobs share a probe: jobs
 * are packed, costliest first, into batches of at least `minBatchCost` and at most about
 * 1/(4 x concurrency) of the whole, which keeps the cores busy to the end. With `inProcess`
 * (quick runs) every job but the first runs here, one after the other; the first still goes
 * through a probe so that the probe path is exercised.
 */
export async function runTraceJobs(
  jobs: readonly TraceJob[],
  options: { readonly concurrency: number; readonly cost: (job: TraceJob) => number; readonly minBatchCost: number; readonly inProcess?: boolean },
): Promise<TraceJobResult[]> {
  const script = new URL('../probes/trace-probe.ts', import.meta.url)
  const probe = (batch: readonly TraceJob[]): Promise<TraceJobResult[]> => runProbe<TraceJobResult[]>(script, batch)
  if (options.inProcess === true) {
    const { runTraceJob } = await import('./trace-replay.js')
    const results: TraceJobResult[] = []
    for (const [i, job] of jobs.entries()) results.push(...(i === 0 ? await probe([job]) : [await runTraceJob(job)]))
    return results
  }
  const batches = packJobs(jobs, options.cost, options.concurrency, options.minBatchCost)
  const done = await mapConcurrently(batches, options.concurrency, (batch) => probe(batch.map((i) => jobs[i] as TraceJob)))
  const results = new Array<TraceJobResult>(jobs.length)
  batches.forEach((batch, b) => {
    batch.forEach((i, k) => {
      const result = done[b]?.[k]
      if (result === undefined) throw new Error(`A probe returned no result for job ${i}`)
      results[i] = result
    })
  })
  return results
}

/** Job indexes in batches, costliest batch first (see runTraceJobs). */
export function packJobs(jobs: readonly TraceJob[], cost: (job: TraceJob) => number, concurrency: number, minBatchCost: number): number[][] {
  const order = jobs.map((job, i) => ({ i, cost: cost(job) })).sort((a, b) => b.cost - a.cost)
  const total = order.reduce((sum, j) => sum + j.cost, 0)
  const target = Math.max(minBatchCost, total / (4 * concurrency))
  const batches: { jobs: number[]; cost: number }[] = []
  let open: { jobs: number[]; cost: number } | undefined
  for (const job of order) {
    if (open === undefined || open.cost + job.cost > target) {
      open = { jobs: [], cost: 0 }
      batches.push(open)
    }
    open.jobs.push(job.i)
    open.cost += job.cost
  }
  return batches.sort((a, b) => b.cost - a.cost).map((b) => b.jobs)
}
