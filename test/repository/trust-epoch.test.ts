// Proves G-BUS-TRUST: an entry filled from a read the bus may not have covered lives no longer
// than `untrustedTtl`, even when its batch lands after trust came back. The bus is an in-process
// fake the test drives, the query is held after the database answered (ResultGate), and time
// moves by an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ManualBus } from '../helpers/manual-bus.js'
import { ManualClock } from '../helpers/manual-clock.js'
import { ResultGate } from '../helpers/result-gate.js'

const TENANT = 1
const TTL = 60_000
const UNTRUSTED_TTL = 1_000

describe.each(BACKENDS)('trust epochs, on %s', (name) => {
  let backend: TestBackend

  beforeAll(async () => {
    backend = await openBackend(name, 'trust_epoch')
    await backend.insert([1, 2, 3].map((id) => seed(TENANT, id)))
  })
  afterAll(async () => {
    await backend.close()
  })

  function setup(): { contacts: ContactRepository; bus: ManualBus; clock: ManualClock; gate: ResultGate } {
    const bus = new ManualBus()
    const clock = new ManualClock()
    const gate = new ResultGate()
    const contacts = new ContactRepository({
      db: backend.db.withPlugin(gate),
      table: backend.table,
      bus,
      now: clock.now,
      ttl: TTL,
      untrustedTtl: UNTRUSTED_TTL,
      ttlJitter: 0,
    })
    return { contacts, bus, clock, gate }
  }

  /** Whether reading `ids` once more sends a query to the database (counted where it arrives). */
  async function readsAnother(contacts: ContactRepository, ids: readonly number[]): Promise<boolean> {
    const before = await backend.selectCount()
    await contacts.getMany(TENANT, ids)
    return (await backend.selectCount()) > before
  }

  it('G-BUS-TRUST: a batch read while untrusted keeps untrustedTtl when it lands after trust returned', async () => {
    const { contacts, bus, clock, gate } = setup()
    bus.setTrusted(false)
    gate.closed = true
    const loading = contacts.getMany(TENANT, [1, 2])
    await gate.whenHeld(1) // the rows were read while invalidations could be lost
    bus.setTrusted(true)
    expect(contacts.stats().trusted).toBe(true)
    gate.open()
    expect((await loading).rows.map((row) => row.id)).toEqual([1, 2])

    clock.advance(UNTRUSTED_TTL - 1)
    expect(await readsAnother(contacts, [1, 2]), 'cached until untrustedTtl').toBe(false)
    clock.advance(1)
    expect(await readsAnother(contacts, [1, 2]), 'read again once untrustedTtl passed, not kept for ttl').toBe(true)
    await contacts.close()
  })

  it('G-BUS-TRUST: a batch in flight while trust is lost and regained lives no longer than untrustedTtl', async () => {
    const { contacts, bus, clock, gate } = setup()
    gate.closed = true
    const loading = contacts.getMany(TENANT, [3])
    await gate.whenHeld(1)
    bus.setTrusted(false)
    bus.setTrusted(true)
    gate.open()
    expect((await loading).rows.map((row) => row.id)).toEqual([3])
    clock.advance(UNTRUSTED_TTL)
    expect(await readsAnother(contacts, [3]), 'read again once untrustedTtl passed').toBe(true)
    await contacts.close()
  })

  it('G-BUS-TRUST: control: a batch sent and landed while trusted is kept for the full ttl', async () => {
    const { contacts, clock } = setup()
    await contacts.getMany(TENANT, [1, 2])
    clock.advance(TTL - 1)
    expect(await readsAnother(contacts, [1, 2]), 'cached until ttl').toBe(false)
    clock.advance(1)
    expect(await readsAnother(contacts, [1, 2]), 'read again once ttl passed').toBe(true)
    await contacts.close()
  })
})
