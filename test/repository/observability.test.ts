import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import {
  CHANNELS,
  ContactOverloadError,
  ContactQueryError,
  ContactRepository,
  type SpanLike,
  type TracerLike,
} from '../../src/index.js'
import { registerContactRepositoryMetrics } from '../../examples/prometheus/contact-repository-metrics.js'
import { seed } from '../helpers/backends.js'
import { eventually, expectQuiet, rejection, useFaultRigs } from '../helpers/fault-rig.js'

const openRig = useFaultRigs()
const events: { channel: string; message: unknown }[] = []
const listeners = Object.values(CHANNELS).map((channel) => {
  const listener = (message: unknown): void => { events.push({ channel, message }) }
  return [channel, listener] as const
})
afterEach(() => {
  for (const [channel, listener] of listeners) unsubscribe(channel, listener)
  events.length = 0
})

/** A tracer that records what the repository does with its spans. */
class RecordingTracer implements TracerLike {
  readonly spans: RecordedSpan[] = []
  startSpan(name: string, options?: { attributes?: Record<string, string | number> }): SpanLike {
    const span = new RecordedSpan(name, { ...options?.attributes })
    this.spans.push(span)
    return span
  }
}

class RecordedSpan implements SpanLike {
  exceptions: Error[] = []
  status: { code: number; message?: string } | undefined
  ends = 0
  constructor(readonly name: string, readonly attributes: Record<string, string | number | boolean>) {}
  setAttribute(key: string, value: string | number | boolean): this {
    this.attributes[key] = value
    return this
  }
  recordException(exception: Error): this {
    this.exceptions.push(exception)
    return this
  }
  setStatus(status: { code: number; message?: string }): this {
    this.status = status
    return this
  }
  end(): void {
    this.ends++
  }
}

function on(channel: string): unknown[] {
  return events.filter((event) => event.channel === channel).map((event) => event.message)
}

