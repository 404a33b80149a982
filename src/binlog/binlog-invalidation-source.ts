import { randomBytes } from 'node:crypto'
import {
  deliverInvalidation,
  tellTrust,
  type InvalidationBus,
  type InvalidationMessage,
  type InvalidationSubscriber,
} from '../invalidation/invalidation-bus.js'
import {
  resolveSourceOptions,
  type BinlogInvalidationSourceOptions,
  type ResolvedSourceOptions,
} from './binlog-invalidation-source-options.js'
import type { BinlogPosition } from './binlog-position.js'
import { BinlogSession, checkServerOnce, type SessionCounters, type SessionHost } from './binlog-session.js'
import type { BinlogCheckpoint } from './checkpoint-store.js'
import { withDeadline } from './deadline.js'
import {
  invalidateChannel,
  restartChannel,
  stateChannel,
  type BinlogInvalidateEvent,
  type BinlogRestartEvent,
  type BinlogSourceState,
  type BinlogStateEvent,
} from './diagnostics.js'
import { BinlogConnectionError, BinlogSourceClosedError, BinlogSourceError } from './errors.js'
import { RedisLease } from './redis-lease.js'

/** Counters since creation, and the source's current state. */
export interface BinlogInvalidationSourceStats {
  /** This source's name in diagnostics events and in the lease. */
  readonly id: string
  readonly state: BinlogSourceState
  /** Whether the source keeps its promise now (`state === 'streaming'`). */
  readonly healthy: boolean
  /** `active` streams; `standby` waits for the lease; `none` before `start()` and after `close()`. */
  readonly role: 'active' | 'standby' | 'none'
  /** The lease's fencing token (0 without a lease). */
  readonly fencingToken: number
  /** Binlog events received (heartbeats included). */
  readonly events: number
  /** Transactions that changed the table. */
  readonly transactions: number
  /** Invalidations sent, all phases: at the commit's event, once it was seen visible, at gaps. */
  readonly invalidations: number
  /** Of `invalidations`, those sent again once a snapshot showed the commits visible. */
  readonly visibleInvalidations: number
  /** Of `invalidations`, those of everything (DDL, statement-format events, gaps, widening...). */
  readonly fullInvalidations: number
  /** Times a transaction's IDs were widened to its tenant, or its tenants to everything. */
  readonly widened: number
  /** Events of the table that could not be decoded (each cost a full invalidation). */
  readonly undecodable: number
  /** Starts without a usable checkpoint (none, purged, another server): each invalidated everything. */
  readonly gaps: number
  /** Streams restarted after a failure or a stall. */
  readonly restarts: number
  /** Of `restarts`, those after `stallTimeout` of silence. */
  readonly stalls: number
  /** Heartbeats received from the server. */
  readonly heartbeats: number
  /** Consistent-snapshot probes run (visibility and lag). */
  readonly probes: number
  /**
   * Milliseconds the stream last took to reach the server's position as a probe read it, or how
   * long it has been trying to reach the current one if longer (`undefined` before the first).
   */
  readonly lagMs: number | undefined
  /** Transactions waiting for a snapshot that shows them visible. */
  readonly unconfirmed: number
  /** Where the stream is (the last transaction received). */
  readonly position: BinlogPosition | undefined
  /** The latest position whose invalidations were all delivered. */
  readonly delivered: BinlogCheckpoint | undefined
  /** The last checkpoint saved. */
  readonly saved: BinlogCheckpoint | undefined
  /** Checkpoint saves that succeeded, failed, and were refused for a lower fencing token. */
  readonly checkpointSaves: number
  readonly checkpointErrors: number
  readonly fenced: number
  /** Invalidations the target rejected (each ended the stream, which resumed from the checkpoint). */
  readonly deliveryErrors: number
  /** Repositories subscribed to the source (when it is their bus). */
  readonly subscribers: number
  /** What ended the last stream, or `undefined`. */
  readonly lastError: unknown
}

