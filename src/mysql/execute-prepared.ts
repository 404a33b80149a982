import type { PoolConnection, QueryError } from 'mysql2'

/** Most parameters one prepared statement can bind (a 16-bit count in the protocol). */
const MAX_BOUND_PARAMETERS = 65_535

/** The server does not know the statement id (ER_UNKNOWN_STMT_HANDLER). */
const UNKNOWN_STATEMENT = 1243

/**
 * Runs `sql` on `connection` as a prepared statement, rows as arrays: mysql2's `execute`
 * prepares it on the connection the first time and keeps it in the connection's statement
 * cache (an LRU of `maxPreparedStatements`, closing what it evicts). Beyond 65,535 values the
 * binary protocol cannot bind them all, and the statement goes as text (mysql2 then inlines
 * the values, escaped).
 *
 * If the server no longer knows the statement while the connection lives (a proxy moved the
 * session, say), mysql2 would keep sending the dead id; the statement is dropped from its
 * cache so that the next call prepares it again. This call fails with the server's error.
 */
export function executePrepared(
  connection: PoolConnection,
  sql: string,
  values: readonly unknown[],
  callback: (error: QueryError | null, rows: unknown) => void,
): void {
  const options = { sql, rowsAsArray: true }
  const bound = values as (string | number)[] // the repository binds numbers and strings only
  if (values.length > MAX_BOUND_PARAMETERS) {
    connection.query(options, bound, callback)
    return
  }
  connection.execute(options, bound, (error, rows) => {
    // unprepare() finds the cache entry by the same options execute() used.
    if (error?.errno === UNKNOWN_STATEMENT) connection.unprepare(options as unknown as string)
    callback(error, rows)
  })
}