describe('G-OBSERVABLE: observability', () => {
  it('publishes hit, miss, batch, eviction, invalidation and error events, and one span per database batch', async () => {
    const rig = await openRig('observability', { connectionLimit: 1 })
    await rig.insert([seed(1, 1), seed(1, 2), seed(1, 3), seed(2, 4)])
    const tracer = new RecordingTracer()
    const repo = new ContactRepository({
      db: rig.db, table: rig.table, tracer, maxEntriesPerTenant: 2, maxConcurrentQueries: 1, maxQueuedQueries: 0,
    })
    for (const [channel, listener] of listeners) subscribe(channel, listener)

    // A miss of three IDs (one batch, three rows), which overflows the tenant's cap of 2.
    await repo.getMany(1, [1, 2, 3])
    // Hits only.
    await repo.getMany(1, [2, 3])
    await repo.invalidate(1, [3])

    expect(on(CHANNELS.getMany)).toEqual([
      { tenantId: 1, requested: 3, hits: 0, misses: 3, mode: 'normal' },
      { tenantId: 1, requested: 2, hits: 2, misses: 0, mode: 'normal' },
    ])
    expect(on(CHANNELS.batchStart)).toEqual([{ tenantId: 1, size: 3 }])
    const [end] = on(CHANNELS.batchEnd) as { durationMs: number }[]
    expect(end).toMatchObject({ tenantId: 1, size: 3, rows: 3, error: undefined })
    expect(end!.durationMs).toBeGreaterThanOrEqual(0)
    expect(on(CHANNELS.evict)).toEqual([{ reason: 'tenant-cap', count: 1 }])
    expect(on(CHANNELS.invalidate)).toEqual([{ message: { kind: 'ids', tenantId: 1, ids: [3] }, source: 'local' }])

    expect(tracer.spans).toHaveLength(1)
    expect(tracer.spans[0]).toMatchObject({
      name: 'contact-repository.batch',
      attributes: { 'contact_repository.tenant_id': 1, 'contact_repository.batch_size': 3, 'contact_repository.rows': 3 },
      exceptions: [],
      status: undefined,
      ends: 1,
    })

    // A failed batch: an error event and a span that records it.
    await rig.proxy.down()
    await eventually('the pool to drop its connections', () => rig.dialect.poolStats().connections === 0)
    const failure = await rejection(repo.getMany(2, [4]))
    expect(failure).toBeInstanceOf(ContactQueryError)
    const failedEnd = on(CHANNELS.batchEnd)[1]
    expect(failedEnd).toMatchObject({ tenantId: 2, size: 1, rows: 0, error: failure })
    expect(tracer.spans[1]).toMatchObject({
      attributes: { 'contact_repository.tenant_id': 2, 'contact_repository.rows': 0 },
      exceptions: [failure],
      status: { code: 2, message: 'ERR_CONTACTS_QUERY_FAILED' },
      ends: 1,
    })

    // A shed batch never reaches the database: an error event, no start, no span.
    await rig.proxy.up()
    rig.proxy.latency(100)
    // Another tenant, so another batch: the only slot is taken and the queue holds none.
    const running = repo.getMany(2, [4])
    const shed = await rejection(repo.getMany(3, [5]))
    await running
    rig.proxy.latency(0)
    expect(shed).toBeInstanceOf(ContactOverloadError)
    expect(on(CHANNELS.batchEnd).filter((event) => (event as { error?: unknown }).error === shed)).toHaveLength(1)
    expect(on(CHANNELS.batchStart)).toHaveLength(3)
    expect(tracer.spans).toHaveLength(3)
    expect(tracer.spans.every((span) => span.ends === 1)).toBe(true)

    const stats = repo.stats()
    expect(stats).toMatchObject({ queries: 3, errors: 2, timeouts: 0, shed: 1, evictions: 1, invalidations: 1 })
    expect(stats.batchSize).toMatchObject({ count: 3, max: 3 })
    expect(stats.batchDurationMs.count).toBe(3)
    await expectQuiet(rig, repo)
  })

  it('a tracer that throws changes nothing for callers: results, deadlines and slots are unaffected', async () => {
    const rig = await openRig('observability_broken_tracer', { connectionLimit: 1 })
    await rig.insert([seed(1, 1), seed(2, 2)])
    const broken = (at: 'start' | 'end'): TracerLike => ({
      startSpan() {
        if (at === 'start') throw new Error('tracer broke at start')
        const fail = (): never => { throw new Error('tracer broke at end') }
        return { setAttribute: fail, recordException: fail, setStatus: fail, end: fail }
      },
    })
    for (const at of ['start', 'end'] as const) {
      const repo = new ContactRepository({ db: rig.db, table: rig.table, tracer: broken(at), maxConcurrentQueries: 1, queryTimeout: 5_000 })
      expect((await repo.getMany(1, [1])).rows.map((row) => row.id)).toEqual([1])
      expect((await repo.getMany(2, [2, 3])).missing).toEqual([3])
      expect(repo.stats()).toMatchObject({ queries: 2, errors: 0 })
      await expectQuiet(rig, repo)
    }
  })

  it('the Prometheus example exports stats, pool state and event metrics', async () => {
    const rig = await openRig('observability_prometheus', { connectionLimit: 2 })
    await rig.insert([seed(1, 1), seed(1, 2)])
    const repo = new ContactRepository({ db: rig.db, table: rig.table })
    const registry = new Registry()
    const stop = registerContactRepositoryMetrics({ repository: repo, registry, dialect: rig.dialect })
    try {
      await repo.getMany(1, [1, 2, 3])
      await repo.getMany(1, [1, 2])
      await rig.proxy.down()
      await eventually('the pool to drop its connections', () => rig.dialect.poolStats().connections === 0)
      await rejection(repo.getMany(1, [9]))
      await rig.proxy.up()
      const text = await registry.metrics()
      expect(text).toMatch(/^contact_repository_hits_total 2$/m)
      expect(text).toMatch(/^contact_repository_misses_total 4$/m)
      expect(text).toMatch(/^contact_repository_queries_total 2$/m)
      expect(text).toMatch(/^contact_repository_entries 3$/m)
      expect(text).toMatch(/^contact_repository_pool_in_use 0$/m)
      expect(text).toMatch(/^contact_repository_batch_errors_total\{code="ERR_CONTACTS_QUERY_FAILED"\} 1$/m)
      expect(text).toMatch(/^contact_repository_batch_duration_seconds_count\{result="ok"\} 1$/m)
      expect(text).toMatch(/^contact_repository_get_many_calls_total\{mode="normal",needed_database="no"\} 1$/m)
      // Counters exported from stats() do not double on a second scrape.
      expect(await registry.metrics()).toMatch(/^contact_repository_hits_total 2$/m)
    } finally {
      stop()
    }
    await expectQuiet(rig, repo)
  })
})
