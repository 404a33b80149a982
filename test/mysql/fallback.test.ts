// Where the select cannot be prepared (kysely's own MysqlDialect, preparedStatements: false,
// plugins, a transaction, SQLite) it goes through kysely as before, with the same answers; and
// the prepared select reads the same contact whatever mysql2's settings.
import type { KyselyPlugin } from 'kysely'
import { createPool } from 'mysql2'
import { createPool as createPromisePool } from 'mysql2/promise'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { createContactsReader } from '../../src/contacts/contacts-reader.js'
import { PreparedMysqlDialect, createMysqlDialect, type PreparedMysqlDialectConfig } from '../../src/mysql/index.js'
import { seed } from '../helpers/backends.js'
import { MYSQL_URL } from '../helpers/env.js'
import { closeAdmin, isContactsSelect, openStatementRig, type Route, type StatementRig } from './statement-rig.js'

let rig: StatementRig | undefined
afterEach(async () => {
  await rig?.close()
  rig = undefined
})
afterAll(closeAdmin)

const open = async (route: Route, label: string, options?: Parameters<typeof openStatementRig>[2]): Promise<StatementRig> => {
  rig = await openStatementRig(route, label, options)
  await rig.insert([1, 2, 3, 5, 9].map((id) => seed(1, id)))
  return rig
}

/** A plugin that changes nothing: its mere presence must route the select through kysely. */
const passThrough: KyselyPlugin = {
  transformQuery: (args) => args.node,
  transformResult: (args) => Promise.resolve(args.result),
}

/** The contacts selects the server received, as text statements or as prepared executes. */
function sent(current: StatementRig): { text: string[]; prepared: number } {
  const commands = current.proxy?.commands ?? []
  return {
    text: commands.flatMap((c) => (c.kind === 'query' && isContactsSelect(c.text, current.table) ? [c.text] : [])),
    prepared: commands.filter((c) => c.kind === 'execute' && isContactsSelect(c.text, current.table)).length,
  }
}

describe('G-MYSQL-PREPARED: reading through kysely where the select cannot be prepared', () => {
  it.each<[Route, string]>([
    ['contact', 'prepared'],
    ['prepared', 'prepared'],
    ['contact-text', 'compiled'],
    ['kysely', 'compiled'],
    ['sqlite', 'compiled'],
  ])('route %s reads %s', async (route, mode) => {
    const { db, table } = await open(route, `mode_${route}`)
    expect(createContactsReader(db, table, 10).mode).toBe(mode)
    expect(createContactsReader(db.withPlugin(passThrough), table, 10).mode).toBe('built')
    if (route !== 'sqlite') {
      await db.transaction().execute((trx) => {
        expect(createContactsReader(trx, table, 10).mode).toBe('compiled')
        return Promise.resolve()
      })
    }
  })

  it.each<Route>(['kysely', 'contact-text'])('route %s: text statements, values inlined by mysql2, the IN list padded', async (route) => {
    const current = await open(route, `text_${route}`)
    const contacts = new ContactRepository({ db: current.db, table: current.table })
    expect((await contacts.getMany(1, [5, 3, 9, 4])).rows.map((row) => row.id)).toEqual([5, 3, 9])
    expect(sent(current)).toEqual({
      text: [expect.stringMatching(/ where `tenant_id` = 1 and `id` in \(5, 3, 9, 4\)$/)],
      prepared: 0,
    })
    await contacts.getMany(1, [1, 2, 7], { cache: 'bypass' })
    expect(sent(current).text[1]).toMatch(/ in \(1, 2, 7, 7\)$/)
  })

  it('an instance with plugins, over contact-repository/mysql: kysely per call, unpadded, every plugin sees it', async () => {
    const current = await open('contact', 'plugins')
    let seen = 0
    const counting: KyselyPlugin = { ...passThrough, transformResult: (args) => { seen++; return Promise.resolve(args.result) } }
    const contacts = new ContactRepository({ db: current.db.withPlugin(counting), table: current.table })
    expect((await contacts.getMany(1, [5, 3, 9])).rows.map((row) => row.id)).toEqual([5, 3, 9])
    expect(sent(current)).toEqual({ text: [expect.stringMatching(/ in \(5, 3, 9\)$/)], prepared: 0 })
    expect(seen).toBe(1)
  })

  it('a transaction over contact-repository/mysql: the select runs on the transaction, through kysely', async () => {
    const current = await open('contact', 'transaction')
    await current.db.transaction().execute(async (trx) => {
      const contacts = new ContactRepository({ db: trx, table: current.table })
      expect((await contacts.getMany(1, [2, 1])).rows.map((row) => row.id)).toEqual([2, 1])
    })
    expect(sent(current)).toEqual({ text: [expect.stringMatching(/ in \(2, 1\)$/)], prepared: 0 })
  })

  it('SQLite: the same padded statement, compiled once per size', async () => {
    const current = await open('sqlite', 'sqlite_pad')
    const contacts = new ContactRepository({ db: current.db, table: current.table })
    expect((await contacts.getMany(1, [5, 3, 9])).rows.map((row) => row.id)).toEqual([5, 3, 9])
    expect(current.sqliteSelects).toEqual([expect.stringMatching(/ in \(\?, \?, \?, \?\) -- \[1,5,3,9,9\]$/)])
  })
})

