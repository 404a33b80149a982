// BoundedPool's own rules with a fake pool in place of mysql2's, for what the real driver and
// MariaDB do not show on demand (test/mysql/pool-rules.test.ts and test/faults/** hold the rest):
// - stats() reads counts mysql2 keeps untyped on its pool (`_allConnections`, `_freeConnections`,
//   each connection's `_statements`); test/mysql/mysql-dialect.test.ts pins them against the real
//   driver. A rename of those internals must report NaN, never a zero that reads as "no
//   connections, no statements".
// - Only mysql2's own connect deadline (ETIMEDOUT from `connect`) becomes ContactTimeoutError;
//   any other error, another ETIMEDOUT included, is passed on as the driver gave it.
import { afterEach, describe, expect, it, vi } from 'vitest'

const fake = vi.hoisted((): { pool: Record<string, unknown>; acquireError: unknown } => ({ pool: {}, acquireError: null }))

vi.mock('mysql2', () => ({
  createPool: () => ({
    on: () => undefined,
    getConnection: (callback: (error: unknown, connection: unknown) => void) => {
      setImmediate(() => { callback(fake.acquireError, undefined) })
    },
    end: (callback: (error: unknown) => void) => { callback(null) },
    ...fake.pool,
  }),
}))

const { BoundedPool } = await import('../../src/mysql/bounded-pool.js')
const { ContactTimeoutError } = await import('../../src/errors.js')
const { resolveMysqlDialectOptions } = await import('../../src/mysql/mysql-dialect-options.js')

function statsOf(internals: Record<string, unknown>): ReturnType<InstanceType<typeof BoundedPool>['stats']> {
  fake.pool = internals
  return new BoundedPool(resolveMysqlDialectOptions({ connection: { host: '127.0.0.1' } })).stats()
}

/** A connection list as mysql2 keeps it (a Denque with `toArray()`). */
function connections(statements: readonly (number | undefined)[]): { length: number; toArray: () => unknown[] } {
  const list = statements.map((size) => (size === undefined ? {} : { _statements: { size } }))
  return { length: list.length, toArray: () => list }
}

afterEach(() => {
  fake.pool = {}
  fake.acquireError = null
})

describe("the pool's figures from mysql2's internals", () => {
  it('sums the statements each connection holds and reports the most one holds', () => {
    expect(statsOf({ _allConnections: connections([2, 5, 3]), _freeConnections: { length: 1 } })).toMatchObject({
      connections: 3,
      idle: 1,
      preparedStatements: 10,
      maxPreparedStatementsPerConnection: 5,
    })
    expect(statsOf({ _allConnections: connections([]), _freeConnections: { length: 0 } })).toMatchObject({
      connections: 0,
      idle: 0,
      preparedStatements: 0,
      maxPreparedStatementsPerConnection: 0,
    })
  })

  it('reports NaN, not zero, for every figure whose internal is gone', () => {
    const renamed = statsOf({})
    expect(renamed.connections).toBeNaN()
    expect(renamed.idle).toBeNaN()
    expect(renamed.preparedStatements).toBeNaN()
    expect(renamed.maxPreparedStatementsPerConnection).toBeNaN()
    // What the pool counts itself stays a number.
    expect(renamed).toMatchObject({ inUse: 0, waiting: 0, abandoned: 0, acquireTimeouts: 0, lateConnections: 0 })
  })

  it("reports NaN statements when the connection list has no toArray() or a connection no statement cache", () => {
    const noList = statsOf({ _allConnections: { length: 2 }, _freeConnections: { length: 2 } })
    expect(noList).toMatchObject({ connections: 2, idle: 2 })
    expect(noList.preparedStatements).toBeNaN()
    expect(noList.maxPreparedStatementsPerConnection).toBeNaN()
    const noCache = statsOf({ _allConnections: connections([4, undefined]), _freeConnections: { length: 0 } })
    expect(noCache.preparedStatements).toBeNaN()
    expect(noCache.maxPreparedStatementsPerConnection).toBeNaN()
  })
})

describe('errors from getting a connection', () => {
  function acquireFailure(error: Error): Promise<unknown> {
    fake.acquireError = error
    const pool = new BoundedPool(resolveMysqlDialectOptions({ connection: { host: '127.0.0.1' }, connectTimeout: 1_234 }))
    return new Promise((resolve) => { pool.getConnection((failure) => { resolve(failure) }) })
  }

  it("mysql2's connect deadline (ETIMEDOUT from connect) becomes ContactTimeoutError, with the driver's error as cause", async () => {
    const deadline = Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT', syscall: 'connect' })
    const failure = await acquireFailure(deadline)
    expect(failure).toBeInstanceOf(ContactTimeoutError)
    expect(failure).toMatchObject({ timeoutMs: 1_234, phase: 'acquire', cause: deadline })
  })

  it('any other error is passed on as it came: an ETIMEDOUT from another call, a refusal', async () => {
    for (const error of [
      Object.assign(new Error('read ETIMEDOUT'), { code: 'ETIMEDOUT', syscall: 'read' }),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'connect' }),
    ]) {
      expect(await acquireFailure(error)).toBe(error)
    }
  })
})
