import type { MysqlPoolConnection, MysqlQueryResult, MysqlStream, MysqlStreamOptions } from 'kysely'
import type { PoolConnection, QueryError } from 'mysql2'
import { ContactTimeoutError } from '../errors.js'
import { executePrepared } from './execute-prepared.js'

/** What a {@link TimedConnection} reports to its pool. */
export interface TimedConnectionEvents {
  /** The connection was given back, or destroyed while handed out. */
  readonly onRelease: () => void
  /** A query passed `queryTimeout` and the connection was destroyed. */
  readonly onQueryTimeout: () => void
  /** The server stopped a statement at its own limit. */
  readonly onServerTimeout: () => void
}

/** Server errors for "the statement ran past the session's time limit". */
const SERVER_TIMEOUT_ERRNOS = new Set([
  1969, // MariaDB ER_STATEMENT_TIMEOUT (max_statement_time)
  3024, // MySQL ER_QUERY_TIMEOUT (max_execution_time)
])

const NO_RESULT: MysqlQueryResult = []

/** What `query` returns without a callback: something to stream the rows from. */
interface Streamable {
  stream: <T>(options: MysqlStreamOptions) => MysqlStream<T>
}

/**
 * A pooled mysql2 connection as Kysely sees it, with a deadline on every query.
 *
 * When the deadline passes the connection is destroyed rather than released: its result is
 * still on the way, so the next query on it would wait behind the wedged one (mysql2's own
 * `timeout` reports the error and leaves the command running on the connection). Destroying
 * it removes it from the pool, which opens a fresh one for the next waiter.
 */
export class TimedConnection implements MysqlPoolConnection {
  readonly #raw: PoolConnection
  readonly #queryTimeout: number
  readonly #serverStatementTimeout: number
  readonly #events: TimedConnectionEvents
  #handedOut = false

  constructor(raw: PoolConnection, queryTimeout: number, serverStatementTimeout: number, events: TimedConnectionEvents) {
    this.#raw = raw
    this.#queryTimeout = queryTimeout
    this.#serverStatementTimeout = serverStatementTimeout
    this.#events = events
  }

  /** Marks the connection as handed out by the pool. */
  checkOut(): this {
    this.#handedOut = true
    return this
  }

  query(sql: string, parameters: unknown[]): Streamable
  query(sql: string, parameters: unknown[], callback: (error: unknown, result: MysqlQueryResult) => void): void
  query(
    sql: string,
    parameters: unknown[],
    callback?: (error: unknown, result: MysqlQueryResult) => void,
  ): Streamable | undefined {
    // Streams are read at the consumer's pace, so no deadline can tell a wedge from a pause.
    if (callback === undefined) return this.#raw.query(sql, parameters)
    this.#run(callback, (done) => this.#raw.query(sql, parameters, done))
    return undefined
  }

  /** Runs `sql` as a prepared statement (see `executePrepared`) under the same deadline as {@link query}. */
  execute(sql: string, values: readonly unknown[], callback: (error: unknown, rows: unknown) => void): void {
    this.#run(callback, (done) => { executePrepared(this.#raw, sql, values, done) })
  }

  /** Sends a command through `send` and calls `callback` once: with its result, or at the deadline. */
  #run(
    callback: (error: unknown, result: MysqlQueryResult) => void,
    send: (done: (error: QueryError | null, result: unknown) => void) => void,
  ): void {
    let settled = false
    const timer = setTimeout(() => {
      settled = true
      this.#destroy()
      this.#events.onQueryTimeout()
      callback(new ContactTimeoutError(this.#queryTimeout, 'query'), NO_RESULT)
    }, this.#queryTimeout)
    const done = (error: QueryError | null, result: unknown): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (error === null) {
        callback(null, result as MysqlQueryResult)
      } else if (error.errno !== undefined && SERVER_TIMEOUT_ERRNOS.has(error.errno)) {
        this.#events.onServerTimeout()
        callback(new ContactTimeoutError(this.#serverStatementTimeout, 'query', { cause: error }), NO_RESULT)
      } else {
        callback(error, NO_RESULT)
      }
    }
    try {
      send(done)
    } catch (error) {
      // mysql2 checks some arguments synchronously (undefined values, for one).
      done(error as QueryError, undefined)
    }
  }

  release(): void {
    if (!this.#handedOut) return
    this.#handedOut = false
    this.#events.onRelease()
    // After #destroy() this does nothing: mysql2 took the connection out of its pool then
    // (test/mysql/mysql-dialect.test.ts shows the next query gets a new connection).
    this.#raw.release()
  }

  #destroy(): void {
    // destroy() takes it out of the pool but only half-closes the socket; a server that
    // never answers would keep it open, so close the socket outright as well.
    this.#raw.destroy()
    ;(this.#raw as unknown as { stream?: { destroy?: () => void } }).stream?.destroy?.()
  }
}
