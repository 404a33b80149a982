// Proves G-INVALIDATE-AFTER-COMMIT: ContactWrites invalidates once the COMMIT completed, not
// merely when the write's callback returned. The writer's dialect holds each COMMIT at a gate
// (CommitGate) so a reader runs between "callback finished" and "commit done"; the reader
// reads through its own pool, as another request would. MariaDB only, like the other
// ContactWrites tests: the writer needs a Kysely of its own (gated) on the test's database.
import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository, ContactWrites, type InvalidationMessage } from '../../src/index.js'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { CommitGate } from '../helpers/commit-gate.js'
import { MYSQL_URL } from '../helpers/env.js'
import { ManualBus } from '../helpers/manual-bus.js'

const TENANT = 1

describe('ContactWrites and the commit, on mariadb', () => {
  let backend: TestBackend
  const gate = new CommitGate()
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
  let writerDb: Kysely<any>
  let nextId = 1
  // A write a failed test left at the gate: let it finish before the pool is destroyed.
  let pending: Promise<unknown> = Promise.resolve()

  beforeAll(async () => {
    backend = await openBackend('mariadb', 'writes_commit')
    writerDb = new Kysely({
      dialect: gate.dialect(new MysqlDialect({ pool: createPool({ uri: MYSQL_URL, connectionLimit: 2 }) })),
    })
  })
  afterAll(async () => {
    gate.open()
    await pending.catch(() => undefined)
    await writerDb.destroy()
    await backend.close()
  })

  it('G-INVALIDATE-AFTER-COMMIT: a reader between the end of the write and the end of its commit cannot leave the old row cached', async () => {
    const id = nextId++
    await backend.insert([seed(TENANT, id, { first_name: 'old' })])
    const bus = new ManualBus()
    const repository = new ContactRepository({ db: backend.db, table: backend.table, bus, ttl: 60_000 })
    const writes = new ContactWrites({ db: writerDb, repository })
    const firstName = async (): Promise<string | null | undefined> =>
      (await repository.getMany(TENANT, [id])).rows[0]?.firstName
    expect(await firstName()).toBe('old') // cached

    gate.closed = true
    let callbackDone = false
    const writing = writes.execute(async (trx, changes) => {
      await trx.updateTable(backend.table).set({ first_name: 'new' }).where('tenant_id', '=', TENANT).where('id', '=', id).execute()
      changes.ids(TENANT, [id])
      callbackDone = true
      return 'written'
    })
    pending = writing
    await gate.whenHeld()
    expect(callbackDone).toBe(true)
    // The write's callback returned; its COMMIT has not reached the database. Nothing may be
    // invalidated yet: a reader that missed now would read the old row, still committed.
    expect(bus.published, 'no invalidation before the commit completed').toEqual([])
    expect(await firstName(), 'a reader in between').toBe('old')

    gate.open()
    expect(await writing).toBe('written')
    expect(gate.committed).toBeGreaterThanOrEqual(1)
    expect(bus.published).toEqual([{ kind: 'ids', tenantId: TENANT, ids: [id] }] satisfies InvalidationMessage[])
    expect(await firstName(), 'the committed row, not the one the reader cached').toBe('new')
    await repository.close()
  })
})
