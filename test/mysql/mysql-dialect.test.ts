import { Kysely, sql } from 'kysely'
import { createPool } from 'mysql2'
import { describe, expect, it } from 'vitest'
import { ContactTimeoutError } from '../../src/index.js'
import { createMysqlDialect, type MysqlDialectOptions } from '../../src/mysql/index.js'
import { MYSQL_URL } from '../helpers/env.js'
import { eventually, rejection, useFaultRigs } from '../helpers/fault-rig.js'

const openRig = useFaultRigs()

describe('G-MYSQL-NO-HANG: createMysqlDialect options', () => {
  const bad: [string, unknown, RegExp][] = [
    ['no options', undefined, /options must be an object/],
    ['an unknown option', { connection: MYSQL_URL, poolSize: 3 }, /options\.poolSize is not an option/],
    ['a missing connection', {}, /options\.connection must be/],
    ['a connection of another scheme', { connection: 'postgres://x@y/z' }, /options\.connection must be a mysql:\/\/ URI/],
    ['an owned key in the connection object', { connection: { host: 'h', connectTimeout: 5 } }, /options\.connection\.connectTimeout is owned.*options\.connectTimeout/],
    ['an unbounded wait in the connection object', { connection: { host: 'h', queueLimit: 0 } }, /options\.connection\.queueLimit is owned.*acquireTimeout/],
    ['an owned key in the URI', { connection: `${MYSQL_URL}?connectionLimit=100` }, /connectionLimit in the connection URI is owned/],
    ['a zero connection limit (unlimited in mysql2)', { connection: MYSQL_URL, connectionLimit: 0 }, /options\.connectionLimit must be an integer from 1/],
    ['a fractional deadline', { connection: MYSQL_URL, acquireTimeout: 1.5 }, /options\.acquireTimeout must be an integer/],
    ['a deadline beyond the timer range', { connection: MYSQL_URL, queryTimeout: 2 ** 31 }, /options\.queryTimeout must be an integer from 1 to 2147483647/],
    ['a negative server limit', { connection: MYSQL_URL, serverStatementTimeout: -1 }, /options\.serverStatementTimeout must be an integer from 0/],
  ]
  it.each(bad)('refuses %s with a TypeError naming the option', (_, options, message) => {
    expect(() => createMysqlDialect(options as MysqlDialectOptions)).toThrow(TypeError)
    expect(() => createMysqlDialect(options as MysqlDialectOptions)).toThrow(message)
  })
})

describe('G-MYSQL-NO-HANG: createMysqlDialect on MariaDB', () => {
  it('reads and writes with safe defaults: exact big integers, date-times as UTC text whatever the TZ', async () => {
    const db = new Kysely<unknown>({ dialect: createMysqlDialect({ connection: MYSQL_URL, connectionLimit: 1 }) })
    const tz = process.env.TZ
    // A zone away from UTC: with mysql2's default timezone ('local') the written Date below
    // would become 07:00 wall-clock time.
    process.env.TZ = 'America/New_York'
    try {
      const written = new Date('2026-03-01T12:00:00.250Z')
      const { rows } = await sql<{ big: unknown; at: unknown; written: unknown }>`
        select cast(9007199254740993 as unsigned) as big,
               cast('2026-03-01 12:00:00.250' as datetime(3)) as at,
               cast(${written} as char) as written`.execute(db)
      expect(rows[0]).toEqual({ big: '9007199254740993', at: '2026-03-01 12:00:00.250', written: '2026-03-01 12:00:00.250' })
    } finally {
      if (tz === undefined) delete process.env.TZ
      else process.env.TZ = tz
      await db.destroy()
    }
  })

  it('has the server stop a statement at serverStatementTimeout, and keeps the connection', async () => {
    const rig = await openRig('dialect_server_timeout', { connectionLimit: 1, queryTimeout: 10_000, serverStatementTimeout: 300 })
    const started = performance.now()
    const error = await rejection(sql`select sleep(5) as slept`.execute(rig.db))
    const elapsed = performance.now() - started
    expect(error).toBeInstanceOf(ContactTimeoutError)
    expect(error).toMatchObject({ phase: 'query', timeoutMs: 300, cause: { errno: 1969 } })
    // The server gave up, not the client: well before the sleep or the client deadline.
    expect(elapsed).toBeLessThan(5_000)
    expect(rig.dialect.poolStats()).toMatchObject({ serverTimeouts: 1, queryTimeouts: 0, connections: 1, idle: 1 })
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(rig.db)
    expect(rows).toEqual([{ one: 1 }])
    expect(rig.proxy.accepted).toBe(1)
  })

  it('destroys a connection whose query passed queryTimeout instead of returning it to the pool', async () => {
    const rig = await openRig('dialect_query_timeout', { connectionLimit: 1, queryTimeout: 300, serverStatementTimeout: 0 })
    const error = await rejection(sql`select sleep(2) as slept`.execute(rig.db))
    expect(error).toMatchObject({ code: 'ERR_CONTACTS_TIMEOUT', phase: 'query', timeoutMs: 300 })
    expect(rig.dialect.poolStats()).toMatchObject({ queryTimeouts: 1, connections: 0, inUse: 0 })
    // The next query gets a new connection at once, not the one still busy sleeping.
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(rig.db)
    expect(rows).toEqual([{ one: 1 }])
    expect(rig.proxy.accepted).toBe(2)
    await eventually('the destroyed socket to be gone', () => rig.proxy.connections === 1)
  })

  it('(why) mysql2 3.x own query timeout hands the busy connection back to the pool', async () => {
    // The fact TimedConnection exists for; if mysql2 starts destroying the connection, this
    // test fails and the wrapper can be reconsidered.
    const pool = createPool({ uri: MYSQL_URL, connectionLimit: 1 })
    try {
      const first = await new Promise<{ code: unknown; connection: unknown }>((resolve) => {
        pool.getConnection((error, connection) => {
          if (error) throw error
          connection.query({ sql: 'select sleep(1)', timeout: 100 }, (queryError) => {
            connection.release()
            resolve({ code: (queryError as { code?: unknown } | null)?.code, connection })
          })
        })
      })
      expect(first.code).toBe('PROTOCOL_SEQUENCE_TIMEOUT')
      const second = await new Promise<unknown>((resolve) => {
        pool.getConnection((error, connection) => {
          if (error) throw error
          connection.release()
          resolve(connection)
        })
      })
      expect(second).toBe(first.connection)
    } finally {
      await pool.promise().end()
    }
  })

  it('reports pool state from mysql2 internals (a rename in mysql2 would show here)', async () => {
    const rig = await openRig('dialect_pool_stats', { connectionLimit: 3 })
    expect(rig.dialect.poolStats()).toMatchObject({ connections: 0, idle: 0, inUse: 0, waiting: 0 })
    await rig.db.connection().execute(async (connection) => {
      await sql`select 1`.execute(connection)
      expect(rig.dialect.poolStats()).toMatchObject({ connections: 1, idle: 0, inUse: 1 })
    })
    expect(rig.dialect.poolStats()).toMatchObject({ connections: 1, idle: 1, inUse: 0 })
  })
})