describe('G-MYSQL-PREPARED: the prepared select, whatever the driver settings', () => {
  const settings = [
    {},
    { bigNumberStrings: true, supportBigNumbers: true },
    { dateStrings: false, timezone: '+05:30' },
    { dateStrings: false, timezone: 'local' },
    { supportBigNumbers: false },
  ] as const
  it.each(settings.flatMap((s) => (['contact', 'prepared'] as const).map((route) => [route, s] as const)))(
    'route %s with %j: exact IDs, UTC dates in ISO form, in any TZ',
    async (route, connection) => {
      const current = await openStatementRig(route, 'settings', { connection })
      rig = current
      await current.insert([seed(1, 1, { created_at: '2026-03-01 00:30:00.250' }), seed(1, Number.MAX_SAFE_INTEGER)])
      const tz = process.env.TZ
      process.env.TZ = 'America/Los_Angeles'
      try {
        const contacts = new ContactRepository({ db: current.db, table: current.table })
        const { rows } = await contacts.getMany(1, [Number.MAX_SAFE_INTEGER, 1])
        expect(rows.map((r) => [r.id, r.createdAt, r.updatedAt])).toEqual([
          [Number.MAX_SAFE_INTEGER, '2026-03-01T12:00:00.000Z', '2026-03-01T12:00:00.000Z'],
          [1, '2026-03-01T00:30:00.250Z', '2026-03-01T12:00:00.000Z'],
        ])
        expect(sent(current).prepared).toBe(1)
      } finally {
        if (tz === undefined) delete process.env.TZ
        else process.env.TZ = tz
      }
    },
  )
})

describe('batches beyond what the binary protocol can bind', () => {
  it('go as text on the same route, with the same answer (maxBatchSize 65,535)', async () => {
    const current = await open('contact', 'wide')
    const contacts = new ContactRepository({ db: current.db, table: current.table, maxBatchSize: 65_535 })
    const ids = Array.from({ length: 65_535 }, (_, i) => i + 1)
    const result = await contacts.getMany(1, ids)
    expect(result.rows.map((row) => row.id)).toEqual([1, 2, 3, 5, 9])
    expect(result.missing).toHaveLength(65_530)
    expect(sent(current).prepared).toBe(0)
    expect(sent(current).text).toHaveLength(1)
    // A batch that fits is prepared as usual.
    await contacts.getMany(1, [4, 6])
    expect(sent(current).prepared).toBe(1)
  })
})

describe('options', () => {
  it.each<[string, unknown, RegExp]>([
    ['no options', undefined, /options must be an object with `pool`/],
    ['a missing pool', {}, /options\.pool must be a mysql2 pool/],
    ['a pool factory', { pool: () => Promise.resolve(createPool(MYSQL_URL)) }, /options\.pool must be a mysql2 pool .*not a function/],
    ['a promise pool', { pool: createPromisePool(MYSQL_URL) }, /options\.pool must be a mysql2 pool .*not a promise pool/],
    ['an unknown option', { pool: createPool(MYSQL_URL), log: true }, /options\.log is not an option of PreparedMysqlDialect/],
    ["kysely's onCreateConnection", { pool: createPool(MYSQL_URL), onCreateConnection: () => Promise.resolve() }, /onCreateConnection\/onReserveConnection hooks/],
  ])('PreparedMysqlDialect refuses %s with a TypeError', (_, options, message) => {
    expect(() => new PreparedMysqlDialect(options as PreparedMysqlDialectConfig)).toThrow(TypeError)
    expect(() => new PreparedMysqlDialect(options as PreparedMysqlDialectConfig)).toThrow(message)
  })

  it('createMysqlDialect refuses a preparedStatements that is not a boolean', () => {
    expect(() => createMysqlDialect({ connection: MYSQL_URL, preparedStatements: 'yes' as never })).toThrow(
      /options\.preparedStatements must be true or false; got "yes"/,
    )
  })
})
