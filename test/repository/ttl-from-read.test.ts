// Proves G-TTL: an entry's lifetime counts from when its row was read (the batch was sent),
// not from when the result landed, so a slow query never stretches freshness past `ttl` (nor
// a "not found" past `notFoundTtl`). The query is held after the database answered
// (ResultGate) while an injected clock moves on: no sleeps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ManualClock } from '../helpers/manual-clock.js'
import { ResultGate } from '../helpers/result-gate.js'

const TENANT = 1
const TTL = 1_000
const NOT_FOUND_TTL = 500
const ABSENT = 9_001

describe.each(BACKENDS)('TTL counted from the read, on %s', (name) => {
  let backend: TestBackend

  beforeAll(async () => {
    backend = await openBackend(name, 'ttl_from_read')
    await backend.insert([seed(TENANT, 1), seed(TENANT, 2)])
  })
  afterAll(async () => {
    await backend.close()
  })

  function setup(): { contacts: ContactRepository; clock: ManualClock; gate: ResultGate } {
    const clock = new ManualClock()
    const gate = new ResultGate()
    const contacts = new ContactRepository({
      db: backend.db.withPlugin(gate),
      table: backend.table,
      now: clock.now,
      ttl: TTL,
      notFoundTtl: NOT_FOUND_TTL,
      ttlJitter: 0,
    })
    return { contacts, clock, gate }
  }

  /** Whether reading `ids` once more sends a query to the database (counted where it arrives). */
  async function readsAnother(contacts: ContactRepository, ids: readonly number[]): Promise<boolean> {
    const before = await backend.selectCount()
    await contacts.getMany(TENANT, ids)
    return (await backend.selectCount()) > before
  }

  /** Loads `ids` with a query whose answer takes `slowMs` of the clock to land. */
  async function loadSlowly(contacts: ContactRepository, clock: ManualClock, gate: ResultGate, ids: readonly number[], slowMs: number): Promise<void> {
    gate.closed = true
    const loading = contacts.getMany(TENANT, ids)
    await gate.whenHeld(1) // read at the clock's current time
    clock.advance(slowMs)
    gate.open()
    await loading
  }

  it('G-TTL: counts ttl from when the row was read, not from when a slow query landed', async () => {
    const { contacts, clock, gate } = setup()
    await loadSlowly(contacts, clock, gate, [1, 2], 800)
    clock.advance(TTL - 800 - 1)
    expect(await readsAnother(contacts, [1, 2]), 'fresh until ttl after the read').toBe(false)
    clock.advance(1)
    expect(await readsAnother(contacts, [1, 2]), 'read again at ttl after the read, not after the fill').toBe(true)
    await contacts.close()
  })

  it('G-TTL: counts notFoundTtl from when the absence was read, not from when a slow query landed', async () => {
    const { contacts, clock, gate } = setup()
    await loadSlowly(contacts, clock, gate, [ABSENT], 400)
    clock.advance(NOT_FOUND_TTL - 400 - 1)
    expect(await readsAnother(contacts, [ABSENT]), 'fresh until notFoundTtl after the read').toBe(false)
    clock.advance(1)
    expect(await readsAnother(contacts, [ABSENT]), 'read again at notFoundTtl after the read, not after the fill').toBe(true)
    await contacts.close()
  })
})
