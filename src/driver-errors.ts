/**
 * Driver error codes after which the same query may well succeed: the connection or the server
 * was briefly unavailable, a lock or a deadline got in the way. A missing table, a bad column or
 * denied access are configuration errors: retrying them only repeats the failure.
 */
const TRANSIENT_CODES = new Set([
  // mysql2
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  // MySQL/MariaDB server errors, as mysql2 names them
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_NET_READ_ERROR',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_ERROR_ON_WRITE',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_STATEMENT_TIMEOUT',
  'ER_QUERY_TIMEOUT',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  // SQLite
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  // DNS
  'EAI_AGAIN',
])

/** Node's system errors (`ECONNREFUSED`, `ECONNRESET`, `EPIPE`, `ETIMEDOUT`...) are all about the network here. */
const SYSTEM_ERROR = /^E[A-Z]+$/

/** Whether a query that failed with `cause` may succeed if simply retried later. */
export function isTransientDriverError(cause: unknown): boolean {
  if (typeof cause !== 'object' || cause === null) return false
  const { code } = cause as { code?: unknown }
  if (typeof code !== 'string') return false
  return TRANSIENT_CODES.has(code) || SYSTEM_ERROR.test(code)
}
