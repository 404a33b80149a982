// createContactsTable, column by column, on the real MariaDB and on SQLite: the table the
// repository reads is the one src/contacts/contacts.sql describes, under the name asked for
// (schema-qualified included), with its (tenant_id, id) index named after the table; a second
// call changes nothing. test/package/dialect-detection.test.ts covers kysely's CommonJS build.
import SQLite from 'better-sqlite3'
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, sql } from 'kysely'
import { createPool } from 'mysql2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createContactsTable } from '../../src/index.js'
import { uniqueTableName } from '../helpers/backends.js'
import { MYSQL_URL } from '../helpers/env.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table
let mariadb: Kysely<any>
const created: string[] = []

beforeAll(() => {
  mariadb = new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri: MYSQL_URL, connectionLimit: 1 }) }) })
})
afterAll(async () => {
  for (const table of created) await sql`drop table if exists ${sql.table(table)}`.execute(mariadb)
  await mariadb.destroy()
})

/** The reference table's columns, as information_schema and SQLite's table_info name them. */
const MYSQL_COLUMNS = [
  ['id', 'bigint(20) unsigned', 'NO', 'auto_increment'],
  ['tenant_id', 'bigint(20) unsigned', 'NO', ''],
  ['first_name', 'varchar(255)', 'YES', ''],
  ['last_name', 'varchar(255)', 'YES', ''],
  ['company_name', 'varchar(255)', 'YES', ''],
  ['email', 'varchar(320)', 'YES', ''],
  ['phone', 'varchar(64)', 'YES', ''],
  ['type', 'varchar(32)', 'NO', ''],
  ['created_at', 'datetime(3)', 'NO', ''],
  ['updated_at', 'datetime(3)', 'NO', ''],
]

describe('createContactsTable', () => {
  it('creates the reference table on MariaDB, schema-qualified, with its index named after the table', async () => {
    const name = uniqueTableName('ddl')
    created.push(name)
    await createContactsTable(mariadb, { table: `test.${name}` })
    await createContactsTable(mariadb, { table: name }) // IF NOT EXISTS: the same table, untouched

    const { rows: columns } = await sql<{ name: string; type: string; nullable: string; extra: string }>`
      select column_name as name, column_type as type, is_nullable as nullable, extra
      from information_schema.columns where table_schema = 'test' and table_name = ${name}
      order by ordinal_position`.execute(mariadb)
    expect(columns.map((c) => [c.name, c.type, c.nullable, c.extra])).toEqual(MYSQL_COLUMNS)

    const { rows: indexes } = await sql<{ index: string; column: string; seq: number }>`
      select index_name as \`index\`, column_name as \`column\`, seq_in_index as seq
      from information_schema.statistics where table_schema = 'test' and table_name = ${name}
      order by index_name, seq_in_index`.execute(mariadb)
    expect(indexes.map((i) => [i.index, i.column])).toEqual([
      ['PRIMARY', 'id'],
      [`${name}_tenant_id_id`, 'tenant_id'],
      [`${name}_tenant_id_id`, 'id'],
    ])

    const { rows: [table] } = await sql<{ engine: string; collation: string }>`
      select engine, table_collation as collation from information_schema.tables
      where table_schema = 'test' and table_name = ${name}`.execute(mariadb)
    expect(table).toEqual({ engine: 'InnoDB', collation: 'utf8mb4_unicode_ci' })
  })

  it('creates its equivalent on SQLite, index included, and a second call changes nothing', async () => {
    const database = new SQLite(':memory:')
    const db = new Kysely({ dialect: new SqliteDialect({ database }) })
    try {
      await createContactsTable(db, { table: 'people' })
      await createContactsTable(db, { table: 'people' })
      const columns = database.pragma('table_info(people)') as { name: string; type: string; notnull: number; pk: number }[]
      expect(columns.map((c) => [c.name, c.type, c.notnull, c.pk])).toEqual([
        ['id', 'INTEGER', 0, 1],
        ['tenant_id', 'INTEGER', 1, 0],
        ['first_name', 'TEXT', 0, 0],
        ['last_name', 'TEXT', 0, 0],
        ['company_name', 'TEXT', 0, 0],
        ['email', 'TEXT', 0, 0],
        ['phone', 'TEXT', 0, 0],
        ['type', 'TEXT', 1, 0],
        ['created_at', 'TEXT', 1, 0],
        ['updated_at', 'TEXT', 1, 0],
      ])
      const indexes = database.pragma('index_list(people)') as { name: string }[]
      expect(indexes.map((i) => i.name)).toEqual(['people_tenant_id_id'])
      expect((database.pragma('index_info(people_tenant_id_id)') as { name: string }[]).map((c) => c.name)).toEqual(['tenant_id', 'id'])
      // AUTOINCREMENT: IDs are never reused, as on MySQL.
      expect(database.prepare("select sql from sqlite_master where name = 'people'").pluck().get()).toMatch(/INTEGER PRIMARY KEY AUTOINCREMENT/)
    } finally {
      await db.destroy()
    }
  })

  it("refuses a database it has no DDL for, quoting that database's SQL, before sending anything", async () => {
    const db = new Kysely({ dialect: new PostgresDialect({ pool: () => Promise.reject(new Error('no connection expected')) }) })
    await expect(createContactsTable(db)).rejects.toThrow(
      new TypeError('createContactsTable supports MySQL/MariaDB and SQLite; this database\'s SQL looks like "\\"probe\\" = $1"'),
    )
  })

  it('refuses a table name that is not one, and an unknown option, before sending anything', async () => {
    const db = new Kysely({ dialect: new PostgresDialect({ pool: () => Promise.reject(new Error('no connection expected')) }) })
    await expect(createContactsTable(db, { table: 'contacts; drop table x' })).rejects.toThrow(new TypeError(
      'options.table must be a table name matching /^[A-Za-z_][A-Za-z0-9_]{0,63}(\\.[A-Za-z_][A-Za-z0-9_]{0,63})?$/; got "contacts; drop table x"',
    ))
    await expect(createContactsTable(db, { tabel: 'x' } as never)).rejects.toThrow(new TypeError('options.tabel is not an option of createContactsTable'))
    await expect(createContactsTable(db, 5 as never)).rejects.toThrow(new TypeError('options must be an object'))
  })
})
