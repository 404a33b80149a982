import type { Contact } from '../contacts/contact.js'
import { decodeContactRow, type ContactRow } from '../contacts/contact-row.js'
import {
  ContactQueryError,
  ContactRepositoryError,
  ContactRowError,
  ContactTimeoutError,
} from '../errors.js'
import { QueryLimiter, type QueryLimiterLimits, type ReleaseSlot, type SlotRequest } from './query-limiter.js'

/*
 * The batch contract, in one place.
 *
 * 1. A batch belongs to one tenant and holds 1..maxBatchSize distinct IDs. It becomes exactly
 *    one query: `WHERE tenant_id = ? AND id IN (...)`. An empty batch is never sent.
 * 2. IDs asked for in the same tick by any caller of that tenant join the tenant's open batch
 *    (a new one starts when it is full); every batch of the tick is sent on the next tick.
 * 3. While a batch is queued or running, its IDs are "in flight": a caller that needs one
 *    joins that pending load instead of asking the database again.
 * 4. The query's rows must be a subset of the batch's IDs, each at most once, all of the
 *    batch's tenant. Anything else fails the whole batch with ContactRowError.
 * 5. A batch settles exactly once: with a row or "not found" for every ID, or with one error
 *    for every waiter. A failed batch leaves nothing in the cache and nothing in flight.
 * 6. An invalidation that reaches a *sent* batch detaches the affected IDs: later callers no
 *    longer join them, and their result is never written to the cache (it may predate the
 *    write). IDs of a batch not yet sent stay joinable: their read has not happened yet.
 */

/** One (tenant, id) being loaded, shared by every caller that asked for it meanwhile. */
export class PendingLoad {
  /** The result once the batch succeeded: the row, or `null` when it does not exist. */
  row: Contact | null | undefined = undefined
  /** The `getMany` pass that last met this load; see `CacheEntry.stamp`. */
  stamp = 0
  /** Whether any caller wants the result cached (a `no-fill` caller alone does not). */
  fill: boolean
  /** Set when an invalidation reached the load after its query was sent. */
  detached = false
  readonly id: number
  readonly batch: Batch

  constructor(id: number, batch: Batch, fill: boolean) {
    this.id = id
    this.batch = batch
    this.fill = fill
  }
}

/** One query's worth of pending loads of one tenant. */
export class Batch {
  readonly tenantId: number
  readonly loads: PendingLoad[] = []
  /** Set when the query is about to be sent; see rule 6. */
  sent = false
  /** Clock time at which the query was sent: the rows are at least this fresh. */
  sentAt = 0
  /**
   * Position of the batch among all batches sent by its loader (1, 2, ...; 0 until sent). An
   * owner compares it with {@link BatchLoader.sentCount} read at some event, to tell whether
   * the batch was sent before or after it.
   */
  sequence = 0
  settled = false
  /** Settles with the batch; never rejects unobserved (see constructor). */
  readonly done: Promise<void>
  resolve!: () => void
  reject!: (error: ContactRepositoryError) => void

  constructor(tenantId: number) {
    this.tenantId = tenantId
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    // Every caller may have given up (aborted) by the time the batch fails.
    this.done.catch(() => undefined)
  }
}

/** What the loader tells its owner about each batch (for counters, tracing and diagnostics). */
export interface BatchLoaderEvents {
  /** The batch's query is about to be sent. A throw here is the owner's bug: it fails the batch. */
  batchStart(batch: Batch): void
  /** The batch settled: `rows` it returned (0 on failure), `error` when it failed. */
  batchEnd(batch: Batch, durationMs: number, rows: number, error: ContactRepositoryError | undefined): void
}

/** What a {@link BatchLoader} is made of. */
export interface BatchLoaderOptions {
  /** Runs the batch's query; `ids` are distinct and 1..maxBatchSize long. */
  readonly query: (tenantId: number, ids: readonly number[]) => Promise<readonly ContactRow[]>
  /**
   * Receives the loads of a successful batch whose results may be cached (some caller wants
   * them cached, and no invalidation reached them after the query was sent), before any
   * waiter resumes.
   */
  readonly fill: (batch: Batch, loads: readonly PendingLoad[]) => void
  readonly events: BatchLoaderEvents
  /** Bounds on queries running and waiting, overall and per tenant (see {@link QueryLimiter}). */
  readonly limits: QueryLimiterLimits
  readonly maxBatchSize: number
  /** One deadline per batch: queueing for a slot, the pool and the query together. */
  readonly queryTimeout: number
  readonly now: () => number
}

