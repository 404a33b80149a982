// Property and model-based tests: random tenants, IDs and ownership, cold and warm caches,
// random sequences of reads, writes, invalidations and time, checked against a simple model.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository, type GetManyResult } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ManualClock } from '../helpers/manual-clock.js'

const TENANTS = [1, 2, 3] as const
const runs = (name: string, mariadb: number, sqlite: number): number => (name === 'mariadb' ? mariadb : sqlite)

/** What getMany must return, given who owns each ID. */
function expected(owner: ReadonlyMap<number, number>, tenantId: number, ids: readonly number[]): { rows: number[]; missing: number[] } {
  const rows: number[] = []
  const missing: number[] = []
  for (const id of new Set(ids)) (owner.get(id) === tenantId ? rows : missing).push(id)
  return { rows, missing }
}

describe.each(BACKENDS)('properties, on %s', (name) => {
  let backend: TestBackend
  let base = 0

  beforeAll(async () => {
    backend = await openBackend(name, 'properties')
  })
  afterAll(async () => {
    await backend.close()
  })

  it('G-ORDER, G-TENANT-ISOLATION: returns exactly the caller\'s rows, in order, and the rest as missing, cold or warm', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Ownership of 30 IDs: 0 means the row does not exist.
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 30, maxLength: 30 }),
        // Rounds of concurrent calls: (tenant, IDs with duplicates and unknown IDs).
        fc.array(
          fc.array(fc.tuple(fc.constantFrom(...TENANTS), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 25 })), {
            minLength: 1,
            maxLength: 4,
          }),
          { minLength: 1, maxLength: 4 },
        ),
        async (ownership, rounds) => {
          base += 1000
          const owner = new Map<number, number>()
          ownership.forEach((tenant, i) => {
            if (tenant > 0) owner.set(base + i + 1, tenant)
          })
          await backend.insert([...owner].map(([id, tenant]) => seed(tenant, id)))
          const contacts = new ContactRepository({ db: backend.db, table: backend.table, maxBatchSize: 7 })
          for (const round of rounds) {
            const calls = round.map(([tenant, offsets]) => ({ tenant, ids: offsets.map((o) => base + o) }))
            const results = await Promise.all(calls.map(({ tenant, ids }) => contacts.getMany(tenant, ids)))
            results.forEach((result, k) => {
              const { tenant, ids } = calls[k]!
              expect({ rows: result.rows.map((r) => r.id), missing: result.missing }).toEqual(expected(owner, tenant, ids))
              for (const row of result.rows) expect(row.firstName).toBe(`First ${row.id}`)
            })
          }
          expect(contacts.stats().inflight).toBe(0)
        },
      ),
      { numRuns: runs(name, 40, 150) },
    )
  })

  it('G-FRESH-AFTER-INVALIDATE, G-TTL: agrees with a model under random reads, writes, invalidations and time', async () => {
    const ttl = 1_000
    const universe = Array.from({ length: 12 }, (_, i) => i + 1)

    interface Version {
      readonly tenant: number | undefined
      readonly name: string | undefined
      /** Clock time until which a cache may still serve this version; Infinity for the current one. */
      readonly until: number
    }
    interface Model {
      readonly current: Map<number, Version>
      readonly stale: Map<number, Version[]>
      readonly clock: ManualClock
      readonly base: number
      names: number
    }
    interface Real {
      readonly contacts: ContactRepository
    }
    type Command = fc.AsyncCommand<Model, Real>

    const id = (model: Model, k: number): number => model.base + k
    const forget = (model: Model, k: number): void => {
      model.stale.delete(k)
    }
    const freshName = (model: Model): string => `n${++model.names}`

    class GetMany implements Command {
      constructor(readonly tenant: number, readonly keys: number[]) {}
      check = (): boolean => true
      async run(model: Model, real: Real): Promise<void> {
        const result: GetManyResult = await real.contacts.getMany(this.tenant, this.keys.map((k) => id(model, k)))
        const now = model.clock.now()
        const allowed = (k: number): Version[] => [
          model.current.get(k) ?? { tenant: undefined, name: undefined, until: Infinity },
          ...(model.stale.get(k) ?? []).filter((v) => v.until > now),
        ]
        const distinct = [...new Set(this.keys)]
        const returned = new Map(result.rows.map((row) => [row.id - model.base, row.firstName]))
        expect(result.rows.map((r) => r.id - model.base)).toEqual(distinct.filter((k) => returned.has(k)))
        expect(result.missing.map((m) => m - model.base)).toEqual(distinct.filter((k) => !returned.has(k)))
        for (const k of distinct) {
          const versions = allowed(k)
          if (returned.has(k)) {
            expect(versions).toContainEqual(expect.objectContaining({ tenant: this.tenant, name: returned.get(k) }))
          } else {
            expect(versions.some((v) => v.tenant !== this.tenant)).toBe(true)
          }
        }
      }
      toString = (): string => `getMany(${this.tenant}, [${this.keys.join(',')}])`
    }

    class Write implements Command {
      constructor(readonly k: number, readonly tenant: number, readonly silent: boolean) {}
      check = (): boolean => true
      async run(model: Model, real: Real): Promise<void> {
        const before = model.current.get(this.k)
        const name = freshName(model)
        if (before === undefined) {
          await backend.insert([seed(this.tenant, id(model, this.k), { first_name: name })])
        } else {
          await backend.update(id(model, this.k), { tenant_id: this.tenant, first_name: name })
        }
        model.current.set(this.k, { tenant: this.tenant, name, until: Infinity })
        if (this.silent && before !== undefined && before.tenant === this.tenant) {
          // Not invalidated: the old version may be served until the TTL runs out.
          const stale = model.stale.get(this.k) ?? []
          stale.push({ ...before, until: model.clock.now() + ttl })
          model.stale.set(this.k, stale)
          return
        }
        const tenants = new Set([this.tenant, ...(before?.tenant === undefined ? [] : [before.tenant])])
        for (const tenant of tenants) await real.contacts.invalidate(tenant, [id(model, this.k)])
        forget(model, this.k)
      }
      toString = (): string => `${this.silent ? 'silentWrite' : 'write'}(${this.k} -> tenant ${this.tenant})`
    }

    class Delete implements Command {
      constructor(readonly k: number) {}
      check = (model: Model): boolean => model.current.has(this.k)
      async run(model: Model, real: Real): Promise<void> {
        const before = model.current.get(this.k)!
        await backend.remove([id(model, this.k)])
        model.current.delete(this.k)
        await real.contacts.invalidate(before.tenant!, [id(model, this.k)])
        forget(model, this.k)
      }
      toString = (): string => `delete(${this.k})`
    }

    class InvalidateTenant implements Command {
      constructor(readonly tenant: number) {}
      check = (): boolean => true
      async run(model: Model, real: Real): Promise<void> {
        await real.contacts.invalidateTenant(this.tenant)
        for (const [k, versions] of model.stale) {
          model.stale.set(k, versions.filter((v) => v.tenant !== this.tenant))
        }
      }
      toString = (): string => `invalidateTenant(${this.tenant})`
    }

    class Advance implements Command {
      constructor(readonly ms: number) {}
      check = (): boolean => true
      run(model: Model): Promise<void> {
        model.clock.advance(this.ms)
        return Promise.resolve()
      }
      toString = (): string => `advance(${this.ms})`
    }

    const key = fc.constantFrom(...universe)
    const tenant = fc.constantFrom(...TENANTS)
    const commands = [
      fc.tuple(tenant, fc.array(key, { minLength: 1, maxLength: 8 })).map(([t, ks]) => new GetMany(t, ks)),
      fc.tuple(tenant, fc.array(key, { minLength: 1, maxLength: 8 })).map(([t, ks]) => new GetMany(t, ks)),
      fc.tuple(key, tenant, fc.boolean()).map(([k, t, silent]) => new Write(k, t, silent)),
      key.map((k) => new Delete(k)),
      tenant.map((t) => new InvalidateTenant(t)),
      fc.integer({ min: 1, max: 1_500 }).map((ms) => new Advance(ms)),
    ]

    let runBase = 0
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 50, size: 'max' }), async (cmds) => {
        runBase += 10_000_000
        const clock = new ManualClock()
        const model: Model = { current: new Map(), stale: new Map(), clock, base: runBase, names: 0 }
        const contacts = new ContactRepository({
          db: backend.db, table: backend.table, now: clock.now, ttl, ttlJitter: 0, notFoundTtl: 300,
        })
        await fc.asyncModelRun(() => ({ model, real: { contacts } }), cmds)
        expect(contacts.stats().inflight).toBe(0)
      }),
      { numRuns: runs(name, 30, 120) },
    )
  })
})
