// Proves G-HTTP-CONTRACT for every bad input the endpoint refuses (helpers/bad-bodies.ts), sent
// over real HTTP through each adapter to a real repository on each backend: exact status,
// problem+json, exact field, no SQL and no cache change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { formatFieldPath, validateGetManyRequest } from '../../src/http/validate-get-many-request.js'
import { BACKENDS, openBackend, seed, type BackendName, type TestBackend } from '../helpers/backends.js'
import { INVALID_BODIES, ids } from './helpers/bad-bodies.js'
import { expectProblem, fieldsOf } from './helpers/problem-assertions.js'
import { ADAPTERS, post, startServer, type AdapterName, type RunningServer } from './helpers/servers.js'

/** What only an adapter sees: [label, body, content type, status, problem kind]. */
const TRANSPORT_FAILURES: readonly (readonly [string, string | Uint8Array, string | null, number, string])[] = [
  ['a truncated JSON body', '{"ids":[1,2', 'application/json', 400, 'malformed-body'],
  ['an empty body', '', 'application/json', 400, 'malformed-body'],
  ['a body that is not UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'application/json', 400, 'malformed-body'],
  ['a deeply nested array', `{"ids":${'['.repeat(1000)}${']'.repeat(1000)}}`, 'application/json', 400, 'malformed-body'],
  ['a 1 MB body', `{"ids":[${'1,'.repeat(512 * 1024)}1]}`, 'application/json', 413, 'body-too-large'],
  ['10,000 IDs under the default limit', ids(10_000), 'application/json', 413, 'body-too-large'],
  ['text/plain', '{"ids":[1]}', 'text/plain', 415, 'unsupported-media-type'],
  ['no content type', '{"ids":[1]}', null, 415, 'unsupported-media-type'],
  ['form data', 'ids=1', 'application/x-www-form-urlencoded', 415, 'unsupported-media-type'],
  ['JSON in another charset', '{"ids":[1]}', 'application/json; charset=latin1', 415, 'unsupported-media-type'],
]

const combos: [AdapterName, BackendName][] = ADAPTERS.flatMap((a) => BACKENDS.map((b): [AdapterName, BackendName] => [a, b]))

describe.each(combos)('G-HTTP-CONTRACT: bad inputs through %s, on %s', (adapter, backendName) => {
  let backend: TestBackend
  let repository: ContactRepository
  let server: RunningServer
  let roomyServer: RunningServer

  beforeAll(async () => {
    backend = await openBackend(backendName, `http_bad_${adapter}`)
    await backend.insert([seed(1, 1), seed(1, 2), seed(1, 3), seed(1, 1000), seed(2, 4)])
    repository = new ContactRepository({ db: backend.db, table: backend.table })
    server = await startServer(adapter, repository)
    roomyServer = await startServer(adapter, repository, { bodyLimit: 1024 * 1024 })
    // Warm the cache a little, so that "no cache change" has something to not change.
    expect((await post(server.url, '{"ids":[1,4]}')).status).toBe(200)
  })
  afterAll(async () => {
    await server.close()
    await roomyServer.close()
    await repository.close()
    await backend.close()
  })

  /** Runs `send` and checks that it caused no statement and no change in the cache. */
  async function withoutSideEffects<T>(send: () => Promise<T>): Promise<T> {
    const statements = await backend.selectCount()
    const stats = repository.stats()
    const result = await send()
    expect(await backend.selectCount()).toBe(statements)
    expect(repository.stats()).toEqual(stats)
    return result
  }

  it.each(INVALID_BODIES)('422 for %s', async (_label, body, errors) => {
    const reply = await withoutSideEffects(() => post(server.url, body))
    const problem = expectProblem(reply, 422, 'validation-failed')
    expect(problem.title).toBe('Validation failed')
    expect(fieldsOf(problem)).toEqual(errors)
  })

  it('leaves Object.prototype untouched after a __proto__ body', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort()
    const reply = await post(server.url, '{"__proto__":{"x":1,"polluted":true},"ids":[1]}')
    expect(reply.status).toBe(422)
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  it('refuses 10,000 IDs on their count when the body limit lets them through', async () => {
    const reply = await withoutSideEffects(() => post(roomyServer.url, ids(10_000)))
    const problem = expectProblem(reply, 422, 'validation-failed')
    expect(fieldsOf(problem)).toEqual([{ field: 'ids', code: 'too_many_items' }])
  })

  it('lists at most 20 problems and says how many there were', async () => {
    const reply = await withoutSideEffects(() => post(server.url, JSON.stringify({ ids: Array(50).fill('x') })))
    const problem = expectProblem(reply, 422, 'validation-failed')
    expect(fieldsOf(problem)).toEqual(Array.from({ length: 20 }, (_, i) => ({ field: `ids[${i}]`, code: 'invalid_type' })))
    expect(problem.detail).toContain('50 problems')
  })

  it.each(TRANSPORT_FAILURES)('%s', async (_label, body, contentType, status, kind) => {
    const reply = await withoutSideEffects(() => post(server.url, body, { contentType }))
    const problem = expectProblem(reply, status, kind)
    expect(problem.errors).toBeUndefined()
  })

  it('refuses a chunked body over the limit as soon as it passes it', async () => {
    let pulled = 0
    const chunk = new TextEncoder().encode(`${'1,'.repeat(8191)}1,`)
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // An endless body: the server must answer without waiting for its end.
        pulled++
        controller.enqueue(pulled === 1 ? new TextEncoder().encode('{"ids":[') : chunk)
      },
    })
    const reply = await withoutSideEffects(() => post(server.url, stream))
    expectProblem(reply, 413, 'body-too-large')
  })

  it('accepts 1.0 and 1e3 as the integers 1 and 1000', async () => {
    const one = await post(server.url, '{"ids":[1.0]}')
    expect(one.status).toBe(200)
    expect((one.body as { data: { id: number }[] }).data.map((c) => c.id)).toEqual([1])
    const thousand = await post(server.url, '{"ids":[1e3]}')
    expect(thousand.status).toBe(200)
    expect((thousand.body as { data: { id: number }[] }).data.map((c) => c.id)).toEqual([1000])
  })
})

