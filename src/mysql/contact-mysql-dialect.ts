import { MysqlAdapter, MysqlDialect, type DialectAdapter } from 'kysely'
import type { BoundedPool, MysqlPoolStats } from './bounded-pool.js'
import { PreparedMysqlAdapter } from './prepared-mysql-adapter.js'

/**
 * Kysely's `MysqlDialect` over a bounded mysql2 pool, as made by `createMysqlDialect`. Use it
 * like any dialect; `poolStats()` tells what the pool is doing. `ContactRepository` sends its
 * select over it as a prepared statement (unless `preparedStatements: false`); every other
 * query goes through kysely as usual.
 */
export class ContactMysqlDialect extends MysqlDialect {
  readonly #pool: BoundedPool
  readonly #preparedStatements: boolean

  constructor(pool: BoundedPool, preparedStatements: boolean) {
    super({ pool })
    this.#pool = pool
    this.#preparedStatements = preparedStatements
  }

  override createAdapter(): DialectAdapter {
    return this.#preparedStatements ? new PreparedMysqlAdapter(this.#pool) : new MysqlAdapter()
  }

  /** Connections open, idle, in use and waited for, and the deadlines hit so far. */
  poolStats(): MysqlPoolStats {
    return this.#pool.stats()
  }
}