// Runs `fn` after the promise jobs queued in this tick, as DataLoader does, so that callers
// who await something already resolved before calling getMany still share the batch.
const resolved = Promise.resolve()
function afterThisTick(fn: () => void): void {
  void resolved.then(() => {
    process.nextTick(fn)
  })
}

/** Coalesces cache misses into batches and keeps the in-flight registry (see the contract above). */
export class BatchLoader {
  readonly #deps: BatchLoaderOptions
  readonly #limiter: QueryLimiter
  readonly #inflight = new Map<number, Map<number, PendingLoad>>()
  readonly #open = new Map<number, Batch>()
  #scheduled: Batch[] = []
  #inflightCount = 0
  #sent = 0

  constructor(options: BatchLoaderOptions) {
    this.#deps = options
    this.#limiter = new QueryLimiter(options.limits)
  }

  /** Number of (tenant, id) loads callers can currently join. */
  get inflight(): number {
    return this.#inflightCount
  }

  /** Batches sent so far; see {@link Batch.sequence}. */
  get sentCount(): number {
    return this.#sent
  }

  /** Queries running now. */
  get activeQueries(): number {
    return this.#limiter.active
  }

  /** Queries waiting for a slot now. */
  get queuedQueries(): number {
    return this.#limiter.queued
  }

  /** The tenant's joinable loads, or `undefined`; look IDs up in it, do not change it. */
  inflightOf(tenantId: number): ReadonlyMap<number, PendingLoad> | undefined {
    return this.#inflight.get(tenantId)
  }

  /** Starts loading `id` (not already in flight) in the tenant's open batch. */
  enqueue(tenantId: number, id: number, fill: boolean): PendingLoad {
    const batch = this.#openBatch(tenantId)
    const load = new PendingLoad(id, batch, fill)
    batch.loads.push(load)
    let inflight = this.#inflight.get(tenantId)
    if (inflight === undefined) {
      inflight = new Map()
      this.#inflight.set(tenantId, inflight)
    }
    inflight.set(id, load)
    this.#inflightCount++
    return load
  }

  /** Loads distinct `ids` in private batches nobody joins and nothing caches. */
  loadPrivately(tenantId: number, ids: readonly number[]): PendingLoad[] {
    const loads: PendingLoad[] = []
    let batch: Batch | undefined
    for (const id of ids) {
      if (batch === undefined || batch.loads.length >= this.#deps.maxBatchSize) {
        batch = new Batch(tenantId)
        this.#schedule(batch)
      }
      const load = new PendingLoad(id, batch, false)
      batch.loads.push(load)
      loads.push(load)
    }
    return loads
  }

  /** Detaches the tenant's sent loads of `ids` (contract rule 6). */
  detach(tenantId: number, ids: readonly number[]): void {
    const inflight = this.#inflight.get(tenantId)
    if (inflight === undefined) return
    for (const id of ids) {
      const load = inflight.get(id)
      if (load?.batch.sent === true) this.#detach(inflight, load)
    }
    if (inflight.size === 0) this.#inflight.delete(tenantId)
  }

  /** Detaches every sent load of the tenant. */
  detachTenant(tenantId: number): void {
    const inflight = this.#inflight.get(tenantId)
    if (inflight === undefined) return
    for (const load of inflight.values()) {
      if (load.batch.sent) this.#detach(inflight, load)
    }
    if (inflight.size === 0) this.#inflight.delete(tenantId)
  }

  /** Detaches every sent load of every tenant. */
  detachAll(): void {
    for (const tenantId of [...this.#inflight.keys()]) this.detachTenant(tenantId)
  }

  #detach(inflight: Map<number, PendingLoad>, load: PendingLoad): void {
    load.detached = true
    inflight.delete(load.id)
    this.#inflightCount--
  }

  #openBatch(tenantId: number): Batch {
    let batch = this.#open.get(tenantId)
    if (batch === undefined || batch.loads.length >= this.#deps.maxBatchSize) {
      batch = new Batch(tenantId)
      this.#open.set(tenantId, batch)
      this.#schedule(batch)
    }
    return batch
  }

  #schedule(batch: Batch): void {
    this.#scheduled.push(batch)
    if (this.#scheduled.length === 1) afterThisTick(() => { this.#flush() })
  }

