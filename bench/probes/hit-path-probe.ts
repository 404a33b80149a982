/*
 * Hit-path contenders in a process of their own (see bench/scenarios/hit-path.ts): builds
 * each over the table the scenario filled, times getMany-like calls of each size with
 * tinybench, and prints the samples (ms per call) as JSON. The full run gives every
 * contender its own process; the quick run puts them all in one to save the start-ups.
 */
import { attachBenchTable } from '../lib/bench-table.js'
import { buildHitPathContender, HIT_PATH_CONTENDERS, type HitPathContenderKey } from '../lib/hit-path-contenders.js'
import { measureInterleaved } from '../lib/measure.js'
import { probeInput, probeOutput } from '../lib/run-probe.js'
import { createRandom } from '../lib/random.js'
import type { TenantRange } from '../lib/tenant-layout.js'

export interface HitPathProbeInput {
  readonly table: string
  readonly layout: readonly TenantRange[]
  readonly contenders: readonly HitPathContenderKey[]
  /** IDs per call, and calls per timed sample for that size. */
  readonly sizes: readonly { readonly ids: number; readonly batch: number }[]
  readonly timeMs: number
  readonly warmupMs: number
  readonly seed: number
}

export interface HitPathProbeOutput {
  /** Per contender, per size (IDs per call): milliseconds per call, one value per sample. */
  readonly samples: Record<string, Record<number, number[]>>
  /** Queries the contenders sent while measured (all hits: 0 expected). */
  readonly queries: number
}

const input = probeInput() as HitPathProbeInput
const tenant = input.layout[0]
if (tenant === undefined) throw new Error('The layout has no tenant')
const bench = attachBenchTable(input.table, 2)
try {
  const samples: Record<string, Record<number, number[]>> = {}
  let queries = 0
  for (const key of input.contenders) {
    const spec = HIT_PATH_CONTENDERS.find((c) => c.key === key)
    if (spec === undefined) throw new Error(`Unknown contender ${key}`)
    const built = await buildHitPathContender(key, bench, input.layout)
    const bySize: Record<number, number[]> = {}
    for (const { ids: n, batch } of input.sizes) {
      // Same seed in every probe: every contender walks the same 64 ID lists in the same order.
      const random = createRandom(input.seed + n)
      const lists = Array.from({ length: 64 }, () => {
        const set = new Set<number>()
        while (set.size < n) set.add(tenant.firstId + Math.floor(random() * tenant.size))
        return [...set]
      })
      let i = 0
      const [measured] = await measureInterleaved(
        [{ name: spec.name, async: spec.async, batch, run: () => built.call(tenant.tenantId, lists[i++ & 63] as number[]) }],
        { rounds: 1, timeMs: input.timeMs, warmupMs: input.warmupMs },
      )
      bySize[n] = measured?.samples ?? []
    }
    samples[key] = bySize
    queries += built.queriesSinceWarm()
  }
  probeOutput({ samples, queries } satisfies HitPathProbeOutput)
} finally {
  await bench.close()
}
