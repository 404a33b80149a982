import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { CHANNELS, ContactRepository, type CacheMode, type GetManyEvent } from '../../src/index.js'
import { createInMemoryContactsDb } from './in-memory-contacts-db.js'
import { callIds, generateMultiTenantTrace } from './multi-tenant-trace.js'
import type { HitCount } from './replay.js'
import { mapConcurrently, runProbe } from './run-probe.js'
import { layTenants, tenantOfId, type TenantLayoutOptions } from './tenant-layout.js'
import { UniformScan } from './uniform-scan.js'

/** Everything a hit-rate replay depends on: plain data, so that a probe process can rebuild it. */
export interface HitRateSimulation {
  readonly layout: TenantLayoutOptions
  readonly trace: { readonly s: number; readonly calls: number; readonly idsPerCall: number; readonly seed: number }
  readonly maxEntries: number
  /** Default: the repository's own default (maxEntries / 4). */
  readonly maxEntriesPerTenant?: number
  /** A background job interleaved with the trace: one page after every `callsPerPage` calls. */
  readonly job?: {
    readonly tenantId: number
    readonly firstId: number
    readonly range: number
    readonly pageSize: number
    readonly callsPerPage: number
    readonly mode: CacheMode
  }
}

export interface HitRateResult {
  /** The trace's tenants together. */
  readonly tenants: HitCount
  readonly job: HitCount
  readonly seconds: number
}

/**
 * Replays the trace through a ContactRepository whose Kysely instance answers from the
 * in-memory copy of the fixture (for counting hits only: no server, so the calls happen in
 * exactly the trace's order), and counts hits and misses per side from the repository's
 * get-many diagnostics channel. TTL is an hour so that nothing expires during the replay.
 */
export async function simulateHitRate(spec: HitRateSimulation): Promise<HitRateResult> {
  const started = performance.now()
  const layout = layTenants(spec.layout)
  const trace = generateMultiTenantTrace({ tenants: layout, ...spec.trace })
  const job = spec.job
  const ownerOf = (id: number): number | undefined =>
    job !== undefined && id >= job.firstId && id < job.firstId + job.range ? job.tenantId : tenantOfId(layout, id)?.tenantId
  const fake = createInMemoryContactsDb(ownerOf, { freshStrings: false })
  const repository = new ContactRepository({
    db: fake.db,
    table: 'contacts',
    maxEntries: spec.maxEntries,
    maxBytes: 2 ** 34,
    ttl: 3_600_000,
    ...(spec.maxEntriesPerTenant === undefined ? {} : { maxEntriesPerTenant: spec.maxEntriesPerTenant }),
  })
  const counts = { tenants: { hits: 0, misses: 0 }, job: { hits: 0, misses: 0 } }
  const listener = (message: unknown): void => {
    const event = message as GetManyEvent
    const side = job !== undefined && event.tenantId === job.tenantId ? counts.job : counts.tenants
    side.hits += event.hits
    side.misses += event.misses
  }
  subscribe(CHANNELS.getMany, listener)
  try {
    const scan = job === undefined ? undefined : new UniformScan(job.firstId, job.range, job.pageSize)
    const jobOptions = { cache: job?.mode ?? 'normal' }
    for (let c = 0; c < trace.calls; c++) {
      await repository.getMany(trace.tenantIds[c] as number, callIds(trace, c))
      if (job !== undefined && scan !== undefined && (c + 1) % job.callsPerPage === 0) {
        await repository.getMany(job.tenantId, scan.nextPage(), jobOptions)
      }
    }
  } finally {
    unsubscribe(CHANNELS.getMany, listener)
  }
  return { ...counts, seconds: (performance.now() - started) / 1000 }
}

/**
 * Runs every replay: two at a time in probe processes (bench/probes/hit-rate-probe.ts), or,
 * for a quick run, in this process, all but the first, which still goes through a probe so
 * that the probe path is exercised. Either way the counts are the same.
 */
export async function simulateHitRates(specs: readonly HitRateSimulation[], quick: boolean): Promise<HitRateResult[]> {
  const probe = (spec: HitRateSimulation): Promise<HitRateResult> => runProbe<HitRateResult>(new URL('../probes/hit-rate-probe.ts', import.meta.url), spec)
  if (!quick) return mapConcurrently(specs, 2, probe)
  // One after the other: the diagnostics channel is shared by every repository of a process.
  const results: HitRateResult[] = []
  for (const [i, spec] of specs.entries()) results.push(await (i === 0 ? probe(spec) : simulateHitRate(spec)))
  return results
}