/**
 * Cache invalidation from the MariaDB binlog: a tailer that turns every committed change of
 * the contacts table, whoever made it, into invalidations; see `createBinlogInvalidationSource`.
 * It is also an {@link InvalidationBus} for repositories in the same process when it has no
 * `target` (it delivers to them and tells them its health).
 */
export interface BinlogInvalidationSource extends InvalidationBus {
  readonly id: string
  /**
   * Checks the server, then streams: resolves once streaming from the checkpoint (or, at a
   * gap, from the current position after one full invalidation) and caught up with the
   * server's position of when it started; or, with a `lease` held by another tailer, once
   * standing by. Rejects with `BinlogUnsafeServerError`, `BinlogPrivilegeError` or (transient)
   * `BinlogConnectionError`; the source can then be started again. Later failures are
   * handled: the stream restarts from the checkpoint, and the source reports itself
   * unhealthy meanwhile. Calling it again returns the same promise.
   */
  start(): Promise<void>
  stats(): BinlogInvalidationSourceStats
  /**
   * Stops streaming, saves the last delivered checkpoint (after a save in flight, if any),
   * announces itself unhealthy, releases the lease (a standby takes over at once) and tells its
   * subscribers it no longer delivers. Resolves once no lease of this source is left in Redis: a
   * renewal or acquisition in flight is waited for (at most `ttl / 3`), and a lease it was
   * granted meanwhile is given back. Connections it was given (the lease's and the checkpoint
   * store's Redis) stay open.
   */
  close(): Promise<void>
}

/**
 * Creates a source of invalidations from the MariaDB binlog. Options are validated at once (a
 * `TypeError` names a bad one); nothing connects until `start()`.
 *
 * ```ts
 * const source = createBinlogInvalidationSource({ connection, serverId: 4711, target: repository, announce: bus })
 * await source.start()
 * ```
 */
export function createBinlogInvalidationSource(options: BinlogInvalidationSourceOptions): BinlogInvalidationSource {
  return new Source(resolveSourceOptions(options))
}

const RESOLVED = Promise.resolve()

interface Counters extends SessionCounters {
  invalidations: number
  visibleInvalidations: number
  fullInvalidations: number
  restarts: number
  checkpointSaves: number
  checkpointErrors: number
  fenced: number
  deliveryErrors: number
}

class Source implements BinlogInvalidationSource, SessionHost {
  readonly id = randomBytes(6).toString('base64url')
  readonly options: ResolvedSourceOptions
  readonly counters: Counters = {
    events: 0, transactions: 0, widened: 0, undecodable: 0, gaps: 0, stalls: 0, heartbeats: 0, probes: 0,
    invalidations: 0, visibleInvalidations: 0, fullInvalidations: 0, restarts: 0, checkpointSaves: 0,
    checkpointErrors: 0, fenced: 0, deliveryErrors: 0,
  }
  readonly #subscribers = new Set<InvalidationSubscriber>()
  readonly #lease: RedisLease | undefined
  #role: 'active' | 'standby' | 'none' = 'none'
  #state: BinlogSourceState = 'idle'
  #healthy = false
  #session: BinlogSession | undefined
  // Bumped whenever the running loop must stop (step-down, close, failed start).
  #generation = 0
  #delivered: BinlogCheckpoint | undefined
  #saved: BinlogCheckpoint | undefined
  #saving: Promise<void> | undefined
  #starting: Promise<void> | undefined
  #closing: Promise<void> | undefined
  #closed = false
  #lastError: unknown
  #statusTimer: NodeJS.Timeout | undefined
  #checkpointTimer: NodeJS.Timeout | undefined
  #leaseTimer: NodeJS.Timeout | undefined
  // The renewal or acquisition in flight: one at a time, and close() waits for it.
  #leaseUpkeep: Promise<void> | undefined
  #wakeLoop: (() => void) | undefined

