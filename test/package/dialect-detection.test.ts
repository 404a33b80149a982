// createContactsTable picks its DDL by how the application's own Kysely writes SQL, not by
// `instanceof`: it works with a Kysely from kysely's CommonJS build (classes other than the ones
// this package imports), and refuses a database it has no DDL for.
import { createRequire } from 'node:module'
import SQLite from 'better-sqlite3'
import type * as KyselyModule from 'kysely'
import { createPool } from 'mysql2'
import { describe, expect, it } from 'vitest'
import { createContactsTable } from '../../src/index.js'
import { uniqueTableName } from '../helpers/backends.js'
import { MYSQL_URL } from '../helpers/env.js'

// The CommonJS build, as `require('kysely')` in an application gets it.
const cjs = createRequire(import.meta.url)('kysely') as typeof KyselyModule
const esm = await import('kysely')

describe('createContactsTable across kysely builds', () => {
  it('is handed classes other than its own', () => {
    expect(cjs.SqliteAdapter).not.toBe(esm.SqliteAdapter)
    expect(new cjs.SqliteAdapter()).not.toBeInstanceOf(esm.SqliteAdapter)
  })

  it('creates the SQLite table with a CommonJS Kysely on SQLite', async () => {
    const db = new cjs.Kysely<Record<string, never>>({ dialect: new cjs.SqliteDialect({ database: new SQLite(':memory:') }) })
    try {
      await createContactsTable(db, { table: 'contacts' })
      const { rows } = await cjs.sql<{ sql: string }>`select sql from sqlite_master where name = 'contacts'`.execute(db)
      expect(rows[0]?.sql).toContain('INTEGER PRIMARY KEY AUTOINCREMENT')
    } finally {
      await db.destroy()
    }
  })

  it('creates the MySQL table with a CommonJS Kysely on MariaDB', async () => {
    const table = uniqueTableName('cjs_ddl')
    const db = new cjs.Kysely<Record<string, never>>({ dialect: new cjs.MysqlDialect({ pool: createPool({ uri: MYSQL_URL, connectionLimit: 1 }) }) })
    try {
      await createContactsTable(db, { table })
      const { rows } = await cjs.sql<Record<string, string>>`show create table ${cjs.sql.table(table)}`.execute(db)
      expect(Object.values(rows[0] ?? {}).join(' ')).toContain('AUTO_INCREMENT')
    } finally {
      await cjs.sql`drop table if exists ${cjs.sql.table(table)}`.execute(db)
      await db.destroy()
    }
  })

  it('refuses a database it has no DDL for, before sending anything', async () => {
    const queries: string[] = []
    const db = new esm.Kysely<Record<string, never>>({
      dialect: new esm.PostgresDialect({ pool: () => Promise.reject(new Error('no connection expected')) }),
      log: (event) => { queries.push(event.query.sql) },
    })
    await expect(createContactsTable(db)).rejects.toThrow(/supports MySQL\/MariaDB and SQLite/)
    expect(queries).toEqual([])
  })
})
