// Repository failures, produced for real on each backend, mapped by error code: 503 with
// Retry-After for transient ones, 500 for the rest; never driver text or a stack in the body.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ContactOverloadError,
  ContactQueryError,
  ContactRepository,
  ContactRowError,
  ContactTimeoutError,
} from '../../src/index.js'
import { PROBLEM_KINDS, createGetManyHandler, type GetManyErrorContext } from '../../src/http/index.js'
import { failureProblem } from '../../src/http/problem-kinds.js'
import { BACKENDS, openBackend, seed, uniqueTableName, type TestBackend } from '../helpers/backends.js'
import { openRefusedDatabase } from '../helpers/refused-database.js'
import { ResultGate } from '../helpers/result-gate.js'

const READER = { tenantId: 1, scopes: ['contacts:read'] }

/** Checks that nothing but our own words reached the body. */
function expectNoLeak(body: unknown, ...secrets: string[]): void {
  const text = JSON.stringify(body)
  expect(text).not.toMatch(/\n\s+at |Error:|ER_|SQLITE|select |from /i)
  for (const secret of secrets) expect(text).not.toContain(secret)
}

describe.each(BACKENDS)('G-HTTP-CONTRACT: repository failures on %s', (name) => {
  let backend: TestBackend

  beforeAll(async () => {
    backend = await openBackend(name, 'http_failures')
    await backend.insert([seed(1, 1), seed(1, 2), seed(2, 3)])
  })
  afterAll(async () => {
    await backend.close()
  })

  it('answers a failed query that retrying cannot fix 500, and hands the error to onError', async () => {
    const missing = uniqueTableName('missing')
    const repository = new ContactRepository({ db: backend.db, table: missing })
    const seen: [unknown, GetManyErrorContext][] = []
    const getMany = createGetManyHandler(repository, {
      retryAfterSeconds: 7,
      onError: (error, context) => seen.push([error, context]),
    })
    const response = await getMany({ body: { ids: [1, 2] }, auth: READER, requestId: 'q-1' })
    expect(response).toMatchObject({
      status: 500,
      headers: { 'content-type': 'application/problem+json', 'x-request-id': 'q-1' },
      body: { type: 'urn:contact-repository:problem:internal-error', status: 500, request_id: 'q-1' },
    })
    expect(response.headers).not.toHaveProperty('retry-after')
    expectNoLeak(response.body, missing)
    expect(seen).toEqual([[expect.any(ContactQueryError), { requestId: 'q-1', status: 500, tenantId: 1 }]])
  })

  it('answers a query past its deadline 503 (ERR_CONTACTS_TIMEOUT)', async () => {
    const gate = new ResultGate()
    const repository = new ContactRepository({ db: backend.db.withPlugin(gate), table: backend.table, queryTimeout: 50 })
    const seen: unknown[] = []
    const getMany = createGetManyHandler(repository, { onError: (error) => seen.push(error) })
    gate.closed = true
    const response = await getMany({ body: { ids: [1] }, auth: READER })
    gate.open()
    expect(response).toMatchObject({
      status: 503,
      headers: { 'retry-after': '1' },
      body: { status: 503, detail: 'Loading the contacts took too long. Retry in 1 second.' },
    })
    expect(seen).toEqual([expect.any(ContactTimeoutError)])
  })

  it('answers an overload 503 with Retry-After from retryAfterMs, rounded up to seconds', async () => {
    const gate = new ResultGate()
    const repository = new ContactRepository({
      db: backend.db.withPlugin(gate),
      table: backend.table,
      maxConcurrentQueries: 1,
      maxQueuedQueries: 0,
      overloadRetryAfter: 2_500,
    })
    const seen: unknown[] = []
    const getMany = createGetManyHandler(repository, { onError: (error) => seen.push(error) })
    gate.closed = true
    const busy = getMany({ body: { ids: [1] }, auth: READER })
    await gate.whenHeld(1)
    const shed = await getMany({ body: { ids: [3] }, auth: { tenantId: 2, scopes: ['contacts:read'] } })
    expect(shed).toMatchObject({
      status: 503,
      headers: { 'retry-after': '3' },
      body: { detail: 'Too many contact lookups are waiting right now. Retry in 3 seconds.' },
    })
    expect(seen).toEqual([expect.any(ContactOverloadError)])
    gate.open()
    expect((await busy).status).toBe(200)
  })

  it('answers a row that breaks the contract 500, without the row in the body', async () => {
    const bad = await openBackend(name, 'http_badrow')
    try {
      await bad.insert([seed(1, 1)])
      if (name === 'sqlite') {
        await sql`update ${sql.table(bad.table)} set created_at = ${'yesterday-ish'}`.execute(bad.db)
      } else {
        // MariaDB refuses a bad DATETIME; a NULL where the decoder needs a string does as well.
        await sql`alter table ${sql.table(bad.table)} modify type varchar(32) null`.execute(bad.db)
        await sql`update ${sql.table(bad.table)} set type = null`.execute(bad.db)
      }
      const repository = new ContactRepository({ db: bad.db, table: bad.table })
      const seen: [unknown, GetManyErrorContext][] = []
      const getMany = createGetManyHandler(repository, { onError: (error, context) => seen.push([error, context]) })
      const response = await getMany({ body: { ids: [1] }, auth: READER, requestId: 'row' })
      expect(response).toEqual({
        status: 500,
        headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', 'x-request-id': 'row' },
        body: {
          type: 'urn:contact-repository:problem:internal-error',
          title: 'Internal server error',
          status: 500,
          detail: 'The request could not be completed because of an internal error. Quote the request_id when reporting it.',
          request_id: 'row',
        },
      })
      expectNoLeak(response.body, 'yesterday', 'created_at', 'Column', bad.table)
      expect(seen).toEqual([[expect.any(ContactRowError), { requestId: 'row', status: 500, tenantId: 1 }]])
    } finally {
      await bad.close()
    }
  })

  it('answers a closed repository 500', async () => {
    const repository = new ContactRepository({ db: backend.db, table: backend.table })
    await repository.close()
    const response = await createGetManyHandler(repository)({ body: { ids: [1] }, auth: READER })
    expect(response).toMatchObject({ status: 500, body: { type: 'urn:contact-repository:problem:internal-error' } })
  })

  it('answers the same when onError throws', async () => {
    const repository = new ContactRepository({ db: backend.db, table: uniqueTableName('missing') })
    const getMany = createGetManyHandler(repository, { onError: () => { throw new Error('logger down') } })
    const response = await getMany({ body: { ids: [1] }, auth: READER })
    expect(response).toMatchObject({ status: 500, body: { status: 500 } })
  })
})

