// createGetManyHandler called directly (the framework-agnostic contract), on a real repository
// over each backend: the 200 body, request IDs, 401/403 ordering, options.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { createGetManyHandler, type GetManyHttpResponse, type GetManyInput } from '../../src/http/index.js'
import { BACKENDS, openBackend, seed, type TestBackend } from '../helpers/backends.js'

const READER = { tenantId: 1, scopes: ['contacts:read'] }
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** A body that fails the test if anything looks at it. */
function untouchableBody(touched: string[]): unknown {
  const trap = (name: string) => (): never => {
    touched.push(name)
    throw new Error(`the body was looked at (${name})`)
  }
  return new Proxy({}, {
    get: trap('get'), has: trap('has'), ownKeys: trap('ownKeys'), getPrototypeOf: trap('getPrototypeOf'),
    getOwnPropertyDescriptor: trap('getOwnPropertyDescriptor'),
  })
}

describe.each(BACKENDS)('G-HTTP-CONTRACT: createGetManyHandler on %s', (name) => {
  let backend: TestBackend
  let repository: ContactRepository

  beforeAll(async () => {
    backend = await openBackend(name, 'http_handler')
    await backend.insert([
      seed(1, 1),
      seed(1, 2, { first_name: null, company_name: 'Acme', phone: '+1 555 0100', type: 'company' }),
      seed(1, 3, { updated_at: '2026-03-02 08:30:00.123' }),
      seed(2, 4),
    ])
    repository = new ContactRepository({ db: backend.db, table: backend.table })
  })
  afterAll(async () => {
    await repository.close()
    await backend.close()
  })

  it('answers 200 with data in request order, duplicates collapsed, and the contract meta', async () => {
    const getMany = createGetManyHandler(repository)
    const response = await getMany({ body: { ids: [3, 1, 4, 99, 1, 2] }, auth: READER, requestId: 'req-1' })
    expect(response).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-request-id': 'req-1' },
      body: {
        data: [
          {
            id: 3, firstName: 'First 3', lastName: 'Last 3', companyName: null, email: 'c3@t1.example', phone: null,
            type: 'person', createdAt: '2026-03-01T12:00:00.000Z', updatedAt: '2026-03-02T08:30:00.123Z',
          },
          {
            id: 1, firstName: 'First 1', lastName: 'Last 1', companyName: null, email: 'c1@t1.example', phone: null,
            type: 'person', createdAt: '2026-03-01T12:00:00.000Z', updatedAt: '2026-03-01T12:00:00.000Z',
          },
          {
            id: 2, firstName: null, lastName: 'Last 2', companyName: 'Acme', email: 'c2@t1.example', phone: '+1 555 0100',
            type: 'company', createdAt: '2026-03-01T12:00:00.000Z', updatedAt: '2026-03-01T12:00:00.000Z',
          },
        ],
        // 5 distinct IDs asked, 3 found: 4 is tenant 2's, 99 does not exist.
        meta: { request_id: 'req-1', pagination: { cursor: null, has_more: false, count: 3 }, requested: 5, returned: 3 },
      },
    })
    // Keys in the reference page's order, every one present.
    const first = (response.body as { data: object[] }).data[0]!
    expect(Object.keys(first)).toEqual([
      'id', 'firstName', 'lastName', 'companyName', 'email', 'phone', 'type', 'createdAt', 'updatedAt',
    ])
  })

  it('serves a repeated request from the cache: no statement, hits counted', async () => {
    const getMany = createGetManyHandler(repository)
    await getMany({ body: { ids: [1, 2] }, auth: READER })
    const statements = await backend.selectCount()
    const before = repository.stats()
    const response = await getMany({ body: { ids: [2, 1] }, auth: READER })
    expect(response.status).toBe(200)
    expect(await backend.selectCount()).toBe(statements)
    expect(repository.stats().hits).toBe(before.hits + 2)
  })

  it("G-HTTP-AUTH: never returns another tenant's contact, whatever the body says", async () => {
    const getMany = createGetManyHandler(repository)
    const response = await getMany({ body: { ids: [4] }, auth: { tenantId: 2, scopes: ['contacts:read'] } })
    expect(response.body).toMatchObject({ data: [{ id: 4 }], meta: { requested: 1, returned: 1 } })
    const other = await getMany({ body: { ids: [4] }, auth: READER })
    expect(other.body).toMatchObject({ data: [], meta: { requested: 1, returned: 0, pagination: { count: 0 } } })
  })

  it('reuses an incoming X-Request-Id of 1-128 visible ASCII characters, and replaces any other', async () => {
    const getMany = createGetManyHandler(repository)
    const idOf = async (requestId: GetManyInput['requestId']): Promise<string> => {
      const response = await getMany({ body: { ids: [1] }, auth: READER, requestId })
      expect(response.headers['x-request-id']).toBe((response.body as { meta: { request_id: string } }).meta.request_id)
      return response.headers['x-request-id']!
    }
    for (const usable of ['a', '~'.repeat(128), 'abc-123_XYZ:./!', '"quoted",comma']) {
      expect(await idOf(usable)).toBe(usable)
    }
    for (const unusable of [undefined, '', '~'.repeat(129), 'has space', 'tab\there', 'café', 'nul\u0000', ['a', 'b']]) {
      expect(await idOf(unusable)).toMatch(UUID)
    }
    expect(await idOf(undefined)).not.toBe(await idOf(undefined))
  })

  it('uses generateRequestId, falling back to a UUID when it returns something unusable or throws', async () => {
    let n = 0
    const counting = createGetManyHandler(repository, { generateRequestId: () => `gen-${++n}` })
    expect((await counting({ body: { ids: [1] }, auth: READER })).headers['x-request-id']).toBe('gen-1')
    const broken = createGetManyHandler(repository, { generateRequestId: () => 'not usable' })
    expect((await broken({ body: { ids: [1] }, auth: READER })).headers['x-request-id']).toMatch(UUID)
    // A generator that throws must not make the handler reject (it never does): the answer
    // is the one the request deserves, under a UUID.
    const throwing = createGetManyHandler(repository, {
      generateRequestId: () => {
        throw new Error('generator down')
      },
    })
    const answer = await throwing({ body: { ids: [1] }, auth: READER })
    expect(answer.status).toBe(200)
    expect(answer.headers['x-request-id']).toMatch(UUID)
    expect((answer.body as { meta: { request_id: string } }).meta.request_id).toBe(answer.headers['x-request-id'])
  })

  it('G-HTTP-AUTH: answers 401 without auth, with WWW-Authenticate, before anything else', async () => {
    const getMany = createGetManyHandler(repository)
    const touched: string[] = []
    for (const auth of [null, undefined]) {
      const response = await getMany({ body: untouchableBody(touched), auth, requestId: 'anon' })
      expect(response).toMatchObject({
        status: 401,
        headers: { 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer', 'x-request-id': 'anon' },
        body: { type: 'urn:contact-repository:problem:unauthenticated', title: 'Authentication required', status: 401, request_id: 'anon' },
      })
    }
    expect(touched).toEqual([])
  })

  it('G-HTTP-AUTH: answers 403 without the scope, without looking at the body, and sends no SQL', async () => {
    const getMany = createGetManyHandler(repository)
    const touched: string[] = []
    const statements = await backend.selectCount()
    const stats = repository.stats()
    const response = await getMany({ body: untouchableBody(touched), auth: { tenantId: 1, scopes: ['contacts:write'] }, requestId: 'r' })
    expect(touched).toEqual([])
    expect(response).toEqual({
      status: 403,
      headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', 'x-request-id': 'r' },
      body: {
        type: 'urn:contact-repository:problem:insufficient-scope',
        title: 'Scope insufficient',
        status: 403,
        detail: 'This endpoint needs the scope "contacts:read", which the caller does not hold.',
        request_id: 'r',
      },
    })
    // An invalid body does not change the answer: a caller without the scope learns nothing.
    const invalid = await getMany({ body: { ids: 'x', tenantId: 2 }, auth: { tenantId: 1, scopes: [] } })
    expect(invalid.status).toBe(403)
    expect(await backend.selectCount()).toBe(statements)
    expect(repository.stats()).toEqual(stats)
  })

  it('G-HTTP-AUTH: accepts scopes as a Set and honours requiredScope', async () => {
    const getMany = createGetManyHandler(repository, { requiredScope: 'crm:contacts' })
    expect((await getMany({ body: { ids: [1] }, auth: { tenantId: 1, scopes: new Set(['crm:contacts']) } })).status).toBe(200)
    expect((await getMany({ body: { ids: [1] }, auth: READER })).status).toBe(403)
  })

  it('refuses 10,000 IDs on their count without reading a single one', async () => {
    const getMany = createGetManyHandler(repository)
    const reads: PropertyKey[] = []
    const ids = new Proxy(Array.from({ length: 10_000 }, (_, i) => i + 1), {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads.push(key)
        return Reflect.get(target, key, receiver) as unknown
      },
    })
    const response = await getMany({ body: { ids }, auth: READER })
    expect(response.status).toBe(422)
    expect(response.body).toMatchObject({ errors: [{ field: 'ids', code: 'too_many_items', message: 'Must have at most 50 items' }] })
    expect(reads).toEqual([])
  })

  it('answers 500 (reported to onError) when the host passes a malformed auth', async () => {
    const seen: unknown[] = []
    const getMany = createGetManyHandler(repository, { onError: (error, context) => seen.push([error, context]) })
    const statements = await backend.selectCount()
    // Each is refused by the shape check itself, whose TypeError says what auth must be; none
    // may get as far as using its scopes (a string's or a plain object's missing `has`).
    const malformed = [
      'a bearer token',
      42,
      { tenantId: 0, scopes: ['contacts:read'] },
      { tenantId: '1', scopes: ['contacts:read'] },
      { tenantId: 1, scopes: 'contacts:read' },
      { tenantId: 1, scopes: null },
      { tenantId: 1, scopes: {} },
      { tenantId: 1, scopes: { has: 'contacts:read' } },
      // Not an object, though it carries both fields.
      Object.assign(() => undefined, { tenantId: 1, scopes: ['contacts:read'] }),
    ]
    for (const auth of malformed) {
      const response = await getMany({ body: { ids: [1] }, auth: auth as never, requestId: 'bad-auth' })
      expect(response).toMatchObject({ status: 500, body: { type: 'urn:contact-repository:problem:internal-error', request_id: 'bad-auth' } })
    }
    expect(seen).toHaveLength(malformed.length)
    for (const report of seen) {
      expect(report).toEqual([expect.any(TypeError), { requestId: 'bad-auth', status: 500, tenantId: undefined }])
      expect(((report as unknown[])[0] as TypeError).message).toBe(
        'auth must be { tenantId: a positive safe integer, scopes: an array or Set of strings }',
      )
    }
    expect(await backend.selectCount()).toBe(statements)
  })

  it('never rejects, even for an input that is not an object', async () => {
    const getMany = createGetManyHandler(repository)
    const response: GetManyHttpResponse = await getMany(undefined as never)
    expect(response.status).toBe(500)
    expect(response.headers['x-request-id']).toMatch(UUID)
  })

  it('builds problem types from problemTypeBase', async () => {
    const getMany = createGetManyHandler(repository, { problemTypeBase: 'https://api.example.com/problems/' })
    const response = await getMany({ body: {}, auth: READER })
    expect(response.body).toMatchObject({ type: 'https://api.example.com/problems/validation-failed', status: 422 })
  })
})

