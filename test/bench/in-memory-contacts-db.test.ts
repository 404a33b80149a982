import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { fillTenants, openBenchTable, selectContactsSql, type BenchTable } from '../../bench/lib/bench-table.js'
import { fixtureRow } from '../../bench/lib/contact-fixture.js'
import { createInMemoryContactsDb } from '../../bench/lib/in-memory-contacts-db.js'
import { layTenants, tenantOfId } from '../../bench/lib/tenant-layout.js'

// The hit-rate and heap scenarios replace MariaDB by this in-memory copy; it must answer the
// repository exactly as MariaDB filled by the same fixture does.
describe('the in-memory contacts database', () => {
  const layout = layTenants({ totalIds: 600, tenants: 3, skew: 1 })
  let bench: BenchTable

  beforeAll(async () => {
    bench = await openBenchTable('fixture_test', 2)
    await fillTenants(bench, layout)
  })

  afterAll(async () => {
    await bench.close()
  })

  it('has the rows MariaDB has, column for column', async () => {
    const ids = [1, 2, 3, 6, 299, 300, 301, 599, 600]
    for (const id of ids) {
      const tenant = tenantOfId(layout, id)!
      const [rows] = await bench.pool.execute(selectContactsSql(bench.table, 1), [tenant.tenantId, id])
      expect(rows).toEqual([fixtureRow(id, tenant.tenantId)])
    }
  })

  it('answers the repository as MariaDB does: own rows, other tenants\' and absent IDs missing', async () => {
    const fake = createInMemoryContactsDb((id) => tenantOfId(layout, id)?.tenantId)
    const real = new ContactRepository({ db: bench.db, table: bench.table })
    const copy = new ContactRepository({ db: fake.db, table: 'contacts' })
    for (const tenant of layout) {
      const ids = [tenant.firstId + tenant.size - 1, tenant.firstId, 1, 300, 599, 10_000, tenant.firstId + 1]
      expect(await copy.getMany(tenant.tenantId, ids)).toEqual(await real.getMany(tenant.tenantId, ids))
    }
    expect(fake.queries()).toBe(layout.length)
  })

  it('refuses statements other than the repository\'s select', async () => {
    const fake = createInMemoryContactsDb(() => 1)
    await expect(fake.db.deleteFrom('contacts').execute()).rejects.toThrow(/cannot run/)
  })
})