// The checks behind the 422s above, called directly: what a body with extra fields is told, how
// the count of problems is kept past the 20 that are listed, and how a nested field is named.
// Each of these let a planted bug through when only the HTTP tests ran (docs/mutation-testing.md).
describe('validateGetManyRequest, called directly', () => {
  const unknownKeys = (count: number): Record<string, number> =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]))

  it('answers a valid body with its own ids array (the plain check decided it; the schema would copy it)', () => {
    for (const ids of [[1], [1, 2, 3], Array.from({ length: 50 }, (_, i) => 50 - i), [Number.MAX_SAFE_INTEGER]]) {
      const result = validateGetManyRequest({ ids })
      expect(result).toEqual({ ok: true, ids })
      expect(result.ok && result.ids).toBe(ids)
    }
  })

  it('refuses a body that is null, an array or not an object, as the schema describes it', () => {
    for (const body of [null, [1, 2], 'ids', 5]) {
      expect(validateGetManyRequest(body)).toEqual({
        ok: false,
        errors: [{ field: '', code: 'invalid_type', message: expect.any(String) as unknown }],
        total: 1,
      })
    }
  })

  it('counts an inherited enumerable field as unknown, as the schema does', () => {
    const body = Object.create({ inherited: 1 }) as Record<string, unknown>
    body.ids = [1, 2]
    expect(validateGetManyRequest(body)).toEqual({
      ok: false,
      errors: [{ field: 'inherited', code: 'unrecognized_key', message: 'Unknown field; it is not part of the request' }],
      total: 1,
    })
  })

  it('refuses valid IDs next to an unknown field, naming the field', () => {
    expect(validateGetManyRequest({ ids: [1, 2], extra: true })).toEqual({
      ok: false,
      errors: [{ field: 'extra', code: 'unrecognized_key', message: 'Unknown field; it is not part of the request' }],
      total: 1,
    })
  })

  it('reports the unknown fields next to too many IDs, and counts those past the 20 listed', () => {
    const result = validateGetManyRequest({ ids: Array.from({ length: 51 }, (_, i) => i + 1), ...unknownKeys(25) })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.total).toBe(26)
    expect(result.errors.map((error) => `${error.field} ${error.code}`)).toEqual([
      'ids too_many_items',
      ...Array.from({ length: 19 }, (_, i) => `k${i} unrecognized_key`),
    ])
  })

  it('lists 20 of 25 unknown fields and counts all 25', () => {
    const result = validateGetManyRequest({ ids: [1], ...unknownKeys(25) })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.total).toBe(25)
    expect(result.errors.map((error) => error.field)).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`))
  })

  it('counts one problem per bad ID', () => {
    const result = validateGetManyRequest({ ids: [0, -1, 1.5] })
    expect(result).toMatchObject({ ok: false, total: 3 })
  })

  it('names a nested field with dots, an index in brackets and an odd key quoted', () => {
    expect(formatFieldPath(['meta', 'request_id'])).toBe('meta.request_id')
    expect(formatFieldPath(['ids', 3])).toBe('ids[3]')
    expect(formatFieldPath(['a b', 'c'])).toBe('["a b"].c')
    expect(formatFieldPath([])).toBe('')
  })
})
