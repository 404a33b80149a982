import type { Kysely, Sql } from 'kysely'
import { checkOptionKeys, optionNames } from '../validation/option-checks.js'
import { tableOption } from './contacts-query.js'

/**
 * The reference MySQL/MariaDB table, as shipped in `src/contacts/contacts.sql` (a test keeps the two
 * identical). IDs are global AUTO_INCREMENT values, which is why an ID can belong to
 * another tenant; DATETIME columns hold UTC.
 */
export const CONTACTS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS contacts (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tenant_id    BIGINT UNSIGNED NOT NULL,
  first_name   VARCHAR(255)    NULL,
  last_name    VARCHAR(255)    NULL,
  company_name VARCHAR(255)    NULL,
  email        VARCHAR(320)    NULL,
  phone        VARCHAR(64)     NULL,
  type         VARCHAR(32)     NOT NULL,
  created_at   DATETIME(3)     NOT NULL,
  updated_at   DATETIME(3)     NOT NULL,
  PRIMARY KEY (id),
  KEY contacts_tenant_id_id (tenant_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;`

/** Options of {@link createContactsTable}. */
export interface CreateContactsTableOptions {
  /**
   * Table name, optionally `schema.table`.
   * @default 'contacts'
   */
  readonly table?: string
}

const KNOWN_OPTIONS = optionNames<CreateContactsTableOptions>({ table: true })

/** The SQL a table is created in, as told by how the database's query compiler writes SQL. */
type DdlDialect = 'mysql' | 'sqlite'

/**
 * Which DDL `db` speaks, read from the SQL its own compiler produces for an identifier and a
 * parameter: MySQL quotes with backticks; SQLite with double quotes and `?` placeholders
 * (PostgreSQL writes `$1`, SQL Server `@1`). Not `instanceof SqliteAdapter`: the application's
 * Kysely may be another copy of kysely than this package's, or its CommonJS build, and its
 * classes are then other classes.
 */
function ddlDialectOf(
  db: Kysely<any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- any database
  sql: Sql,
): DdlDialect {
  const probe = sql`${sql.id('probe')} = ${1}`.compile(db).sql
  if (probe === '`probe` = ?') return 'mysql'
  if (probe === '"probe" = ?') return 'sqlite'
  throw new TypeError(`createContactsTable supports MySQL/MariaDB and SQLite; this database's SQL looks like ${JSON.stringify(probe)}`)
}

/**
 * Creates the contacts table if it does not exist: the reference DDL on MySQL/MariaDB, an
 * equivalent on SQLite (used by the demo and the SQLite test run). Any other database is a
 * `TypeError`.
 */
export async function createContactsTable(
  db: Kysely<any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- any table name
  options: CreateContactsTableOptions = {},
): Promise<void> {
  checkOptionKeys(options, KNOWN_OPTIONS, 'createContactsTable', 'an object')
  const table = tableOption(options)
  // Loaded here, on first use, rather than when the main entry is imported.
  const { sql } = await import('kysely')
  const indexName = `${table.split('.').pop() ?? table}_tenant_id_id`
  if (ddlDialectOf(db, sql) === 'sqlite') {
    await sql`CREATE TABLE IF NOT EXISTS ${sql.table(table)} (
      id           INTEGER PRIMARY KEY AUTOINCREMENT,
      tenant_id    INTEGER NOT NULL,
      first_name   TEXT NULL,
      last_name    TEXT NULL,
      company_name TEXT NULL,
      email        TEXT NULL,
      phone        TEXT NULL,
      type         TEXT NOT NULL,
      created_at   TEXT NOT NULL,
      updated_at   TEXT NOT NULL
    )`.execute(db)
    await sql`CREATE INDEX IF NOT EXISTS ${sql.id(indexName)} ON ${sql.table(table)} (tenant_id, id)`.execute(db)
    return
  }
  const ddl = CONTACTS_TABLE_SQL.replace('contacts (', '__TABLE__ (')
    .replace('contacts_tenant_id_id', '__INDEX__')
    .replace(/;$/, '')
  const [before, rest = ''] = ddl.split('__TABLE__')
  const [middle, after = ''] = rest.split('__INDEX__')
  await sql`${sql.raw(before ?? '')}${sql.table(table)}${sql.raw(middle ?? '')}${sql.id(indexName)}${sql.raw(after)}`.execute(db)
}
