import { BatchLoader, PendingLoad, type Batch } from './loading/batch-loader.js'
import type { Contact } from './contacts/contact.js'
import {
  resolveOptions,
  type ContactRepositoryOptions,
  type ResolvedOptions,
} from './contact-repository-options.js'
import { createContactsReader } from './contacts/contacts-reader.js'
import {
  batchEndChannel,
  batchStartChannel,
  evictChannel,
  getManyChannel,
  invalidateChannel,
  trustChannel,
  type BatchEndEvent,
  type BatchStartEvent,
  type EvictionEvent,
  type GetManyEvent,
  type InvalidationEvent,
  type TrustEvent,
} from './observability/diagnostics.js'
import {
  ContactAbortError,
  ContactRepositoryClosedError,
  ContactValidationError,
  type ContactRepositoryError,
} from './errors.js'
import { assertIdList, assertTenantId } from './validation/id-schema.js'
import type { InvalidationMessage, InvalidationSubscriber } from './invalidation/invalidation-bus.js'
import { RollingSummary, type Summary } from './observability/rolling-summary.js'
import {
  DUPLICATE,
  MISS,
  TenantPartitionedCache,
  type ExpiredEntry,
} from './cache/tenant-partitioned-cache.js'
import { SPAN_STATUS_ERROR, type SpanLike } from './observability/tracer.js'

/**
 * How a call uses the cache.
 * - `'normal'`: serve hits, load misses, cache what was loaded. For request handlers.
 * - `'no-fill'`: serve hits without leaving a trace (neither recency nor frequency), load
 *   misses (joining loads already in flight), cache nothing. For background jobs that read many
 *   contacts once: they profit from the cache without evicting the hot set.
 * - `'bypass'`: ignore the cache and in-flight loads, always read the database. For code that
 *   needs the database's current answer (e.g. right before a write), never for hot paths.
 */
export type CacheMode = 'normal' | 'no-fill' | 'bypass'

/** Per-call options of `getMany`. */
export interface GetManyOptions {
  /**
   * How this call uses the cache: `'normal'`, `'no-fill'` (reads without a trace, fills
   * nothing: for jobs) or `'bypass'` (the database's answer now).
   * @default 'normal'
   */
  readonly cache?: CacheMode
  /**
   * Rejects the call with `ContactAbortError` when it fires. The shared query goes on for
   * the other callers (and may still fill the cache).
   * @default undefined (none)
   */
  readonly signal?: AbortSignal
  /**
   * Overrides the repository's `staleIfError` for this call (`0` turns it off).
   * @default the repository's staleIfError
   */
  readonly staleIfError?: number
}

/** A row served from an expired entry because the database failed (stale-if-error). */
export interface StaleRow {
  readonly id: number
  /** How long ago the row was read from the database, in milliseconds. */
  readonly ageMs: number
}

/** What `getMany` resolves to. */
export interface GetManyResult {
  /** The found contacts, in the order of the requested IDs, each once. */
  readonly rows: Contact[]
  /** Requested IDs that were not found (absent, or another tenant's), in request order, each once. */
  readonly missing: number[]
  /** IDs answered from expired entries after a database failure; empty unless `staleIfError` applied. */
  readonly stale: readonly StaleRow[]
}

