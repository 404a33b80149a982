// The write helper: the user's write runs in a transaction; invalidation comes after the commit.
import { Kysely, MysqlDialect, sql } from 'kysely'
import { createPool } from 'mysql2'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ContactChangesClosedError, ContactRepository, ContactValidationError, ContactWrites, type ContactInvalidator } from '../../src/index.js'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { MYSQL_URL } from '../helpers/env.js'
import { QueryGate, gatedDialect } from '../helpers/gated-dialect.js'

const TENANT = 21
let backend: TestBackend
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
let db: Kysely<any>
const gate = new QueryGate()
let repository: ContactRepository

beforeAll(async () => {
  backend = await openBackend('mariadb', 'redis_writes')
  await backend.insert([1, 2, 3].map((id) => seed(TENANT, id, { first_name: 'v0' })))
  db = new Kysely({ dialect: gatedDialect(new MysqlDialect({ pool: createPool({ uri: MYSQL_URL, connectionLimit: 4 }) }), gate) })
})

afterAll(async () => {
  await db.destroy()
  await backend.close()
})

beforeEach(async () => {
  await db.updateTable(backend.table).set({ first_name: 'v0' }).execute()
  repository = new ContactRepository({ db, table: backend.table, ttl: 60_000 })
})

async function firstName(id: number): Promise<string | null | undefined> {
  return (await repository.getMany(TENANT, [id])).rows[0]?.firstName
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
function update(trx: Kysely<any>, id: number, name: string): Promise<unknown> {
  return sql`update ${sql.table(backend.table)} set first_name = ${name} where tenant_id = ${TENANT} and id = ${id}`.execute(trx)
}

describe('G-INVALIDATE-AFTER-COMMIT: ContactWrites', () => {
  it('invalidates after the commit: a reader that refilled the old row during the write does not keep it', async () => {
    const writes = new ContactWrites({ db, repository })
    await firstName(1)
    const result = await writes.execute(async (trx, changes) => {
      await update(trx, 1, 'v1')
      changes.ids(TENANT, [1])
      await repository.invalidateAll() // make the reader miss now, before the commit
      expect(await firstName(1)).toBe('v0') // it refills the committed (old) row meanwhile
      return 'done'
    })
    expect(result).toBe('done')
    expect(await firstName(1)).toBe('v1')
  })

  it('control: invalidating before the commit leaves the old row cached (the mistake the helper prevents)', async () => {
    await db.transaction().execute(async (trx) => {
      await update(trx, 1, 'v1')
      await repository.invalidate(TENANT, [1])
      expect(await firstName(1)).toBe('v0')
    })
    expect(await firstName(1)).toBe('v0') // stale for a whole TTL
  })

  it('invalidates nothing when the write throws (rolled back), and rethrows', async () => {
    const writes = new ContactWrites({ db, repository })
    await firstName(2)
    const failure = new Error('business rule')
    await expect(
      writes.execute(async (trx, changes) => {
        await update(trx, 2, 'v1')
        changes.ids(TENANT, [2])
        throw failure
      }),
    ).rejects.toBe(failure)
    expect(repository.stats().invalidations).toBe(0)
    expect(await firstName(2)).toBe('v0')
  })

  it('invalidates anyway when the commit itself fails (its outcome is unknown), and rethrows', async () => {
    const writes = new ContactWrites({ db, repository })
    const calls: string[] = []
    const spy: ContactInvalidator = {
      invalidate: (tenantId, ids) => { calls.push(`ids ${tenantId} ${ids.join(',')}`); return repository.invalidate(tenantId, ids) },
      invalidateTenant: (tenantId) => { calls.push(`tenant ${tenantId}`); return repository.invalidateTenant(tenantId) },
    }
    const spied = new ContactWrites({ db, repository: spy })
    gate.failNextCommit = true
    await expect(
      spied.execute(async (trx, changes) => {
        await update(trx, 3, 'v1')
        changes.ids(TENANT, [3, 3])
        changes.tenant(TENANT + 1)
      }),
    ).rejects.toThrow(/COMMIT/)
    expect(calls).toEqual([`ids ${TENANT} 3`, `tenant ${TENANT + 1}`])
    await writes.execute(() => Promise.resolve())
    expect(repository.stats().invalidations).toBe(2)
  })

  it('records an empty ID list as nothing: no invalidation is sent for it', async () => {
    const writes = new ContactWrites({ db, repository })
    const before = repository.stats().invalidations
    await writes.execute((_trx, changes) => {
      changes.ids(TENANT, [])
      changes.ids(TENANT + 1, [1])
      changes.ids(TENANT + 1, [])
      return Promise.resolve()
    })
    expect(repository.stats().invalidations).toBe(before + 1) // tenant + 1's, once
  })

  it('records a whole tenant once, taking in the IDs recorded for it before or after, and each ID once', async () => {
    const calls: string[] = []
    const recorder: ContactInvalidator = {
      invalidate: (tenantId, ids) => { calls.push(`ids ${tenantId}: ${ids.join(',')}`); return Promise.resolve() },
      invalidateTenant: (tenantId) => { calls.push(`tenant ${tenantId}`); return Promise.resolve() },
    }
    const writes = new ContactWrites({ db, repository: recorder })
    await writes.execute((_trx, changes) => {
      changes.ids(TENANT, [1])
      changes.tenant(TENANT)
      changes.ids(TENANT, [2])
      changes.ids(TENANT + 1, [3, 4])
      changes.ids(TENANT + 1, [3])
      return Promise.resolve()
    })
    expect(calls.sort()).toEqual([`ids ${TENANT + 1}: 3,4`, `tenant ${TENANT}`])
  })

  it('checks IDs inside the write (so a bad one rolls back), refuses recording after it, and validates options', async () => {
    const writes = new ContactWrites({ db, repository, isolationLevel: 'read committed' })
    await expect(
      writes.execute(async (trx, changes) => {
        await update(trx, 1, 'v9')
        changes.ids(TENANT, [0])
      }),
    ).rejects.toBeInstanceOf(ContactValidationError)
    expect(await firstName(1)).toBe('v0')
    let leaked: { ids: (t: number, ids: readonly number[]) => void } | undefined
    await writes.execute((_trx, changes) => { leaked = changes; return Promise.resolve() })
    expect(() => leaked?.ids(TENANT, [1])).toThrow(ContactChangesClosedError)
    expect(() => leaked?.ids(TENANT, [1])).toThrow(expect.objectContaining({ code: 'ERR_CONTACTS_CHANGES_CLOSED', transient: false }))

    expect(() => new ContactWrites({ db: {} as never, repository })).toThrow(/options\.db/)
    expect(() => new ContactWrites({ db, repository: {} as never })).toThrow(/options\.repository/)
    expect(() => new ContactWrites({ db, repository, isolationLevel: 'chaos' as never })).toThrow(/options\.isolationLevel/)
    await db.transaction().execute((trx) => {
      expect(() => new ContactWrites({ db: trx, repository })).toThrow(/must not be a Transaction/)
      return Promise.resolve()
    })
  })
})
