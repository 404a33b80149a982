import { ContactOverloadError } from '../errors.js'

/** Bounds of a {@link QueryLimiter}; validated by the repository's constructor. */
export interface QueryLimiterLimits {
  readonly maxConcurrent: number
  readonly maxConcurrentPerTenant: number
  readonly maxQueued: number
  readonly maxQueuedPerTenant: number
  readonly retryAfterMs: number
}

/** Gives a slot back; calling it more than once is harmless. */
export type ReleaseSlot = () => void

/** A place in the queue for a slot. */
export interface SlotRequest {
  /** Resolves with the slot once it is this request's turn; never if cancelled first. */
  readonly granted: Promise<ReleaseSlot>
  /** Leaves the queue (a deadline passed); harmless once granted. */
  cancel(): void
}

interface Waiter {
  readonly grant: (release: ReleaseSlot) => void
  // Set once the waiter was granted or aborted, so neither can happen after the other.
  settled: boolean
}

interface TenantState {
  active: number
  // A tenant has a place in `#turns` exactly while this is not empty (and never two).
  readonly waiting: Waiter[]
}

/**
 * Admission control for miss queries: at most `maxConcurrent` run at once (at most
 * `maxConcurrentPerTenant` of one tenant), and a bounded queue waits behind them. Past the
 * queue a request is refused at once with a {@link ContactOverloadError}: failing fast keeps
 * callers' latency bounded while the database is saturated, and the pool's own queue
 * (unbounded in mysql2) never fills.
 *
 * Queued requests are served round-robin over tenants, so a tenant with a miss storm waits
 * behind its own queue while others still get their turn.
 */
export class QueryLimiter {
  readonly #limits: QueryLimiterLimits
  readonly #tenants = new Map<number, TenantState>()
  // Tenants with waiters, in the order they will be offered the next free slot.
  readonly #turns: number[] = []
  #active = 0
  #queued = 0

  constructor(limits: QueryLimiterLimits) {
    this.#limits = limits
  }

  /** Queries running now. */
  get active(): number {
    return this.#active
  }

  /** Queries waiting for a slot. */
  get queued(): number {
    return this.#queued
  }

  /**
   * Tenants the limiter keeps state for: those with a query running or waiting. A tenant is
   * forgotten once it has neither, so a limiter that saw a million tenants holds none at rest.
   */
  get tenants(): number {
    return this.#tenants.size
  }

  /**
   * Asks for a slot for one of `tenantId`'s queries: a {@link ReleaseSlot} when one is free,
   * otherwise a {@link SlotRequest} waiting in the tenant's queue. Throws a
   * {@link ContactOverloadError} synchronously when the queue is full.
   */
  acquire(tenantId: number): ReleaseSlot | SlotRequest {
    let tenant = this.#tenants.get(tenantId)
    if (tenant === undefined) {
      tenant = { active: 0, waiting: [] }
      this.#tenants.set(tenantId, tenant)
    }
    // No need to ask whether the tenant already has requests waiting: it then is at its own limit
    // or every slot is taken, since a freed slot always goes to a waiter that can take it.
    if (this.#active < this.#limits.maxConcurrent && tenant.active < this.#limits.maxConcurrentPerTenant) {
      return this.#grant(tenantId, tenant)
    }
    if (tenant.waiting.length >= this.#limits.maxQueuedPerTenant) {
      this.#dropIfIdle(tenantId, tenant)
      throw new ContactOverloadError('tenant', this.#limits.retryAfterMs)
    }
    if (this.#queued >= this.#limits.maxQueued) {
      this.#dropIfIdle(tenantId, tenant)
      throw new ContactOverloadError('global', this.#limits.retryAfterMs)
    }
    const state = tenant
    let waiter: Waiter | undefined
    const granted = new Promise<ReleaseSlot>((resolve) => {
      waiter = { grant: resolve, settled: false }
    })
    const queued = waiter as Waiter
    if (state.waiting.length === 0) this.#turns.push(tenantId)
    state.waiting.push(queued)
    this.#queued++
    return {
      granted,
      cancel: () => {
        if (queued.settled) return
        queued.settled = true
        state.waiting.splice(state.waiting.indexOf(queued), 1)
        this.#queued--
        // Its last waiter gone, the tenant leaves the turns now (at most maxQueued of them).
        if (state.waiting.length === 0) {
          this.#turns.splice(this.#turns.indexOf(tenantId), 1)
          this.#dropIfIdle(tenantId, state)
        }
      },
    }
  }

  #grant(tenantId: number, tenant: TenantState): ReleaseSlot {
    this.#active++
    tenant.active++
    let released = false
    return () => {
      if (released) return
      released = true
      this.#active--
      tenant.active--
      this.#dropIfIdle(tenantId, tenant)
      this.#next()
    }
  }

  // Offers the slot just freed to waiting tenants in turn, skipping (and sending to the back)
  // those at their own limit, for one round at most. One grant ends it: a release frees one
  // slot, and before it no waiter could take one, so after the grant none can (test/unit/
  // query-limiter.test.ts checks the order against a reference that goes on offering).
  #next(): void {
    for (let offers = this.#turns.length; offers > 0; offers--) {
      const tenantId = this.#turns.shift() as number
      const tenant = this.#tenants.get(tenantId) as TenantState
      const grant = tenant.active < this.#limits.maxConcurrentPerTenant
      if (grant) {
        const waiter = tenant.waiting.shift() as Waiter
        waiter.settled = true
        this.#queued--
        waiter.grant(this.#grant(tenantId, tenant))
      }
      // Not idle either way: granted, it has a query running; skipped, it still has waiters.
      if (tenant.waiting.length > 0) this.#turns.push(tenantId)
      if (grant) return
    }
  }

  #dropIfIdle(tenantId: number, tenant: TenantState): void {
    if (tenant.active === 0 && tenant.waiting.length === 0) {
      this.#tenants.delete(tenantId)
    }
  }
}
