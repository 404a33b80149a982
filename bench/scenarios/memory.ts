import { PARTITION_OVERHEAD_BYTES } from '../../src/cache/tenant-partitioned-cache.js'
import type { HeapProbeInput, HeapProbeOutput } from '../probes/heap-probe.js'
import { fillTenants, openBenchTable } from '../lib/bench-table.js'
import { formatBytes, formatNumber, formatRatio } from '../lib/format.js'
import { runProbe } from '../lib/run-probe.js'
import type { Scenario, TargetCheck } from '../lib/scenario.js'
import { layTenants } from '../lib/tenant-layout.js'

interface Case {
  readonly key: string
  readonly label: string
  readonly input: HeapProbeInput
}

const scenario: Scenario = {
  id: 'memory',
  title: 'Memory: heap bytes per cached contact',
  order: 6,
  measures: 'heap bytes per cached contact (100k, 1M entries, 100,000 tenants) and the error of `stats().bytes`',
  against: 'the contacts alone in a plain `Map`',
  async run({ quick, log }) {
    const small = quick ? { tenants: 10, perTenant: 1_000 } : { tenants: 10, perTenant: 10_000 }
    const large = quick ? { tenants: 10, perTenant: 2_000 } : { tenants: 10, perTenant: 100_000 }
    const many = quick ? { tenants: 1_000, perTenant: 3 } : { tenants: 100_000, perTenant: 3 }
    const bench = await openBenchTable('memory', 2)
    const outputs: { c: Case; out: HeapProbeOutput }[] = []
    try {
      await fillTenants(bench, layTenants({ totalIds: small.tenants * small.perTenant, tenants: small.tenants, skew: 0 }))
      const memory = { kind: 'memory' } as const
      const cases: Case[] = [
        { key: 'map', label: `plain Map per tenant (the contacts alone), ${formatNumber(small.tenants * small.perTenant)}`, input: { subject: 'map', ...small, source: memory } },
        { key: 'small', label: `repository, ${formatNumber(small.tenants * small.perTenant)} entries, ${small.tenants} tenants`, input: { subject: 'repository', ...small, source: memory } },
        {
          key: 'small-mariadb',
          label: `repository, ${formatNumber(small.tenants * small.perTenant)} entries, ${small.tenants} tenants, rows from MariaDB`,
          input: { subject: 'repository', ...small, source: { kind: 'mariadb', table: bench.table } },
        },
        { key: 'large', label: `repository, ${formatNumber(large.tenants * large.perTenant)} entries, ${large.tenants} tenants`, input: { subject: 'repository', ...large, source: memory } },
        { key: 'many', label: `repository, ${formatNumber(many.tenants)} tenants × ${many.perTenant} entries`, input: { subject: 'repository', ...many, source: memory } },
      ]
      for (const c of cases) {
        const out = await runProbe<HeapProbeOutput>(new URL('../probes/heap-probe.ts', import.meta.url), c.input, ['--expose-gc', '--max-old-space-size=4096'])
        outputs.push({ c, out })
        log(`${c.label}: ${formatNumber(out.heapBytes / out.entries)} bytes per entry (${out.seconds.toFixed(1)} s)`)
      }
    } finally {
      await bench.close()
    }

    const perEntry = (key: string): number => {
      const found = outputs.find((o) => o.c.key === key)?.out
      return found === undefined ? NaN : (found.heapBytes + found.offHeapBytes) / found.entries
    }
    // Per-partition cost measured: the many-tenants heap minus its entries at the per-entry
    // cost of the large single-partition-per-tenant case, shared out over the tenants.
    const manyOut = outputs.find((o) => o.c.key === 'many')?.out
    const measuredPartition = manyOut === undefined ? NaN : (manyOut.heapBytes + manyOut.offHeapBytes - manyOut.entries * perEntry('large')) / manyOut.tenants
    const rows = outputs.map(({ c, out }) => {
      const measured = out.heapBytes + out.offHeapBytes
      const estimated = out.estimatedBytes ?? NaN
      const estimatePerEntry = (estimated - out.tenants * PARTITION_OVERHEAD_BYTES) / out.entries
      return {
        key: c.key,
        label: c.label,
        entries: out.entries,
        tenants: out.tenants,
        measuredBytes: measured,
        perEntry: measured / out.entries,
        estimatedBytes: estimated,
        estimatePerEntry,
        ratio: estimated / measured,
      }
    })
    const floor = perEntry('map')
    return {
      method: [
        `Each case runs in a fresh Node process started with --expose-gc: the cache is created and its code paths run once, the heap is measured after full collections, the cache is filled through getMany (1,000 IDs per call; the Map case decodes the same rows itself), and the heap is measured again while the cache is still reachable. "Heap growth" is V8's used heap plus off-heap memory (the typed arrays of the cache's slab and its frequency sketch). The measured repository is built after the first reading (its code paths were run in another instance), so everything it allocates counts.`,
        'Rows come from the in-memory copy of the MariaDB fixture (strings copied one by one, flat, as mysql2 decodes them), except in the "rows from MariaDB" case, the cross-check that the copy costs what real rows cost.',
        `The estimate is the repository's own stats().bytes (src/cache/tenant-partitioned-cache.ts: PARTITION_OVERHEAD_BYTES = ${PARTITION_OVERHEAD_BYTES} per tenant holding entries, plus per entry a fixed overhead and 16 + length per string). It is what maxBytes is checked against: an estimate below the measured heap lets the heap grow past maxBytes by that factor, one above it leaves memory unused.`,
        `Measured cost of one tenant's partition: ${formatBytes(measuredPartition)} (the ${formatNumber(manyOut?.tenants ?? NaN)}-tenant case, minus its entries at the per-entry cost of the ${formatNumber(large.tenants * large.perTenant)}-entry case), against ${formatBytes(PARTITION_OVERHEAD_BYTES)} estimated.`,
      ],
      tables: [
        {
          title: 'Heap bytes per cached contact, after GC',
          columns: ['Case', 'heap growth', 'per entry', 'vs the contacts alone', 'stats().bytes', 'estimate / measured', 'estimate per entry (without partitions)'],
          rows: rows.map((r) => [
            r.label,
            formatBytes(r.measuredBytes),
            `${formatNumber(r.perEntry)} B`,
            formatRatio(r.perEntry / floor),
            Number.isNaN(r.estimatedBytes) ? '–' : formatBytes(r.estimatedBytes),
            Number.isNaN(r.ratio) ? '–' : formatRatio(r.ratio),
            Number.isNaN(r.estimatePerEntry) ? '–' : `${formatNumber(r.estimatePerEntry)} B`,
          ]),
        },
        {
          title: 'Calibration of the estimate',
          columns: ['Quantity', 'estimated (src)', 'measured', 'estimate / measured'],
          rows: [
            ['bytes per entry (large case)', `${formatNumber(rows.find((r) => r.key === 'large')?.estimatePerEntry ?? NaN)} B`, `${formatNumber(perEntry('large'))} B`, formatRatio((rows.find((r) => r.key === 'large')?.estimatePerEntry ?? NaN) / perEntry('large'))],
            ['bytes per tenant partition (PARTITION_OVERHEAD_BYTES)', `${PARTITION_OVERHEAD_BYTES} B`, `${formatNumber(measuredPartition)} B`, formatRatio(PARTITION_OVERHEAD_BYTES / measuredPartition)],
          ],
        },
      ],
      targets: [
        memoryTarget(rows.find((r) => r.key === 'large'), 450, 'cached contact, contacts included, at 1M entries', quick),
        memoryTarget(rows.find((r) => r.key === 'many'), 600, 'entry with 100,000 tenants of 3 entries each', quick),
      ],
      charts: [
        {
          kind: 'bars',
          id: 'bytes-per-entry',
          title: 'Memory: heap bytes per cached contact, measured and estimated',
          unit: 'bytes per entry',
          groups: rows.map((r) => ({
            label: r.label,
            bars: [
              { label: 'measured (heap after GC)', value: r.perEntry },
              ...(Number.isNaN(r.estimatedBytes) ? [] : [{ label: 'estimated (stats().bytes)', value: r.estimatedBytes / r.entries }]),
            ],
          })),
        },
      ],
      figures: { cases: rows, measuredPartitionBytes: measuredPartition, estimatedPartitionBytes: PARTITION_OVERHEAD_BYTES },
    }
  },
}
export default scenario

function memoryTarget(row: { readonly perEntry: number } | undefined, max: number, what: string, quick: boolean): TargetCheck {
  return {
    target: `Memory: at most ${max} B per ${what} (heap after GC, off-heap included)`,
    measured: row === undefined ? 'n/a' : `${formatNumber(row.perEntry)} B`,
    met: quick || row === undefined ? undefined : row.perEntry <= max,
  }
}
