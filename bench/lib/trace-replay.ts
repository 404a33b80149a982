import { ContactRepository } from '../../src/index.js'
import { beladyHits } from './belady.js'
import { createInMemoryContactsDb } from './in-memory-contacts-db.js'
import { lruHits } from './lru-hits.js'
import { readTrace, renumberKeys } from './trace-file.js'
import { idOfKey, tenantOfId, tenantOfKey } from './trace-tenants.js'
import { wTinyLfuHits } from './w-tiny-lfu-hits.js'

/** Which requests of which trace file: plain data, so that a probe process can read them itself. */
export interface TraceSource {
  /** The trace's name: `cs` for `cs.i32le.gz`. */
  readonly trace: string
  /** The traces folder (resolved once by the caller, see tracesDir). */
  readonly dir: string
  /** Only the first requests; the whole trace when absent. */
  readonly prefix?: number
}

/** Reads and renumbers a trace (see renumberKeys); undefined when its file is missing. */
export function loadTrace(source: TraceSource): Int32Array | undefined {
  const raw = readTrace(source.trace, source.prefix === undefined ? { dir: source.dir } : { dir: source.dir, prefix: source.prefix })
  return raw === undefined ? undefined : renumberKeys(raw).keys
}

/** Hits of the reference policies on one trace at one cache size (entries). */
export interface BaselineHits {
  readonly requests: number
  readonly lru: number
  readonly wTinyLfu: number
  /** Belady's optimal that may decline to cache the incoming key (Caffeine's simulator's OPT). */
  readonly belady: number
  /** Belady's optimal that caches every missed key (cache2k's published OPT). */
  readonly beladyAdmitAll: number
}

/** The reference policies on renumbered keys (the same on any tenant split, see trace-tenants). */
export function baselineHits(keys: Int32Array, capacity: number): BaselineHits {
  return {
    requests: keys.length,
    lru: lruHits(keys, capacity),
    wTinyLfu: wTinyLfuHits(keys, capacity),
    belady: beladyHits(keys, capacity),
    beladyAdmitAll: beladyHits(keys, capacity, { mayBypass: false }),
  }
}

/** The repository's own count over a replay. */
export interface RepositoryHits {
  readonly requests: number
  readonly hits: number
  readonly misses: number
  readonly seconds: number
}

/**
 * Replays renumbered keys through a ContactRepository's public API, one ID per `getMany`
 * call, each awaited before the next, split over `tenants` tenants (see trace-tenants), and
 * returns the repository's own hit and miss counts (`stats()`). The database is the
 * in-memory stand-in (the whole repository path runs, only the server is absent): the
 * count is what MariaDB would give, in a fraction of the time.
 *
 * The repository is bounded by entries alone: `maxEntries` is the cache size,
 * `maxEntriesPerTenant` the same (per-tenant cap off), `maxBytes` far above what the entries
 * weigh, and a 24-hour TTL, so nothing expires during a replay.
 */
export async function replayThroughRepository(keys: Int32Array, maxEntries: number, tenants: number): Promise<RepositoryHits> {
  const started = performance.now()
  const fake = createInMemoryContactsDb((id) => tenantOfId(id, tenants), { freshStrings: false })
  const repository = new ContactRepository({
    db: fake.db,
    table: 'contacts',
    maxEntries,
    maxEntriesPerTenant: maxEntries,
    maxBytes: 2 ** 34,
    ttl: 86_400_000,
  })
  const before = repository.stats()
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as number
    await repository.getMany(tenantOfKey(key, tenants), [idOfKey(key)])
  }
  const after = repository.stats()
  await repository.close()
  const hits = after.hits - before.hits
  const misses = after.misses - before.misses
  if (hits + misses !== keys.length) throw new Error(`The repository counted ${hits + misses} requests for ${keys.length} replayed`)
  return { requests: keys.length, hits, misses, seconds: (performance.now() - started) / 1000 }
}

/**
 * One unit of work for a probe: the repository at some cache sizes on one tenant split, or
 * the reference policies at some sizes. Plain data: the probe reads the trace itself
 * (millions of keys do not fit a command line).
 */
export type TraceJob =
  | (TraceSource & { readonly kind: 'repository'; readonly sizes: readonly number[]; readonly tenants: number })
  | (TraceSource & { readonly kind: 'baselines'; readonly sizes: readonly number[] })

/** A job's counts, one per size in the job's order; `missing` when the trace file is absent. */
export type TraceJobResult =
  | { readonly kind: 'repository'; readonly hits: readonly RepositoryHits[] }
  | { readonly kind: 'baselines'; readonly hits: readonly BaselineHits[] }
  | { readonly kind: 'missing' }

/** Runs one job in this process (what bench/probes/trace-probe.ts does). */
export async function runTraceJob(job: TraceJob): Promise<TraceJobResult> {
  const keys = loadTrace(job)
  if (keys === undefined) return { kind: 'missing' }
  if (job.kind === 'baselines') return { kind: 'baselines', hits: job.sizes.map((size) => baselineHits(keys, size)) }
  const hits: RepositoryHits[] = []
  for (const size of job.sizes) hits.push(await replayThroughRepository(keys, size, job.tenants))
  return { kind: 'repository', hits }
}
