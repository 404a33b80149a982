// The repository's select on MariaDB: prepared executes with bound values through
// contact-repository/mysql, padded IN lists that never change the answer, a bounded number
// of statements per connection, and kysely's text protocol wherever preparing is not possible.
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { ContactRepository, type Contact } from '../../src/index.js'
import { paddedSizes } from '../../src/contacts/contacts-query.js'
import { createRandom } from '../../bench/lib/random.js'
import { seed, type SeedContact } from '../helpers/backends.js'
import { closeAdmin, isContactsSelect, openStatementRig, type Route, type StatementRig } from './statement-rig.js'

// Tenant 1 owns 1..40, tenant 2 owns 41..50; 51..60 do not exist.
const OWNER = (id: number): number | undefined => (id <= 40 ? 1 : id <= 50 ? 2 : undefined)
const SEEDED: SeedContact[] = Array.from({ length: 50 }, (_, i) => seed(OWNER(i + 1) as number, i + 1, { company_name: i % 3 === 0 ? `Co ${i}` : null }))

/** The contact the seed describes, as getMany returns it. */
function expected(id: number): Contact {
  const row = SEEDED[id - 1] as SeedContact
  return {
    id, firstName: row.first_name ?? null, lastName: row.last_name ?? null, companyName: row.company_name ?? null,
    email: row.email ?? null, phone: row.phone ?? null, type: row.type ?? 'person',
    createdAt: '2026-03-01T12:00:00.000Z', updatedAt: '2026-03-01T12:00:00.000Z',
  }
}

/** What getMany must answer: found rows in request order, each once; the rest missing. */
function model(tenantId: number, ids: readonly number[]): { rows: Contact[]; missing: number[] } {
  const distinct = [...new Set(ids)]
  return {
    rows: distinct.filter((id) => OWNER(id) === tenantId).map(expected),
    missing: distinct.filter((id) => OWNER(id) !== tenantId),
  }
}

const DATE_FORMAT = '%Y-%m-%dT%H:%i:%s.%f'

let rig: StatementRig | undefined
const open = async (route: Route, label: string, options?: Parameters<typeof openStatementRig>[2]): Promise<StatementRig> => {
  rig = await openStatementRig(route, label, options)
  await rig.insert(SEEDED)
  return rig
}
afterEach(async () => {
  await rig?.close()
  rig = undefined
})
afterAll(closeAdmin)

describe('G-MYSQL-PREPARED: the select on contact-repository/mysql', () => {
  it('is prepared once per connection and size, then executed with the tenant and the padded IDs bound', async () => {
    const { db, table, proxy } = await open('contact', 'prep_wire', { connectionLimit: 1 })
    const contacts = new ContactRepository({ db, table })
    const selects = () => proxy!.commands.flatMap((c) => (c.kind !== 'close' && isContactsSelect(c.text, table) ? [c] : []))

    expect(await contacts.getMany(1, [5, 3, 9])).toEqual({ ...model(1, [5, 3, 9]), stale: [] })
    const [prepare, execute, ...more] = selects()
    expect(more).toEqual([])
    expect(prepare).toMatchObject({ kind: 'prepare', parameters: 9 })
    // No value in the text: placeholders only, the IN list padded from 3 to 4.
    expect(prepare?.text).toMatch(/ where `tenant_id` = \? and `id` in \(\?, \?, \?, \?\)$/)
    expect(prepare?.text).toContain('date_format(`created_at`, ?)')
    expect(execute).toMatchObject({
      kind: 'execute',
      statementId: prepare?.kind === 'prepare' ? prepare.statementId : -1,
      values: [DATE_FORMAT, 'Z', DATE_FORMAT, 'Z', 1, 5, 3, 9, 9],
    })

    // Another list of the same padded size reuses the statement; a new size prepares one.
    await contacts.getMany(1, [7, 8, 10])
    await contacts.getMany(1, [11])
    expect(selects().slice(2).map((c) => (c.kind === 'execute' ? c.values.slice(4) : / in \([?, ]*\)$/.exec(c.text)?.[0]))).toEqual([
      [1, 7, 8, 10, 10],
      ' in (?)',
      [1, 11],
    ])
    expect(proxy!.commands.filter((c) => c.kind === 'query' && isContactsSelect(c.text, table))).toEqual([])
  })

  it('sends exactly one execute for 1,000 identical concurrent calls on a cold cache', async () => {
    const { db, table, proxy } = await open('contact', 'prep_burst')
    const contacts = new ContactRepository({ db, table })
    const results = await Promise.all(Array.from({ length: 1000 }, () => contacts.getMany(1, [4, 2, 51])))
    for (const result of results) expect(result).toEqual({ ...model(1, [4, 2, 51]), stale: [] })
    expect(proxy!.commands.filter((c) => c.kind === 'execute' && isContactsSelect(c.text, table))).toHaveLength(1)
  })

  it('lets db.destroy() close the pool even when every query of the instance was prepared', async () => {
    for (const route of ['contact', 'prepared'] as const) {
      const { db, table, proxy } = await open(route, `prep_destroy_${route}`)
      await new ContactRepository({ db, table }).getMany(1, [1, 2])
      expect(proxy!.connections).toBeGreaterThan(0)
      await db.destroy()
      await expect.poll(() => proxy!.connections, { timeout: 5_000 }).toBe(0)
      await rig?.close()
      rig = undefined
    }
  })
})

