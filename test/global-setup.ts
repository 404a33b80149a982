import { createConnection } from 'mysql2/promise'
import { MYSQL_URL } from './helpers/env.js'

/**
 * Fails the whole run when MariaDB cannot be reached: a database suite is never skipped,
 * in CI or anywhere else.
 */
export default async function setup(): Promise<void> {
  try {
    const connection = await createConnection(MYSQL_URL)
    await connection.end()
  } catch (error) {
    throw new Error(`MariaDB/MySQL is not reachable at ${MYSQL_URL}; start it (see .ci/run) or set MYSQL_URL`, {
      cause: error,
    })
  }
}
