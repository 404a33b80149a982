// A prepared select whose connection, or whose statement on the server, is lost between the
// PREPARE and the EXECUTE: the call fails like any lost query, and the next call recovers.
import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { ContactQueryError, ContactRepository, createContactsTable } from '../../src/index.js'
import { PreparedMysqlDialect, createMysqlDialect } from '../../src/mysql/index.js'
import { seed, uniqueTableName } from '../helpers/backends.js'
import { MYSQL_URL } from '../helpers/env.js'
import { startStatementFaultProxy, type StatementFaultProxy } from './statement-fault-proxy.js'

const LOST = ['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE']
const UNKNOWN_STATEMENT = 1243

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic tables
const admin = new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ uri: MYSQL_URL, connectionLimit: 1 }) }) })
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(async () => {
  await admin.destroy()
})

/** A seeded table, and a repository reaching it through a fault proxy on one connection. */
async function openFaultyRepository(route: 'contact' | 'prepared'): Promise<{ contacts: ContactRepository; proxy: StatementFaultProxy; table: string }> {
  const table = uniqueTableName(`stmt_fault_${route}`)
  await createContactsTable(admin, { table })
  cleanups.push(async () => { await admin.schema.dropTable(table).ifExists().execute() })
  await admin.insertInto(table).values([1, 2, 3, 4].map((id) => seed(1, id))).execute()
  const target = new URL(MYSQL_URL)
  const proxy = await startStatementFaultProxy({ host: target.hostname, port: Number(target.port || 3306) })
  cleanups.push(() => proxy.close())
  const connection = {
    host: '127.0.0.1', port: proxy.port, user: decodeURIComponent(target.username), database: target.pathname.slice(1),
  }
  const dialect = route === 'contact'
    ? createMysqlDialect({ connection, connectionLimit: 1 })
    : new PreparedMysqlDialect({ pool: createPool({ ...connection, connectionLimit: 1 }) })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
  const db = new Kysely<any>({ dialect })
  cleanups.push(() => db.destroy())
  return { contacts: new ContactRepository({ db, table }), proxy, table }
}

const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => { throw new Error('expected a rejection') }, (error: unknown) => error)
// The prepared-statement commands of one connection (the dialect's own SET statements aside).
const statementKinds = (proxy: StatementFaultProxy, connection: number): string[] =>
  proxy.commands.filter((c) => c.connection === connection && c.kind !== 'query').map((c) => c.kind)
const ids = (result: { rows: { id: number }[] }): number[] => result.rows.map((row) => row.id)

describe.each(['contact', 'prepared'] as const)('G-MYSQL-PREPARED, G-CLEAN-FAILURE: a prepared select losing its ground, on route %s', (route) => {
  it('connection lost after PREPARE, before EXECUTE: the call fails, nothing is cached, the next call prepares again on a new connection', async () => {
    const { contacts, proxy, table } = await openFaultyRepository(route)
    proxy.arm('cut', (text) => text.includes(table))
    const error = await rejection(contacts.getMany(1, [1, 2]))
    expect(error).toBeInstanceOf(ContactQueryError)
    expect(error).toMatchObject({ transient: true })
    expect(LOST).toContain(((error as Error).cause as { code?: string }).code)
    expect(contacts.stats()).toMatchObject({ entries: 0, inflight: 0 })
    // The statement was prepared on the first connection and never executed there.
    expect(statementKinds(proxy, 1)).toEqual(['prepare', 'execute'])

    expect(ids(await contacts.getMany(1, [1, 2]))).toEqual([1, 2])
    expect(proxy.accepted).toBe(2)
    expect(statementKinds(proxy, 2)).toEqual(['prepare', 'execute'])
  })

  it('statement forgotten by the server while the connection lives: the call fails, the next one prepares again on the same connection', async () => {
    const { contacts, proxy, table } = await openFaultyRepository(route)
    expect(ids(await contacts.getMany(1, [1, 2]))).toEqual([1, 2])
    proxy.arm('forget', (text) => text.includes(table))
    const error = await rejection(contacts.getMany(1, [3, 4]))
    expect(error).toBeInstanceOf(ContactQueryError)
    expect((error as Error).cause).toMatchObject({ errno: UNKNOWN_STATEMENT })

    expect(ids(await contacts.getMany(1, [3, 4]))).toEqual([3, 4])
    expect(ids(await contacts.getMany(1, [2, 1], { cache: 'bypass' }))).toEqual([2, 1])
    expect(proxy.accepted).toBe(1)
    // mysql2 sends the close twice (its cache's eviction hook, then unprepare); the server ignores a second close.
    expect(statementKinds(proxy, 1).join(' ')).toMatch(/^prepare execute execute (close )+prepare execute execute$/)
  })
})
