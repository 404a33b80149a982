import DataLoader from 'dataloader'
import { LRUCache } from 'lru-cache'
import { ContactRepository, type Contact } from '../../src/index.js'
import type { BenchTable } from './bench-table.js'
import { rowToContact } from './row-to-contact.js'
import type { TenantRange } from './tenant-layout.js'

/** What a hit-path contender does with one call: the tenant's IDs in, { rows, missing } out. */
export type HitPathCall = (tenantId: number, ids: number[]) => unknown

export interface BuiltContender {
  readonly call: HitPathCall
  /** Queries the contender sent since it was warm: 0 unless a hit path missed. */
  readonly queriesSinceWarm: () => number
}

export interface HitPathContender {
  readonly key: HitPathContenderKey
  readonly name: string
  readonly async: boolean
}

export type HitPathContenderKey =
  | 'map-floor'
  | 'map-awaited'
  | 'lru-per-tenant'
  | 'lru-composite'
  | 'dataloader'
  | 'repository'
  | 'repository-call-only'

export const HIT_PATH_CONTENDERS: readonly HitPathContender[] = [
  { key: 'map-floor', name: 'Map per tenant, integer keys (floor)', async: false },
  { key: 'map-awaited', name: 'Map floor, result awaited (cost of a promise alone)', async: true },
  { key: 'lru-per-tenant', name: 'lru-cache per tenant, integer keys', async: false },
  { key: 'lru-composite', name: 'lru-cache, one instance, `${tenant}:${id}` keys', async: false },
  { key: 'dataloader', name: 'DataLoader 2 loadMany over lru-cache', async: true },
  { key: 'repository', name: 'ContactRepository.getMany, awaited', async: true },
  { key: 'repository-call-only', name: 'ContactRepository.getMany, call only (promise not awaited)', async: false },
]

interface Result {
  rows: Contact[]
  missing: number[]
}

/**
 * Builds one contender over the tenants' rows, with every row cached. The baselines are
 * filled from a plain SELECT; the repository fills itself through getMany, as in production.
 */
export async function buildHitPathContender(key: HitPathContenderKey, bench: BenchTable, layout: readonly TenantRange[]): Promise<BuiltContender> {
  if (key === 'repository' || key === 'repository-call-only') {
    const repository = new ContactRepository({ db: bench.db, table: bench.table, maxConcurrentQueries: bench.connectionLimit })
    for (const tenant of layout) {
      await repository.getMany(tenant.tenantId, Array.from({ length: tenant.size }, (_, i) => tenant.firstId + i))
    }
    const warm = repository.stats().queries
    return {
      call: (tenantId, ids) => repository.getMany(tenantId, ids),
      queriesSinceWarm: () => repository.stats().queries - warm,
    }
  }
  const rowsByTenant = new Map<number, Contact[]>()
  for (const tenant of layout) {
    const [rows] = await bench.pool.query(
      `select id, tenant_id, first_name, last_name, company_name, email, phone, type, cast(created_at as char) as created_at, cast(updated_at as char) as updated_at from \`${bench.table}\` where tenant_id = ?`,
      [tenant.tenantId],
    )
    rowsByTenant.set(tenant.tenantId, (rows as Record<string, unknown>[]).map(rowToContact))
  }
  switch (key) {
    case 'map-floor':
    case 'map-awaited': {
      const tenants = new Map<number, Map<number, Contact>>()
      for (const [tenantId, rows] of rowsByTenant) tenants.set(tenantId, new Map(rows.map((row) => [row.id, row])))
      if (key === 'map-floor') return noQueries((tenantId, ids) => mapFloor(tenants, tenantId, ids))
      return noQueries((tenantId, ids) => Promise.resolve(mapFloor(tenants, tenantId, ids)))
    }
    case 'lru-per-tenant': {
      const tenants = new Map<number, LRUCache<number, Contact>>()
      for (const [tenantId, rows] of rowsByTenant) {
        const lru = new LRUCache<number, Contact>({ max: 100_000 })
        for (const row of rows) lru.set(row.id, row)
        tenants.set(tenantId, lru)
      }
      return noQueries((tenantId, ids) => lruPerTenant(tenants, tenantId, ids))
    }
    case 'lru-composite': {
      const lru = new LRUCache<string, Contact>({ max: 100_000 })
      for (const [tenantId, rows] of rowsByTenant) for (const row of rows) lru.set(`${tenantId}:${row.id}`, row)
      return noQueries((tenantId, ids) => lruComposite(lru, tenantId, ids))
    }
    case 'dataloader': {
      const loaders = new Map<number, DataLoader<number, Contact | null>>()
      for (const [tenantId, rows] of rowsByTenant) {
        const loader = new DataLoader<number, Contact | null>(
          () => Promise.reject(new Error('DataLoader ran a batch: its cache was not warm')),
          { cacheMap: new LRUCache<number, Promise<Contact | null>>({ max: 100_000 }) },
        )
        for (const row of rows) loader.prime(row.id, row)
        loaders.set(tenantId, loader)
      }
      return noQueries((tenantId, ids) => dataLoaderMany(loaders, tenantId, ids))
    }
  }
}

// The baselines cannot query: a miss would throw (DataLoader) or land in `missing`.
function noQueries(call: HitPathCall): BuiltContender {
  return { call, queriesSinceWarm: () => 0 }
}

function mapFloor(tenants: Map<number, Map<number, Contact>>, tenantId: number, ids: readonly number[]): Result {
  const map = tenants.get(tenantId)
  const rows: Contact[] = []
  const missing: number[] = []
  for (const id of ids) {
    const row = map?.get(id)
    if (row === undefined) missing.push(id)
    else rows.push(row)
  }
  return { rows, missing }
}

function lruPerTenant(tenants: Map<number, LRUCache<number, Contact>>, tenantId: number, ids: readonly number[]): Result {
  const lru = tenants.get(tenantId)
  const rows: Contact[] = []
  const missing: number[] = []
  for (const id of ids) {
    const row = lru?.get(id)
    if (row === undefined) missing.push(id)
    else rows.push(row)
  }
  return { rows, missing }
}

function lruComposite(lru: LRUCache<string, Contact>, tenantId: number, ids: readonly number[]): Result {
  const rows: Contact[] = []
  const missing: number[] = []
  for (const id of ids) {
    const row = lru.get(`${tenantId}:${id}`)
    if (row === undefined) missing.push(id)
    else rows.push(row)
  }
  return { rows, missing }
}

async function dataLoaderMany(loaders: Map<number, DataLoader<number, Contact | null>>, tenantId: number, ids: readonly number[]): Promise<Result> {
  const loader = loaders.get(tenantId)
  if (loader === undefined) throw new Error(`no loader for tenant ${tenantId}`)
  const values = await loader.loadMany(ids)
  const rows: Contact[] = []
  const missing: number[] = []
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (value instanceof Error) throw value
    if (value === null || value === undefined) missing.push(ids[i] as number)
    else rows.push(value)
  }
  return { rows, missing }
}