/** Counters since construction, and the cache's current size. */
export interface ContactRepositoryStats {
  /** IDs answered from a fresh cache entry (found or not found). */
  readonly hits: number
  /** Of `hits`, the IDs answered by a cached "not found". */
  readonly negativeHits: number
  /** IDs that were not answered from the cache: loaded, joined, or bypassing it. */
  readonly misses: number
  /** Of `misses`, the IDs that joined a load already in flight instead of starting one. */
  readonly inflightJoins: number
  /** Queries sent to the database. */
  readonly queries: number
  /** Rows those queries returned. */
  readonly rowsFetched: number
  /** Entries dropped to stay within `maxEntries`/`maxBytes` or a tenant's cap. */
  readonly evictions: number
  /** Invalidations applied (local and from the bus). */
  readonly invalidations: number
  /** Batches that failed, for any reason (timeouts and shed batches included). */
  readonly errors: number
  /** Of `errors`, batches that hit a deadline. */
  readonly timeouts: number
  /** Of `errors`, batches refused at once because the query queue was full. */
  readonly shed: number
  /** IDs served stale after a failure (stale-if-error). */
  readonly staleServed: number
  /** Entries (rows and "not found") in the cache now. */
  readonly entries: number
  /** Estimated heap bytes of the cache now. */
  readonly bytes: number
  /** Tenants with at least one entry now. */
  readonly tenants: number
  /** (tenant, id) loads in flight now that callers can join. */
  readonly inflight: number
  /** Queries running now. */
  readonly activeQueries: number
  /** Queries waiting for a slot now. */
  readonly queuedQueries: number
  /** Whether invalidations from other instances are known to arrive (always true without a bus). */
  readonly trusted: boolean
  /** IDs per query, over the last 1024 queries. */
  readonly batchSize: Summary
  /** Milliseconds per query (from queueing to settling), over the last 1024 queries. */
  readonly batchDurationMs: Summary
}

const NO_STALE_ROWS: readonly StaleRow[] = Object.freeze([])
const CACHE_MODES: readonly string[] = ['normal', 'no-fill', 'bypass']
const NO_ENTRIES: ReadonlyMap<number, number> = new Map()

interface Counters {
  hits: number
  negativeHits: number
  misses: number
  inflightJoins: number
  queries: number
  rowsFetched: number
  evictions: number
  invalidations: number
  errors: number
  timeouts: number
  shed: number
  staleServed: number
}

/**
 * The answers of one call from its first miss on, in request order: rows and "not found"
 * read from the cache, and loads to wait for. It also takes each miss: joins the load of the
 * ID already in flight or starts one, so that `getMany`'s loop stays small enough for the
 * engine to inline the cache's read in it (the hit path).
 */
/** Longest call whose record offsets buffer `getMany` keeps between calls (4 KiB). */
const MAX_KEPT_SLOTS = 1024

class PendingAnswers {
  readonly ids: number[] = []
  readonly answers: (Contact | null | PendingLoad)[] = []
  readonly batches: Batch[] = []
  /** Expired entries of the loaded IDs, kept for stale-if-error. */
  expired: Map<number, ExpiredEntry> | undefined
  misses = 0
  joins = 0
  #inflight: ReadonlyMap<number, PendingLoad> | undefined

  constructor(
    readonly loader: BatchLoader,
    readonly cache: TenantPartitionedCache,
    readonly tenantId: number,
    readonly pass: number,
    readonly fill: boolean,
    readonly staleLimit: number,
  ) {
    this.#inflight = loader.inflightOf(tenantId)
  }

  add(id: number, answer: Contact | null | PendingLoad): void {
    this.ids.push(id)
    this.answers.push(answer)
  }

  /** An ID the cache could not answer: join its load in flight, or start one. */
  miss(id: number, index: ReadonlyMap<number, number>): void {
    const { loader, tenantId, pass, fill } = this
    let load = this.#inflight?.get(id)
    if (load === undefined) {
      load = loader.enqueue(tenantId, id, fill)
      // The tenant's registry exists from its first load on.
      this.#inflight ??= loader.inflightOf(tenantId)
    } else {
      if (load.stamp === pass) return // asked twice in this call
      this.joins++
      if (fill) load.fill = true
    }
    load.stamp = pass
    this.misses++
    if (fill) this.cache.recordMiss(tenantId, id)
    if (this.staleLimit > 0) {
      const expired = this.cache.expired(index, id)
      if (expired !== undefined) (this.expired ??= new Map()).set(id, expired)
    }
    this.add(id, load)
    const batches = this.batches
    if (load.batch !== batches[batches.length - 1] && !batches.includes(load.batch)) batches.push(load.batch)
  }
}

