import {
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely'
import { fixtureRow } from './contact-fixture.js'

/** Who owns an ID: its tenant, or `undefined` when the contact does not exist. */
export type OwnerOf = (id: number) => number | undefined

/** A Kysely instance that answers the repository's query from memory, and its query count. */
export interface InMemoryContactsDb {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the repository takes any table
  readonly db: Kysely<any>
  /** Queries answered so far. */
  readonly queries: () => number
}

// The only statement the repository sends (src/contacts/contacts-query.ts), as MySQL-dialect Kysely compiles it.
const WHERE = 'where `tenant_id` = ? and `id` in ('

/**
 * A stand-in for MariaDB, used ONLY where a benchmark counts hits and heap bytes and the
 * database's speed is irrelevant: replaying two million calls against a real server would
 * take most of the time budget and measure nothing more. It goes through the whole
 * repository path (Kysely compiles the real query, rows are decoded and frozen), answers
 * with rows equal to the MariaDB fixture, and refuses any other statement. `freshStrings:
 * false` skips copying every string (see fixtureRow) where only hits are counted.
 */
export function createInMemoryContactsDb(ownerOf: OwnerOf, options: { readonly freshStrings?: boolean } = {}): InMemoryContactsDb {
  const freshStrings = options.freshStrings ?? true
  let queries = 0
  const connection: DatabaseConnection = {
    executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
      if (!compiled.sql.startsWith('select ') || !compiled.sql.includes(WHERE)) {
        return Promise.reject(new Error(`The in-memory contacts database cannot run: ${compiled.sql.slice(0, 80)}`))
      }
      queries++
      const [tenantId, ...ids] = compiled.parameters as number[]
      const rows: unknown[] = []
      // IN is a set: the repository pads its list with repeated IDs, a row matches once.
      for (const id of new Set(ids)) {
        if (ownerOf(id) === tenantId) rows.push(fixtureRow(id, tenantId as number, freshStrings))
      }
      return Promise.resolve({ rows: rows as R[] })
    },
    streamQuery(): AsyncIterableIterator<never> {
      throw new Error('The in-memory contacts database does not stream')
    },
  }
  const driver: Driver = {
    init: () => Promise.resolve(),
    acquireConnection: () => Promise.resolve(connection),
    beginTransaction: () => Promise.reject(new Error('no transactions')),
    commitTransaction: () => Promise.reject(new Error('no transactions')),
    rollbackTransaction: () => Promise.reject(new Error('no transactions')),
    releaseConnection: () => Promise.resolve(),
    destroy: () => Promise.resolve(),
  }
  const dialect: Dialect = {
    createAdapter: () => new MysqlAdapter(),
    createDriver: () => driver,
    createQueryCompiler: () => new MysqlQueryCompiler(),
    createIntrospector: (db) => new MysqlIntrospector(db),
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the repository takes any table
  return { db: new Kysely<any>({ dialect }), queries: () => queries }
}
