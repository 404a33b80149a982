// Scopes given in every accepted form are checked, in both directions: held is 200, not held
// is 403, through the framework-agnostic handler and through each adapter's real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContactRepository } from '../../src/index.js'
import { createGetManyHandler, type GetManyAuth } from '../../src/http/index.js'
import { openBackend, seed, type TestBackend } from '../helpers/backends.js'
import { expectProblem } from './helpers/problem-assertions.js'
import { ADAPTERS, post, startServer, type RunningServer } from './helpers/servers.js'

/** A ReadonlySet that is not a Set: the endpoint may only rely on `has`. */
class ScopeList implements ReadonlySet<string> {
  readonly #scopes: readonly string[]
  constructor(scopes: readonly string[]) { this.#scopes = scopes }
  get size(): number { return this.#scopes.length }
  has(scope: string): boolean { return this.#scopes.includes(scope) }
  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void): void {
    for (const scope of this.#scopes) callback(scope, scope, this)
  }
  entries(): SetIterator<[string, string]> { return new Set(this.#scopes).entries() }
  keys(): SetIterator<string> { return new Set(this.#scopes).keys() }
  values(): SetIterator<string> { return new Set(this.#scopes).values() }
  [Symbol.iterator](): SetIterator<string> { return new Set(this.#scopes).values() }
}

/** Every form `auth.scopes` may take, each made from a list of scope names. */
const FORMS: readonly (readonly [string, (scopes: string[]) => GetManyAuth['scopes']])[] = [
  ['an array', (scopes) => scopes],
  ['a frozen array', (scopes) => Object.freeze(scopes)],
  ['a Set', (scopes) => new Set(scopes)],
  ['another ReadonlySet', (scopes) => new ScopeList(scopes)],
]

const HELD = ['contacts:write', 'contacts:read']
const NOT_HELD = ['contacts:write', 'contacts:read:all', 'CONTACTS:READ']

let backend: TestBackend
let repository: ContactRepository

beforeAll(async () => {
  backend = await openBackend('sqlite', 'http_scopes')
  await backend.insert([seed(1, 1), seed(1, 2)])
  repository = new ContactRepository({ db: backend.db, table: backend.table })
})
afterAll(async () => {
  await repository.close()
  await backend.close()
})

describe.each(FORMS)('G-HTTP-AUTH: scopes as %s', (_form, make) => {
  it('through the handler: held is 200, not held is 403 with nothing read', async () => {
    const getMany = createGetManyHandler(repository)
    const held = await getMany({ body: { ids: [2, 1] }, auth: { tenantId: 1, scopes: make(HELD) } })
    expect(held).toMatchObject({ status: 200, body: { data: [{ id: 2 }, { id: 1 }] } })
    const statements = await backend.selectCount()
    const denied = await getMany({ body: { ids: [2, 1] }, auth: { tenantId: 1, scopes: make(NOT_HELD) } })
    expect(denied).toMatchObject({ status: 403, body: { type: 'urn:contact-repository:problem:insufficient-scope' } })
    const none = await getMany({ body: { ids: [1] }, auth: { tenantId: 1, scopes: make([]) } })
    expect(none.status).toBe(403)
    expect(await backend.selectCount()).toBe(statements)
  })

  it('honours requiredScope in both directions', async () => {
    const getMany = createGetManyHandler(repository, { requiredScope: 'crm:contacts' })
    expect((await getMany({ body: { ids: [1] }, auth: { tenantId: 1, scopes: make(['crm:contacts']) } })).status).toBe(200)
    expect((await getMany({ body: { ids: [1] }, auth: { tenantId: 1, scopes: make(HELD) } })).status).toBe(403)
  })

  describe.each(ADAPTERS)('through the %s adapter', (adapter) => {
    let server: RunningServer
    beforeAll(async () => {
      server = await startServer(adapter, repository, {
        authenticate: (request) => ({
          tenantId: 1,
          scopes: make(request.headers.authorization === 'Bearer held' ? [...HELD] : [...NOT_HELD]),
        }),
      })
    })
    afterAll(async () => { await server.close() })

    it('held is 200, not held is 403', async () => {
      const held = await post(server.url, '{"ids":[1,2]}', { token: 'held' })
      expect(held).toMatchObject({ status: 200, body: { data: [{ id: 1 }, { id: 2 }] } })
      expectProblem(await post(server.url, '{"ids":[1,2]}', { token: 'not-held' }), 403, 'insufficient-scope')
    })
  })
})

it('refuses (500) scopes of any other form: a string, an object without has, null, a function with has', async () => {
  const seen: unknown[] = []
  const getMany = createGetManyHandler(repository, { onError: (error) => seen.push(error) })
  const functionWithHas = Object.assign(() => true, { has: () => true })
  for (const scopes of ['contacts:read', { 'contacts:read': true }, null, new Map([['contacts:read', true]]).keys(), functionWithHas]) {
    const response = await getMany({ body: { ids: [1] }, auth: { tenantId: 1, scopes } as never })
    expect(response.status).toBe(500)
  }
  expect(seen).toHaveLength(5)
})
