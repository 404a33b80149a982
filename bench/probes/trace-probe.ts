/*
 * Real-trace jobs (bench/lib/trace-replay.ts) in a process of their own, one after the other:
 * repository replays, or the reference policies. Two probes run at once on two cores; the
 * counts do not depend on speed.
 */
import { probeInput, probeOutput } from '../lib/run-probe.js'
import { runTraceJob, type TraceJob, type TraceJobResult } from '../lib/trace-replay.js'

const results: TraceJobResult[] = []
for (const job of probeInput() as TraceJob[]) results.push(await runTraceJob(job))
probeOutput(results)
