import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, MysqlDialect, SqliteDialect, sql, type LogEvent } from 'kysely'
import { createPool, type PoolOptions } from 'mysql2'
import { createContactsTable } from '../../src/index.js'
import { MYSQL_URL } from './env.js'
import { startMysqlWireProxy, type MysqlWireProxy } from './mysql-wire-proxy.js'

/** A row to insert; `id` is explicit so tests control ownership and order. */
export interface SeedContact {
  readonly id: number
  readonly tenant_id: number
  readonly first_name?: string | null
  readonly last_name?: string | null
  readonly company_name?: string | null
  readonly email?: string | null
  readonly phone?: string | null
  readonly type?: string
  readonly created_at?: string
  readonly updated_at?: string
}

/** A database with a private contacts table, as the repository's integration tests need it. */
export interface TestBackend {
  readonly name: BackendName
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table name is dynamic
  readonly db: Kysely<any>
  readonly table: string
  insert(rows: readonly SeedContact[]): Promise<void>
  update(id: number, patch: Omit<Partial<SeedContact>, 'id'>): Promise<void>
  remove(ids: readonly number[]): Promise<void>
  /**
   * Statements that read this table as the database received them: for MariaDB, counted on
   * the wire by a proxy in front of the server; for SQLite, every query it executed.
   */
  selectCount(): Promise<number>
  /**
   * Text of every statement that read this table, as the database received it: with
   * values inlined for MariaDB (mysql2 sends text), `sql -- [parameters]` for SQLite.
   */
  reads(): string[]
  /** For MariaDB, the proxy every connection of `db` goes through. */
  readonly proxy?: MysqlWireProxy
  close(): Promise<void>
}

export type BackendName = 'mariadb' | 'sqlite'
export const BACKENDS: readonly BackendName[] = ['mariadb', 'sqlite']

/** A contact row with sensible defaults for every column. */
export function seed(tenantId: number, id: number, overrides: Partial<SeedContact> = {}): SeedContact {
  return {
    id,
    tenant_id: tenantId,
    first_name: `First ${id}`,
    last_name: `Last ${id}`,
    company_name: null,
    email: `c${id}@t${tenantId}.example`,
    phone: null,
    type: 'person',
    created_at: '2026-03-01 12:00:00.000',
    updated_at: '2026-03-01 12:00:00.000',
    ...overrides,
  }
}

let counter = 0

/** A unique table name per call, short enough for MySQL's 64 characters. */
export function uniqueTableName(label: string): string {
  counter++
  const safe = label.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 24)
  return `t_${safe}_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 8)}`
}

/** Opens a backend with a fresh, empty contacts table. */
export async function openBackend(
  name: BackendName,
  label: string,
  poolOptions: PoolOptions = {},
): Promise<TestBackend> {
  const table = uniqueTableName(label)
  if (name === 'mariadb') return openMariadb(table, poolOptions)
  return openSqlite(table)
}

async function openMariadb(table: string, poolOptions: PoolOptions): Promise<TestBackend> {
  const target = new URL(MYSQL_URL)
  const proxy = await startMysqlWireProxy({ host: target.hostname, port: Number(target.port || 3306) })
  const url = new URL(MYSQL_URL)
  url.port = String(proxy.port)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
  const db = new Kysely<any>({
    dialect: new MysqlDialect({ pool: createPool({ uri: url.toString(), connectionLimit: 4, ...poolOptions }) }),
  })
  try {
    await createContactsTable(db, { table })
  } catch (error) {
    await db.destroy()
    await proxy.close()
    throw new Error(`MariaDB at ${MYSQL_URL} is not usable`, { cause: error })
  }
  // kysely writes `select \`id\`, ... from \`table\` where ...`.
  const reads = (text: string): boolean => text.startsWith('select `id`') && text.includes(`from \`${table}\``)
  return {
    name: 'mariadb',
    db,
    table,
    proxy,
    insert: (rows) => insertRows(db, table, rows),
    update: (id, patch) => updateRow(db, table, id, patch),
    remove: (ids) => removeRows(db, table, ids),
    selectCount: () => Promise.resolve(proxy.statements.filter(reads).length),
    reads: () => proxy.statements.filter(reads),
    async close() {
      await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db)
      await db.destroy()
      await proxy.close()
    },
  }
}

async function openSqlite(table: string): Promise<TestBackend> {
  // A file, not ':memory:', so the test's writes go through a connection of their own: the
  // SQLite dialect has one connection, which a test may hold with a ResultGate.
  const directory = mkdtempSync(join(tmpdir(), 'contacts-sqlite-'))
  const file = join(directory, 'contacts.db')
  const writerDatabase = new SQLite(file)
  writerDatabase.pragma('journal_mode = WAL')
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
  const writer = new Kysely<any>({ dialect: new SqliteDialect({ database: writerDatabase }) })
  await createContactsTable(writer, { table })
  const selects: string[] = []
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
  const db = new Kysely<any>({
    dialect: new SqliteDialect({ database: new SQLite(file) }),
    log(event: LogEvent) {
      const text = event.query.sql
      if (text.startsWith('select "id"') && text.includes(`from "${table}"`)) {
        selects.push(`${text} -- ${JSON.stringify(event.query.parameters)}`)
      }
    },
  })
  return {
    name: 'sqlite',
    db,
    table,
    insert: (rows) => insertRows(writer, table, rows),
    update: (id, patch) => updateRow(writer, table, id, patch),
    remove: (ids) => removeRows(writer, table, ids),
    selectCount: () => Promise.resolve(selects.length),
    reads: () => [...selects],
    async close() {
      await db.destroy()
      await writer.destroy()
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
async function updateRow(db: Kysely<any>, table: string, id: number, patch: Omit<Partial<SeedContact>, 'id'>): Promise<void> {
  await db.updateTable(table).set(patch).where('id', '=', id).execute()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
async function removeRows(db: Kysely<any>, table: string, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return
  await db.deleteFrom(table).where('id', 'in', ids).execute()
}
