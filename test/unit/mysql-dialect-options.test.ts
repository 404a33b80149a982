// createMysqlDialect's options (resolveMysqlDialectOptions): each refusal word for word, the
// settings the dialect owns refused with what to use instead, and the pool options it builds.
// test/mysql/mysql-dialect.test.ts runs the dialect itself against the real server.
import { describe, expect, it } from 'vitest'
import { resolveMysqlDialectOptions } from '../../src/mysql/mysql-dialect-options.js'

describe('resolveMysqlDialectOptions', () => {
  const ACQUIRE = 'waiting is bounded by options.acquireTimeout'
  it.each([
    ['no options', null, 'options must be an object with at least `connection`'],
    ['an unknown option', { connection: 'mysql://h/db', poolSize: 1 }, 'options.poolSize is not an option of createMysqlDialect'],
    ['a connection that is no URI', { connection: 'not a uri' }, 'options.connection must be a mysql:// URI or an object of mysql2 connection options'],
    ['an array as connection', { connection: [] }, 'options.connection must be a mysql:// URI or an object of mysql2 connection options'],
    ['a URI of another scheme', { connection: 'postgres://h/db' }, 'options.connection must be a mysql:// URI; got the scheme postgres:'],
    ['uri among the connection options', { connection: { uri: 'mysql://h/db' } }, 'options.connection.uri is owned by createMysqlDialect: pass the URI itself as options.connection'],
    ['waitForConnections among them', { connection: { waitForConnections: false } }, `options.connection.waitForConnections is owned by createMysqlDialect: ${ACQUIRE}`],
    ['queueLimit among them', { connection: { queueLimit: 5 } }, `options.connection.queueLimit is owned by createMysqlDialect: ${ACQUIRE}`],
    ['connectionLimit among them', { connection: { connectionLimit: 5 } }, 'options.connection.connectionLimit is owned by createMysqlDialect: set options.connectionLimit instead'],
    ['waitForConnections in the URI', { connection: 'mysql://h/db?waitForConnections=false' }, `waitForConnections in the connection URI is owned by createMysqlDialect: ${ACQUIRE}`],
  ])('refuses %s', (_, options, message) => {
    expect(() => resolveMysqlDialectOptions(options as never)).toThrow(new TypeError(message))
  })

  it.each(['mysql://h/db', 'mariadb://h/db'])('takes %s, and always waits for a connection, without a queue limit', (uri) => {
    expect(resolveMysqlDialectOptions({ connection: uri }).pool).toMatchObject({ uri, connectionLimit: 10, waitForConnections: true, queueLimit: 0 })
  })
})
