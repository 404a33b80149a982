import { BoundedPool } from './bounded-pool.js'
import { ContactMysqlDialect } from './contact-mysql-dialect.js'
import { resolveMysqlDialectOptions, type MysqlDialectOptions } from './mysql-dialect-options.js'

/**
 * Creates a Kysely dialect for MySQL/MariaDB over mysql2 with bounded waits and safe driver
 * defaults (see {@link MysqlDialectOptions}, option by option):
 *
 * ```ts
 * const dialect = createMysqlDialect({ connection: 'mysql://app@db/app', connectionLimit: 10 })
 * const db = new Kysely<ContactsDatabase>({ dialect })
 * const contacts = new ContactRepository({ db, maxConcurrentQueries: 8 })
 * ```
 *
 * No connection is opened until the first query. `db.destroy()` closes the pool.
 * Throws a `TypeError` naming the option when an option is invalid.
 */
export function createMysqlDialect(options: MysqlDialectOptions): ContactMysqlDialect {
  const resolved = resolveMysqlDialectOptions(options)
  return new ContactMysqlDialect(new BoundedPool(resolved), resolved.preparedStatements)
}
