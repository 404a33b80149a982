// Proves G-NO-FILL: background jobs read through without wrecking the cache ('no-fill'), or
// bypass it entirely ('bypass').
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ResultGate } from '../helpers/result-gate.js'

describe.each(BACKENDS)('G-NO-FILL: cache modes, on %s', (name) => {
  let backend: TestBackend
  const all = Array.from({ length: 400 }, (_, i) => i + 1)

  beforeAll(async () => {
    backend = await openBackend(name, 'modes')
    await backend.insert(all.map((id) => seed(1, id)))
  })
  afterAll(async () => {
    await backend.close()
  })

  it("'no-fill' serves hits, loads misses, and caches nothing", async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table })
    await contacts.getMany(1, [1, 2])
    const result = await contacts.getMany(1, [2, 3, 1, 9999], { cache: 'no-fill' })
    expect(result.rows.map((r) => r.id)).toEqual([2, 3, 1])
    expect(result.missing).toEqual([9999])
    expect(contacts.stats()).toMatchObject({ entries: 2, hits: 2, queries: 2 })
  })

  it("'no-fill' leaves the hot set in place while a job scans far more than the cache holds", async () => {
    const contacts = new ContactRepository({ db: backend.db, table: backend.table, maxEntries: 50, maxEntriesPerTenant: 50 })
    const hot = all.slice(0, 20)
    const scan = async (mode: 'normal' | 'no-fill'): Promise<void> => {
      for (let i = 20; i < all.length; i += 40) await contacts.getMany(1, all.slice(i, i + 40), { cache: mode })
    }
    await contacts.getMany(1, hot)
    await scan('no-fill')
    const queries = contacts.stats().queries
    await contacts.getMany(1, hot)
    expect(contacts.stats()).toMatchObject({ queries, evictions: 0, entries: 20 })

    // The same scan in 'normal' mode evicts the hot set: the test above can tell the difference.
    await scan('normal')
    await contacts.getMany(1, hot)
    expect(contacts.stats().queries).toBeGreaterThan(queries + 1)
    expect(contacts.stats().evictions).toBeGreaterThan(0)
  })

  // The policy decides by recency and by frequency (W-TinyLFU): a 'no-fill' read must feed
  // neither. Two repositories see the same normal calls; one also sees 'no-fill' reads of IDs
  // cached or not. At the end both must hold exactly the same IDs. The same interleaving with
  // normal reads changes what is kept, so the comparison can tell.
  it("'no-fill' reads leave no trace: neither recency nor frequency", async () => {
    const ids = all.slice(0, 60)
    const steps: { readonly id: number; readonly extra: number }[] = []
    let seed = 7
    const next = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), seed | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) % n
    }
    // Skewed normal traffic over 60 IDs, and an extra read of a random ID after each call.
    for (let k = 0; k < 300; k++) steps.push({ id: ids[Math.min(next(60), next(60))] as number, extra: ids[next(60)] as number })
    // Admission lets a warm candidate in once in 128 at random: pin the draw so that the two
    // replays can differ only by what the extra reads did.
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const replay = async (extraMode: 'no-fill' | 'normal' | undefined): Promise<number[]> => {
      const contacts = new ContactRepository({ db: backend.db, table: backend.table, maxEntries: 12, maxEntriesPerTenant: 12 })
      for (const step of steps) {
        await contacts.getMany(1, [step.id])
        if (extraMode !== undefined) await contacts.getMany(1, [step.extra], { cache: extraMode })
      }
      // Which IDs are cached: a 'no-fill' read of a cached ID sends no query.
      const cached: number[] = []
      for (const id of ids) {
        const before = contacts.stats().queries
        await contacts.getMany(1, [id], { cache: 'no-fill' })
        if (contacts.stats().queries === before) cached.push(id)
      }
      return cached
    }
    try {
      const plain = await replay(undefined)
      expect(plain).toHaveLength(12)
      expect(await replay('no-fill')).toEqual(plain)
      expect(await replay('normal')).not.toEqual(plain)
    } finally {
      vi.restoreAllMocks()
    }
  })

  it("'no-fill' still joins loads in flight, and a normal caller joining its load gets it cached", async () => {
    const gate = new ResultGate()
    const contacts = new ContactRepository({ db: backend.db.withPlugin(gate), table: backend.table })
    gate.closed = true
    const job = contacts.getMany(1, [11, 12], { cache: 'no-fill' })
    await gate.whenHeld(1)
    const request = contacts.getMany(1, [12])
    gate.open()
    await Promise.all([job, request])
    expect(contacts.stats()).toMatchObject({ queries: 1, inflightJoins: 1, entries: 1 })
    await contacts.getMany(1, [12])
    expect(contacts.stats().queries).toBe(1)
  })

  it("'bypass' always reads the database, caches nothing and joins nothing", async () => {
    const gate = new ResultGate()
    const contacts = new ContactRepository({ db: backend.db.withPlugin(gate), table: backend.table })
    await contacts.getMany(1, [21])
    const cached = await contacts.getMany(1, [21, 22, 21, 9999], { cache: 'bypass' })
    expect(cached.rows.map((r) => r.id)).toEqual([21, 22])
    expect(cached.missing).toEqual([9999])
    expect(contacts.stats()).toMatchObject({ queries: 2, entries: 1 })

    gate.closed = true
    const normal = contacts.getMany(1, [23])
    await gate.whenHeld(1)
    const bypass = contacts.getMany(1, [23], { cache: 'bypass' })
    expect(contacts.stats().inflightJoins).toBe(0)
    gate.open()
    await Promise.all([normal, bypass])
    expect(contacts.stats()).toMatchObject({ queries: 4, entries: 2 })
  })
})
