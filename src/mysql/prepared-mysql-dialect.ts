import { MysqlDialect, type DialectAdapter } from 'kysely'
import type { Pool } from 'mysql2'
import type { StatementRunner } from '../contacts/statement-runner.js'
import { checkOptionKeys, optionNames } from '../validation/option-checks.js'
import { executePrepared } from './execute-prepared.js'
import { PreparedMysqlAdapter } from './prepared-mysql-adapter.js'

/** Options of {@link PreparedMysqlDialect}. */
export interface PreparedMysqlDialectConfig {
  /**
   * The mysql2 pool, made with `createPool` from `mysql2` (the callback API, as kysely's
   * `MysqlDialect` wants it). Required. Not a function returning a pool: the repository
   * must reach the very pool kysely uses. Ending it is `db.destroy()`'s job, as usual.
   */
  readonly pool: Pool
}

const KNOWN_OPTIONS = optionNames<PreparedMysqlDialectConfig>({ pool: true })

/**
 * kysely's `MysqlDialect` over your own mysql2 pool, with one addition: `ContactRepository`
 * sends its select over it as a prepared statement (mysql2's `execute`), which kysely 0.28
 * never does. Swap it in for `new MysqlDialect({ pool })`; every other query is kysely's,
 * unchanged.
 *
 * ```ts
 * const db = new Kysely<ContactsDatabase>({ dialect: new PreparedMysqlDialect({ pool: createPool(url) }) })
 * ```
 *
 * Without it, over kysely's own `MysqlDialect`, the repository cannot reach the pool (kysely
 * keeps it private) and sends its select through kysely, as text, with the same answers.
 * kysely's `onCreateConnection` and `onReserveConnection` hooks are refused: the prepared
 * select takes connections from the pool without kysely, so the hooks would not run on them
 * (use mysql2's pool `connection` event instead). Throws a `TypeError` naming the option
 * when an option is invalid. Prefer `createMysqlDialect`, which also bounds every wait.
 */
export class PreparedMysqlDialect extends MysqlDialect {
  readonly #runner: StatementRunner

  constructor(config: PreparedMysqlDialectConfig) {
    const options: unknown = config
    if (typeof options === 'object' && options !== null && ('onCreateConnection' in options || 'onReserveConnection' in options)) {
      throw new TypeError(
        "PreparedMysqlDialect does not take kysely's onCreateConnection/onReserveConnection hooks: the prepared select gets its connections without kysely, so they would not run (use the mysql2 pool's 'connection' event)",
      )
    }
    checkOptionKeys(options, KNOWN_OPTIONS, 'PreparedMysqlDialect', 'an object with `pool`, a mysql2 pool')
    const pool: unknown = (options as { pool?: unknown }).pool
    if (!isCallbackPool(pool)) {
      throw new TypeError("options.pool must be a mysql2 pool made by createPool from 'mysql2' (not a function, not a promise pool)")
    }
    super({ pool })
    this.#runner = {
      execute(sql, values, callback) {
        pool.getConnection((error, connection) => {
          if (error !== null) {
            callback(error, undefined)
            return
          }
          executePrepared(connection, sql, values, (queryError, rows) => {
            connection.release()
            callback(queryError, rows)
          })
        })
      },
    }
  }

  override createAdapter(): DialectAdapter {
    return new PreparedMysqlAdapter(this.#runner)
  }
}

function isCallbackPool(pool: unknown): pool is Pool {
  if (typeof pool !== 'object' || pool === null) return false
  const candidate = pool as Partial<Record<'getConnection' | 'execute' | 'query' | 'promise', unknown>>
  // mysql2/promise's pool has the same methods returning promises; its `promise` is absent.
  return (
    typeof candidate.getConnection === 'function' &&
    typeof candidate.execute === 'function' &&
    typeof candidate.query === 'function' &&
    typeof candidate.promise === 'function'
  )
}
