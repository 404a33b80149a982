import { Kysely, MysqlDialect } from 'kysely'
import { createServer, type AddressInfo } from 'node:net'
import { createPool } from 'mysql2'

/**
 * A Kysely instance for a MySQL server that is not there: a port that was just listened on and
 * closed, so every connection attempt is refused (ECONNREFUSED) at once. Destroy it after use.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- no table behind it
export async function openRefusedDatabase(): Promise<{ db: Kysely<any>; port: number }> {
  const listener = createServer()
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  const { port } = listener.address() as AddressInfo
  await new Promise<void>((resolve) => listener.close(() => { resolve() }))
  const db = new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri: `mysql://root@127.0.0.1:${port}/test` }) }) })
  return { db, port }
}
