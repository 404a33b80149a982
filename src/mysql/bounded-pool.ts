import type { MysqlPool, MysqlPoolConnection } from 'kysely'
import { createPool, type Pool, type PoolConnection } from 'mysql2'
import type { StatementRunner } from '../contacts/statement-runner.js'
import { ContactTimeoutError } from '../errors.js'
import type { ResolvedMysqlDialectOptions } from './mysql-dialect-options.js'
import { TimedConnection } from './timed-connection.js'

/** A snapshot of the pool behind a dialect made by `createMysqlDialect`. */
export interface MysqlPoolStats {
  /** Connections open now or being opened (handed out, idle, or connecting). */
  readonly connections: number
  /** Of `connections`, those idle in the pool. */
  readonly idle: number
  /** Connections handed out now and not yet given back. */
  readonly inUse: number
  /** Requests waiting for a connection now, within their `acquireTimeout`. */
  readonly waiting: number
  /** Requests that gave up at `acquireTimeout` and whose connection has not come yet. */
  readonly abandoned: number
  /** Requests that failed at `acquireTimeout`, since the start. */
  readonly acquireTimeouts: number
  /** Connections that arrived after their request gave up and went back to the pool. */
  readonly lateConnections: number
  /** Queries that passed `queryTimeout` (their connection was destroyed), since the start. */
  readonly queryTimeouts: number
  /** Statements the server stopped at `serverStatementTimeout`, since the start. */
  readonly serverTimeouts: number
  /**
   * Prepared statements held now by the open connections, all together (mysql2 keeps them
   * per connection in its statement cache). `ContactRepository`'s select needs at most
   * `ceil(log2(maxBatchSize)) + 1` per connection.
   */
  readonly preparedStatements: number
  /** The most prepared statements one open connection holds now. */
  readonly maxPreparedStatementsPerConnection: number
}

// mysql2 keeps these on the pool (and the statement cache on each connection) without typing
// them; they are the only way to see how many connections exist and idle, and how many
// statements they hold. Tests pin them, so a mysql2 upgrade that renames them fails loudly
// instead of reporting zeros.
interface PoolInternals {
  readonly _allConnections?: {
    readonly length: number
    readonly toArray?: () => readonly { readonly _statements?: { readonly size: number } }[]
  }
  readonly _freeConnections?: { readonly length: number }
}

/**
 * The pool Kysely's MySQL driver is given: mysql2's pool with a deadline on getting a
 * connection and a deadline on each query (see {@link TimedConnection}).
 */
export class BoundedPool implements MysqlPool, StatementRunner {
  readonly #pool: Pool
  readonly #options: ResolvedMysqlDialectOptions
  readonly #connections = new WeakMap<PoolConnection, TimedConnection>()
  readonly #events
  #inUse = 0
  #waiting = 0
  #abandoned = 0
  #acquireTimeouts = 0
  #lateConnections = 0
  #queryTimeouts = 0
  #serverTimeouts = 0

  constructor(options: ResolvedMysqlDialectOptions) {
    this.#options = options
    this.#pool = createPool(options.pool)
    this.#events = {
      onRelease: () => { this.#inUse-- },
      onQueryTimeout: () => { this.#queryTimeouts++ },
      onServerTimeout: () => { this.#serverTimeouts++ },
    }
    const limit = options.serverStatementTimeout
    if (limit > 0) {
      // Runs before anything else on the new connection: commands run in order.
      this.#pool.on('connection', (connection) => {
        const mariadb = (connection as unknown as { _isMariaDB?: boolean })._isMariaDB !== false
        connection.query(
          mariadb ? `SET SESSION max_statement_time = ${limit / 1000}` : `SET SESSION max_execution_time = ${limit}`,
          () => undefined, // a server without the setting keeps only the client-side bound
        )
      })
    }
  }

  getConnection(callback: (error: unknown, connection: MysqlPoolConnection) => void): void {
    this.#acquire(callback as (error: unknown, connection: TimedConnection | undefined) => void)
  }

