import { Kysely, MysqlDialect } from 'kysely'
import { createPool, type PoolOptions } from 'mysql2'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import type { BinlogInvalidationSource } from '../../../src/binlog/index.js'
import { eventually } from '../../redis/helpers/clock.js'
import { TAILER_USER, prepareBinlogDatabase } from '../../../bench/lib/binlog-database.js'
import { startPrivateMariadb, type PrivateMariadb, type StartOptions } from '../../../bench/lib/private-mariadb.js'

/** The user the tailer connects as: exactly the privileges the README lists. */
export const TAILER = TAILER_USER

/**
 * A private MariaDB with the contacts table in `app`, a tailer user with the documented
 * privileges, and a writer: a plain mysql2 connection that knows nothing of the library.
 */
export interface BinlogRig {
  readonly server: PrivateMariadb
  /** Root, for setup and server settings. */
  readonly admin: Connection
  /** The foreign writer. */
  readonly writer: Connection
  readonly table: 'contacts'
  /** Connection options of the tailer user. */
  readonly tailer: { readonly host: string; readonly port: number; readonly user: string; readonly password: string; readonly database: string }
  /** A Kysely instance for repositories on this server. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table is created at run time
  database(pool?: PoolOptions): Kysely<any>
  /** Runs SQL on the writer and returns the GTID of its last transaction (`@@last_gtid`). */
  write(sql: string, values?: readonly (string | number | null)[]): Promise<string>
  /** New admin and writer connections (after a server restart killed the old ones). */
  reconnect(): Promise<void>
  /** Inserts rows `(tenant, id)` with `first_name = 'v0'`. */
  seed(rows: readonly (readonly [number, number])[]): Promise<void>
  /** Starts a new binlog file and purges every older one; resolves with the new file's name. */
  purgeBinlogs(): Promise<string>
  close(): Promise<void>
}

export async function openBinlogRig(label: string, options: StartOptions = {}): Promise<BinlogRig> {
  const server = await startPrivateMariadb(label, options)
  const databases: Kysely<unknown>[] = []
  let admin: Connection | undefined
  let writer: Connection | undefined
  try {
    admin = await server.connect({ multipleStatements: true })
    await prepareBinlogDatabase(server.url)
    writer = await server.connect({ multipleStatements: true })
  } catch (error) {
    await admin?.end().catch(() => undefined)
    await server.close()
    throw error
  }
  let adminConnection = admin
  let writerConnection = writer
  return {
    server,
    get admin() {
      return adminConnection
    },
    get writer() {
      return writerConnection
    },
    table: 'contacts',
    get tailer() {
      return { host: '127.0.0.1', port: server.port, ...TAILER, database: 'app' }
    },
    database(pool = {}) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
      const db = new Kysely<any>({
        dialect: new MysqlDialect({ pool: createPool({ uri: server.url, connectionLimit: 4, ...pool }) }),
      })
      databases.push(db)
      return db
    },
    async write(sql, values = []) {
      await writerConnection.query(sql, [...values] as (string | number | null)[])
      const [rows] = await writerConnection.query<RowDataPacket[]>('SELECT @@last_gtid AS gtid')
      return String(rows[0]?.gtid)
    },
    async reconnect() {
      await adminConnection.end().catch(() => undefined)
      await writerConnection.end().catch(() => undefined)
      adminConnection = await server.connect({ multipleStatements: true })
      writerConnection = await server.connect({ multipleStatements: true })
    },
    async seed(rows) {
      for (let i = 0; i < rows.length; i += 500) {
        const slice = rows.slice(i, i + 500)
        await writerConnection.query(
          `INSERT INTO contacts (tenant_id, id, first_name, type, created_at, updated_at) VALUES ${slice.map(() => "(?, ?, 'v0', 'person', NOW(3), NOW(3))").join(', ')}`,
          slice.flat(),
        )
      }
    },
    async purgeBinlogs() {
      await adminConnection.query('FLUSH BINARY LOGS')
      const [logs] = await adminConnection.query<RowDataPacket[]>('SHOW BINARY LOGS')
      const newest = String(logs.at(-1)?.Log_name)
      // MariaDB keeps a file until its crash-recovery checkpoint moved on, shortly after FLUSH.
      await eventually('the older binlog files purged', async () => {
        await adminConnection.query('PURGE BINARY LOGS TO ?', [newest])
        const [left] = await adminConnection.query<RowDataPacket[]>('SHOW BINARY LOGS')
        return left.length === 1
      })
      return newest
    },
    async close() {
      await Promise.all(databases.map((db) => db.destroy().catch(() => undefined)))
      await writerConnection.end().catch(() => undefined)
      await adminConnection.end().catch(() => undefined)
      await server.close()
    },
  }
}

/** The sequence number of a single-domain GTID (`0-1-42` -> 42); 0 for an empty position. */
export function seqOf(gtid: string | undefined): number {
  if (gtid === undefined || gtid === '') return 0
  const last = gtid.split(',').find((entry) => entry.startsWith('0-')) ?? gtid
  return Number(last.split('-')[2] ?? 0)
}

/** Waits until the source delivered every invalidation up to `gtid` (both phases). */
export async function delivered(source: BinlogInvalidationSource, gtid: string, limitMs = 15_000): Promise<void> {
  await eventually(`the source delivered ${gtid}`, () => seqOf(source.stats().delivered?.gtid) >= seqOf(gtid), limitMs, 5)
}