describe.each<Route>(['contact', 'prepared', 'contact-text', 'kysely', 'sqlite'])('padding, on route %s', (route) => {
  it('never changes the answer: every batch size from 1 to maxBatchSize + 1, duplicates, absent and foreign IDs', async () => {
    const { db, table, proxy, sqliteSelects } = await open(route, `pad_${route}`)
    const maxBatchSize = 9
    const contacts = new ContactRepository({ db, table, maxBatchSize })
    const random = createRandom(route.length)
    const pick = (): number => 1 + Math.floor(random() * 60)
    for (let n = 1; n <= maxBatchSize + 1; n++) {
      for (let k = 0; k < 4; k++) {
        const distinct = new Set<number>()
        while (distinct.size < n) distinct.add(pick())
        // The caller's own duplicates, too: collapsed before the batch.
        const ids = [...distinct, ...[...distinct].slice(0, k)]
        const tenant = k % 2 === 0 ? 1 : 2
        expect(await contacts.getMany(tenant, ids, { cache: 'bypass' })).toEqual({ ...model(tenant, ids), stale: [] })
      }
    }
    // The IN lists sent were padded to the fixed sizes, by repeating IDs of the batch.
    const sizes = paddedSizes(maxBatchSize)
    expect(sizes).toEqual([1, 2, 4, 8, 9])
    let lists: number[][]
    if (route === 'sqlite') {
      lists = sqliteSelects.map((text) => (JSON.parse(text.slice(text.indexOf(' -- ') + 4)) as number[]).slice(1))
    } else if (route === 'contact' || route === 'prepared') {
      lists = proxy!.commands.flatMap((c) => (c.kind === 'execute' && isContactsSelect(c.text, table) ? [c.values.slice(5) as number[]] : []))
      expect(proxy!.commands.filter((c) => c.kind === 'query' && isContactsSelect(c.text, table))).toEqual([])
    } else {
      lists = proxy!.commands.flatMap((c) => {
        if (c.kind !== 'query' || !isContactsSelect(c.text, table)) return []
        return [(/ in \(([^)]*)\)$/.exec(c.text)?.[1] ?? '').split(', ').map(Number)]
      })
      expect(proxy!.commands.filter((c) => c.kind === 'prepare' && isContactsSelect(c.text, table))).toEqual([])
    }
    expect(lists.length).toBe(4 * (maxBatchSize + 1) + 4) // n = 10 takes two batches
    for (const list of lists) expect(sizes).toContain(list.length)
    expect(lists.some((list) => new Set(list).size < list.length)).toBe(true)
  })
})

describe('G-MYSQL-PREPARED: the statements held per connection', () => {
  it.each<[Route, number]>([['contact', 10_000], ['prepared', 2_000]])(
    'stay bounded on route %s over %i calls of random sizes: at most ceil(log2(maxBatchSize)) + 1 each',
    async (route, calls) => {
      const { db, table, proxy, dialect } = await open(route, `bound_${route}`, { connectionLimit: 3 })
      const maxBatchSize = 100
      const contacts = new ContactRepository({ db, table, maxBatchSize, maxConcurrentQueries: 3 })
      const random = createRandom(11)
      const call = async (): Promise<void> => {
        const n = 1 + Math.floor(random() * maxBatchSize)
        const ids = Array.from({ length: n }, (_, i) => 1 + ((i * 7 + Math.floor(random() * 60)) % 60))
        const result = await contacts.getMany(1, ids, { cache: 'bypass' })
        expect(result.rows.length + result.missing.length).toBe(new Set(ids).size)
      }
      let left = calls
      await Promise.all(Array.from({ length: 6 }, async () => {
        while (left-- > 0) await call()
      }))
      const bound = Math.ceil(Math.log2(maxBatchSize)) + 1
      expect(bound).toBe(8)
      const held = new Map<number, number>()
      for (const c of proxy!.commands) {
        if (c.kind === 'prepare') held.set(c.connection, (held.get(c.connection) ?? 0) + 1)
        if (c.kind === 'close') held.set(c.connection, (held.get(c.connection) ?? 0) - 1)
      }
      expect(held.size).toBeGreaterThan(0)
      for (const count of held.values()) expect(count).toBeLessThanOrEqual(bound)
      const texts = new Set(proxy!.commands.flatMap((c) => (c.kind === 'prepare' ? [c.text] : [])))
      expect(texts.size).toBeLessThanOrEqual(bound)
      // Exactly one statement per call (every call had misses: 'bypass').
      expect(proxy!.commands.filter((c) => c.kind === 'execute' && isContactsSelect(c.text, table))).toHaveLength(calls)
      if (dialect !== undefined) {
        const stats = dialect.poolStats()
        expect(stats.maxPreparedStatementsPerConnection).toBeGreaterThan(0)
        expect(stats.maxPreparedStatementsPerConnection).toBeLessThanOrEqual(bound)
        expect(stats.preparedStatements).toBeLessThanOrEqual(bound * stats.connections)
      }
    },
    120_000,
  )
})
