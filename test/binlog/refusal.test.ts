// The source refuses to run where it could miss or misread changes, with a typed error naming
// the setting (or privilege) and the fix: one case per unsafe setting, on a private server.
import { Redis } from 'ioredis'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BinlogConnectionError,
  BinlogPrivilegeError,
  BinlogUnsafeServerError,
  createBinlogInvalidationSource,
  type BinlogInvalidationSourceOptions,
} from '../../src/binlog/index.js'
import { checkServer } from '../../src/binlog/server-checks.js'
import { REDIS_URL } from '../helpers/env.js'
import { openBinlogRig, TAILER, type BinlogRig } from './helpers/binlog-rig.js'

let rig: BinlogRig

beforeAll(async () => {
  // Binary logging off first: the one setting that needs a restart to change.
  rig = await openBinlogRig('refusal', { binlog: false })
})

afterAll(async () => {
  await (rig as BinlogRig | undefined)?.close()
})

function options(overrides: Partial<BinlogInvalidationSourceOptions> = {}): BinlogInvalidationSourceOptions {
  return { connection: rig.tailer, serverId: 4711, table: 'contacts', connectTimeout: 3_000, ...overrides }
}

async function refusal(overrides: Partial<BinlogInvalidationSourceOptions> = {}): Promise<unknown> {
  const source = createBinlogInvalidationSource(options(overrides))
  try {
    await source.start()
    return undefined
  } catch (error) {
    expect(source.stats()).toMatchObject({ state: 'idle', role: 'none', healthy: false })
    return error
  } finally {
    await source.close()
  }
}

describe('G-BINLOG-REFUSE-UNSAFE: refusing an unsafe server', () => {
  it('binary logging off: log_bin', async () => {
    const error = await refusal()
    expect(error).toBeInstanceOf(BinlogUnsafeServerError)
    expect(error).toMatchObject({ code: 'ERR_BINLOG_UNSAFE_SERVER', setting: 'log_bin', actual: 'OFF', expected: 'ON', transient: false })
    expect((error as BinlogUnsafeServerError).fix).toContain('--log-bin')
    await rig.server.signal('SIGTERM')
    await rig.server.start({ binlog: true })
  })

  it('starts on the same server once it is safe (the baseline of every case below)', async () => {
    const source = createBinlogInvalidationSource(options())
    await source.start()
    expect(source.stats()).toMatchObject({ state: 'streaming', healthy: true })
    await source.close()
  })

  it.each([
    ['binlog_format', 'STATEMENT', 'ROW'],
    ['binlog_format', 'MIXED', 'ROW'],
    ['binlog_row_image', 'MINIMAL', 'FULL'],
    ['binlog_row_image', 'NOBLOB', 'FULL'],
    ['binlog_row_metadata', 'NO_LOG', 'FULL'],
    ['binlog_row_metadata', 'MINIMAL', 'FULL'],
  ])('%s = %s', async (setting, unsafe, safe) => {
    const admin = await rig.server.connect()
    try {
      await admin.query(`SET GLOBAL ${setting} = '${unsafe}'`)
      const error = await refusal()
      expect(error).toBeInstanceOf(BinlogUnsafeServerError)
      expect(error).toMatchObject({ code: 'ERR_BINLOG_UNSAFE_SERVER', setting, actual: unsafe, expected: safe, transient: false })
      expect((error as BinlogUnsafeServerError).fix).toContain(`SET GLOBAL ${setting}`)
    } finally {
      await admin.query(`SET GLOBAL ${setting} = '${safe}'`)
      await admin.end()
    }
  })

  it("the source's serverId is the server's own server_id", async () => {
    expect(await refusal({ serverId: 1 })).toMatchObject({ code: 'ERR_BINLOG_UNSAFE_SERVER', setting: 'server_id' })
  })

  it('the table does not exist', async () => {
    // As root: MariaDB answers "denied" rather than "missing" to a user without rights on it.
    const error = await refusal({ connection: rig.server.url, table: 'app.no_such_table' })
    expect(error).toMatchObject({ code: 'ERR_BINLOG_UNSAFE_SERVER', setting: 'table' })
  })

  it('MySQL, or MariaDB before 10.5 (no binlog_row_metadata)', async () => {
    // A server that answers the checks' queries with `version` and otherwise safe settings.
    const check = (version: string): Promise<unknown> => {
      const fake = { query: () => Promise.resolve([[{ version, serverId: 1, logBin: 1, binlog_format: 'ROW', binlog_row_image: 'FULL', binlog_row_metadata: 'FULL' }]]) }
      return checkServer(fake as unknown as Connection, 'app', 'contacts', 4711)
    }
    // 12.0: a MySQL numbered past MariaDB 10.5 is still not MariaDB.
    for (const version of ['8.0.36', '12.0.1', '10.4.32-MariaDB']) {
      await expect(check(version)).rejects.toMatchObject({
        code: 'ERR_BINLOG_UNSAFE_SERVER',
        setting: 'version',
        actual: version,
        expected: 'MariaDB 10.5 or later',
        fix: 'This version tails MariaDB only (10.5 and later log binlog_row_metadata); point `connection` at one.',
      })
    }
    // 10.5 itself passes, and the fake's answers pass the checks after it.
    await expect(check('10.5.27-MariaDB')).resolves.toEqual({ version: '10.5.27-MariaDB', serverId: 1 })
  })
})

