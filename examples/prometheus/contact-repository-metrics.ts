import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import {
  CHANNELS,
  type BatchEndEvent,
  type BatchStartEvent,
  type ContactRepository,
  type ContactRepositoryStats,
  type EvictionEvent,
  type GetManyEvent,
  type InvalidationEvent,
} from 'contact-repository'
import type { ContactMysqlDialect, MysqlPoolStats } from 'contact-repository/mysql'

/** What {@link registerContactRepositoryMetrics} needs. */
export interface ContactRepositoryMetricsOptions {
  /** The repository whose `stats()` are read at each scrape. */
  readonly repository: ContactRepository
  /** The registry to register the metrics in (prom-client's global `register` will do). */
  readonly registry: Registry
  /** When given, the pool behind the repository is exported too. */
  readonly dialect?: ContactMysqlDialect
  /** Metric name prefix. Default `'contact_repository_'`. */
  readonly prefix?: string
}

/** Counters taken from `stats()`: monotonic since the repository was built. */
const STAT_COUNTERS = {
  hits: 'IDs answered from a fresh cache entry (found or not found)',
  negativeHits: 'IDs answered from a cached "not found"',
  misses: 'IDs not answered from the cache',
  inflightJoins: 'IDs that joined a load already in flight',
  queries: 'Batch queries sent to the database',
  rowsFetched: 'Rows returned by batch queries',
  staleServed: 'IDs served from expired entries after a failure (stale-if-error)',
} as const satisfies Partial<Record<keyof ContactRepositoryStats, string>>

const STAT_GAUGES = {
  entries: 'Entries (rows and "not found") in the cache',
  bytes: 'Estimated heap bytes of the cache',
  tenants: 'Tenants with at least one cached entry',
  inflight: 'Loads in flight that callers can join',
  activeQueries: 'Batch queries running now',
  queuedQueries: 'Batch queries waiting for a slot',
} as const satisfies Partial<Record<keyof ContactRepositoryStats, string>>

const POOL_GAUGES = {
  connections: 'Pool connections open or being opened',
  idle: 'Pool connections idle',
  inUse: 'Pool connections handed out',
  waiting: 'Requests waiting for a pool connection',
  abandoned: 'Requests that gave up waiting and whose connection has not arrived yet',
} as const satisfies Partial<Record<keyof MysqlPoolStats, string>>

const POOL_COUNTERS = {
  acquireTimeouts: 'Waits for a pool connection that hit acquireTimeout',
  lateConnections: 'Connections that arrived after their request gave up, returned to the pool',
  queryTimeouts: 'Queries that hit queryTimeout (their connection was destroyed)',
  serverTimeouts: 'Statements the server stopped at serverStatementTimeout',
} as const satisfies Partial<Record<keyof MysqlPoolStats, string>>

/**
 * Exports a repository's `stats()` (and its pool's, given the dialect) as Prometheus metrics
 * read at scrape time, and turns its `node:diagnostics_channel` events into histograms and
 * labelled counters. Returns a function that unsubscribes from the channels.
 *
 * Channel events carry no repository identity: with several repositories in one process the
 * event-based metrics add them up, while the `stats()` ones belong to `repository` alone.
 */
export function registerContactRepositoryMetrics(options: ContactRepositoryMetricsOptions): () => void {
  const { repository, registry, dialect, prefix = 'contact_repository_' } = options
  const registers = [registry]

  // Read at each scrape by each metric: a few microseconds each, nothing on the request path.
  const stats = (): ContactRepositoryStats => repository.stats()
  const poolStats = (): MysqlPoolStats | undefined => dialect?.poolStats()

  for (const [key, help] of Object.entries(STAT_COUNTERS) as [keyof typeof STAT_COUNTERS, string][]) {
    let last = 0
    new Counter({
      name: `${prefix}${snakeCase(key)}_total`,
      help,
      registers,
      collect() {
        const value = stats()[key]
        // Counters only go up; stats() counts since construction, so export the difference.
        this.inc(Math.max(0, value - last))
        last = value
      },
    })
  }
  for (const [key, help] of Object.entries(STAT_GAUGES) as [keyof typeof STAT_GAUGES, string][]) {
    new Gauge({ name: `${prefix}${snakeCase(key)}`, help, registers, collect() { this.set(stats()[key]) } })
  }
  new Gauge({
    name: `${prefix}trusted`,
    help: '1 while invalidations from other instances are known to arrive, else 0',
    registers,
    collect() {
      this.set(stats().trusted ? 1 : 0)
    },
  })
  if (dialect !== undefined) {
    for (const [key, help] of Object.entries(POOL_GAUGES) as [keyof typeof POOL_GAUGES, string][]) {
      new Gauge({
        name: `${prefix}pool_${snakeCase(key)}`,
        help,
        registers,
        collect() {
          this.set(poolStats()?.[key] ?? 0)
        },
      })
    }
    for (const [key, help] of Object.entries(POOL_COUNTERS) as [keyof typeof POOL_COUNTERS, string][]) {
      let last = 0
      new Counter({
        name: `${prefix}pool_${snakeCase(key)}_total`,
        help,
        registers,
        collect() {
          const value = poolStats()?.[key] ?? 0
          this.inc(Math.max(0, value - last))
          last = value
        },
      })
    }
  }

  // Event-based metrics: what stats() summarises, with labels and full distributions.
  const calls = new Counter({
    name: `${prefix}get_many_calls_total`,
    help: 'getMany calls, by cache mode and whether they needed the database',
    labelNames: ['mode', 'needed_database'] as const,
    registers,
  })
  const batchSize = new Histogram({
    name: `${prefix}batch_size`,
    help: 'IDs per batch query',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers,
  })
  const batchDuration = new Histogram({
    name: `${prefix}batch_duration_seconds`,
    help: 'Time from queueing a batch to its settling, by result (ok or the error code)',
    labelNames: ['result'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  })
  const batchErrors = new Counter({
    name: `${prefix}batch_errors_total`,
    help: 'Failed batches by error code (timeouts, shed, query failures, invalid rows)',
    labelNames: ['code'] as const,
    registers,
  })
  const evictions = new Counter({
    name: `${prefix}evictions_total`,
    help: 'Entries evicted to stay within bounds, by which bound',
    labelNames: ['reason'] as const,
    registers,
  })
  const invalidations = new Counter({
    name: `${prefix}invalidations_total`,
    help: 'Invalidations applied, by kind and source',
    labelNames: ['kind', 'source'] as const,
    registers,
  })

  const listeners: [string, (message: unknown) => void][] = [
    [CHANNELS.getMany, (message) => {
      const event = message as GetManyEvent
      calls.inc({ mode: event.mode, needed_database: event.misses > 0 ? 'yes' : 'no' })
    }],
    [CHANNELS.batchStart, (message) => { batchSize.observe((message as BatchStartEvent).size) }],
    [CHANNELS.batchEnd, (message) => {
      const event = message as BatchEndEvent
      const result = event.error?.code ?? 'ok'
      batchDuration.observe({ result }, event.durationMs / 1000)
      if (event.error !== undefined) batchErrors.inc({ code: event.error.code })
    }],
    [CHANNELS.evict, (message) => {
      const event = message as EvictionEvent
      evictions.inc({ reason: event.reason }, event.count)
    }],
    [CHANNELS.invalidate, (message) => {
      const event = message as InvalidationEvent
      invalidations.inc({ kind: event.message.kind, source: event.source })
    }],
  ]
  for (const [name, listener] of listeners) subscribe(name, listener)
  return () => {
    for (const [name, listener] of listeners) unsubscribe(name, listener)
  }
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}
