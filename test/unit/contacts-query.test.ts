import SQLite from 'better-sqlite3'
import { Kysely, MysqlDialect, SqliteDialect, type RootOperationNode } from 'kysely'
import { createPool } from 'mysql2'
import { describe, expect, it } from 'vitest'
import { compileContactsSelect, paddedSizeIndex, paddedSizes } from '../../src/contacts/contacts-query.js'
import { createContactsReader } from '../../src/contacts/contacts-reader.js'
import { statementRunnerOf } from '../../src/contacts/statement-runner.js'
import { createMysqlDialect } from '../../src/mysql/index.js'

// Compiling needs a dialect, not a server: neither pool below ever connects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table
const mysql = new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ host: '127.0.0.1' }) }) })
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table
const sqlite = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) })

describe('G-MYSQL-PREPARED: paddedSizes and paddedSizeIndex', () => {
  it.each([
    [1, [1]],
    [2, [1, 2]],
    [3, [1, 2, 3]],
    [9, [1, 2, 4, 8, 9]],
    [64, [1, 2, 4, 8, 16, 32, 64]],
    [1000, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]],
  ])('maxBatchSize %i: sizes %j', (maxBatchSize, sizes) => {
    expect(paddedSizes(maxBatchSize)).toEqual(sizes)
  })

  it('holds ceil(log2(maxBatchSize)) + 1 sizes, and picks for n the smallest size that holds it', () => {
    for (const maxBatchSize of [1, 2, 3, 5, 7, 8, 9, 31, 32, 33, 100, 1000, 1024, 65_535]) {
      const sizes = paddedSizes(maxBatchSize)
      expect(sizes).toHaveLength(Math.ceil(Math.log2(maxBatchSize)) + 1)
      for (let n = 1; n <= Math.min(maxBatchSize, 3000); n++) {
        const size = sizes[paddedSizeIndex(n)] as number
        expect(size).toBeGreaterThanOrEqual(n)
        expect(size).toBe(sizes.find((s) => s >= n))
      }
      expect(sizes[paddedSizeIndex(maxBatchSize)]).toBe(maxBatchSize)
    }
  })
})

describe('compileContactsSelect', () => {
  it('binds the tenant, then the IDs padded by repeating the last one', () => {
    const statement = compileContactsSelect(mysql, 'contacts', 8, 'cast')
    expect(statement.bind(3, [7])).toEqual([3, 7, 7, 7, 7, 7, 7, 7, 7])
    expect(statement.bind(3, [7, 9, 4])).toEqual([3, 7, 9, 4, 4, 4, 4, 4, 4])
    expect(statement.bind(3, [1, 2, 3, 4, 5, 6, 7, 8])).toEqual([3, 1, 2, 3, 4, 5, 6, 7, 8])
    // Each call gets its own list.
    expect(statement.bind(3, [1])).not.toBe(statement.bind(3, [1]))
  })

  it("compiles MySQL's select with the columns in ContactRow's order, dates cast to text", () => {
    const { compiled } = compileContactsSelect(mysql, 'crm.contacts', 2, 'cast')
    expect(compiled.sql).toBe(
      'select `id`, `tenant_id`, `first_name`, `last_name`, `company_name`, `email`, `phone`, `type`, ' +
        'cast(`created_at` as char) as `created_at`, cast(`updated_at` as char) as `updated_at` ' +
        'from `crm`.`contacts` where `tenant_id` = ? and `id` in (?, ?)',
    )
  })

  it('formats dates to ISO on a MySQL server when asked, the format bound like every value', () => {
    const statement = compileContactsSelect(mysql, 'contacts', 2, 'iso')
    expect(statement.compiled.sql).toContain(
      'concat(left(date_format(`created_at`, ?), 23), ?) as `created_at`, concat(left(date_format(`updated_at`, ?), 23), ?) as `updated_at`',
    )
    const format = '%Y-%m-%dT%H:%i:%s.%f'
    expect(statement.bind(5, [1, 2])).toEqual([format, 'Z', format, 'Z', 5, 1, 2])
  })

  it('compiles for SQLite through its own dialect', () => {
    const statement = compileContactsSelect(sqlite, 'contacts', 4, 'cast')
    expect(statement.compiled.sql).toMatch(/^select "id", "tenant_id", .* from "contacts" where "tenant_id" = \? and "id" in \(\?, \?, \?, \?\)$/)
    expect(statement.bind(1, [2, 3])).toEqual([1, 2, 3, 3, 3])
  })
})

