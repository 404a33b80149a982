// The bounded pool's bookkeeping on the real MariaDB, rule by rule: a request that outwaits
// acquireTimeout fails with its own error and is counted as abandoned until its connection
// arrives, which then goes straight back to the pool (a late connection, not a leak); a
// connection given back twice counts once; the server's own statement limit is set on every new
// connection (MariaDB's setting, or MySQL's for a server that says it is MySQL). test/faults/** covers the same rules under load and with the server gone.
import { Kysely, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { ContactTimeoutError } from '../../src/index.js'
import { BoundedPool } from '../../src/mysql/bounded-pool.js'
import { PreparedMysqlDialect, createMysqlDialect } from '../../src/mysql/index.js'
import { createContactsReader } from '../../src/contacts/contacts-reader.js'
import { createContactsTable } from '../../src/index.js'
import { uniqueTableName } from '../helpers/backends.js'
import { createPool } from 'mysql2'
import { resolveMysqlDialectOptions } from '../../src/mysql/mysql-dialect-options.js'
import { MYSQL_URL } from '../helpers/env.js'
import { startMysqlWireProxy } from '../helpers/mysql-wire-proxy.js'
import { eventually, rejection, useFaultRigs } from '../helpers/fault-rig.js'

const openRig = useFaultRigs()

describe('G-MYSQL-NO-HANG: the bounded pool, rule by rule (MariaDB)', () => {
  it('a request that outwaits acquireTimeout fails on its own; its connection, once free, goes back to the pool', async () => {
    const rig = await openRig('pool_late', { connectionLimit: 1, acquireTimeout: 200 })
    let release = (): void => undefined
    const held = new Promise<void>((resolve) => { release = resolve })
    const holding = rig.db.connection().execute(async (connection) => {
      await sql`select 1`.execute(connection)
      await held
    })
    await eventually('the only connection handed out', () => rig.dialect.poolStats().inUse === 1)
    expect(rig.dialect.poolStats()).toMatchObject({ connections: 1, idle: 0, waiting: 0, abandoned: 0 })

    const waiting = rejection(sql`select 2`.execute(rig.db))
    await eventually('a request waiting', () => rig.dialect.poolStats().waiting === 1)
    const error = await waiting
    expect(error).toBeInstanceOf(ContactTimeoutError)
    expect(error).toMatchObject({ phase: 'acquire', timeoutMs: 200 })
    expect(rig.dialect.poolStats()).toMatchObject({ waiting: 0, abandoned: 1, acquireTimeouts: 1, lateConnections: 0, inUse: 1 })

    release()
    await holding
    // mysql2 hands the freed connection to the request that gave up; the pool takes it back.
    await eventually('the late connection back', () => rig.dialect.poolStats().lateConnections === 1)
    expect(rig.dialect.poolStats()).toMatchObject({ connections: 1, idle: 1, inUse: 0, waiting: 0, abandoned: 0, acquireTimeouts: 1 })
    // The free connection is handed over at once and nothing more is counted.
    expect(await sql<{ three: number }>`select 3 as three`.execute(rig.db)).toMatchObject({ rows: [{ three: 3 }] })
    expect(rig.dialect.poolStats()).toMatchObject({ connections: 1, idle: 1, inUse: 0, waiting: 0, acquireTimeouts: 1, lateConnections: 1 })
    expect(rig.proxy.accepted).toBe(1)
  })

  it('counts a connection given back twice once, and runs prepared statements on a pooled connection', async () => {
    const pool = new BoundedPool(resolveMysqlDialectOptions({ connection: MYSQL_URL, connectionLimit: 1 }))
    try {
      const connection = await new Promise<{ release(): void }>((resolve, reject) => {
        pool.getConnection((error, got) => { if (error === null) resolve(got); else reject(new Error('getConnection failed', { cause: error })) })
      })
      expect(pool.stats()).toMatchObject({ inUse: 1, idle: 0 })
      connection.release()
      connection.release()
      expect(pool.stats()).toMatchObject({ inUse: 0, idle: 1, connections: 1 })

      const rows = await new Promise<unknown>((resolve, reject) => {
        pool.execute('select ? + 1 as n', [41], (error, result) => { if (error === null) resolve(result); else reject(new Error('execute failed', { cause: error })) })
      })
      expect(rows).toEqual([[42]])
      const failure = await new Promise<unknown>((resolve) => {
        pool.execute('select * from no_such_table_here', [], (error) => { resolve(error) })
      })
      expect(failure).toMatchObject({ code: 'ER_NO_SUCH_TABLE' })
      // mysql2 refuses an undefined value synchronously: reported through the callback, not thrown.
      const refused = await new Promise<unknown>((resolve) => {
        pool.execute('select ? as n', [undefined], (error) => { resolve(error) })
      })
      expect(refused).toBeInstanceOf(TypeError)
      expect((refused as Error).message).toMatch(/undefined/)
      // Each execute gave its connection back; the statement that failed to prepare is not kept.
      expect(pool.stats()).toMatchObject({ inUse: 0, idle: 1, connections: 1, preparedStatements: 1, maxPreparedStatementsPerConnection: 1 })
    } finally {
      await new Promise((resolve) => { pool.end(resolve) })
    }
  })

  it('reports the most statements one connection holds, whichever connection it is', async () => {
    const pool = new BoundedPool(resolveMysqlDialectOptions({ connection: MYSQL_URL, connectionLimit: 2 }))
    /** A pooled connection as the pool hands it out (a TimedConnection). */
    interface Held {
      execute(sql: string, values: readonly unknown[], callback: (error: unknown) => void): void
      release(): void
    }
    const run = (connection: Held, sql: string): Promise<void> =>
      new Promise((resolve, reject) => {
        connection.execute(sql, [], (error) => { if (error === null) resolve(); else reject(new Error('execute failed', { cause: error })) })
      })
    try {
      const [first, second] = await Promise.all([1, 2].map(() => new Promise<Held>((resolve, reject) => {
        pool.getConnection((error, got) => { if (error === null) resolve(got as unknown as Held); else reject(new Error('getConnection failed', { cause: error })) })
      })))
      // The connection opened first holds the most: a maximum that kept the last one's count would say 1.
      await run(first!, 'select 1')
      await run(first!, 'select 2')
      await run(second!, 'select 3')
      expect(pool.stats()).toMatchObject({ connections: 2, preparedStatements: 3, maxPreparedStatementsPerConnection: 2 })
      first!.release()
      second!.release()
    } finally {
      await new Promise((resolve) => { pool.end(resolve) })
    }
  })

  it('reports a refused connection as it is, not as a timeout', async () => {
    const db = new Kysely<unknown>({ dialect: createMysqlDialect({ connection: 'mysql://root@127.0.0.1:9/test', connectionLimit: 1 }) })
    try {
      const error = await rejection(sql`select 1`.execute(db))
      expect(error).not.toBeInstanceOf(ContactTimeoutError)
      expect(error).toMatchObject({ code: 'ECONNREFUSED' })
    } finally {
      await db.destroy()
    }
  })

  it("PreparedMysqlDialect: the prepared select gives the application pool's connection back, and passes a refused connection on", async () => {
    const pool = createPool({ uri: MYSQL_URL, connectionLimit: 1 })
    const db = new Kysely<unknown>({ dialect: new PreparedMysqlDialect({ pool }) })
    const refused = new Kysely<unknown>({ dialect: new PreparedMysqlDialect({ pool: createPool({ uri: 'mysql://root@127.0.0.1:9/test', connectionLimit: 1 }) }) })
    const admin = new Kysely<unknown>({ dialect: createMysqlDialect({ connection: MYSQL_URL, connectionLimit: 1 }) })
    const table = uniqueTableName('prepared_pool')
    try {
      await createContactsTable(admin, { table })
      const reader = createContactsReader(db, table, 4)
      expect(reader.mode).toBe('prepared')
      // One connection: each read must have given it back for the next to run.
      for (let k = 0; k < 3; k++) expect(await reader.read(1, [k + 1])).toEqual([])
      // A pool that cannot give a connection any more: the runner passes its error on.
      await new Promise((resolve) => { pool.end(resolve) })
      expect(await rejection(reader.read(1, [4]))).toMatchObject({ message: expect.stringMatching(/closed/i) as string })
      expect(await rejection(createContactsReader(refused, table, 4).read(1, [1]))).toMatchObject({ code: 'ECONNREFUSED' })
    } finally {
      await sql`drop table if exists ${sql.table(table)}`.execute(admin)
      await admin.destroy()
      await db.destroy().catch(() => undefined) // its pool was ended above
      await refused.destroy()
    }
  })

  it('sets the server statement limit on every new connection (MariaDB counts it in seconds), and none without it', async () => {
    const limited = new Kysely<unknown>({ dialect: createMysqlDialect({ connection: MYSQL_URL, connectionLimit: 2, serverStatementTimeout: 1_500 }) })
    const unlimited = new Kysely<unknown>({ dialect: createMysqlDialect({ connection: MYSQL_URL, connectionLimit: 1, serverStatementTimeout: 0 }) })
    const limitOf = async (db: Kysely<unknown>): Promise<unknown> =>
      (await sql<{ limit: unknown }>`select @@session.max_statement_time as \`limit\``.execute(db)).rows[0]?.limit
    try {
      // Two connections at once: each new one gets the setting.
      const both = await limited.connection().execute(async (first) =>
        Promise.all([limitOf(first), limited.connection().execute((second) => limitOf(second))]),
      )
      expect(both.map(Number)).toEqual([1.5, 1.5])
      expect(Number(await limitOf(unlimited))).toBe(Number((await sql<{ g: unknown }>`select @@global.max_statement_time as g`.execute(unlimited)).rows[0]?.g))
    } finally {
      await limited.destroy()
      await unlimited.destroy()
    }
  })

  it("sets MySQL's own limit (max_execution_time, in milliseconds) on a server that says it is MySQL", async () => {
    // MariaDB behind a proxy that gives a MySQL version in the handshake: mysql2 then takes it
    // for MySQL, and the pool sends MySQL's setting (which MariaDB refuses; the pool goes on
    // with its client-side bound, as it would on a MySQL without the setting).
    const target = new URL(MYSQL_URL)
    const greeted = new Set<number>()
    const proxy = await startMysqlWireProxy({ host: target.hostname, port: Number(target.port || 3306) }, undefined, (chunk, connection) => {
      if (greeted.has(connection)) return chunk
      greeted.add(connection)
      return asMysqlHandshake(chunk)
    })
    const url = new URL(MYSQL_URL)
    url.port = String(proxy.port)
    const db = new Kysely<unknown>({ dialect: createMysqlDialect({ connection: url.toString(), connectionLimit: 1, serverStatementTimeout: 1_500 }) })
    try {
      expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }])
      const settings = proxy.statements.filter((s) => s.startsWith('SET SESSION'))
      expect(settings).toEqual(['SET SESSION max_execution_time = 1500'])
    } finally {
      await db.destroy()
      await proxy.close()
    }
  })
})

/** The server's handshake (the first packet it sends) with a MySQL version instead of its own. */
function asMysqlHandshake(chunk: Buffer): Buffer {
  const end = chunk.indexOf(0, 5) // protocol version at 4, then the version string up to a NUL
  const payload = Buffer.concat([chunk.subarray(4, 5), Buffer.from('8.0.36'), chunk.subarray(end, 4 + chunk.readUIntLE(0, 3))])
  const header = Buffer.alloc(4)
  header.writeUIntLE(payload.length, 0, 3)
  header[3] = chunk[3] as number
  return Buffer.concat([header, payload, chunk.subarray(4 + chunk.readUIntLE(0, 3))])
}
