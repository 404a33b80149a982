import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, MysqlDialect, SqliteDialect, type Dialect, type LogEvent } from 'kysely'
import { createPool, type PoolOptions } from 'mysql2'
import { createContactsTable } from '../../src/index.js'
import { PreparedMysqlDialect, createMysqlDialect, type ContactMysqlDialect, type MysqlDialectOptions } from '../../src/mysql/index.js'
import { seed, uniqueTableName, type SeedContact } from '../helpers/backends.js'
import { MYSQL_URL } from '../helpers/env.js'
import { startMysqlWireProxy, type MysqlWireProxy } from '../helpers/mysql-wire-proxy.js'

/**
 * How the repository reaches the database in a test:
 * - `contact`: `createMysqlDialect` (prepared statements through its bounded pool);
 * - `contact-text`: the same with `preparedStatements: false`;
 * - `prepared`: `PreparedMysqlDialect` over a plain mysql2 pool (the opt-in);
 * - `kysely`: kysely's own `MysqlDialect` over a plain mysql2 pool (the fallback);
 * - `sqlite`: kysely's `SqliteDialect` (the fallback, another database).
 */
export type Route = 'contact' | 'contact-text' | 'prepared' | 'kysely' | 'sqlite'
export const MYSQL_ROUTES: readonly Route[] = ['contact', 'contact-text', 'prepared', 'kysely']

/** A private contacts table and a Kysely instance over `route`; MySQL routes go through a wire proxy. */
export interface StatementRig {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
  readonly db: Kysely<any>
  readonly table: string
  /** Set for MySQL routes: every command the code under test sent. */
  readonly proxy: MysqlWireProxy | undefined
  /** Set for `contact` and `contact-text`. */
  readonly dialect: ContactMysqlDialect | undefined
  /** SQLite only: each select run, `sql -- [parameters]`. */
  readonly sqliteSelects: string[]
  insert(rows: readonly SeedContact[]): Promise<void>
  close(): Promise<void>
}

// Seeding and cleanup take a direct connection: the proxy sees only the code under test.
let admin: Kysely<any> | undefined // eslint-disable-line @typescript-eslint/no-explicit-any -- dynamic tables

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic tables
function adminDb(): Kysely<any> {
  admin ??= new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri: MYSQL_URL, connectionLimit: 2 }) }) })
  return admin
}

/** Closes the direct connection; call after a file's tests. */
export async function closeAdmin(): Promise<void> {
  const current = admin
  admin = undefined
  await current?.destroy()
}

export interface RigOptions {
  readonly connectionLimit?: number
  /** mysql2 connection settings (all MySQL routes). */
  readonly connection?: PoolOptions
  /** Options of createMysqlDialect (`contact` routes). */
  readonly dialect?: Omit<MysqlDialectOptions, 'connection' | 'connectionLimit'>
}

export async function openStatementRig(route: Route, label: string, options: RigOptions = {}): Promise<StatementRig> {
  const table = uniqueTableName(label)
  if (route === 'sqlite') return openSqliteRig(table)
  await createContactsTable(adminDb(), { table })
  const target = new URL(MYSQL_URL)
  const proxy = await startMysqlWireProxy({ host: target.hostname, port: Number(target.port || 3306) })
  const uri = new URL(MYSQL_URL)
  uri.port = String(proxy.port)
  const connectionLimit = options.connectionLimit ?? 2
  let dialect: Dialect
  let contactDialect: ContactMysqlDialect | undefined
  if (route === 'contact' || route === 'contact-text') {
    contactDialect = createMysqlDialect({
      ...options.dialect,
      // createMysqlDialect owns `uri` in a connection object; spell the URI out.
      connection: {
        host: uri.hostname,
        port: proxy.port,
        user: decodeURIComponent(uri.username),
        ...(uri.password === '' ? {} : { password: decodeURIComponent(uri.password) }),
        database: uri.pathname.slice(1),
        ...options.connection,
      },
      connectionLimit,
      ...(route === 'contact-text' ? { preparedStatements: false } : {}),
    })
    dialect = contactDialect
  } else {
    const pool = createPool({ uri: uri.toString(), connectionLimit, ...options.connection })
    dialect = route === 'prepared' ? new PreparedMysqlDialect({ pool }) : new MysqlDialect({ pool })
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
  const db = new Kysely<any>({ dialect })
  return {
    db,
    table,
    proxy,
    dialect: contactDialect,
    sqliteSelects: [],
    insert: (rows) => insertRows(adminDb(), table, rows),
    async close() {
      await db.destroy()
      await proxy.close()
      await adminDb().schema.dropTable(table).ifExists().execute()
    },
  }
}

async function openSqliteRig(table: string): Promise<StatementRig> {
  const directory = mkdtempSync(join(tmpdir(), 'contacts-statements-'))
  const sqliteSelects: string[] = []
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
  const db = new Kysely<any>({
    dialect: new SqliteDialect({ database: new SQLite(join(directory, 'contacts.db')) }),
    log(event: LogEvent) {
      if (event.query.sql.startsWith('select "id"')) sqliteSelects.push(`${event.query.sql} -- ${JSON.stringify(event.query.parameters)}`)
    },
  })
  await createContactsTable(db, { table })
  return {
    db,
    table,
    proxy: undefined,
    dialect: undefined,
    sqliteSelects,
    insert: (rows) => insertRows(db, table, rows),
    async close() {
      await db.destroy()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
async function insertRows(db: Kysely<any>, table: string, rows: readonly SeedContact[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await db.insertInto(table).values(rows.slice(i, i + 500).map((row) => ({ ...seed(row.tenant_id, row.id), ...row }))).execute()
  }
}

/** The repository's select, recognised by its text. */
export const isContactsSelect = (text: string | undefined, table: string): boolean =>
  text !== undefined && text.startsWith('select `id`') && text.includes(`from \`${table}\``)
