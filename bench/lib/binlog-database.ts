import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import { createConnection } from 'mysql2/promise'
import { createContactsTable } from '../../src/index.js'

/** The user a binlog tailer connects as: exactly the privileges the README lists. */
export const TAILER_USER = { user: 'tailer', password: 'tailer-pw' } as const

/**
 * Prepares a private server for a binlog run: the contacts table in the database of `url`,
 * and the tailer user with REPLICATION SLAVE, BINLOG MONITOR and SELECT on the table.
 */
export async function prepareBinlogDatabase(url: string): Promise<void> {
  const db = new Kysely<unknown>({ dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 1 }) }) })
  try {
    await createContactsTable(db, { table: 'contacts' })
  } finally {
    await db.destroy()
  }
  const schema = new URL(url).pathname.slice(1)
  const admin = await createConnection({ uri: url, multipleStatements: true })
  try {
    await admin.query(
      `CREATE USER IF NOT EXISTS '${TAILER_USER.user}'@'127.0.0.1' IDENTIFIED BY '${TAILER_USER.password}';` +
        `GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '${TAILER_USER.user}'@'127.0.0.1';` +
        `GRANT SELECT ON \`${schema}\`.contacts TO '${TAILER_USER.user}'@'127.0.0.1'`,
    )
  } finally {
    await admin.end()
  }
}
