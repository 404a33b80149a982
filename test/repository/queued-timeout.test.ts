// Proves G-OVERLOAD: a batch whose deadline passes while it waits for a query slot leaves the
// limiter's queue at once, so `queuedQueries` does not stay inflated and later calls are
// queued rather than shed. The only slot is held by a query whose result the test holds
// (ResultGate); the deadline is real time (`queryTimeout`), a liveness bound, not a measurement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactOverloadError, ContactRepository, ContactTimeoutError } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ResultGate } from '../helpers/result-gate.js'

const TENANT = 1
// Long enough for a query that is granted its slot to finish on a loaded machine.
const QUERY_TIMEOUT = 1_000

const outcome = (promise: Promise<unknown>): Promise<unknown> => promise.then((value) => value, (error: unknown) => error)
// Batches are sent on the tick after the call; two turns of the event loop cover it.
const nextTurn = async (): Promise<void> => {
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
}

describe.each(BACKENDS)('a batch timing out in the query queue, on %s', (name) => {
  let backend: TestBackend

  beforeAll(async () => {
    backend = await openBackend(name, 'queued_timeout')
    await backend.insert([1, 2, 3].map((id) => seed(TENANT, id)))
  })
  afterAll(async () => {
    await backend.close()
  })

  it('G-OVERLOAD: a batch that times out while queued for a query slot leaves the queue; later calls are queued, not shed', async () => {
    const gate = new ResultGate()
    const contacts = new ContactRepository({
      db: backend.db.withPlugin(gate),
      table: backend.table,
      maxConcurrentQueries: 1,
      maxQueuedQueries: 1,
      maxQueuedQueriesPerTenant: 1,
      queryTimeout: QUERY_TIMEOUT,
    })
    gate.closed = true
    const holding = outcome(contacts.getMany(TENANT, [1])) // takes the only slot; its rows are held
    await gate.whenHeld(1)
    const queued = outcome(contacts.getMany(TENANT, [2]))
    await nextTurn()
    expect(contacts.stats()).toMatchObject({ activeQueries: 1, queuedQueries: 1 })

    expect(await queued).toBeInstanceOf(ContactTimeoutError)
    expect(await holding).toBeInstanceOf(ContactTimeoutError)
    // The held query still has its slot (the database is busy with it); the queue is empty.
    expect(contacts.stats()).toMatchObject({ activeQueries: 1, queuedQueries: 0, timeouts: 2, shed: 0 })

    const later = outcome(contacts.getMany(TENANT, [3]))
    await nextTurn()
    expect(contacts.stats()).toMatchObject({ queuedQueries: 1, shed: 0 })
    gate.open()
    const result = await later
    expect(result, 'the later call got the slot once the held query finished').not.toBeInstanceOf(ContactOverloadError)
    expect(result).toMatchObject({ rows: [{ id: 3 }], missing: [] })
    expect(contacts.stats()).toMatchObject({ activeQueries: 0, queuedQueries: 0, shed: 0 })
    await contacts.close()
  })
})
