import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import { afterAll, afterEach, expect } from 'vitest'
import { createContactsTable, type ContactRepository } from '../../src/index.js'
import { createMysqlDialect, type ContactMysqlDialect, type MysqlDialectOptions } from '../../src/mysql/index.js'
import { seed, uniqueTableName, type SeedContact } from './backends.js'
import { MYSQL_URL } from './env.js'
import { startMysqlFaultProxy, type MysqlFaultProxy } from './mysql-fault-proxy.js'

/**
 * One fault scenario's world: a private contacts table, a fault proxy in front of MariaDB,
 * and a Kysely instance over `createMysqlDialect` that goes through the proxy. Seeding and
 * cleanup use a direct connection, so the proxy only ever sees the code under test.
 */
export interface FaultRig {
  readonly proxy: MysqlFaultProxy
  readonly dialect: ContactMysqlDialect
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table name is dynamic
  readonly db: Kysely<any>
  readonly table: string
  readonly connectionLimit: number
  insert(rows: readonly SeedContact[]): Promise<void>
  /** Statements that read the table, as they crossed the proxy. */
  selects(): number
  close(): Promise<void>
}

let admin: Kysely<any> | undefined // eslint-disable-line @typescript-eslint/no-explicit-any -- dynamic tables

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic tables
function adminDb(): Kysely<any> {
  admin ??= new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri: MYSQL_URL, connectionLimit: 2 }) }) })
  return admin
}

/**
 * Timers run on the event loop's millisecond clock, which can lag performance.now() by under a
 * millisecond: "not before the deadline" allows that much.
 */
export const CLOCK_SLACK_MS = 1
/** Upper margin on deadlines: two shared, noisy cores. The claims are "bounded", not "fast". */
export const MARGIN_MS = 2_000

/**
 * The lifecycle every fault test file shares: call once at the top of the file. After each
 * test the rig it opened is closed and no unhandled rejection may have happened; after the
 * file the direct connection is closed. Returns the function that opens a test's rig.
 */
export function useFaultRigs(): (label: string, options?: Omit<MysqlDialectOptions, 'connection'>) => Promise<FaultRig> {
  const unhandled = trackUnhandledRejections()
  let current: FaultRig | undefined
  afterEach(async () => {
    await current?.close()
    current = undefined
    expect(unhandled).toEqual([])
  })
  afterAll(closeAdmin)
  return async (label, options) => {
    current = await openFaultRig(label, options)
    return current
  }
}

/** Closes the direct connection, after a file's tests. */
async function closeAdmin(): Promise<void> {
  const current = admin
  admin = undefined
  await current?.destroy()
}

async function openFaultRig(
  label: string,
  options: Omit<MysqlDialectOptions, 'connection'> = {},
): Promise<FaultRig> {
  const target = new URL(MYSQL_URL)
  const table = uniqueTableName(label)
  await createContactsTable(adminDb(), { table })
  const proxy = await startMysqlFaultProxy({
    host: target.hostname,
    port: Number(target.port || 3306),
    user: decodeURIComponent(target.username),
    database: target.pathname.slice(1),
  })
  const connectionLimit = options.connectionLimit ?? 4
  const dialect = createMysqlDialect({ connectTimeout: 1_000, acquireTimeout: 1_000, ...options, connectionLimit, connection: proxy.uri })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
  const db = new Kysely<any>({ dialect })
  const reads = (text: string): boolean => text.startsWith('select `id`') && text.includes(`from \`${table}\``)
  return {
    proxy,
    dialect,
    db,
    table,
    connectionLimit,
    async insert(rows) {
      for (let i = 0; i < rows.length; i += 500) {
        await adminDb().insertInto(table).values(rows.slice(i, i + 500).map((row) => ({ ...seed(row.tenant_id, row.id), ...row }))).execute()
      }
    },
    selects: () => proxy.statements.filter(reads).length,
    async close() {
      await proxy.heal()
      await db.destroy()
      await proxy.close()
      await adminDb().schema.dropTable(table).ifExists().execute()
    },
  }
}

/** Polls `check` until it holds; fails with `what` after `ms` (generous: it is no speed claim). */
export async function eventually(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const until = performance.now() + ms
  while (!check()) {
    if (performance.now() > until) throw new Error(`Still not true after ${ms} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/**
 * The checks every scenario ends with: nothing in flight or queued in the repository, no
 * connection handed out or waited for, and every one of the pool's connections can be taken
 * at the same time (so none is wedged or leaked).
 */
export async function expectQuiet(rig: FaultRig, repo: ContactRepository): Promise<void> {
  await eventually('the repository to settle', () => {
    const stats = repo.stats()
    return stats.inflight === 0 && stats.activeQueries === 0 && stats.queuedQueries === 0
  })
  await eventually('the pool to be free', () => {
    const pool = rig.dialect.poolStats()
    return pool.inUse === 0 && pool.waiting === 0 && pool.abandoned === 0 && pool.idle === pool.connections
  })
  // Take every connection at once; a leaked or wedged one would make this time out.
  let arrived = 0
  let open!: () => void
  const allIn = new Promise<void>((resolve) => { open = resolve })
  await Promise.all(
    Array.from({ length: rig.connectionLimit }, () =>
      rig.db.connection().execute(async (connection) => {
        await connection.selectNoFrom((eb) => eb.lit(1).as('one')).execute()
        if (++arrived === rig.connectionLimit) open()
        await allIn
      }),
    ),
  )
  const after = rig.dialect.poolStats()
  expect(after.inUse).toBe(0)
  expect(after.connections).toBeLessThanOrEqual(rig.connectionLimit)
}

/** Collects unhandled rejections of this file; `expect(unhandled).toEqual([])` after each test. */
function trackUnhandledRejections(): unknown[] {
  const unhandled: unknown[] = []
  process.on('unhandledRejection', (reason) => { unhandled.push(reason) })
  return unhandled
}

/** Settles `promise` into a value or the error it rejected with, never throwing. */
export async function outcome<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await promise }
  } catch (error) {
    return { error }
  }
}

/** Rejection reason of `promise`, failing the test if it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const result = await outcome(promise)
  if ('value' in result) throw new Error('Expected a rejection, got a value')
  return result.error
}
