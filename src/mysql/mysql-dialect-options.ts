import type { PoolOptions } from 'mysql2'
import { MAX_TIMER_DELAY, booleanOption, checkOptionKeys, integerOption, optionNames } from '../validation/option-checks.js'

/** mysql2 settings this package owns: set them through the options named after them. */
const OWNED_KEYS = ['connectionLimit', 'connectTimeout', 'waitForConnections', 'queueLimit', 'uri'] as const

type OwnedKey = (typeof OWNED_KEYS)[number]

/**
 * mysql2 connection settings (host, port, user, password, database, ssl, charset...) without
 * the ones {@link createMysqlDialect} owns.
 */
export type MysqlConnectionOptions = Omit<PoolOptions, OwnedKey>

/**
 * Options of `createMysqlDialect(options)`. Only `connection` is required. Every option is
 * validated once, when the dialect is created; a bad value throws a `TypeError` naming it.
 * Times are milliseconds.
 *
 * The driver defaults are chosen for a read path that must never hang: mysql2's own pool
 * waits for a connection forever, opens connections with a 10 s deadline, and never bounds a
 * query. Each of those waits gets a deadline here, and each deadline fails with a
 * `ContactTimeoutError` whose `phase` says which wait it was.
 */
export interface MysqlDialectOptions {
  /**
   * Where and how to connect: a `mysql://user:password@host:port/database` URI or mysql2
   * connection options. These defaults apply unless the connection sets them otherwise:
   * `timezone: 'Z'` (DATETIME read and written as UTC, whatever the host's zone),
   * `dateStrings: true` (no `Date` is built per cell, about 110 us of CPU saved per query of
   * 50 rows), `supportBigNumbers: true` (a BIGINT above 2^53 arrives as an exact string
   * instead of a rounded number; one that fits arrives as a number). `bigNumberStrings` stays
   * off: forcing every BIGINT to a string costs mysql2 a 64-bit division per cell in the
   * binary protocol, 29 KB of garbage per query of 50 rows (measured). The settings owned by
   * the options below (`connectionLimit`, `connectTimeout`, `waitForConnections`,
   * `queueLimit`, `uri`) are refused here, in the URI's query string too, so that a
   * connection string cannot quietly remove a bound.
   */
  readonly connection: string | MysqlConnectionOptions
  /**
   * Most connections open at once. Keep the repository's `maxConcurrentQueries` at or below
   * it, so that queries wait in the repository's bounded queue rather than for a connection.
   * Cost: one server thread and one socket each.
   * @default 10
   */
  readonly connectionLimit?: number
  /**
   * Deadline for getting a connection, from the request to the pool until a connection is
   * handed over, opening a new one included. Exceeded: the query fails with
   * `ContactTimeoutError` (`phase: 'acquire'`); a connection that arrives later is given back
   * to the pool, not leaked. Keep it below the repository's `queryTimeout`.
   * @default 2_000
   */
  readonly acquireTimeout?: number
  /**
   * Deadline for opening one connection (TCP connect and handshake). Exceeded: the
   * connection is dropped and the query fails with `ContactTimeoutError`
   * (`phase: 'acquire'`) unless `acquireTimeout` fired first. mysql2's own is 10 s.
   * @default 2_000
   */
  readonly connectTimeout?: number
  /**
   * Deadline for one query's result on its connection. Exceeded: the query fails with
   * `ContactTimeoutError` (`phase: 'query'`) and the connection is destroyed, never given back
   * to the pool with a result still on its way (mysql2's own `timeout` option does exactly
   * that). Set it to the repository's `queryTimeout` or less: the repository keeps a query
   * slot until the query settles, even after its callers were rejected. Applies to every
   * query of the Kysely instance; streamed queries are not bounded.
   * @default 5_000
   */
  readonly queryTimeout?: number
  /**
   * Limit the server itself puts on each statement, set once per new connection (MariaDB
   * `max_statement_time`; MySQL `max_execution_time`, which applies to SELECT only): a
   * client-side timeout leaves the query running on the server, this stops it there. A
   * statement stopped this way fails with `ContactTimeoutError` (`phase: 'query'`). `0`
   * leaves the server's setting alone. Cost: one `SET` per new connection.
   * @default queryTimeout
   */
  readonly serverStatementTimeout?: number
  /**
   * Whether `ContactRepository` sends its select as a prepared statement (mysql2's
   * `execute`) rather than through kysely as text. On by default: the server parses the
   * statement once per connection and mysql2 decodes binary rows, about 40% less Node CPU
   * per miss query. Each connection then holds at most `ceil(log2(maxBatchSize)) + 1` of the
   * repository's statements (11 at the default `maxBatchSize`), which count against the
   * server's `max_prepared_stmt_count` (16,382 by default, over all clients). Set `false`
   * behind a proxy that does not support prepared statements. Your own queries through
   * kysely are sent as text either way.
   * @default true
   */
  readonly preparedStatements?: boolean
}

