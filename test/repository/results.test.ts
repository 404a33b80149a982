// Proves G-ORDER (order, duplicates, missing), G-TENANT-ISOLATION (other tenants' IDs are
// missing) and G-ROW-INTEGRITY (frozen rows, UTC ISO dates whatever TZ, no rounded BIGINT IDs).
import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'

const MAX_ID = Number.MAX_SAFE_INTEGER

describe.each(BACKENDS)('results, on %s', (name) => {
  let backend: TestBackend
  let contacts: ContactRepository

  beforeAll(async () => {
    backend = await openBackend(name, 'results')
    await backend.insert([
      seed(1, 1), seed(1, 2), seed(1, 3), seed(2, 4), seed(2, 5),
      seed(1, 6, {
        first_name: 'Zoë', last_name: null, company_name: 'Ünïcode GmbH', email: null, phone: '+49 30 1234',
        type: 'company', created_at: '2026-03-01 23:59:59.999', updated_at: '2026-12-31 00:00:00.000',
      }),
      seed(1, MAX_ID),
    ])
  })
  afterAll(async () => {
    await backend.close()
  })
  afterEach(() => {
    delete process.env.TZ
  })

  const ask = (tenantId: number, ids: number[]) => contacts.getMany(tenantId, ids)

  for (const warm of [false, true]) {
    it(`G-ORDER: keeps request order, collapses duplicates to their first position (${warm ? 'warm' : 'cold'})`, async () => {
      contacts = new ContactRepository({ db: backend.db, table: backend.table })
      if (warm) await ask(1, [1, 2, 3, 4, 5, 99])
      const ids = [3, 99, 1, 3, 4, 2, 99, 1]
      const { rows, missing } = await ask(1, ids)
      expect(rows.map((r) => r.id)).toEqual([3, 1, 2])
      expect(missing).toEqual([99, 4])
      expect(rows.length + missing.length).toBe(new Set(ids).size)
    })

    it(`G-ORDER, G-TENANT-ISOLATION: reports another tenant's IDs as missing (${warm ? 'warm' : 'cold'})`, async () => {
      contacts = new ContactRepository({ db: backend.db, table: backend.table })
      if (warm) {
        await ask(2, [1, 2, 4, 5])
        await ask(1, [1, 2, 4, 5])
      }
      expect(await ask(2, [1, 4, 2, 5])).toMatchObject({ missing: [1, 2] })
      expect((await ask(2, [1, 4, 2, 5])).rows.map((r) => r.id)).toEqual([4, 5])
      expect((await ask(1, [4, 1])).rows.map((r) => r.id)).toEqual([1])
      expect((await ask(3, [1, 2, 3, 4, 5])).missing).toEqual([1, 2, 3, 4, 5])
    })
  }

  it('G-ROW-INTEGRITY: returns every column, null where absent, dates as UTC ISO with milliseconds', async () => {
    contacts = new ContactRepository({ db: backend.db, table: backend.table })
    const { rows } = await ask(1, [6])
    expect(rows).toEqual([
      {
        id: 6, firstName: 'Zoë', lastName: null, companyName: 'Ünïcode GmbH', email: null,
        phone: '+49 30 1234', type: 'company',
        createdAt: '2026-03-01T23:59:59.999Z', updatedAt: '2026-12-31T00:00:00.000Z',
      },
    ])
  })

  for (const tz of ['Pacific/Kiritimati', 'America/St_Johns', 'Asia/Kathmandu']) {
    it(`G-ROW-INTEGRITY: gives the same dates with TZ=${tz}`, async () => {
      process.env.TZ = tz
      contacts = new ContactRepository({ db: backend.db, table: backend.table })
      const { rows } = await ask(1, [6])
      expect(rows[0]?.createdAt).toBe('2026-03-01T23:59:59.999Z')
    })
  }

  it('G-ROW-INTEGRITY: returns frozen rows, so nobody can change what the cache holds', async () => {
    contacts = new ContactRepository({ db: backend.db, table: backend.table })
    const [cold] = (await ask(1, [1])).rows
    expect(Object.isFrozen(cold)).toBe(true)
    expect(() => {
      ;(cold as { firstName: string }).firstName = 'changed'
    }).toThrow(TypeError)
    const [warm] = (await ask(1, [1])).rows
    expect(warm?.firstName).toBe('First 1')
    // The result arrays are the caller's own.
    const result = await ask(1, [1, 2])
    result.rows.pop()
    expect((await ask(1, [1, 2])).rows).toHaveLength(2)
  })

  it('G-ROW-INTEGRITY: reads the largest safe ID exactly', async () => {
    contacts = new ContactRepository({ db: backend.db, table: backend.table })
    const { rows } = await ask(1, [MAX_ID, 1])
    expect(rows.map((r) => r.id)).toEqual([MAX_ID, 1])
  })
})

describe('G-ROW-INTEGRITY: results through mysql2 settings that would break a naive reader', () => {
  let backend: TestBackend
  beforeAll(async () => {
    backend = await openBackend('mariadb', 'settings')
    await backend.insert([seed(1, 1, { created_at: '2026-03-01 00:30:00.000' }), seed(1, Number.MAX_SAFE_INTEGER)])
  })
  afterAll(async () => {
    await backend.close()
  })

  const poolSettings = [
    { timezone: 'local', dateStrings: false },
    { timezone: '+05:30', dateStrings: false },
    { timezone: 'Z', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true },
    { supportBigNumbers: true, bigNumberStrings: false },
  ] as const

  for (const settings of poolSettings) {
    it(`reads the same row with ${JSON.stringify(settings)}`, async () => {
      process.env.TZ = 'America/Los_Angeles'
      const uri = `mysql://root@127.0.0.1:${String(backend.proxy!.port)}/test`
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic table
      const db = new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ uri, ...settings }) }) })
      try {
        const contacts = new ContactRepository({ db, table: backend.table })
        const { rows } = await contacts.getMany(1, [Number.MAX_SAFE_INTEGER, 1])
        expect(rows.map((r) => [r.id, r.createdAt])).toEqual([
          [Number.MAX_SAFE_INTEGER, '2026-03-01T12:00:00.000Z'],
          [1, '2026-03-01T00:30:00.000Z'],
        ])
      } finally {
        delete process.env.TZ
        await db.destroy()
      }
    })
  }
})
