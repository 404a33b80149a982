// Proves G-ROW-INTEGRITY (contract rule 4: a batch's rows are a subset of the IDs it asked for)
// and G-TENANT-ISOLATION at the repository level (a row of another tenant never comes out of a
// batch): a result carrying such a row fails the whole batch with ContactRowError, for every
// caller that waited on it, returns no row and caches nothing. The bad rows are fed through a
// real query by a Kysely plugin that rewrites the result after the database answered.
import type { UnknownRow } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ContactRepository, ContactRowError } from '../../src/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { ResultRewriter } from '../helpers/result-rewriter.js'

const TENANT = 1
const OTHER_TENANT = 2

const outcome = (promise: Promise<unknown>): Promise<unknown> => promise.then((value) => value, (error: unknown) => error)

describe.each(BACKENDS)('rows a batch did not ask for, on %s', (name) => {
  let backend: TestBackend
  let rewriter: ResultRewriter
  let contacts: ContactRepository

  beforeAll(async () => {
    backend = await openBackend(name, 'row_integrity')
    await backend.insert([seed(TENANT, 1), seed(TENANT, 2), seed(TENANT, 3), seed(OTHER_TENANT, 4)])
  })
  afterAll(async () => {
    await backend.close()
  })
  beforeEach(() => {
    rewriter = new ResultRewriter()
    contacts = new ContactRepository({ db: backend.db.withPlugin(rewriter), table: backend.table })
  })

  /** Both callers of one batch get the same ContactRowError; nothing is cached or left in flight. */
  async function expectBatchRefused(ids: readonly number[]): Promise<void> {
    const [first, second] = await Promise.all([
      outcome(contacts.getMany(TENANT, ids)),
      outcome(contacts.getMany(TENANT, [...ids].reverse())),
    ])
    expect(rewriter.rewritten, 'one batch, rewritten once').toBe(1)
    expect(first).toBeInstanceOf(ContactRowError)
    expect(first).toMatchObject({ code: 'ERR_CONTACTS_INVALID_ROW', transient: false })
    expect(second).toBe(first)
    expect(contacts.stats()).toMatchObject({ entries: 0, inflight: 0, errors: 1 })
    // Nothing was cached: once results are honest again, the same IDs are read afresh.
    rewriter.rewrite = undefined
    const queries = await backend.selectCount()
    const result = await contacts.getMany(TENANT, ids)
    expect(result.rows.map((row) => row.id)).toEqual(ids)
    expect(await backend.selectCount()).toBe(queries + 1)
  }

  it('G-ROW-INTEGRITY: a row that was not asked for fails the batch with ContactRowError and caches nothing', async () => {
    // Row 3 is the tenant's own and exists, but the batch asked for 1 and 2 only.
    rewriter.rewrite = (rows) => [...rows, { ...(rows[0] as UnknownRow), id: 3 }]
    await expectBatchRefused([1, 2])
  })

  it('G-TENANT-ISOLATION: a row of another tenant fed through a batch fails it with ContactRowError; no row is returned, nothing cached', async () => {
    // The second row now claims to be the other tenant's: the query's filter was bypassed.
    rewriter.rewrite = (rows) => rows.map((row, i) => (i === 1 ? { ...row, tenant_id: OTHER_TENANT } : row))
    await expectBatchRefused([1, 2])
  })

  it('G-TENANT-ISOLATION: another tenant\'s row under an ID the batch asked for is refused, not served as "not found" or as a row', async () => {
    // The query returns tenant 2's contact 4 to tenant 1, as a query without its tenant filter would.
    const foreign = seed(OTHER_TENANT, 4)
    rewriter.rewrite = (rows) => [
      ...rows,
      { ...(rows[0] as UnknownRow), id: foreign.id, tenant_id: foreign.tenant_id, email: foreign.email },
    ]
    const result = await outcome(contacts.getMany(TENANT, [1, 4]))
    expect(result).toBeInstanceOf(ContactRowError)
    expect(contacts.stats()).toMatchObject({ entries: 0, inflight: 0 })
    rewriter.rewrite = undefined
    expect(await contacts.getMany(TENANT, [1, 4])).toMatchObject({ rows: [{ id: 1 }], missing: [4] })
  })
})