describe('G-BINLOG-REFUSE-UNSAFE: refusing a user without the privileges', () => {
  it.each([
    ['REPLICATION SLAVE', 'BINLOG MONITOR ON *.*', 'GRANT REPLICATION SLAVE'],
    ['BINLOG MONITOR', 'REPLICATION SLAVE ON *.*', 'GRANT BINLOG MONITOR'],
    ['SELECT', 'REPLICATION SLAVE, BINLOG MONITOR ON *.*', 'GRANT SELECT ON `app`.`contacts`'],
  ])('without %s', async (privilege, globalGrant, fix) => {
    const user = `lacks_${privilege.replace(/\W/g, '_').toLowerCase()}`
    // A fresh connection: the rig's own died with the restart above.
    const admin = await rig.server.connect({ multipleStatements: true })
    await admin.query(
      `CREATE USER IF NOT EXISTS '${user}'@'127.0.0.1' IDENTIFIED BY 'pw'; GRANT ${globalGrant} TO '${user}'@'127.0.0.1';` +
        (privilege === 'SELECT' ? '' : `GRANT SELECT ON app.contacts TO '${user}'@'127.0.0.1';`),
    )
    await admin.end()
    const error = await refusal({ connection: { ...rig.tailer, user, password: 'pw' } })
    expect(error).toBeInstanceOf(BinlogPrivilegeError)
    expect(error).toMatchObject({ code: 'ERR_BINLOG_MISSING_PRIVILEGE', privilege, transient: false })
    expect((error as BinlogPrivilegeError).fix).toContain(fix)
  })

  it('without SELECT on the table, with rights on another table of its database', async () => {
    // Rights in the database let the connection in: the check's own SELECT is what is denied.
    const user = 'lacks_select_on_table'
    const admin = await rig.server.connect({ multipleStatements: true })
    await admin.query(
      `CREATE TABLE IF NOT EXISTS app.other_table (id INT PRIMARY KEY);` +
        `CREATE USER IF NOT EXISTS '${user}'@'127.0.0.1' IDENTIFIED BY 'pw';` +
        `GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '${user}'@'127.0.0.1'; GRANT SELECT ON app.other_table TO '${user}'@'127.0.0.1';`,
    )
    await admin.end()
    const error = await refusal({ connection: { ...rig.tailer, user, password: 'pw' } })
    expect(error).toMatchObject({
      code: 'ERR_BINLOG_MISSING_PRIVILEGE',
      privilege: 'SELECT',
      fix: 'GRANT SELECT ON `app`.`contacts` TO <user> (and check that the table exists)',
    })
    expect((error as BinlogPrivilegeError).cause).toMatchObject({ errno: 1142 })
  })

  it('the documented grants are enough (the rig user has exactly them)', () => {
    expect(TAILER.user).toBe('tailer')
  })
})

describe('other failures to start', () => {
  it('a server that cannot be reached: transient BinlogConnectionError', async () => {
    const error = await refusal({ connection: { host: '127.0.0.1', port: 1, user: 'x' }, table: 'app.contacts', connectTimeout: 2_000 })
    expect(error).toBeInstanceOf(BinlogConnectionError)
    expect(error).toMatchObject({ code: 'ERR_BINLOG_CONNECTION', transient: true })
  })

  it('a standby refuses an unsafe server too', async () => {
    const redis = new Redis(REDIS_URL)
    const key = `binlog-refusal:${process.pid}:${Date.now()}`
    const admin = await rig.server.connect()
    try {
      await redis.set(key, '1:someone-else', 'PX', 30_000)
      await admin.query("SET GLOBAL binlog_row_image = 'MINIMAL'")
      const error = await refusal({ lease: { redis, key } })
      expect(error).toMatchObject({ code: 'ERR_BINLOG_UNSAFE_SERVER', setting: 'binlog_row_image' })
    } finally {
      await admin.query("SET GLOBAL binlog_row_image = 'FULL'")
      await admin.end()
      await redis.del(key, `${key}:token`)
      redis.disconnect()
    }
  })
})