describe('G-HTTP-CONTRACT: repository failures when the database is unreachable', () => {
  it('answers 503 with Retry-After, and hands the error to onError', async () => {
    const { db, port } = await openRefusedDatabase()
    try {
      const seen: [unknown, GetManyErrorContext][] = []
      const getMany = createGetManyHandler(new ContactRepository({ db }), {
        retryAfterSeconds: 7,
        onError: (error, context) => seen.push([error, context]),
      })
      const response = await getMany({ body: { ids: [1, 2] }, auth: READER, requestId: 'q-2' })
      expect(response).toEqual({
        status: 503,
        headers: {
          'content-type': 'application/problem+json', 'cache-control': 'no-store', 'x-request-id': 'q-2', 'retry-after': '7',
        },
        body: {
          type: 'urn:contact-repository:problem:service-unavailable',
          title: 'Service unavailable',
          status: 503,
          detail: 'The contact store could not be read. Retry in 7 seconds.',
          request_id: 'q-2',
        },
      })
      expectNoLeak(response.body, String(port))
      expect(seen).toEqual([[expect.any(ContactQueryError), { requestId: 'q-2', status: 503, tenantId: 1 }]])
    } finally {
      await db.destroy()
    }
  })
})

describe('failureProblem (pure mapping by code)', () => {
  it.each([
    [new ContactOverloadError('tenant', 0), 503, '0'],
    [new ContactOverloadError('global', 1), 503, '1'],
    [new ContactOverloadError('global', 1_001), 503, '2'],
    [new ContactTimeoutError(5_000, 'acquire'), 503, '4'],
    [new ContactQueryError(1, 2, Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' })), 503, '4'],
    [new ContactQueryError(1, 2, Object.assign(new Error('Lost connection'), { code: 'PROTOCOL_CONNECTION_LOST' })), 503, '4'],
    // Retrying cannot fix a configuration error: it is ours, a 500.
    [new ContactQueryError(1, 2, Object.assign(new Error("Table 'x' doesn't exist"), { code: 'ER_NO_SUCH_TABLE' })), 500, undefined],
    [new ContactQueryError(1, 2, new Error('no code at all')), 500, undefined],
    // Matched on the code, not the class: another copy of the library, a wrapper.
    [{ code: 'ERR_CONTACTS_TIMEOUT', message: 'anything' }, 503, '4'],
    [new ContactRowError('Column email is not a string', { tenantId: 1, id: 7, column: 'email' }), 500, undefined],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 500, undefined],
    [new TypeError('x is undefined'), 500, undefined],
    ['a string', 500, undefined],
    [null, 500, undefined],
  ])('%s -> %i', (error, status, retryAfter) => {
    const answer = failureProblem(error, 4)
    expect(PROBLEM_KINDS[answer.kind].status).toBe(status)
    expect('retryAfterSeconds' in answer ? String(answer.retryAfterSeconds) : undefined).toBe(retryAfter)
    expect(answer.detail).not.toMatch(/ECONNREFUSED|Column|undefined/)
  })

  it('never reads the message', () => {
    const error = { code: 'ERR_CONTACTS_OVERLOADED', retryAfterMs: 10, get message(): string { throw new Error('read') } }
    expect(failureProblem(error, 1).kind).toBe('service-unavailable')
  })
})
