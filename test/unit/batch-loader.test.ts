// The batch contract (src/loading/batch-loader.ts), rule by rule, against a fake query: no
// database, no cache, only the loader and what it hands its owner. The end-to-end tests on
// MariaDB and SQLite (test/repository) check the same rules through the repository.
import { describe, expect, it } from 'vitest'
import { ContactRowError, ContactQueryError } from '../../src/index.js'
import { contactRowOf, type ContactRow } from '../../src/contacts/contact-row.js'
import { BatchLoader, type Batch, type PendingLoad } from '../../src/loading/batch-loader.js'

interface Query {
  readonly tenantId: number
  readonly ids: readonly number[]
  resolve(rows: readonly ContactRow[]): void
  reject(error: unknown): void
}

const row = (tenantId: number, id: number): ContactRow =>
  contactRowOf({
    id, tenant_id: tenantId, first_name: null, last_name: null, company_name: null, email: null, phone: null,
    type: 'person', created_at: '2026-03-01 12:00:00.000', updated_at: '2026-03-01 12:00:00.000',
  })

interface SetupOptions {
  readonly maxConcurrent?: number
  readonly queryTimeout?: number
  readonly now?: () => number
}

function setup(maxBatchSize = 1000, options: SetupOptions = {}) {
  const queries: Query[] = []
  const filled: { batch: Batch; ids: number[] }[] = []
  const ended: { size: number; rows: number; error: unknown }[] = []
  const durations: number[] = []
  const loader = new BatchLoader({
    query: (tenantId, ids) =>
      new Promise<readonly ContactRow[]>((resolve, reject) => {
        queries.push({ tenantId, ids: [...ids], resolve, reject })
      }),
    fill: (batch, loads) => {
      filled.push({ batch, ids: loads.map((load) => load.id) })
    },
    events: {
      batchStart: () => undefined,
      batchEnd: (batch, ms, rows, error) => {
        ended.push({ size: batch.loads.length, rows, error })
        durations.push(ms)
      },
    },
    limits: {
      maxConcurrent: options.maxConcurrent ?? 8,
      maxConcurrentPerTenant: options.maxConcurrent ?? 8,
      maxQueued: 100,
      maxQueuedPerTenant: 100,
      retryAfterMs: 1,
    },
    maxBatchSize,
    queryTimeout: options.queryTimeout ?? 60_000,
    now: options.now ?? (() => performance.now()),
  })
  return { loader, queries, filled, ended, durations }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const outcome = (batch: Batch): Promise<unknown> => batch.done.then(() => 'ok', (error: unknown) => error)

describe('the batch contract', () => {
  it('G-ONE-QUERY: rule 1: a batch is one query of one tenant with 1..maxBatchSize distinct IDs; none is sent empty', async () => {
    const { loader, queries } = setup(3)
    for (const id of [1, 2, 3, 4, 5, 6, 7]) loader.enqueue(9, id, true)
    await tick()
    expect(queries.map((q) => [q.tenantId, q.ids])).toEqual([[9, [1, 2, 3]], [9, [4, 5, 6]], [9, [7]]])
    await tick()
    expect(queries).toHaveLength(3)
  })

  it('G-SHARED-LOADS: rule 2: IDs asked in the same tick by any caller of a tenant share its batch, sent on the next tick', async () => {
    const { loader, queries } = setup()
    const first = loader.enqueue(1, 10, true)
    await Promise.resolve() // a caller that awaited something already resolved still joins
    const second = loader.enqueue(1, 11, true)
    loader.enqueue(2, 10, true)
    expect(queries).toHaveLength(0)
    await tick()
    expect(first.batch).toBe(second.batch)
    expect(queries.map((q) => [q.tenantId, q.ids])).toEqual([[1, [10, 11]], [2, [10]]])
    loader.enqueue(1, 12, true)
    await tick()
    expect(queries.map((q) => q.ids)).toEqual([[10, 11], [10], [12]])
  })

  it('G-SHARED-LOADS: rule 3: while queued or running, a load is in flight and can be joined', async () => {
    const { loader, queries } = setup()
    const load = loader.enqueue(1, 10, true)
    expect(loader.inflightOf(1)?.get(10)).toBe(load)
    await tick()
    expect(loader.inflightOf(1)?.get(10)).toBe(load)
    expect(loader.inflight).toBe(1)
    queries[0]?.resolve([row(1, 10)])
    await load.batch.done
    expect(loader.inflightOf(1)).toBeUndefined()
    expect(loader.inflight).toBe(0)
  })

  it('G-ROW-INTEGRITY, G-TENANT-ISOLATION: rule 4: rows must be a subset of the asked IDs, each once, all of the batch tenant', async () => {
    // The error's data fields name the batch's tenant, the row and the column at fault.
    const cases: [(ids: readonly number[]) => ContactRow[], Pick<ContactRowError, 'tenantId' | 'id' | 'column'>][] = [
      [(ids) => [...ids.map((id) => row(1, id)), row(1, 99)], { tenantId: 1, id: 99, column: 'id' }],
      [(ids) => [row(1, ids[0] as number), row(1, ids[0] as number)], { tenantId: 1, id: 10, column: 'id' }],
      [(ids) => [row(2, ids[0] as number)], { tenantId: 1, id: 10, column: 'tenant_id' }],
    ]
    for (const [rows, fields] of cases) {
      const { loader, queries, filled } = setup()
      const load = loader.enqueue(1, 10, true)
      loader.enqueue(1, 11, true)
      await tick()
      queries[0]?.resolve(rows(queries[0].ids))
      const error = await outcome(load.batch)
      expect(error).toBeInstanceOf(ContactRowError)
      expect(error).toMatchObject(fields)
      expect(load.row).toBeUndefined()
      expect(filled).toEqual([])
    }
  })

  it('G-CLEAN-FAILURE: rule 5: a batch settles once, with a row or "not found" for every ID, or one error for every waiter', async () => {
    const { loader, queries, filled, ended } = setup()
    const found = loader.enqueue(1, 10, true)
    const absent = loader.enqueue(1, 11, true)
    const unwanted = loader.enqueue(1, 12, false) // a 'no-fill' caller alone: not for the cache
    await tick()
    queries[0]?.resolve([row(1, 10)])
    await found.batch.done
    expect([found.row?.id, absent.row, unwanted.row]).toEqual([10, null, null])
    expect(filled.map((f) => f.ids)).toEqual([[10, 11]])
    expect(ended).toEqual([{ size: 3, rows: 1, error: undefined }])

    const failing = loader.enqueue(1, 20, true)
    const other = loader.enqueue(1, 21, true)
    await tick()
    const cause = Object.assign(new Error('connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' })
    queries[1]?.reject(cause)
    const error = await outcome(failing.batch)
    expect(error).toBeInstanceOf(ContactQueryError)
    expect((error as ContactQueryError).cause).toBe(cause)
    expect(await outcome(other.batch)).toBe(error)
    expect(filled).toHaveLength(1)
    expect(loader.inflight).toBe(0)
    // A late answer changes nothing: the batch already settled.
    queries[1]?.resolve([row(1, 20)])
    await tick()
    expect(failing.row).toBeUndefined()
    expect(ended).toHaveLength(2)
  })

  it('G-FRESH-AFTER-INVALIDATE: rule 6: an invalidation of a sent batch detaches its IDs; a batch not yet sent stays joinable', async () => {
    const { loader, queries, filled } = setup()
    const queued = loader.enqueue(1, 10, true)
    loader.detach(1, [10])
    expect(loader.inflightOf(1)?.get(10)).toBe(queued) // not sent: its read comes after the write
    await tick()
    const sent: PendingLoad = queued
    loader.detach(1, [10])
    expect(loader.inflightOf(1)?.get(10)).toBeUndefined()
    const fresh = loader.enqueue(1, 10, true) // a later caller starts a new load
    expect(fresh).not.toBe(sent)
    queries[0]?.resolve([row(1, 10)])
    await sent.batch.done
    expect(sent.row?.id).toBe(10) // its waiters get their answer...
    expect(filled).toEqual([]) // ...but it is not cached
    expect(loader.inflightOf(1)?.get(10)).toBe(fresh)
  })
})

// What the loader keeps for its owner beside the six rules: the registry's counts, the order
// of sends, slots given back, deadlines, and private loads.
describe("the loader's bookkeeping", () => {
  it('loads privately in batches of at most maxBatchSize that nobody joins and nothing caches', async () => {
    const { loader, queries, filled } = setup(2)
    const loads = loader.loadPrivately(1, [10, 11, 12, 13, 14])
    expect(loader.inflightOf(1)).toBeUndefined()
    expect(loader.inflight).toBe(0)
    await tick()
    expect(queries.map((q) => q.ids)).toEqual([[10, 11], [12, 13], [14]])
    for (const query of queries) query.resolve(query.ids.map((id) => row(1, id)))
    await Promise.all(loads.map((load) => load.batch.done))
    expect(loads.map((load) => load.row?.id)).toEqual([10, 11, 12, 13, 14])
    expect(filled).toEqual([])
  })

  it('forgets a tenant once its last load is detached, and counts what stays joinable', async () => {
    const { loader } = setup()
    loader.enqueue(1, 10, true)
    loader.enqueue(1, 11, true)
    loader.enqueue(2, 10, true)
    await tick()
    loader.detach(1, [10])
    expect(loader.inflight).toBe(2)
    loader.detach(1, [11])
    expect(loader.inflight).toBe(1)
    expect(loader.inflightOf(1)).toBeUndefined()
    expect(loader.inflightOf(2)?.size).toBe(1)
  })

  it("detaches one tenant's sent loads with detachTenant, and every tenant's with detachAll", async () => {
    const { loader } = setup()
    const sent = [loader.enqueue(1, 10, true), loader.enqueue(1, 11, true), loader.enqueue(2, 10, true), loader.enqueue(3, 10, true)]
    await tick()
    const queued = loader.enqueue(1, 12, true) // not sent yet: stays joinable
    loader.detachTenant(1)
    expect(sent.map((load) => load.detached)).toEqual([true, true, false, false])
    expect(loader.inflightOf(1)?.get(12)).toBe(queued)
    expect(loader.inflight).toBe(3)
    loader.detachAll()
    expect(sent.map((load) => load.detached)).toEqual([true, true, true, true])
    expect(queued.detached).toBe(false)
    expect(loader.inflightOf(2)).toBeUndefined()
    expect(loader.inflightOf(3)).toBeUndefined()
    expect(loader.inflight).toBe(1)
  })

  it('numbers batches in the order they are sent, as sentCount counts them', async () => {
    const { loader } = setup(1)
    const loads = [loader.enqueue(1, 10, true), loader.enqueue(1, 11, true), loader.enqueue(2, 10, true)]
    expect(loader.sentCount).toBe(0)
    await tick()
    expect(loads.map((load) => load.batch.sequence)).toEqual([1, 2, 3])
    expect(loader.sentCount).toBe(3)
  })

  it('gives the query slot back when a query ends, so queued batches run', async () => {
    const { loader, queries } = setup(1000, { maxConcurrent: 1 })
    const loads = [loader.enqueue(1, 10, true), loader.enqueue(2, 10, true), loader.enqueue(3, 10, true)]
    await tick()
    for (let sent = 1; sent <= 3; sent++) {
      expect(queries).toHaveLength(sent)
      expect(loader.activeQueries).toBe(1)
      queries[sent - 1]?.resolve([])
      await loads[sent - 1]?.batch.done
      await tick()
    }
    expect(loader.activeQueries).toBe(0)
    expect(loader.queuedQueries).toBe(0)
  })

  it('reports how long each batch took on the given clock, success or failure', async () => {
    let clock = 1_000
    const { loader, queries, durations } = setup(1000, { now: () => clock })
    const ok = loader.enqueue(1, 10, true)
    const failing = loader.enqueue(2, 10, true)
    await tick()
    clock += 30
    queries[0]?.resolve([])
    await ok.batch.done
    clock += 12
    queries[1]?.reject(new Error('boom'))
    await outcome(failing.batch)
    expect(durations).toEqual([30, 42])
  })

  it('fails a batch at its deadline once, and ignores the answer that comes after', async () => {
    const { loader, queries, filled, ended } = setup(1000, { queryTimeout: 20 })
    const late = loader.enqueue(1, 10, true)
    const lost = loader.enqueue(2, 10, true)
    await tick()
    expect(await outcome(late.batch)).toMatchObject({ code: 'ERR_CONTACTS_TIMEOUT', phase: 'query', timeoutMs: 20 })
    expect(await outcome(lost.batch)).toMatchObject({ code: 'ERR_CONTACTS_TIMEOUT', phase: 'query', timeoutMs: 20 })
    expect(loader.inflight).toBe(0)
    queries[0]?.resolve([row(1, 10)]) // the database answers after all
    queries[1]?.reject(new Error('gone'))
    await tick()
    await tick()
    expect(late.row).toBeUndefined()
    expect(filled).toEqual([])
    expect(ended).toHaveLength(2)
    expect(loader.activeQueries).toBe(0)
  })

  it('says in the error which row was not asked for, or came back twice', async () => {
    for (const [rows, message] of [
      [[row(1, 10), row(1, 99)], 'Row 99 was not asked for'],
      [[row(1, 10), row(1, 10)], 'Row 10 came back twice'],
    ] as const) {
      const { loader, queries } = setup()
      const load = loader.enqueue(1, 10, true)
      await tick()
      queries[0]?.resolve(rows)
      expect(await outcome(load.batch)).toMatchObject({ message })
    }
  })
})
