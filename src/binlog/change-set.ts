import type { InvalidationMessage } from '../invalidation/invalidation-bus.js'

/** Why a change set became "everything". */
export type FullInvalidationReason =
  /** A statement on the table (TRUNCATE, ALTER, DROP, a statement-format DML...). */
  | 'statement'
  /** A row event that could not be decoded. */
  | 'undecodable'
  /** A table map of the table without `id` or `tenant_id`. */
  | 'table-map'
  /** An event type that may carry row changes this version cannot read. */
  | 'unsupported-event'
  /** An XA transaction committed (its rows were logged at XA PREPARE). */
  | 'xa-commit'
  /** More tenants than `maxTenantsPerTransaction`. */
  | 'too-many-tenants'
  /** The stream started without a usable checkpoint (see the gap counters). */
  | 'gap'

/**
 * The contacts one transaction (or several merged) changed, coalesced and bounded: per tenant a
 * set of IDs, widened to the whole tenant past `maxIdsPerTenant` IDs, and everything past
 * `maxTenants` tenants. Memory stays within about `maxIdsPerTenant * maxTenants` numbers
 * whatever the transaction's size. Widening only ever invalidates more, never less.
 */
export class ChangeSet {
  readonly #maxIdsPerTenant: number
  readonly #maxTenants: number
  // `null`: the whole tenant.
  readonly #tenants = new Map<number, Set<number> | null>()
  #all: FullInvalidationReason | undefined
  #widened = 0

  constructor(maxIdsPerTenant: number, maxTenants: number) {
    this.#maxIdsPerTenant = maxIdsPerTenant
    this.#maxTenants = maxTenants
  }

  get empty(): boolean {
    return this.#all === undefined && this.#tenants.size === 0
  }

  /** Why everything, if it came to that. */
  get all(): FullInvalidationReason | undefined {
    return this.#all
  }

  /** Times a tenant's IDs or the tenants were widened. */
  get widened(): number {
    return this.#widened
  }

  /** One changed row. */
  add(tenantId: number, id: number): void {
    if (this.#all !== undefined) return
    let ids = this.#tenants.get(tenantId)
    if (ids === null) return
    if (ids === undefined) {
      if (!this.#roomForTenant()) return
      ids = new Set()
      this.#tenants.set(tenantId, ids)
    }
    ids.add(id)
    if (ids.size > this.#maxIdsPerTenant) {
      this.#widened++
      this.#tenants.set(tenantId, null)
    }
  }

  /** Every contact of one tenant. */
  addTenant(tenantId: number): void {
    if (this.#all !== undefined) return
    if (!this.#tenants.has(tenantId) && !this.#roomForTenant()) return
    this.#tenants.set(tenantId, null)
  }

  /** Everything. The first reason is kept. */
  addAll(reason: FullInvalidationReason): void {
    if (this.#all !== undefined) return
    this.#all = reason
    this.#tenants.clear()
  }

  /** Adds everything `other` holds. */
  merge(other: ChangeSet): void {
    if (other.#all !== undefined) {
      this.addAll(other.#all)
      return
    }
    for (const [tenantId, ids] of other.#tenants) {
      if (ids === null) {
        this.addTenant(tenantId)
      } else {
        for (const id of ids) this.add(tenantId, id)
      }
    }
  }

  /** The invalidations that cover the set: one per tenant, or one for everything. */
  messages(): InvalidationMessage[] {
    if (this.#all !== undefined) return [{ kind: 'all' }]
    const messages: InvalidationMessage[] = []
    for (const [tenantId, ids] of this.#tenants) {
      messages.push(ids === null ? { kind: 'tenant', tenantId } : { kind: 'ids', tenantId, ids: [...ids] })
    }
    return messages
  }

  #roomForTenant(): boolean {
    if (this.#tenants.size < this.#maxTenants) return true
    this.#widened++
    this.addAll('too-many-tenants')
    return false
  }
}
