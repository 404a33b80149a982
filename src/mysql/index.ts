export { createMysqlDialect } from './create-mysql-dialect.js'
export { ContactMysqlDialect } from './contact-mysql-dialect.js'
export type { MysqlConnectionOptions, MysqlDialectOptions } from './mysql-dialect-options.js'
export type { MysqlPoolStats } from './bounded-pool.js'
