// Proves G-TTL: entries expire after a TTL (with jitter, no timer overflow); "not found" is
// cached for its own TTL (0 turns it off). Time moves by an injected clock, never by sleeping.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ContactRepository, type ContactRepositoryOptions } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ManualClock } from '../helpers/manual-clock.js'

describe.each(BACKENDS)('G-TTL: TTL, on %s', (name) => {
  let backend: TestBackend
  const ids = Array.from({ length: 200 }, (_, i) => i + 1)

  beforeAll(async () => {
    backend = await openBackend(name, 'ttl')
    await backend.insert(ids.map((id) => seed(1, id)))
  })
  afterAll(async () => {
    await backend.close()
  })

  function setup(options: Partial<ContactRepositoryOptions>): { contacts: ContactRepository; clock: ManualClock } {
    const clock = new ManualClock()
    const contacts = new ContactRepository({ db: backend.db, table: backend.table, now: clock.now, ...options })
    return { contacts, clock }
  }

  it('serves an entry until its TTL has passed, then reads it again', async () => {
    const { contacts, clock } = setup({ ttl: 1_000, ttlJitter: 0 })
    await contacts.getMany(1, [1, 2])
    clock.advance(999)
    await contacts.getMany(1, [1, 2])
    expect(contacts.stats()).toMatchObject({ queries: 1, hits: 2 })
    clock.advance(1)
    const again = await contacts.getMany(1, [2, 1])
    expect(again.rows.map((r) => r.id)).toEqual([2, 1])
    expect(contacts.stats()).toMatchObject({ queries: 2, hits: 2, misses: 4 })
  })

  it('spreads expiry over [ttl * (1 - jitter), ttl]', async () => {
    const { contacts, clock } = setup({ ttl: 1_000, ttlJitter: 0.5 })
    await contacts.getMany(1, ids)
    clock.advance(499)
    await contacts.getMany(1, ids, { cache: 'no-fill' })
    expect(contacts.stats().hits).toBe(200) // none expires before ttl * (1 - jitter)
    clock.advance(251) // 750 ms: about half expired (the chance that none or all did is 2^-199)
    await contacts.getMany(1, ids, { cache: 'no-fill' })
    const hitsAt750 = contacts.stats().hits - 200
    expect(hitsAt750).toBeGreaterThan(0)
    expect(hitsAt750).toBeLessThan(200)
    clock.advance(250) // 1000 ms: every entry is expired
    await contacts.getMany(1, ids, { cache: 'no-fill' })
    expect(contacts.stats().hits - 200 - hitsAt750).toBe(0)
  })

  it('caches "not found" for notFoundTtl, separately from rows', async () => {
    const { contacts, clock } = setup({ ttl: 10_000, notFoundTtl: 100, ttlJitter: 0 })
    expect((await contacts.getMany(1, [1, 9001])).missing).toEqual([9001])
    clock.advance(99)
    await contacts.getMany(1, [9001, 1])
    expect(contacts.stats()).toMatchObject({ queries: 1, negativeHits: 1 })
    clock.advance(1)
    await contacts.getMany(1, [9001, 1])
    expect(contacts.stats()).toMatchObject({ queries: 2, negativeHits: 1, hits: 3 })
  })

  it('does not cache "not found" when notFoundTtl is 0', async () => {
    const { contacts } = setup({ notFoundTtl: 0 })
    await contacts.getMany(1, [1, 9002])
    await contacts.getMany(1, [1, 9002])
    expect(contacts.stats()).toMatchObject({ queries: 2, negativeHits: 0, entries: 1 })
  })

  it('accepts TTLs far beyond setTimeout\'s range and sets no timer for them', async () => {
    const thirtyDays = 30 * 24 * 3600 * 1000 // > 2^31 - 1 ms
    const { contacts, clock } = setup({ ttl: thirtyDays, ttlJitter: 0 })
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    try {
      await contacts.getMany(1, [3])
      for (const call of setTimeoutSpy.mock.calls) expect(call[1]).toBeLessThan(2 ** 31)
    } finally {
      setTimeoutSpy.mockRestore()
    }
    clock.advance(thirtyDays - 1)
    await contacts.getMany(1, [3])
    expect(contacts.stats().queries).toBe(1)
    clock.advance(1)
    await contacts.getMany(1, [3])
    expect(contacts.stats().queries).toBe(2)
  })
})