/** Options after defaults were applied and values checked. */
export interface ResolvedMysqlDialectOptions {
  /** What is handed to mysql2's `createPool`. */
  readonly pool: PoolOptions
  readonly acquireTimeout: number
  readonly connectTimeout: number
  readonly queryTimeout: number
  readonly serverStatementTimeout: number
  readonly preparedStatements: boolean
}

const KNOWN_OPTIONS = optionNames<MysqlDialectOptions>({
  connection: true, connectionLimit: true, acquireTimeout: true, connectTimeout: true, queryTimeout: true,
  serverStatementTimeout: true, preparedStatements: true,
})

/** Driver defaults of a connection; see `MysqlDialectOptions.connection`. */
const SAFE_DEFAULTS = {
  timezone: 'Z',
  dateStrings: true,
  supportBigNumbers: true,
} as const satisfies PoolOptions

/** Applies defaults and validates, throwing a `TypeError` that names the first bad option. */
export function resolveMysqlDialectOptions(options: MysqlDialectOptions): ResolvedMysqlDialectOptions {
  checkOptionKeys(options, KNOWN_OPTIONS, 'createMysqlDialect', 'an object with at least `connection`')
  const connection = checkConnection(options.connection)
  const connectionLimit = integerOption(options, 'connectionLimit', 10, 1, 10_000)
  const acquireTimeout = integerOption(options, 'acquireTimeout', 2_000, 1, MAX_TIMER_DELAY)
  const connectTimeout = integerOption(options, 'connectTimeout', 2_000, 1, MAX_TIMER_DELAY)
  const queryTimeout = integerOption(options, 'queryTimeout', 5_000, 1, MAX_TIMER_DELAY)
  const serverStatementTimeout = integerOption(options, 'serverStatementTimeout', queryTimeout, 0, MAX_TIMER_DELAY)
  const preparedStatements = booleanOption(options, 'preparedStatements', true)
  return {
    pool: {
      ...SAFE_DEFAULTS,
      ...connection,
      connectionLimit,
      connectTimeout,
      // Waiting stays on: the wait is bounded by acquireTimeout instead of refused outright.
      waitForConnections: true,
      queueLimit: 0,
    },
    acquireTimeout,
    connectTimeout,
    queryTimeout,
    serverStatementTimeout,
    preparedStatements,
  }
}

function checkConnection(connection: unknown): PoolOptions {
  if (typeof connection === 'string') {
    let url: URL
    try {
      url = new URL(connection)
    } catch {
      throw new TypeError('options.connection must be a mysql:// URI or an object of mysql2 connection options')
    }
    if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
      throw new TypeError(`options.connection must be a mysql:// URI; got the scheme ${url.protocol}`)
    }
    for (const key of url.searchParams.keys()) refuseOwned(key, 'the connection URI')
    return { uri: connection }
  }
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) {
    throw new TypeError('options.connection must be a mysql:// URI or an object of mysql2 connection options')
  }
  for (const key of Object.keys(connection)) refuseOwned(key, 'options.connection')
  return connection
}

function refuseOwned(key: string, where: 'options.connection' | 'the connection URI'): void {
  if (!(OWNED_KEYS as readonly string[]).includes(key)) return
  const hint =
    key === 'uri' ? 'pass the URI itself as options.connection'
    : key === 'waitForConnections' || key === 'queueLimit' ? 'waiting is bounded by options.acquireTimeout'
    : `set options.${key} instead`
  const name = where === 'options.connection' ? `options.connection.${key}` : `${key} in the connection URI`
  throw new TypeError(`${name} is owned by createMysqlDialect: ${hint}`)
}