describe('createGetManyHandler options', () => {
  const repository = { getMany: () => Promise.reject(new Error('not called')) }

  it.each([
    [{ nope: 1 }, 'options.nope is not an option'],
    [{ requiredScope: '' }, 'options.requiredScope'],
    [{ problemTypeBase: 'not a uri ' }, 'options.problemTypeBase'],
    [{ retryAfterSeconds: -1 }, 'options.retryAfterSeconds'],
    [{ retryAfterSeconds: 1.5 }, 'options.retryAfterSeconds'],
    [{ wwwAuthenticate: '' }, 'options.wwwAuthenticate'],
    [{ generateRequestId: 'x' }, 'options.generateRequestId'],
    [{ onError: true }, 'options.onError'],
  ])('refuses %j with a TypeError naming it', (options, message) => {
    expect(() => createGetManyHandler(repository, options as never)).toThrow(TypeError)
    expect(() => createGetManyHandler(repository, options as never)).toThrow(message)
  })

  it('refuses a repository without getMany', () => {
    expect(() => createGetManyHandler({} as never)).toThrow(TypeError)
    expect(() => createGetManyHandler({} as never)).toThrow('repository must have a getMany() method')
  })

  it("says in a 422's detail how many problems the body has, and when only the first are listed", async () => {
    const getMany = createGetManyHandler(repository)
    const detailOf = async (ids: unknown[]): Promise<unknown> =>
      ((await getMany({ body: { ids }, auth: READER })).body as { detail: unknown }).detail
    expect(await detailOf(['a'])).toBe('The request body has 1 problem; see errors.')
    expect(await detailOf(['a', 'b'])).toBe('The request body has 2 problems; see errors.')
    // At most 20 problems are listed: exactly 20 needs no remark, 21 does.
    expect(await detailOf(Array.from({ length: 20 }, () => 'x'))).toBe('The request body has 20 problems; see errors.')
    expect(await detailOf(Array.from({ length: 21 }, () => 'x'))).toBe(
      'The request body has 21 problems; see errors. Only the first 20 are listed.',
    )
  })

  it("answers 401 with a detail that says what is missing", async () => {
    const response = await createGetManyHandler(repository)({ body: { ids: [1] }, auth: null })
    expect(response.body).toMatchObject({ status: 401, detail: 'This endpoint needs an authenticated caller.' })
  })
})
