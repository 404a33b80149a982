import { Bench } from 'tinybench'
import { collectGarbage } from './collect-garbage.js'
import { summarize, type Distribution } from './percentiles.js'

/** One way of doing the measured operation. */
export interface Contender {
  readonly name: string
  /** One operation. */
  readonly run: () => unknown
  /** Whether `run` returns a promise to await (timed until it settles). */
  readonly async: boolean
  /**
   * Operations timed together as one sample, for operations too short to time one by one
   * (a sample is then their mean). Default 1.
   */
  readonly batch?: number
  /** Runs before each sample, outside the timed window (e.g. emptying a cache). */
  readonly prepare?: () => void | Promise<void>
}

export interface MeasureOptions {
  /** Rounds over all contenders; each round visits them in a rotated order. */
  readonly rounds: number
  /** Time budget per contender and round, in ms. */
  readonly timeMs: number
  /** Minimum samples per contender and round. */
  readonly minSamples?: number
  readonly warmupMs?: number
}

/** Milliseconds per operation, over every sample of every round. */
export interface Measured {
  readonly name: string
  readonly perOperationMs: Distribution
  readonly operations: number
  readonly batch: number
  /** Every sample, in ms per operation, for merging with other runs. */
  readonly samples: number[]
  /**
   * This process's CPU time (user + system) per operation, warm-up included, prepare steps
   * and tinybench's bookkeeping too: what the operation costs Node, apart from waiting.
   */
  readonly cpuMsPerOperation: number
}

// Keeps results reachable so the compiler cannot drop an operation as dead code.
let sink: unknown

/**
 * Times contenders with tinybench, interleaved: each round runs every contender for
 * `timeMs`, starting with a different one, and a GC runs between contenders. On two shared,
 * noisy cores the machine's speed drifts over a run; interleaving spreads that drift over all
 * contenders instead of charging it to whichever ran during a slow patch, which matters more
 * than anything else for the ratios. Samples are retained and summarised over all rounds.
 */
export async function measureInterleaved(contenders: readonly Contender[], options: MeasureOptions): Promise<Measured[]> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]))
  const cpu = new Map<string, { ms: number; operations: number }>(contenders.map((c) => [c.name, { ms: 0, operations: 0 }]))
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const contender = contenders[(k + round) % contenders.length] as Contender
      collectGarbage()
      const bench = new Bench({
        time: options.timeMs,
        iterations: options.minSamples ?? 10,
        warmup: true,
        warmupTime: options.warmupMs ?? Math.min(100, options.timeMs / 2),
        warmupIterations: 4,
        retainSamples: true,
        throws: true,
      })
      const counter = { operations: 0 }
      bench.add(contender.name, timed(contender, counter), { async: contender.async })
      const cpuBefore = process.cpuUsage()
      const [task] = await bench.run()
      const cpuUsed = process.cpuUsage(cpuBefore)
      const account = cpu.get(contender.name)
      if (account !== undefined) {
        account.ms += (cpuUsed.user + cpuUsed.system) / 1000
        account.operations += counter.operations
      }
      const result = task?.result
      if (result?.state !== 'completed') throw new Error(`${contender.name}: tinybench ended in state ${String(result?.state)}`)
      samples.get(contender.name)?.push(...(result.latency.samples ?? []))
    }
  }
  return contenders.map((contender) => {
    const values = samples.get(contender.name) ?? []
    const batch = contender.batch ?? 1
    const account = cpu.get(contender.name)
    return {
      name: contender.name,
      perOperationMs: summarize(values),
      operations: values.length * batch,
      batch,
      samples: values,
      cpuMsPerOperation: account === undefined || account.operations === 0 ? NaN : account.ms / account.operations,
    }
  })
}

interface Timing {
  overriddenDuration: number
  overriddenIterationCost: number
}

// tinybench times one call of the task; the task times its own batch, so that per-sample
// overhead (timer reads, tinybench's bookkeeping, the prepare step) stays out of the figure.
function timed(contender: Contender, counter: { operations: number }): () => Timing | Promise<Timing> {
  const { run, prepare } = contender
  const batch = contender.batch ?? 1
  if (contender.async) {
    return async () => {
      await prepare?.()
      const start = performance.now()
      for (let i = 0; i < batch; i++) sink = await run()
      const elapsed = performance.now() - start
      counter.operations += batch
      return { overriddenDuration: elapsed / batch, overriddenIterationCost: elapsed }
    }
  }
  return () => {
    void prepare?.()
    const start = performance.now()
    for (let i = 0; i < batch; i++) sink = run()
    const elapsed = performance.now() - start
    counter.operations += batch
    return { overriddenDuration: elapsed / batch, overriddenIterationCost: elapsed }
  }
}

/** The last value any contender produced (read it to keep the compiler honest). */
export function lastResult(): unknown {
  return sink
}
