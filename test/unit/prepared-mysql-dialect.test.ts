// What PreparedMysqlDialect accepts as its pool: a mysql2 callback pool (all four of its methods),
// and none of kysely's connection hooks, which would never run for the prepared select.
// test/mysql/mysql-dialect.test.ts runs the dialect against the real server.
import { describe, expect, it } from 'vitest'
import { PreparedMysqlDialect } from '../../src/mysql/prepared-mysql-dialect.js'

const POOL_MESSAGE = "options.pool must be a mysql2 pool made by createPool from 'mysql2' (not a function, not a promise pool)"
const callbackPool = (): Record<string, unknown> => ({ getConnection() {}, execute() {}, query() {}, promise() {} })

describe('PreparedMysqlDialect options', () => {
  it.each(['getConnection', 'execute', 'query', 'promise'])('refuses a pool without %s', (method) => {
    const pool = Object.fromEntries(Object.entries(callbackPool()).filter(([name]) => name !== method))
    expect(() => new PreparedMysqlDialect({ pool } as never)).toThrow(new TypeError(POOL_MESSAGE))
  })

  it.each([
    ['no pool', {}],
    ['null as pool', { pool: null }],
    ['a function as pool', { pool: () => callbackPool() }],
  ])('refuses %s', (_, options) => {
    expect(() => new PreparedMysqlDialect(options as never)).toThrow(new TypeError(POOL_MESSAGE))
  })

  it.each(['onCreateConnection', 'onReserveConnection'])('refuses kysely\'s %s hook', (hook) => {
    expect(() => new PreparedMysqlDialect({ pool: callbackPool(), [hook]: () => undefined } as never)).toThrow(
      /^PreparedMysqlDialect does not take kysely's onCreateConnection\/onReserveConnection hooks/,
    )
  })

  it('refuses what is not an options object, and an unknown option, by name', () => {
    expect(() => new PreparedMysqlDialect(5 as never)).toThrow(new TypeError('options must be an object with `pool`, a mysql2 pool'))
    expect(() => new PreparedMysqlDialect({ pool: callbackPool(), log: true } as never)).toThrow(
      new TypeError('options.log is not an option of PreparedMysqlDialect'),
    )
  })

  it('takes a callback pool', () => {
    expect(new PreparedMysqlDialect({ pool: callbackPool() } as never)).toBeInstanceOf(PreparedMysqlDialect)
  })
})
