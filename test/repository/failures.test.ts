// Proves G-CLEAN-FAILURE: a failed query rejects every waiter with a typed error (stable code, the
// driver's error as cause), caches nothing, leaves nothing in flight, and the next call
// retries with one query. Per-call AbortSignal and the query deadline.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  ContactAbortError,
  ContactQueryError,
  ContactRepository,
  ContactTimeoutError,
  createContactsTable,
} from '../../src/index.js'
import { BACKENDS, openBackend, seed, uniqueTableName, type TestBackend } from '../helpers/backends.js'
import { openRefusedDatabase } from '../helpers/refused-database.js'
import { ResultGate } from '../helpers/result-gate.js'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason)
}
process.on('unhandledRejection', onUnhandled)
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
})
afterEach(async () => {
  // Give any stray rejection a chance to surface before checking.
  await new Promise((resolve) => setImmediate(resolve))
  expect(unhandled).toEqual([])
})

const reason = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (e: unknown) => e)

describe.each(BACKENDS)('G-CLEAN-FAILURE: failures, on %s', (name) => {
  let backend: TestBackend

  beforeAll(async () => {
    backend = await openBackend(name, 'failures')
    await backend.insert([seed(1, 1), seed(1, 2), seed(1, 3)])
  })
  afterAll(async () => {
    await backend.close()
  })

  it('rejects every waiter of a failed batch with ContactQueryError, caches nothing, retries with one query', async () => {
    const table = uniqueTableName('missing')
    const contacts = new ContactRepository({ db: backend.db, table })
    const errors = await Promise.all([
      reason(contacts.getMany(1, [1, 2])),
      reason(contacts.getMany(1, [2, 3])),
      reason(contacts.getMany(1, [3])),
    ])
    for (const error of errors) {
      expect(error).toBeInstanceOf(ContactQueryError)
      // A missing table is a configuration error: retrying the same call cannot fix it.
      expect(error).toMatchObject({ code: 'ERR_CONTACTS_QUERY_FAILED', transient: false, tenantId: 1, batchSize: 3 })
      expect((error as Error).cause).toBeInstanceOf(Error)
    }
    // One batch, one error object, shared by every waiter.
    expect(errors[1]).toBe(errors[0])
    expect(contacts.stats()).toMatchObject({ queries: 1, errors: 1, inflight: 0, entries: 0, activeQueries: 0 })

    await createContactsTable(backend.db, { table })
    const result = await contacts.getMany(1, [1, 2, 3])
    expect(result.missing).toEqual([1, 2, 3])
    expect(contacts.stats()).toMatchObject({ queries: 2, errors: 1, inflight: 0, entries: 3 })
  })

  it('rejects at once with ContactAbortError for a signal already aborted, without SQL', async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table })
    const before = await backend.selectCount()
    const error = await reason(contacts.getMany(1, [1], { signal: AbortSignal.abort(new Error('gone')) }))
    expect(error).toBeInstanceOf(ContactAbortError)
    expect(error).toMatchObject({ code: 'ERR_CONTACTS_ABORTED', cause: new Error('gone') })
    expect(await backend.selectCount()).toBe(before)
  })

  it('rejects only the aborted caller; the shared load goes on for the others', async () => {
    const gate = new ResultGate()
    const contacts = new ContactRepository({ db: backend.db.withPlugin(gate), table: backend.table })
    const controller = new AbortController()
    gate.closed = true
    const aborted = reason(contacts.getMany(1, [1, 2], { signal: controller.signal }))
    const patient = contacts.getMany(1, [2, 1])
    await gate.whenHeld(1)
    controller.abort()
    expect(await aborted).toBeInstanceOf(ContactAbortError)
    gate.open()
    expect((await patient).rows.map((r) => r.id)).toEqual([2, 1])
    expect(contacts.stats()).toMatchObject({ queries: 1, entries: 2, inflight: 0 })
  })

  it('rejects every waiter with ContactTimeoutError at the deadline and caches nothing', async () => {
    const gate = new ResultGate()
    const contacts = new ContactRepository({ db: backend.db.withPlugin(gate), table: backend.table, queryTimeout: 50 })
    gate.closed = true
    const errors = await Promise.all([reason(contacts.getMany(1, [1])), reason(contacts.getMany(1, [1, 2]))])
    for (const error of errors) {
      expect(error).toBeInstanceOf(ContactTimeoutError)
      expect(error).toMatchObject({ code: 'ERR_CONTACTS_TIMEOUT', timeoutMs: 50, phase: 'query' })
    }
    expect(contacts.stats()).toMatchObject({ timeouts: 1, errors: 1, inflight: 0 })
    gate.open()
    // The late rows are not cached either; the next call asks again, once.
    await new Promise((resolve) => setImmediate(resolve))
    expect(contacts.stats().entries).toBe(0)
    const result = await contacts.getMany(1, [2, 1])
    expect(result.rows.map((r) => r.id)).toEqual([2, 1])
    expect(contacts.stats()).toMatchObject({ queries: 2, entries: 2, inflight: 0, activeQueries: 0 })
  })
})

describe('G-CLEAN-FAILURE: failures when the database is unreachable', () => {
  it('rejects with ContactQueryError whose cause is the connection error', async () => {
    const { db } = await openRefusedDatabase()
    try {
      const contacts = new ContactRepository({ db })
      const error = await reason(contacts.getMany(1, [1]))
      expect(error).toBeInstanceOf(ContactQueryError)
      expect(error).toMatchObject({ transient: true })
      expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' })
      // The driver's text stays in `cause`; the message is ours.
      expect((error as Error).message).not.toContain('ECONNREFUSED')
      expect(contacts.stats()).toMatchObject({ inflight: 0, entries: 0, errors: 1 })
    } finally {
      await db.destroy()
    }
  })
})