  #flush(): void {
    const batches = this.#scheduled
    this.#scheduled = []
    this.#open.clear()
    for (const batch of batches) this.#run(batch)
  }

  #run(batch: Batch): void {
    const { queryTimeout } = this.#deps
    const started = this.#deps.now()
    let slot: ReleaseSlot | SlotRequest
    try {
      slot = this.#limiter.acquire(batch.tenantId)
    } catch (error) {
      this.#fail(batch, toRepositoryError(batch, error), started)
      return
    }
    const request = typeof slot === 'function' ? undefined : slot
    // One deadline covers the whole wait: queueing for a slot, the pool, and the query.
    const timer = setTimeout(() => {
      request?.cancel()
      this.#fail(batch, new ContactTimeoutError(queryTimeout, 'query'), started)
    }, queryTimeout)
    timer.unref()
    const send = (release: ReleaseSlot): void => {
      if (batch.settled) {
        release()
        return
      }
      batch.sent = true
      batch.sentAt = this.#deps.now()
      batch.sequence = ++this.#sent
      const ids = batch.loads.map((load) => load.id)
      let query: Promise<readonly ContactRow[]>
      try {
        this.#deps.events.batchStart(batch)
        query = this.#deps.query(batch.tenantId, ids)
      } catch (error) {
        query = Promise.reject(error)
      }
      // The slot stays taken until the database is done with the query, even when the
      // waiters were already rejected at the deadline: the connection is still busy.
      query
        .then(
          (rows) => { this.#succeed(batch, rows, started) },
          (error: unknown) => { this.#fail(batch, toRepositoryError(batch, error), started) },
        )
        .finally(() => {
          clearTimeout(timer)
          release()
        })
    }
    if (request === undefined) send(slot as ReleaseSlot)
    else void request.granted.then(send)
  }

  #succeed(batch: Batch, rows: readonly ContactRow[], started: number): void {
    if (batch.settled) return
    try {
      this.#assign(batch, rows)
    } catch (error) {
      for (const load of batch.loads) load.row = undefined
      this.#fail(batch, toRepositoryError(batch, error), started)
      return
    }
    batch.settled = true
    const fillable: PendingLoad[] = []
    for (const load of batch.loads) {
      load.row ??= null
      this.#release(batch.tenantId, load)
      if (load.fill && !load.detached) fillable.push(load)
    }
    if (fillable.length > 0) this.#deps.fill(batch, fillable)
    this.#deps.events.batchEnd(batch, this.#deps.now() - started, rows.length, undefined)
    batch.resolve()
  }

  #fail(batch: Batch, error: ContactRepositoryError, started: number): void {
    if (batch.settled) return
    batch.settled = true
    for (const load of batch.loads) this.#release(batch.tenantId, load)
    this.#deps.events.batchEnd(batch, this.#deps.now() - started, 0, error)
    batch.reject(error)
  }

  // Removes a settled load from the registry unless it is not there: an invalidation detached
  // it (and a later load may hold its place), or it was loaded privately and never registered.
  #release(tenantId: number, load: PendingLoad): void {
    const inflight = this.#inflight.get(tenantId)
    if (inflight?.get(load.id) !== load) return
    inflight.delete(load.id)
    this.#inflightCount--
    if (inflight.size === 0) this.#inflight.delete(tenantId)
  }

  // Contract rule 4: decodes each row (which checks its tenant) onto the load that asked for it.
  #assign(batch: Batch, rows: readonly ContactRow[]): void {
    const asked = new Map<number, PendingLoad>()
    for (const load of batch.loads) asked.set(load.id, load)
    for (const row of rows) {
      const contact = decodeContactRow(row, batch.tenantId)
      const load = asked.get(contact.id)
      if (load === undefined) throw unexpectedRow('was not asked for', batch.tenantId, contact.id)
      if (load.row !== undefined) throw unexpectedRow('came back twice', batch.tenantId, contact.id)
      load.row = contact
    }
  }
}

function unexpectedRow(what: string, tenantId: number, id: number): ContactRowError {
  return new ContactRowError(`Row ${id} ${what}`, { tenantId, id, column: 'id' })
}

function toRepositoryError(batch: Batch, error: unknown): ContactRepositoryError {
  if (error instanceof ContactRepositoryError) return error
  return new ContactQueryError(batch.tenantId, batch.loads.length, error)
}
