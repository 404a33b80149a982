// How the contacts select is sent, path by path, on an in-memory SQLite database: 'built' when
// the instance has plugins (they see every query as it is), 'compiled' otherwise (one statement
// per padded size), 'prepared' when the dialect offers a statement runner, which is faked here
// to hold its callback contract to account: an error as it is, anything else thrown wrapped,
// rows that are not an array refused. test/mysql/** runs the prepared path on MariaDB.
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect, type DialectAdapter, type KyselyPlugin } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createContactsReader } from '../../src/contacts/contacts-reader.js'
import { STATEMENT_RUNNER, statementRunnerOf, type StatementRunner } from '../../src/contacts/statement-runner.js'
import { createContactsTable } from '../../src/index.js'

type Callback = Parameters<StatementRunner['execute']>[2]
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table
type AnyDb = Kysely<any>

/** SQLite whose adapter offers `runner`, as contact-repository/mysql's dialects do. */
class RunnerDialect extends SqliteDialect {
  readonly #runner: unknown
  constructor(database: SQLite.Database, runner: unknown) {
    super({ database })
    this.#runner = runner
  }
  override createAdapter(): DialectAdapter {
    const adapter = super.createAdapter()
    Object.defineProperty(adapter, STATEMENT_RUNNER, { value: this.#runner })
    return adapter
  }
}

/** A runner that records each call and answers as `answer` says. */
function fakeRunner(answer: (callback: Callback) => void): StatementRunner & { calls: { sql: string; values: readonly unknown[] }[] } {
  const calls: { sql: string; values: readonly unknown[] }[] = []
  return {
    calls,
    execute(sql, values, callback) {
      calls.push({ sql, values })
      answer(callback)
    },
  }
}

const sqls: string[] = []
let database: SQLite.Database
let sqlite: AnyDb

beforeAll(async () => {
  database = new SQLite(':memory:')
  sqlite = new Kysely({ dialect: new SqliteDialect({ database }), log: (event) => { sqls.push(event.query.sql) } })
  await createContactsTable(sqlite)
  const row = (tenant_id: number, id: number): Record<string, unknown> => ({
    id, tenant_id, first_name: `F${id}`, last_name: null, company_name: null, email: null, phone: null,
    type: 'person', created_at: '2026-03-01 12:00:00.000', updated_at: '2026-03-02 12:00:00.000',
  })
  await sqlite.insertInto('contacts').values([row(1, 1), row(1, 2), row(2, 3), row(1, 4)]).execute()
})
afterAll(async () => {
  await sqlite.destroy()
})

const expected = (id: number, tenant = 1): unknown[] =>
  [id, tenant, `F${id}`, null, null, null, null, 'person', '2026-03-01 12:00:00.000', '2026-03-02 12:00:00.000']

describe('G-MYSQL-PREPARED: createContactsReader', () => {
  it("'compiled': one statement per padded size, the IDs padded, positional rows of the tenant only", async () => {
    const reader = createContactsReader(sqlite, 'contacts', 8)
    expect(reader.mode).toBe('compiled')
    sqls.length = 0
    const rows = await reader.read(1, [4, 3, 1]) // 3 is tenant 2's
    expect([...rows].sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([expected(1), expected(4)])
    expect(sqls).toHaveLength(1)
    expect(sqls[0]).toMatch(/in \(\?, \?, \?, \?\)$/) // 3 IDs padded to 4
  })

  it("'compiled': builds each padded size's statement once, on its first use", async () => {
    const built = vi.spyOn(sqlite, 'selectFrom')
    try {
      const reader = createContactsReader(sqlite, 'contacts', 8)
      expect(built).toHaveBeenCalledTimes(0)
      await reader.read(1, [1, 2, 4])
      await reader.read(1, [4, 2, 1, 3]) // the same size, 4
      await reader.read(2, [3])
      expect(built).toHaveBeenCalledTimes(2) // sizes 4 and 1
    } finally {
      built.mockRestore()
    }
  })

  it("'built' when the instance has plugins: the query exactly as asked, seen by the plugin", async () => {
    const seen: string[] = []
    const plugin: KyselyPlugin = {
      transformQuery: (args) => {
        seen.push(args.node.kind)
        return args.node
      },
      transformResult: (args) => Promise.resolve(args.result),
    }
    const reader = createContactsReader(sqlite.withPlugin(plugin), 'contacts', 8)
    expect(reader.mode).toBe('built')
    sqls.length = 0
    expect(await reader.read(1, [2, 3, 1])).toHaveLength(2)
    expect(seen).toEqual(['SelectQueryNode'])
    expect(sqls[0]).toMatch(/in \(\?, \?, \?\)$/) // not padded
  })

  describe("'prepared', with the dialect's statement runner", () => {
    const opened = (runner: StatementRunner): { reader: ReturnType<typeof createContactsReader>; db: AnyDb } => {
      const db: AnyDb = new Kysely({ dialect: new RunnerDialect(new SQLite(':memory:'), runner) })
      return { reader: createContactsReader(db, 'contacts', 4), db }
    }

    it('sends the ISO-dates select with the values bound, and has kysely open its pool once', async () => {
      const runner = fakeRunner((callback) => { callback(null, [['row']]) })
      const { reader, db } = opened(runner)
      const connection = vi.spyOn(db, 'connection')
      expect(reader.mode).toBe('prepared')
      expect(await reader.read(7, [5, 6, 8])).toEqual([['row']])
      expect(await reader.read(7, [9])).toEqual([['row']])
      expect(connection).toHaveBeenCalledTimes(1)
      const format = '%Y-%m-%dT%H:%i:%s.%f'
      expect(runner.calls.map((c) => c.values)).toEqual([[format, 'Z', format, 'Z', 7, 5, 6, 8, 8], [format, 'Z', format, 'Z', 7, 9]])
      expect(runner.calls[0]?.sql).toMatch(/^select "id", .*concat\(left\(date_format\("created_at", \?\), 23\), \?\) as "created_at".* in \(\?, \?, \?, \?\)$/)
      await db.destroy()
    })

    it('rejects with the error as it is, wraps what is not an Error, and refuses rows that are not a list', async () => {
      const failure = new Error('connection lost')
      const answers: ((callback: Callback) => void)[] = [
        (callback) => { callback(failure, undefined) },
        (callback) => { callback('boom', undefined) },
        (callback) => { callback(undefined, { affectedRows: 0 }) },
        (callback) => { callback(undefined, []) },
      ]
      const { reader, db } = opened(fakeRunner((callback) => { answers.shift()?.(callback) }))
      await expect(reader.read(1, [1])).rejects.toBe(failure)
      const wrapped = await reader.read(1, [1]).then(() => undefined, (error: unknown) => error)
      expect(wrapped).toEqual(new Error('The prepared contacts select failed'))
      expect((wrapped as Error).cause).toBe('boom')
      await expect(reader.read(1, [1])).rejects.toThrow(new TypeError('The prepared contacts select returned object instead of rows'))
      await expect(reader.read(1, [1])).resolves.toEqual([])
      await db.destroy()
    })

    it('refuses a batch it cannot send whole with a rejection, not a throw', async () => {
      const runner = fakeRunner(() => undefined)
      const { reader, db } = opened(runner)
      let read: Promise<unknown> | undefined
      expect(() => { read = reader.read(1, [1, 2, 3, 4, 5]) }).not.toThrow()
      await expect(read).rejects.toThrow(new RangeError('A batch holds 1 to 4 IDs; got 5'))
      expect(runner.calls).toEqual([])
      await db.destroy()
    })
  })
})

describe('statementRunnerOf', () => {
  it("takes the dialect's runner, but not inside a transaction, nor one without execute()", async () => {
    const runner = fakeRunner(() => undefined)
    const db: AnyDb = new Kysely({ dialect: new RunnerDialect(new SQLite(':memory:'), runner) })
    const broken: AnyDb = new Kysely({ dialect: new RunnerDialect(new SQLite(':memory:'), { execute: 'no' }) })
    try {
      expect(statementRunnerOf(db)).toBe(runner)
      expect(await db.transaction().execute((trx) => Promise.resolve(statementRunnerOf(trx)))).toBeUndefined()
      expect(statementRunnerOf(broken)).toBeUndefined()
    } finally {
      await db.destroy()
      await broken.destroy()
    }
  })
})
