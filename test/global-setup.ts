import { createConnection } from 'mysql2/promise'
import { MYSQL_URL } from './helpers/env.js'

/**
 * Turns on MariaDB's general query log (to a table) so tests can count the statements the
 * server really received, and restores the previous settings afterwards. Fails the whole run
 * when MariaDB cannot be reached: a database suite is never skipped.
 */
export default async function setup(): Promise<() => Promise<void>> {
  let connection
  try {
    connection = await createConnection(MYSQL_URL)
  } catch (error) {
    throw new Error(
      `MariaDB/MySQL is not reachable at ${MYSQL_URL}; start it (see .ci/run) or set MYSQL_URL`,
      { cause: error },
    )
  }
  const [rows] = await connection.query('SELECT @@global.general_log AS on_, @@global.log_output AS output')
  const previous = (rows as { on_: number; output: string }[])[0]
  await connection.query("SET GLOBAL log_output = 'TABLE', general_log = 'ON'")
  await connection.end()
  return async () => {
    const c = await createConnection(MYSQL_URL)
    await c.query('SET GLOBAL general_log = ?, log_output = ?', [previous?.on_ ? 'ON' : 'OFF', previous?.output ?? 'FILE'])
    await c.query('TRUNCATE TABLE mysql.general_log')
    await c.end()
  }
}