describe("compileContactsSelect's check of the compiled parameters", () => {
  // A dialect or plugin that reorders or rewrites parameters would make bind() put values in
  // the wrong places; kysely's own never does, so a plugin that swaps in another query stands
  // for one. Each query below breaks one rule of the layout bind() relies on.
  const rewritten = (build: (db: typeof mysql) => { toOperationNode(): RootOperationNode }): typeof mysql =>
    mysql.withPlugin({
      transformQuery: () => build(mysql).toOperationNode(),
      transformResult: (args) => Promise.resolve(args.result),
    })
  const select = (db: typeof mysql) => db.selectFrom('contacts').select('id')

  it.each([
    ['no tenant', (db: typeof mysql) => select(db).where('id', 'in', [-2, -3])],
    ['the tenant twice', (db: typeof mysql) => select(db).where('tenant_id', '=', -1).where('id', 'in', [-2, -3]).where('tenant_id', '=', -1)],
    ['no IDs', (db: typeof mysql) => select(db).where('tenant_id', '=', -1)],
    ['fewer IDs than the size', (db: typeof mysql) => select(db).where('tenant_id', '=', -1).where('id', 'in', [-2])],
    ['the IDs out of order', (db: typeof mysql) => select(db).where('tenant_id', '=', -1).where('id', 'in', [-3, -2])],
  ])('refuses a compiled select with %s', (_, build) => {
    expect(() => compileContactsSelect(rewritten(build), 'contacts', 2, 'cast')).toThrow(
      /^The contacts select compiled to an unexpected parameter list: select `id` from `contacts` where /,
    )
  })

  it('accepts the tenant after the IDs, and binds each where it is', () => {
    const statement = compileContactsSelect(
      rewritten((db) => select(db).where('id', 'in', [-2, -3]).where('tenant_id', '=', -1)), 'contacts', 2, 'cast',
    )
    expect(statement.bind(9, [4, 5])).toEqual([4, 5, 9])
  })
})

describe('statementRunnerOf', () => {
  it("finds the runner of contact-repository/mysql's dialect, never kysely's own nor through plugins", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table
    const ours = new Kysely<any>({ dialect: createMysqlDialect({ connection: { host: '127.0.0.1' } }) })
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table
    const off = new Kysely<any>({ dialect: createMysqlDialect({ connection: { host: '127.0.0.1' }, preparedStatements: false }) })
    expect(statementRunnerOf(ours)).toBeDefined()
    expect(statementRunnerOf(ours.withSchema('crm'))).toBeUndefined()
    expect(statementRunnerOf(off)).toBeUndefined()
    expect(statementRunnerOf(mysql)).toBeUndefined()
    expect(statementRunnerOf(sqlite)).toBeUndefined()
  })
})

describe('createContactsReader', () => {
  it('refuses a batch it cannot send whole, rather than leaving IDs out', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table
    const prepared = new Kysely<any>({ dialect: createMysqlDialect({ connection: { host: '127.0.0.1' } }) })
    for (const db of [sqlite, prepared]) {
      const reader = createContactsReader(db, 'contacts', 4)
      await expect(reader.read(1, [1, 2, 3, 4, 5])).rejects.toThrow(RangeError)
      await expect(reader.read(1, [])).rejects.toThrow('A batch holds 1 to 4 IDs; got 0')
    }
  })
})