  constructor(options: ResolvedSourceOptions) {
    this.options = options
    const lease = options.lease
    this.#lease = lease === undefined
      ? undefined
      : new RedisLease(lease.redis, lease.key, lease.ttl, this.id, Math.max(10, Math.floor(lease.ttl / 3)))
  }

  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new BinlogSourceClosedError())
    if (this.#starting === undefined) {
      this.#starting = this.#start().catch(async (error: unknown) => {
        this.#starting = undefined
        await this.#reset()
        throw error
      })
      // Only now does #starting say so: 'starting' while the lease is being acquired, too.
      this.changed()
    }
    return this.#starting
  }

  stats(): BinlogInvalidationSourceStats {
    const session = this.#session
    return {
      id: this.id,
      state: this.#state,
      healthy: this.#healthy,
      role: this.#role,
      fencingToken: this.#lease?.token ?? 0,
      ...this.counters,
      lagMs: session?.lagMs,
      unconfirmed: session?.unconfirmed ?? 0,
      position: session?.position,
      delivered: this.#delivered,
      saved: this.#saved,
      subscribers: this.#subscribers.size,
      lastError: this.#lastError,
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  // --- InvalidationBus, for repositories of this process when there is no target ---

  publish(message: InvalidationMessage, sender?: InvalidationSubscriber): Promise<void> {
    if (this.#closed) return Promise.reject(new BinlogSourceClosedError())
    deliverInvalidation(this.#subscribers, message, sender)
    return RESOLVED
  }

  subscribe(subscriber: InvalidationSubscriber): () => void {
    if (this.#closed) throw new BinlogSourceClosedError()
    if (typeof subscriber.onInvalidation !== 'function' || typeof subscriber.onTrustChange !== 'function') {
      throw new TypeError('subscriber must have onInvalidation() and onTrustChange() methods')
    }
    this.#subscribers.add(subscriber)
    subscriber.onTrustChange(this.#healthy)
    return () => {
      this.#subscribers.delete(subscriber)
    }
  }

  // --- SessionHost ---

  deliver(message: InvalidationMessage, phase: 'event' | 'visible' | 'gap', gtid: string): Promise<void> {
    const counters = this.counters
    counters.invalidations++
    if (phase === 'visible') counters.visibleInvalidations++
    if (message.kind === 'all') counters.fullInvalidations++
    if (invalidateChannel.hasSubscribers) {
      invalidateChannel.publish({ source: this.id, message, phase, gtid } satisfies BinlogInvalidateEvent)
    }
    const target = this.options.target
    if (target === undefined) {
      deliverInvalidation(this.#subscribers, message, undefined)
      return RESOLVED
    }
    let delivery: Promise<void>
    try {
      delivery = message.kind === 'ids'
        ? target.invalidate(message.tenantId, message.ids)
        : message.kind === 'tenant'
          ? target.invalidateTenant(message.tenantId)
          : target.invalidateAll()
    } catch (error) {
      delivery = Promise.reject(error)
    }
    return delivery.catch((error: unknown) => {
      counters.deliveryErrors++
      throw error
    })
  }

  delivered(checkpoint: BinlogCheckpoint): void {
    if (this.#role === 'active') this.#delivered = checkpoint
  }

  changed(): void {
    let state: BinlogSourceState
    if (this.#closed) state = 'closed'
    else if (this.#role === 'standby') state = 'standby'
    else if (this.#role === 'none') state = this.#starting === undefined ? 'idle' : 'starting'
    else {
      const session = this.#session?.state
      state = session === undefined ? 'starting' : session === 'ended' ? 'down' : session
    }
    const healthy = state === 'streaming'
    const stateChanged = state !== this.#state
    this.#state = state
    if (stateChanged && stateChannel.hasSubscribers) {
      const cause = state === 'down' ? (this.#session?.endReason ?? this.#lastError) : undefined
      stateChannel.publish({ source: this.id, state, healthy, cause } satisfies BinlogStateEvent)
    }
    if (healthy !== this.#healthy) {
      this.#healthy = healthy
      tellTrust(this.#subscribers, healthy)
      if (this.#role === 'active') this.#announce(healthy)
    }
  }

  // --- lifecycle ---

  async #start(): Promise<void> {
    const lease = this.#lease
    if (lease !== undefined) {
      let acquired: boolean
      try {
        acquired = await lease.acquire(this.options.connectTimeout)
      } catch (error) {
        throw new BinlogConnectionError('Redis neither granted nor refused the lease', error)
      }
      // A standby refuses an unsafe server too: it may have to take over at any time.
      if (!acquired) await checkServerOnce(this.options).catch((error: unknown) => { throw startError(error) })
      // close() may have come meanwhile: a closed source neither streams nor stands by
      // (start()'s failure path gives a granted lease back).
      if (this.#closed) throw new BinlogSourceClosedError()
      if (!acquired) {
        this.#role = 'standby'
        this.#startTimers()
        this.changed()
        return
      }
    }
    this.#role = 'active'
    this.#startTimers()
    await new Promise<void>((resolve, reject) => {
      void this.#run(this.#generation, { resolve, reject })
    })
  }

  /**
   * Runs sessions one after the other while this generation lasts: each resumes from the
   * latest delivered position (or the store's checkpoint), and a failed one is restarted after
   * `restartDelay`, doubled up to 20 times after each failure. `first` is `start()`'s promise,
   * settled by the first session: resolved once it caught up, rejected if it failed; if the
   * generation ends first (a step-down or `close()`), resolved when standing by, as `start()`
   * documents, and rejected as closed otherwise.
   */
  async #run(generation: number, first: { resolve: () => void; reject: (error: unknown) => void } | undefined): Promise<void> {
    let pending = first
    let delay = this.options.restartDelay
    while (generation === this.#generation) {
      let session: BinlogSession | undefined
      let reason: unknown
      try {
        const from = this.#delivered ?? await withDeadline(this.options.checkpoint.load(), this.options.connectTimeout, 'loading the checkpoint')
        if (generation !== this.#generation) break
        session = new BinlogSession(this, from)
        this.#session = session
        this.changed()
        await session.ready
        delay = this.options.restartDelay
        pending?.resolve()
        pending = undefined
        reason = await session.ended
      } catch (error) {
        session?.stop()
        if (pending !== undefined && generation === this.#generation) {
          this.#lastError = error
          pending.reject(startError(error))
          return
        }
        reason = error
      }
      // Stopped by a step-down or close(), which said why themselves (`lastError`).
      if (generation !== this.#generation) break
      this.#lastError = reason
      this.counters.restarts++
      this.changed()
      if (restartChannel.hasSubscribers) {
        restartChannel.publish({ source: this.id, error: this.#lastError, delayMs: delay } satisfies BinlogRestartEvent)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay)
        this.#wakeLoop = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.#wakeLoop = undefined
      delay = Math.min(delay * 2, this.options.restartDelay * 20)
    }
    if (pending === undefined) return
    if (this.#isStandby()) pending.resolve()
    else pending.reject(new BinlogSourceClosedError())
  }

  #startTimers(): void {
    const { statusInterval, checkpointInterval, lease } = this.options
    this.#statusTimer = setInterval(() => { this.#tick() }, statusInterval)
    this.#statusTimer.unref()
    this.#checkpointTimer = setInterval(() => { void this.#save() }, checkpointInterval)
    this.#checkpointTimer.unref()
    if (lease !== undefined) {
      this.#leaseTimer = setInterval(() => { this.#tendLease() }, Math.max(10, Math.floor(lease.ttl / 3)))
      this.#leaseTimer.unref()
    }
  }

  #stopTimers(): void {
    clearInterval(this.#statusTimer)
    clearInterval(this.#checkpointTimer)
    clearInterval(this.#leaseTimer)
  }

  #tick(): void {
    if (this.#role !== 'active') return
    // By our own clock the lease ran out: someone else may hold it now.
    if (this.#lease !== undefined && !this.#lease.held) {
      this.#stepDown('lease-lost')
      return
    }
    this.#announce(this.#healthy)
  }

  #tendLease(): void {
    const lease = this.#lease
    if (lease === undefined || this.#leaseUpkeep !== undefined || this.#closed) return
    this.#leaseUpkeep = this.#renewOrAcquire(lease).finally(() => { this.#leaseUpkeep = undefined })
  }

  async #renewOrAcquire(lease: RedisLease): Promise<void> {
    if (this.#role === 'active') {
      if (!(await lease.renew())) this.#stepDown('lease-lost')
    } else if (this.#role === 'standby') {
      const acquired = await lease.acquire().catch(() => false)
      // Closed while Redis answered: close() waits for this upkeep, then gives the lease back.
      if (acquired && this.#isStandby()) this.#activate()
    }
  }

  #isStandby(): boolean {
    return this.#role === 'standby' && !this.#closed
  }

  // Took the lease over: resume from what the last holder saved, not from our memory (a
  // standby remembers no delivered position: #stepDown forgot it).
  #activate(): void {
    this.#role = 'active'
    this.#saved = undefined
    this.changed()
    void this.#run(++this.#generation, undefined)
  }

  #stepDown(reason: string): void {
    if (this.#role !== 'active') return
    this.#announce(false)
    this.#role = 'standby'
    this.#generation++
    this.#session?.stop()
    this.#session = undefined
    this.#wakeLoop?.()
    this.#lease?.forget()
    this.#delivered = undefined
    this.#lastError = reason
    this.changed()
  }

  async #save(): Promise<void> {
    // One save at a time, in order: two in flight could land out of order and leave the older
    // position in the store. One asked for meanwhile (close()'s, or the timer's) waits, then
    // saves what was delivered since, if anything was.
    while (this.#saving !== undefined) await this.#saving
    const checkpoint = this.#delivered
    if (checkpoint === undefined || checkpoint === this.#saved || this.#role !== 'active') return
    const token = this.#lease?.token ?? 0
    this.#saving = (async () => {
      try {
        const accepted = await withDeadline(Promise.resolve(this.options.checkpoint.save(checkpoint, token)), this.options.connectTimeout, 'saving the checkpoint')
        if (accepted === false) {
          this.counters.fenced++
          this.#stepDown('fenced')
        } else {
          this.#saved = checkpoint
          this.counters.checkpointSaves++
        }
      } catch (error) {
        this.counters.checkpointErrors++
        this.#lastError = error
      } finally {
        this.#saving = undefined
      }
    })()
    await this.#saving
  }

  #announce(healthy: boolean): void {
    const announce = this.options.announce
    if (announce === undefined) return
    void announce.announceSourceStatus({ token: this.#lease?.token ?? 0, healthy }).catch(() => undefined)
  }

  async #close(): Promise<void> {
    const wasActive = this.#role === 'active'
    this.#closed = true
    this.#stopTimers()
    this.#generation++
    this.#session?.stop()
    this.#wakeLoop?.()
    if (wasActive) {
      await this.#save()
      this.#announce(false)
    }
    // A renewal or acquisition in flight first: a lease Redis grants meanwhile is released below
    // with the rest, so that none of ours is left in Redis once close() resolves.
    await this.#leaseUpkeep
    await this.#lease?.release()
    this.#role = 'none'
    this.changed()
    this.#subscribers.clear()
  }

  // After a failed start: back to idle, the lease given back.
  async #reset(): Promise<void> {
    this.#stopTimers()
    this.#generation++
    this.#session?.stop()
    this.#session = undefined
    this.#wakeLoop?.()
    await this.#lease?.release()
    this.#role = 'none'
    this.changed()
  }
}

// What start() rejects with: the typed errors as they are, anything else as a connection failure.
function startError(error: unknown): BinlogSourceError {
  if (error instanceof BinlogSourceError) return error
  return new BinlogConnectionError('Starting the binlog stream failed', error)
}