  /**
   * Runs `sql` as a prepared statement on a pooled connection, rows as arrays, under both
   * deadlines (`acquireTimeout`, then `queryTimeout`), and gives the connection back.
   */
  execute(sql: string, values: readonly unknown[], callback: (error: unknown, rows: unknown) => void): void {
    this.#acquire((error, connection) => {
      if (connection === undefined) {
        callback(error, undefined)
        return
      }
      connection.execute(sql, values, (queryError, rows) => {
        connection.release()
        callback(queryError, rows)
      })
    })
  }

  #acquire(callback: (error: unknown, connection: TimedConnection | undefined) => void): void {
    // A free connection is handed over on the next tick (mysql2 pops it at once): there is
    // no wait to bound, so no timer to set and clear on the common path.
    if (((this.#pool as unknown as PoolInternals)._freeConnections?.length ?? 0) > 0) {
      this.#pool.getConnection((error, raw) => { this.#handOver(error, raw, callback) })
      return
    }
    const { acquireTimeout } = this.#options
    this.#waiting++
    let settled = false
    const timer = setTimeout(() => {
      settled = true
      this.#waiting--
      this.#abandoned++
      this.#acquireTimeouts++
      callback(new ContactTimeoutError(acquireTimeout, 'acquire'), undefined)
    }, acquireTimeout)
    this.#pool.getConnection((error, raw) => {
      if (settled) {
        // The request was given up: hand the connection straight back, or it would leak.
        this.#abandoned--
        if (error === null) {
          this.#lateConnections++
          raw.release()
        }
        return
      }
      settled = true
      clearTimeout(timer)
      this.#waiting--
      this.#handOver(error, raw, callback)
    })
  }

  #handOver(
    error: NodeJS.ErrnoException | null,
    raw: PoolConnection,
    callback: (error: unknown, connection: TimedConnection | undefined) => void,
  ): void {
    if (error !== null) {
      callback(this.#acquireError(error), undefined)
      return
    }
    this.#inUse++
    callback(null, this.#wrap(raw).checkOut())
  }

  end(callback: (error: unknown) => void): void {
    this.#pool.end(callback)
  }

  stats(): MysqlPoolStats {
    const internals = this.#pool as unknown as PoolInternals
    let preparedStatements = 0
    let maxPreparedStatementsPerConnection = 0
    const all = internals._allConnections?.toArray?.()
    if (all === undefined) {
      preparedStatements = maxPreparedStatementsPerConnection = Number.NaN
    } else {
      for (const connection of all) {
        const held = connection._statements?.size ?? Number.NaN
        preparedStatements += held
        if (!(held <= maxPreparedStatementsPerConnection)) maxPreparedStatementsPerConnection = held
      }
    }
    return {
      connections: internals._allConnections?.length ?? Number.NaN,
      idle: internals._freeConnections?.length ?? Number.NaN,
      inUse: this.#inUse,
      waiting: this.#waiting,
      abandoned: this.#abandoned,
      acquireTimeouts: this.#acquireTimeouts,
      lateConnections: this.#lateConnections,
      queryTimeouts: this.#queryTimeouts,
      serverTimeouts: this.#serverTimeouts,
      preparedStatements,
      maxPreparedStatementsPerConnection,
    }
  }

  #wrap(raw: PoolConnection): TimedConnection {
    let connection = this.#connections.get(raw)
    if (connection === undefined) {
      connection = new TimedConnection(raw, this.#options.queryTimeout, this.#options.serverStatementTimeout, this.#events)
      this.#connections.set(raw, connection)
    }
    return connection
  }

  // mysql2 reports its connect deadline as a plain ETIMEDOUT; callers match on our code.
  #acquireError(error: NodeJS.ErrnoException): unknown {
    if (error.code === 'ETIMEDOUT' && error.syscall === 'connect') {
      return new ContactTimeoutError(this.#options.connectTimeout, 'acquire', { cause: error })
    }
    return error
  }
}
