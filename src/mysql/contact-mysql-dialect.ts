import { MysqlDialect } from 'kysely'
import type { BoundedPool, MysqlPoolStats } from './bounded-pool.js'

/**
 * Kysely's `MysqlDialect` over a bounded mysql2 pool, as made by `createMysqlDialect`. Use it
 * like any dialect; `poolStats()` tells what the pool is doing.
 */
export class ContactMysqlDialect extends MysqlDialect {
  readonly #pool: BoundedPool

  constructor(pool: BoundedPool) {
    super({ pool })
    this.#pool = pool
  }

  /** Connections open, idle, in use and waited for, and the deadlines hit so far. */
  poolStats(): MysqlPoolStats {
    return this.#pool.stats()
  }
}