/**
 * Contacts by ID for many tenants: a tenant-partitioned cache in front of one batched query.
 *
 * `getMany` answers hits from the cache, loads only the misses (one query per tenant per
 * tick, shared by every concurrent caller), caches what it loaded, and returns rows in
 * request order plus the IDs not found. Guarantees are listed in the README.
 *
 * The read path, top to bottom: `getMany` validates, looks the tenant's partition up once, and
 * reads every ID in one loop, answering hits and joining or starting loads for misses
 * (`BatchLoader`, `src/loading/batch-loader.ts`, which sends one query per tenant per tick and
 * holds the batch contract); `#answer` waits for the loads and builds the ordered result;
 * `#fill`, called by the loader when a batch succeeded, caches what may be cached.
 */
export class ContactRepository {
  readonly #options: ResolvedOptions
  readonly #cache: TenantPartitionedCache
  readonly #loader: BatchLoader
  readonly #counters: Counters = {
    hits: 0, negativeHits: 0, misses: 0, inflightJoins: 0, queries: 0, rowsFetched: 0,
    evictions: 0, invalidations: 0, errors: 0, timeouts: 0, shed: 0, staleServed: 0,
  }
  readonly #batchSizes = new RollingSummary()
  readonly #batchDurations = new RollingSummary()
  readonly #spans = new WeakMap<Batch, SpanLike>()
  readonly #unsubscribe: (() => void) | undefined
  // What this repository subscribed with; passed back to `publish` so the bus skips it.
  readonly #subscriber: InvalidationSubscriber
  #trusted = true
  // The loader's sentCount when trust last changed: a batch sent before may have missed messages.
  #trustChangedAfter = 0
  #closed = false

  constructor(options: ContactRepositoryOptions) {
    const resolved = resolveOptions(options)
    this.#options = resolved
    this.#cache = new TenantPartitionedCache(resolved, (reason, count) => {
      this.#counters.evictions += count
      if (evictChannel.hasSubscribers) evictChannel.publish({ reason, count } satisfies EvictionEvent)
    })
    this.#loader = new BatchLoader({
      query: createContactsReader(resolved.db, resolved.table, resolved.maxBatchSize).read,
      fill: (batch, loads) => { this.#fill(batch, loads) },
      events: {
        batchStart: (batch) => { this.#onBatchStart(batch) },
        batchEnd: (batch, durationMs, rows, error) => { this.#onBatchEnd(batch, durationMs, rows, error) },
      },
      limits: {
        maxConcurrent: resolved.maxConcurrentQueries,
        maxConcurrentPerTenant: resolved.maxConcurrentQueriesPerTenant,
        maxQueued: resolved.maxQueuedQueries,
        maxQueuedPerTenant: resolved.maxQueuedQueriesPerTenant,
        retryAfterMs: resolved.overloadRetryAfter,
      },
      maxBatchSize: resolved.maxBatchSize,
      queryTimeout: resolved.queryTimeout,
      now: resolved.now,
    })
    this.#subscriber = {
      onInvalidation: (message) => { this.#apply(message, 'bus') },
      onTrustChange: (trusted) => { this.#setTrusted(trusted) },
    }
    this.#unsubscribe = resolved.bus?.subscribe(this.#subscriber)
  }

  // The record offsets of the call being read (TenantPartitionedCache.locate); grown to the
  // longest call up to MAX_KEPT_SLOTS, reused: getMany reads the cache synchronously, so calls
  // never share it.
  #slots = new Int32Array(64)

  /**
   * Returns the tenant's contacts for `ids`: `rows` in request order (duplicates collapsed to
   * their first position) and `missing`, the IDs not found for this tenant, also in order.
   *
   * Rejects with `ContactValidationError` (before touching the cache or the database) unless
   * `tenantId` is a positive safe integer and `ids` an array of them; with
   * `ContactQueryError`, `ContactTimeoutError` or `ContactOverloadError` when the misses
   * could not be loaded; with `ContactAbortError` when `options.signal` fires.
   */
  getMany(tenantId: number, ids: readonly number[], options?: GetManyOptions): Promise<GetManyResult> {
    let mode: CacheMode
    try {
      assertTenantId(tenantId)
      assertIdList(ids)
      mode = checkCallOptions(options)
    } catch (error) {
      return Promise.reject(error)
    }
    if (this.#closed) return Promise.reject(new ContactRepositoryClosedError())
    const signal = options?.signal
    if (signal?.aborted === true) return Promise.reject(new ContactAbortError(signal.reason))
    if (mode === 'bypass') return this.#bypass(tenantId, ids, signal)

    // One pass over the IDs, in order. Until the first miss, answers go straight into the
    // result; from it on they wait, in order, with the loads (see PendingAnswers). A 'no-fill'
    // pass leaves no trace in the cache, so it cannot mark entries to drop duplicates: it
    // drops them up front instead.
    const cache = this.#cache
    const fill = mode === 'normal'
    const list = fill ? ids : [...new Set(ids)]
    const now = cache.relative(this.#options.now())
    const pass = cache.nextPass()
    const index = cache.partition(tenantId)?.index ?? NO_ENTRIES
    const rows: Contact[] = []
    const missing: number[] = []
    let pending: PendingAnswers | undefined
    let hits = 0
    let negativeHits = 0
    let slots = this.#slots
    if (slots.length < list.length) {
      // Kept for later calls up to a size a request handler asks for; a bulk call's own buffer
      // is left to the collector rather than held by the repository for good.
      slots = new Int32Array(list.length)
      if (list.length <= MAX_KEPT_SLOTS) this.#slots = slots
    }
    if (fill) cache.locate(index, list, slots)
    for (let i = 0; i < list.length; i++) {
      const id = list[i] as number
      const answer = fill ? cache.readAt(slots[i] as number, now, pass) : cache.peek(index, id, now)
      if (answer === DUPLICATE) continue
      if (answer === MISS) {
        pending ??= new PendingAnswers(this.#loader, cache, tenantId, pass, fill, options?.staleIfError ?? this.#options.staleIfError)
        pending.miss(id, index)
        continue
      }
      hits++
      if (answer === null) negativeHits++
      if (pending !== undefined) pending.add(id, answer)
      else if (answer === null) missing.push(id)
      else rows.push(answer)
    }
    const counters = this.#counters
    counters.hits += hits
    counters.negativeHits += negativeHits
    if (fill) cache.recordHits(hits)
    if (pending === undefined) {
      if (getManyChannel.hasSubscribers) this.#publishGetMany(tenantId, ids.length, hits, 0, mode)
      return Promise.resolve({ rows, missing, stale: NO_STALE_ROWS })
    }
    counters.misses += pending.misses
    counters.inflightJoins += pending.joins
    if (getManyChannel.hasSubscribers) this.#publishGetMany(tenantId, ids.length, hits, pending.misses, mode)
    return this.#answer(pending, rows, missing, signal)
  }

  /**
   * Forgets the tenant's `ids` here at once (cached rows and "not found" markers; loads in
   * flight are detached so their results are not cached) and publishes the invalidation to
   * the bus, if any. Call it after the change is committed. The promise settles once the
   * message is published or queued for retry; without a bus, at once.
   */
  invalidate(tenantId: number, ids: readonly number[]): Promise<void> {
    try {
      assertTenantId(tenantId)
      assertIdList(ids)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#invalidate({ kind: 'ids', tenantId, ids: [...ids] })
  }

  /** Forgets everything cached for the tenant (after a bulk import, a tenant deletion...). */
  invalidateTenant(tenantId: number): Promise<void> {
    try {
      assertTenantId(tenantId)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#invalidate({ kind: 'tenant', tenantId })
  }

  /** Forgets everything cached, for every tenant. */
  invalidateAll(): Promise<void> {
    return this.#invalidate({ kind: 'all' })
  }

  /** Counters since construction and the cache's current size. */
  stats(): ContactRepositoryStats {
    return {
      ...this.#counters,
      entries: this.#cache.entries,
      bytes: this.#cache.bytes,
      tenants: this.#cache.tenants,
      inflight: this.#loader.inflight,
      activeQueries: this.#loader.activeQueries,
      queuedQueries: this.#loader.queuedQueries,
      trusted: this.#trusted,
      batchSize: this.#batchSizes.summary(),
      batchDurationMs: this.#batchDurations.summary(),
    }
  }

  /**
   * Stops accepting calls and leaves the bus. Loads in flight still settle for their callers.
   * The Kysely instance is the caller's to destroy.
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true
      this.#unsubscribe?.()
    }
    return Promise.resolve()
  }

  // Waits for the loads of a call and builds its result in request order. When a batch failed
  // and stale-if-error applies, expired entries recent enough stand in for its rows.
  async #answer(pending: PendingAnswers, rows: Contact[], missing: number[], signal: AbortSignal | undefined): Promise<GetManyResult> {
    let failure: ContactRepositoryError | undefined
    try {
      await settled(pending.batches, signal)
    } catch (error) {
      if (error instanceof ContactAbortError || pending.expired === undefined) throw error
      failure = error as ContactRepositoryError
    }
    let stale: StaleRow[] | undefined
    const at = this.#options.now()
    const { ids, answers } = pending
    for (let k = 0; k < answers.length; k++) {
      const answer = answers[k] as Contact | null | PendingLoad
      let row = answer instanceof PendingLoad ? answer.row : answer
      if (row === undefined) {
        // Only reachable after a failure: serve the expired entry if it is recent enough.
        const id = ids[k] as number
        const old = pending.expired?.get(id)
        if (old === undefined || at - old.expiresAt > pending.staleLimit) throw failure as Error
        ;(stale ??= []).push({ id, ageMs: at - old.fetchedAt })
        row = old.row
      }
      if (row === null) missing.push(ids[k] as number)
      else rows.push(row)
    }
    if (stale !== undefined) this.#counters.staleServed += stale.length
    return { rows, missing, stale: stale ?? NO_STALE_ROWS }
  }

  async #bypass(tenantId: number, ids: readonly number[], signal: AbortSignal | undefined): Promise<GetManyResult> {
    const distinct = [...new Set(ids)]
    const loads = this.#loader.loadPrivately(tenantId, distinct)
    this.#counters.misses += distinct.length
    if (getManyChannel.hasSubscribers) this.#publishGetMany(tenantId, ids.length, 0, distinct.length, 'bypass')
    await settled([...new Set(loads.map((load) => load.batch))], signal)
    const rows: Contact[] = []
    const missing: number[] = []
    for (const load of loads) {
      if (load.row === null || load.row === undefined) missing.push(load.id)
      else rows.push(load.row)
    }
    return { rows, missing, stale: NO_STALE_ROWS }
  }

  // Caches a successful batch's loads. Their lifetime counts from when the query was sent
  // (the rows are at least that fresh), and is cut to `untrustedTtl` when the bus could not
  // deliver at any time since then: an invalidation may have been missed.
  #fill(batch: Batch, loads: readonly PendingLoad[]): void {
    const { ttl, notFoundTtl, ttlJitter, untrustedTtl } = this.#options
    const trusted = this.#trusted && batch.sequence > this.#trustChangedAfter
    const ids: number[] = []
    const rows: (Contact | null)[] = []
    const expiresAt: number[] = []
    for (const load of loads) {
      const row = load.row as Contact | null
      let lifetime = row === null ? notFoundTtl : ttl
      if (!trusted) lifetime = Math.min(lifetime, untrustedTtl)
      if (lifetime === 0) continue
      ids.push(load.id)
      rows.push(row)
      expiresAt.push(batch.sentAt + lifetime - lifetime * ttlJitter * Math.random())
    }
    this.#cache.store(batch.tenantId, ids, rows, batch.sentAt, expiresAt)
  }

  #invalidate(message: InvalidationMessage): Promise<void> {
    this.#apply(message, 'local')
    return this.#options.bus?.publish(message, this.#subscriber) ?? Promise.resolve()
  }

  #apply(message: InvalidationMessage, source: 'local' | 'bus'): void {
    switch (message.kind) {
      case 'ids':
        this.#cache.deleteMany(message.tenantId, message.ids)
        this.#loader.detach(message.tenantId, message.ids)
        break
      case 'tenant':
        this.#cache.deleteTenant(message.tenantId)
        this.#loader.detachTenant(message.tenantId)
        break
      case 'all':
        this.#cache.clear()
        this.#loader.detachAll()
        break
    }
    this.#counters.invalidations++
    if (invalidateChannel.hasSubscribers) {
      invalidateChannel.publish({ message, source } satisfies InvalidationEvent)
    }
  }

  #setTrusted(trusted: boolean): void {
    if (trusted === this.#trusted) return
    this.#trusted = trusted
    this.#trustChangedAfter = this.#loader.sentCount
    // Whatever arrived while we could not hear the bus may be stale: start over.
    if (!trusted) {
      this.#cache.clear()
      this.#loader.detachAll()
    }
    if (trustChannel.hasSubscribers) trustChannel.publish({ trusted } satisfies TrustEvent)
  }

  #onBatchStart(batch: Batch): void {
    this.#counters.queries++
    this.#batchSizes.add(batch.loads.length)
    if (this.#options.tracer !== undefined) {
      // Tracing must never cost a caller its answer: a throw here would leave the batch
      // unsent and its query slot taken for good.
      try {
        this.#spans.set(
          batch,
          this.#options.tracer.startSpan('contact-repository.batch', {
            attributes: { 'contact_repository.tenant_id': batch.tenantId, 'contact_repository.batch_size': batch.loads.length },
          }),
        )
      } catch {
        // The batch goes on without a span.
      }
    }
    if (batchStartChannel.hasSubscribers) {
      batchStartChannel.publish({ tenantId: batch.tenantId, size: batch.loads.length } satisfies BatchStartEvent)
    }
  }

  #onBatchEnd(batch: Batch, durationMs: number, rows: number, error: ContactRepositoryError | undefined): void {
    const counters = this.#counters
    counters.rowsFetched += rows
    if (error !== undefined) {
      counters.errors++
      if (error.code === 'ERR_CONTACTS_TIMEOUT') counters.timeouts++
      if (error.code === 'ERR_CONTACTS_OVERLOADED') counters.shed++
    }
    if (batch.sent) this.#batchDurations.add(durationMs)
    const span = this.#spans.get(batch)
    if (span !== undefined) {
      // As in #onBatchStart: a throw here would leave the batch's waiters unanswered.
      try {
        span.setAttribute('contact_repository.rows', rows)
        if (error !== undefined) {
          span.recordException(error)
          span.setStatus({ code: SPAN_STATUS_ERROR, message: error.code })
        }
        span.end()
      } catch {
        // The span is lost; the batch is not.
      }
    }
    if (batchEndChannel.hasSubscribers) {
      batchEndChannel.publish({
        tenantId: batch.tenantId, size: batch.loads.length, rows, durationMs, error,
      } satisfies BatchEndEvent)
    }
  }

  #publishGetMany(tenantId: number, requested: number, hits: number, misses: number, mode: CacheMode): void {
    getManyChannel.publish({ tenantId, requested, hits, misses, mode } satisfies GetManyEvent)
  }
}

function checkCallOptions(options: GetManyOptions | undefined): CacheMode {
  if (options === undefined) return 'normal'
  const { cache = 'normal', signal, staleIfError } = options
  if (!CACHE_MODES.includes(cache)) {
    throw new ContactValidationError([
      { code: 'invalid', path: ['options', 'cache'], message: `Must be one of ${CACHE_MODES.join(', ')}` },
    ])
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ContactValidationError([{ code: 'invalid_type', path: ['options', 'signal'], message: 'Must be an AbortSignal' }])
  }
  if (staleIfError !== undefined && !(Number.isSafeInteger(staleIfError) && staleIfError >= 0)) {
    throw new ContactValidationError([
      { code: 'invalid', path: ['options', 'staleIfError'], message: 'Must be an integer of milliseconds, 0 or more' },
    ])
  }
  return cache
}

/** Waits for every batch; an abort rejects at once while the batches go on for others. */
function settled(batches: readonly Batch[], signal: AbortSignal | undefined): Promise<void> {
  const all = batches.length === 1 ? (batches[0] as Batch).done : Promise.all(batches.map((b) => b.done)).then(() => undefined)
  if (signal === undefined) return all
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { reject(new ContactAbortError(signal.reason)) }
    signal.addEventListener('abort', onAbort, { once: true })
    all.then(
      () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
